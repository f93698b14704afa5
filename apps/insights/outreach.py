"""The numbers of an intermediary's dashboard: its partner network, and the reach of the
opportunities it targeted, firm by firm, from targeting to selection.

The reach of one targeted opportunity is counted in firms, each at most once per stage:

- targeted: the firms its targeting reaches (named firms, partners reached through the
  network, and firms with a published capability in a targeted area or a sub-area);
- received: those with a member who was sent an alert or a digest containing it;
- opened: those with a member who opened it from such an e-mail (the signed per-recipient
  link; only recipients who allow link tracking are counted);
- followed, asked, responded: a member follows it, the firm asked a question, the firm
  responded;
- invited: the response was invited to pitch, or got further; selected: it was selected
  (or awarded). A firm counts at a stage whatever it did at the earlier ones (a firm may
  respond without opening the e-mail), so the stages need not shrink.

Each selector issues a fixed number of queries, whatever the number of opportunities,
firms and members."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import StrIndex, Substr, TruncMonth

from apps.capabilities.models import Capability
from apps.insights.selectors import INVITED_OR_LATER, SELECTED_OR_LATER, TOKYO
from apps.notifications.models import Delivery, DeliveryItem, LinkOpen
from apps.opportunities.models import (
    Follow,
    Opportunity,
    Question,
    Response,
    ResponseEvent,
    Target,
)
from apps.organizations.models import Membership, Organization, Partnership
from apps.taxonomy.models import TechnologyArea

STAGES = ("targeted", "received", "opened", "followed", "asked", "responded", "invited", "selected")
# The newest opportunities the intermediary targeted, shown one by one.
REACH_LIMIT = 12


@dataclass(frozen=True)
class Reach:
    opportunity: Opportunity
    counts: dict[str, int]  # stage → firms


def network_by_area(intermediary: Organization) -> list[tuple[TechnologyArea, int]]:
    """Partner firms on the portal by top-level technology area of their published
    capabilities (a firm counts once in each area it works in), largest first."""
    partner_firms = Partnership.objects.filter(
        intermediary=intermediary, firm__isnull=False
    ).values("firm_id")
    rows = (
        Capability.areas.through.objects.filter(
            capability__organization_id__in=partner_firms,
            capability__status=Capability.Status.PUBLISHED,
        )
        .annotate(
            top=Substr("technologyarea__path", 1, StrIndex("technologyarea__path", Value("/")) - 1)
        )
        .values("top")
        .annotate(firms=Count("capability__organization_id", distinct=True))
        .order_by()
    )
    counts = {row["top"]: row["firms"] for row in rows}
    areas = {a.slug: a for a in TechnologyArea.objects.filter(parent__isnull=True, slug__in=counts)}
    result = [(areas[slug], count) for slug, count in counts.items() if slug in areas]
    return sorted(result, key=lambda pair: (-pair[1], pair[0].name))


NOT_ON_PORTAL = "not-on-portal"
NO_PREFECTURE = ""


def network_by_prefecture(intermediary: Organization) -> dict[str, int]:
    """Partners by the prefecture of their firm; NOT_ON_PORTAL for invited firms not
    registered yet, NO_PREFECTURE for registered firms that have not given their address."""
    rows = (
        Partnership.objects.filter(intermediary=intermediary)
        .values("firm__prefecture")
        .annotate(
            on_portal=Count("pk", filter=Q(firm__isnull=False)),
            invited=Count("pk", filter=Q(firm__isnull=True)),
        )
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["on_portal"]:
            counts[row["firm__prefecture"] or NO_PREFECTURE] += row["on_portal"]
        if row["invited"]:
            counts[NOT_ON_PORTAL] += row["invited"]
    return dict(counts)


def _reached_firms(targets) -> dict[int, set[int]]:
    """opportunity id → firms its targeting rows reach (two queries)."""
    reached: dict[int, set[int]] = defaultdict(set)
    area_paths: dict[int, set[str]] = defaultdict(set)
    for opportunity_id, firm_id, area_path in targets.values_list(
        "opportunity_id", "firm_id", "area__path"
    ):
        reached.setdefault(opportunity_id, set())  # shown even before it reaches a firm
        if firm_id:
            reached[opportunity_id].add(firm_id)
        elif area_path:
            area_paths[opportunity_id].add(area_path)
    wanted = set().union(*area_paths.values()) if area_paths else set()
    if wanted:
        under = Q()
        for path in sorted(wanted):
            under |= Q(technologyarea__path__startswith=path)
        rows = (
            Capability.areas.through.objects.filter(
                under, capability__status=Capability.Status.PUBLISHED
            )
            .values_list("capability__organization_id", "technologyarea__path")
            .distinct()
        )
        for firm_id, path in rows:
            for opportunity_id, paths in area_paths.items():
                if any(path.startswith(p) for p in paths):
                    reached[opportunity_id].add(firm_id)
    return reached


def _firm_pairs(queryset, opportunity_field: str, firm_field: str) -> set[tuple[int, int]]:
    return set(queryset.values_list(opportunity_field, firm_field).distinct().order_by())


def reach(intermediary: Organization, *, since: datetime, limit: int = REACH_LIMIT) -> list[Reach]:
    """The reach of the newest opportunities the intermediary targeted since `since`,
    newest targeting first (a fixed number of queries)."""
    mine = Target.objects.filter(targeted_by_organization=intermediary, created_at__gte=since)
    newest = list(
        mine.values("opportunity_id")
        .annotate(last=Max("created_at"))
        .order_by("-last", "-opportunity_id")
        .values_list("opportunity_id", flat=True)[:limit]
    )
    if not newest:
        return []
    opportunities = Opportunity.objects.select_related("organization").in_bulk(newest)
    reached = _reached_firms(mine.filter(opportunity_id__in=newest))
    firms = set().union(*reached.values())
    pairs = {(o, f) for o, fs in reached.items() for f in fs}

    # A person may belong to several firms: keep every (user, firm).
    firms_of_user: dict[int, set[int]] = defaultdict(set)
    for user_id, firm_id in Membership.objects.filter(organization_id__in=firms).values_list(
        "user_id", "organization_id"
    ):
        firms_of_user[user_id].add(firm_id)

    def through_members(rows) -> set[tuple[int, int]]:
        return {(o, f) for o, user_id in rows for f in firms_of_user.get(user_id, ())}

    stage_pairs = {
        "received": through_members(
            DeliveryItem.objects.filter(
                opportunity_id__in=newest,
                recipient_id__in=list(firms_of_user),
                delivery__status=Delivery.Status.SENT,
            )
            .values_list("opportunity_id", "recipient_id")
            .distinct()
            .order_by()
        ),
        "opened": through_members(
            LinkOpen.objects.filter(opportunity_id__in=newest, user_id__in=list(firms_of_user))
            .values_list("opportunity_id", "user_id")
            .order_by()
        ),
        "followed": through_members(
            Follow.objects.filter(opportunity_id__in=newest, user_id__in=list(firms_of_user))
            .values_list("opportunity_id", "user_id")
            .order_by()
        ),
        "asked": _firm_pairs(
            Question.objects.filter(opportunity_id__in=newest, organization_id__in=firms),
            "opportunity_id",
            "organization_id",
        ),
    }
    responses = Response.objects.filter(opportunity_id__in=newest, organization_id__in=firms)
    stage_pairs["responded"] = _firm_pairs(responses, "opportunity_id", "organization_id")
    invited_before = ResponseEvent.objects.filter(
        response__in=responses, to_status__in=INVITED_OR_LATER
    )
    stage_pairs["invited"] = _firm_pairs(
        responses.filter(
            Q(status__in=INVITED_OR_LATER) | Q(pk__in=invited_before.values("response_id"))
        ),
        "opportunity_id",
        "organization_id",
    )
    stage_pairs["selected"] = _firm_pairs(
        responses.filter(status__in=SELECTED_OR_LATER), "opportunity_id", "organization_id"
    )
    result = []
    for opportunity_id in newest:
        counts = {"targeted": len(reached[opportunity_id])}
        for stage, found in stage_pairs.items():
            counts[stage] = sum(1 for pair in found if pair[0] == opportunity_id and pair in pairs)
        result.append(Reach(opportunity=opportunities[opportunity_id], counts=counts))
    return result


def network_responses_by_month(intermediary: Organization, *, since: datetime) -> dict:
    """Responses by partner firms, per month (Tokyo): to opportunities the intermediary
    targeted at the responding firm by name or through its network, and to others.
    {month date: {"targeted": n, "other": n}}."""
    partner_firms = Partnership.objects.filter(
        intermediary=intermediary, firm__isnull=False
    ).values("firm_id")
    targeted_at_it = Exists(
        Target.objects.filter(
            targeted_by_organization=intermediary,
            opportunity_id=OuterRef("opportunity_id"),
            firm_id=OuterRef("organization_id"),
        )
    )
    rows = (
        Response.objects.filter(organization_id__in=partner_firms, created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=TOKYO), targeted_at_it=targeted_at_it)
        .values("month")
        .annotate(
            targeted=Count("pk", filter=Q(targeted_at_it=True)),
            other=Count("pk", filter=Q(targeted_at_it=False)),
        )
        .order_by("month")
    )
    return {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: {
            "targeted": row["targeted"],
            "other": row["other"],
        }
        for row in rows
    }
