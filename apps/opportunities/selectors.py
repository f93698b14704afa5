from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.capabilities.models import Capability
from apps.opportunities import permissions
from apps.opportunities.models import (
    Amendment,
    Follow,
    Opportunity,
    Question,
    Response,
    Target,
)
from apps.organizations.models import Membership, Organization, Partnership
from apps.taxonomy.models import TechnologyArea

PUBLIC_STATUSES = (
    Opportunity.Status.PUBLISHED,
    Opportunity.Status.CLOSED,
    Opportunity.Status.AWARDED,
)


# Columns no page shows: the search index (as large as the texts) stays in the database.
SEARCH_COLUMNS = ("search_text", "search_vector", "area_vector")


def areas_for_display() -> QuerySet[TechnologyArea]:
    """Areas without their long descriptions, which no opportunity page shows."""
    return TechnologyArea.objects.defer(
        "description_en", "description_ja", "created_at", "updated_at"
    ).order_by("path")


def _with_related(queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return (
        queryset.defer(*SEARCH_COLUMNS)
        .select_related("organization")
        .prefetch_related(Prefetch("areas", queryset=areas_for_display()))
    )


def opportunities_public() -> QuerySet[Opportunity]:
    """What anyone may see: published opportunities and the closed or awarded ones they
    became. Drafts and cancelled ones are for the owning agency only."""
    return _with_related(Opportunity.objects.filter(status__in=PUBLIC_STATUSES))


CARD_FIELDS = (
    "reference_number", "title_en", "title_ja", "summary_en", "summary_ja", "vehicle",
    "trl_min", "trl_max", "status", "response_deadline", "published_at",
    "organization__name_en", "organization__name_ja", "organization__time_zone",
)  # fmt: skip


def opportunities_public_cards() -> QuerySet[Opportunity]:
    """The public rows with only what a result card shows (templates/opportunities/
    list.html), areas excluded: taxonomy's `attach_area_badges` adds them to the page's rows."""
    return (
        Opportunity.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("organization")
        .only(*CARD_FIELDS)
    )


def opportunities_visible_to(user) -> QuerySet[Opportunity]:
    visible = Q(status__in=PUBLIC_STATUSES)
    agencies = [a.pk for a in permissions.verified_agencies_of(user)]
    if agencies:
        visible |= Q(organization_id__in=agencies)
    return _with_related(Opportunity.objects.filter(visible))


def opportunities_managed_by(user) -> QuerySet[Opportunity]:
    agencies = [a.pk for a in permissions.verified_agencies_of(user)]
    return _with_related(Opportunity.objects.filter(organization_id__in=agencies))


def firm_area_ids(firm: Organization) -> set[int]:
    """The areas of a firm's published capabilities (a firm is in an area's slice when one
    of its capabilities is in that area or a sub-area of it)."""
    return set(
        Capability.areas.through.objects.filter(
            capability__organization=firm, capability__status=Capability.Status.PUBLISHED
        ).values_list("technologyarea_id", flat=True)
    )


def targets_reaching(firm: Organization) -> QuerySet[Target]:
    """Targeting rows that reach a firm: named directly, or an area that is (an ancestor
    of) one of its capability areas."""
    paths = list(
        TechnologyArea.objects.filter(pk__in=firm_area_ids(firm)).values_list("path", flat=True)
    )
    ancestor_paths: set[str] = set()
    for path in paths:
        parts = path.strip("/").split("/")
        ancestor_paths.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return Target.objects.filter(Q(firm=firm) | Q(area__path__in=ancestor_paths))


def opportunities_targeted_at(firm: Organization) -> QuerySet[Opportunity]:
    reaching = targets_reaching(firm).filter(opportunity=OuterRef("pk"))
    return (
        opportunities_public()
        .filter(status=Opportunity.Status.PUBLISHED)
        .filter(Exists(reaching))
        .order_by("response_deadline")
    )


def is_targeted_at(opportunity: Opportunity, firm: Organization) -> bool:
    return targets_reaching(firm).filter(opportunity=opportunity).exists()


def firm_dashboard(user, limit: int = 10) -> list[dict]:
    """For each firm of the user: published opportunities targeted at it, soonest first.
    A fixed number of queries whatever the number of firms and targets."""
    firms = permissions.firms_of(user)
    if not firms:
        return []
    firm_ids = [firm.pk for firm in firms]
    # Each firm's capability areas, and their ancestors' paths (an area reaches sub-areas).
    area_rows = Capability.areas.through.objects.filter(
        capability__organization_id__in=firm_ids,
        capability__status=Capability.Status.PUBLISHED,
    ).values_list("capability__organization_id", "technologyarea__path")
    paths_of: dict[int, set[str]] = {pk: set() for pk in firm_ids}
    for firm_id, path in area_rows:
        parts = path.strip("/").split("/")
        paths_of[firm_id].update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    all_paths = set().union(*paths_of.values())
    targets = Target.objects.filter(
        Q(firm_id__in=firm_ids) | Q(area__path__in=all_paths),
        opportunity__status=Opportunity.Status.PUBLISHED,
    ).values_list("opportunity_id", "firm_id", "area__path")
    opportunities_of: dict[int, set[int]] = {pk: set() for pk in firm_ids}
    for opportunity_id, firm_id, area_path in targets:
        for pk in firm_ids:
            if firm_id == pk or (area_path and area_path in paths_of[pk]):
                opportunities_of[pk].add(opportunity_id)
    wanted = set().union(*opportunities_of.values())
    opportunities = {
        o.pk: o
        for o in opportunities_public()
        .filter(pk__in=wanted, response_deadline__gt=timezone.now())
        .order_by("response_deadline")
    }
    rows = []
    for firm in firms:
        mine = [opportunities[pk] for pk in opportunities_of[firm.pk] if pk in opportunities]
        mine.sort(key=lambda o: o.response_deadline)
        rows.append({"firm": firm, "targeted": mine[:limit]})
    return rows


def agency_dashboard(user) -> dict:
    now = timezone.now()
    mine = opportunities_managed_by(user).annotate(
        response_count=Count("responses", distinct=True),
        awaiting_count=Count(
            "responses",
            filter=Q(responses__status=Response.Status.RECEIVED),
            distinct=True,
        ),
    )
    by_status = {status: [] for status, _label in Opportunity.Status.choices}
    for opportunity in mine.order_by("response_deadline"):
        by_status[opportunity.status].append(opportunity)
    return {
        "by_status": by_status,
        "awaiting_review": Response.objects.filter(
            opportunity__in=opportunities_managed_by(user), status=Response.Status.RECEIVED
        )
        .select_related("organization", "opportunity")
        .order_by("submitted_at")[:20],
        "due_this_week": mine.filter(
            status=Opportunity.Status.PUBLISHED,
            response_deadline__gte=now,
            response_deadline__lt=now + timezone.timedelta(days=7),
        ).order_by("response_deadline"),
    }


def amendments_of(opportunity) -> QuerySet[Amendment]:
    return opportunity.amendments.select_related("actor")


def public_questions_of(opportunity, user) -> QuerySet[Question]:
    """Answered public questions, plus every question of the viewer's own firms."""
    visible = Q(is_public=True, answered_at__isnull=False)
    firms = [f.pk for f in permissions.firms_of(user)]
    if firms:
        visible |= Q(organization_id__in=firms)
    return opportunity.questions.filter(visible).select_related("organization")


def responses_for_agency(opportunity) -> QuerySet[Response]:
    return opportunity.responses.select_related("organization", "submitted_by").order_by(
        "submitted_at", "pk"
    )


def responses_visible_to(user) -> QuerySet[Response]:
    """Responses of the user's firms, and responses to the user's agencies' opportunities."""
    if not user.is_authenticated:
        return Response.objects.none()
    firm_ids = Membership.objects.filter(user=user).values("organization_id")
    agencies = [a.pk for a in permissions.verified_agencies_of(user)]
    return Response.objects.filter(
        Q(organization_id__in=firm_ids) | Q(opportunity__organization_id__in=agencies)
    ).select_related("organization", "opportunity", "opportunity__organization")


def is_following(user, opportunity) -> bool:
    return (
        user.is_authenticated and Follow.objects.filter(user=user, opportunity=opportunity).exists()
    )


def next_open_deadline():
    """The soonest deadline of an open opportunity: until then, the set of open
    opportunities can change only by an edit (which raises the page-cache generation)."""
    return (
        Opportunity.objects.filter(
            status=Opportunity.Status.PUBLISHED, response_deadline__gt=timezone.now()
        )
        .order_by("response_deadline")
        .values_list("response_deadline", flat=True)
        .first()
    )


def network_firms(intermediary: Organization, *, area=None) -> QuerySet[Organization]:
    """The intermediary's partner firms that are on the portal; with `area`, those with a
    published capability in it or in one of its sub-areas."""
    firms = Organization.objects.filter(
        kind=Organization.Kind.FIRM,
        pk__in=Partnership.objects.filter(intermediary=intermediary, firm__isnull=False).values(
            "firm_id"
        ),
    )
    if area is not None:
        from apps.taxonomy.selectors import area_with_descendants_ids

        firms = firms.filter(
            pk__in=Capability.objects.filter(
                status=Capability.Status.PUBLISHED, areas__in=area_with_descendants_ids(area)
            ).values("organization_id")
        )
    return firms.order_by("name_en", "name_ja", "pk")
