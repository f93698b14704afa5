"""Every number the dashboards show, aggregated in the database.

Each selector issues a fixed number of queries whatever the amount of data, and returns
plain values (ids, counts, days); turning them into labelled charts is dashboards.py's
business. Percentiles are PostgreSQL's `percentile_cont` (linear interpolation between
the two nearest values); on SQLite, the zero-setup default, the values are read in one
query and interpolated the same way in Python.

Windows: the dashboards look at a recent window (WINDOW_DAYS), so that their cost stays
bounded however long the portal runs. Months are calendar months in Asia/Tokyo, where the
export-control authority works (DESIGN.md, "Time")."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import StrIndex, Substr, TruncMonth
from django.utils import timezone

from apps.capabilities.models import Capability
from apps.opportunities.models import Opportunity, Response, ResponseEvent
from apps.taxonomy.models import TechnologyArea
from apps.waivers import selectors as waiver_selectors
from apps.waivers.models import WaiverEvent, WaiverRequest, tokyo_today

TOKYO = ZoneInfo("Asia/Tokyo")
WINDOW_DAYS = 365
MONTHS = 12
# The opportunities shown one by one (responses, time to first response): the newest.
OPPORTUNITY_LIMIT = 30

RS = Response.Status
# A response that was invited to pitch, or got further (selection can skip the pitch).
INVITED_OR_LATER = (RS.INVITED, RS.SELECTED, RS.PROTOTYPE_AWARDED, RS.FOLLOW_ON)
SELECTED_OR_LATER = (RS.SELECTED, RS.PROTOTYPE_AWARDED, RS.FOLLOW_ON)
# The transitions that decide a request: the second reviewer's confirmation of an
# approval, and a denial.
DECISION_ACTIONS = ("confirm", "deny")


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=WINDOW_DAYS)


def recent_months(today: date | None = None, count: int = MONTHS) -> list[date]:
    """The first days of the last `count` months, the current one last (Tokyo)."""
    today = today or tokyo_today()
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def months_start(today: date | None = None, count: int = MONTHS) -> datetime:
    """The moment the first of recent_months() begins in Tokyo."""
    first = recent_months(today, count)[0]
    return datetime(first.year, first.month, 1, tzinfo=TOKYO)


# --- Database functions ------------------------------------------------------------------


class DaysBetween(Func):
    """Days (fractional) from the moment `start` to the moment `end`."""

    arity = 2
    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sql(self, compiler, connection, **extra_context):  # SQLite
        return super().as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the `fraction` percentile, interpolated."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= float(fraction) <= 1:
            raise ValueError("fraction must lie between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont in Python: linear interpolation between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def percentiles(queryset: QuerySet, field: str, fractions: tuple[float, ...]) -> list:
    """The `fractions` percentiles of `field` over the queryset: one query."""
    if _uses_postgresql():
        names = {f"p{i}": PercentileCont(field, f) for i, f in enumerate(fractions)}
        result = queryset.order_by().aggregate(**names)
        return [result[f"p{i}"] for i in range(len(fractions))]
    values = [v for v in queryset.order_by().values_list(field, flat=True) if v is not None]
    return [percentile(values, f) for f in fractions]


def percentiles_by(
    queryset: QuerySet, group: str, field: str, fractions: tuple[float, ...]
) -> dict:
    """{group value: [percentiles]} of `field` within each value of `group`: one query."""
    if _uses_postgresql():
        names = {f"p{i}": PercentileCont(field, f) for i, f in enumerate(fractions)}
        return {
            row[group]: [row[f"p{i}"] for i in range(len(fractions))]
            for row in queryset.order_by().values(group).annotate(**names)
        }
    grouped: dict = defaultdict(list)
    for key, value in queryset.order_by().values_list(group, field):
        if value is not None:
            grouped[key].append(value)
    return {key: [percentile(values, f) for f in fractions] for key, values in grouped.items()}


# --- The agency dashboard ----------------------------------------------------------------


def agency_opportunities(agency_ids, *, since: datetime) -> QuerySet[Opportunity]:
    """The agencies' opportunities published since `since`, and their drafts (never
    published) created since then."""
    return Opportunity.objects.filter(organization_id__in=agency_ids).filter(
        Q(published_at__gte=since) | Q(published_at__isnull=True, created_at__gte=since)
    )


def published_opportunities(agency_ids, *, since: datetime) -> QuerySet[Opportunity]:
    return Opportunity.objects.filter(organization_id__in=agency_ids, published_at__gte=since)


@dataclass(frozen=True)
class AreaStatusCounts:
    # Top-level areas that have any opportunity, in the taxonomy's order: (path, en, ja)
    areas: list[tuple[str, str, str]]
    # {(area path, status): opportunities}
    counts: dict[tuple[str, str], int]


def opportunities_by_area_and_status(agency_ids, *, since: datetime) -> AreaStatusCounts:
    """How many of the agencies' opportunities (agency_opportunities) fall in each
    top-level technology area, by status. An opportunity tagged with a sub-area counts
    under its top-level area, once per area even when several of its sub-areas share
    one; one tagged in two top-level areas counts in both. Two queries."""
    path = "technologyarea__path"
    rows = (
        Opportunity.areas.through.objects.filter(
            opportunity__in=agency_opportunities(agency_ids, since=since)
        )
        .annotate(root=Substr(path, 1, StrIndex(path, Value("/"))))
        .values("root", "opportunity__status")
        .annotate(count=Count("opportunity_id", distinct=True))
        .order_by()
    )
    counts = {(row["root"], row["opportunity__status"]): row["count"] for row in rows}
    roots = {root for root, _status in counts}
    areas = [
        (area_path, name_en, name_ja)
        for area_path, name_en, name_ja in TechnologyArea.objects.filter(
            depth=0, path__in=roots
        ).values_list("path", "name_en", "name_ja")
    ]
    return AreaStatusCounts(areas=areas, counts=counts)


def _first_response():
    return Subquery(
        Response.objects.filter(opportunity=OuterRef("pk"))
        .order_by("submitted_at", "pk")
        .values("submitted_at")[:1]
    )


def opportunities_with_response_figures(agency_ids, *, since: datetime) -> QuerySet:
    """The agencies' opportunities published since `since`, newest first, each with
    `response_count` and `days_to_first_response` (None without a response)."""
    return (
        published_opportunities(agency_ids, since=since)
        .annotate(
            response_count=Count("responses"),
            days_to_first_response=DaysBetween(_first_response(), F("published_at")),
        )
        .order_by("-published_at", "-pk")
    )


def newest_opportunities_figures(
    agency_ids, *, since: datetime, limit: int = OPPORTUNITY_LIMIT
) -> list[dict]:
    """The `limit` newest published opportunities: id, reference number, response count
    and days from publication to the first response. One query."""
    return list(
        opportunities_with_response_figures(agency_ids, since=since).values(
            "pk", "reference_number", "response_count", "days_to_first_response"
        )[:limit]
    )


@dataclass(frozen=True)
class FirstResponseSummary:
    opportunities: int  # published in the window
    answered: int  # of which have at least one response
    median_days: float | None  # over the answered ones


def first_response_summary(agency_ids, *, since: datetime) -> FirstResponseSummary:
    """The median time from publication to the first response, over every opportunity
    published in the window that has a response. Two queries."""
    figures = published_opportunities(agency_ids, since=since).annotate(
        days=DaysBetween(_first_response(), F("published_at"))
    )
    totals = figures.aggregate(
        opportunities=Count("pk"), answered=Count("pk", filter=Q(days__isnull=False))
    )
    (median,) = percentiles(figures.filter(days__isnull=False), "days", (0.5,))
    return FirstResponseSummary(
        opportunities=totals["opportunities"], answered=totals["answered"], median_days=median
    )


def matched_pairs(opportunities: QuerySet[Opportunity]) -> int:
    """How many (opportunity, firm) pairs match: the firm has a published capability in
    an area that relates to one of the opportunity's (the same area, one under it or one
    above it, as apps.matching scores it; every such capability matches with some score).

    Counted without a pair per row: opportunities with the same areas match the same
    firms, so each distinct set of areas is counted once, as the union of the firm sets
    of its related areas, kept as bit masks (one bit per firm). Three queries, and time
    that grows with the firms and capabilities of the related areas, not with their
    product with the opportunities."""
    area_sets: dict[int, set[int]] = defaultdict(set)
    for opportunity_id, area_id in Opportunity.areas.through.objects.filter(
        opportunity__in=opportunities
    ).values_list("opportunity_id", "technologyarea_id"):
        area_sets[opportunity_id].add(area_id)
    if not area_sets:
        return 0
    signatures: dict[frozenset[int], int] = defaultdict(int)
    for areas in area_sets.values():
        signatures[frozenset(areas)] += 1
    paths = dict(TechnologyArea.objects.values_list("pk", "path"))
    wanted = set().union(*signatures)

    def related(area_id: int) -> set[int]:
        path = paths[area_id]
        return {
            other
            for other, other_path in paths.items()
            if other_path.startswith(path) or path.startswith(other_path)
        }

    related_of = {area_id: related(area_id) for area_id in wanted if area_id in paths}
    masks: dict[int, int] = defaultdict(int)
    bit_of: dict[int, int] = {}
    for area_id, firm_id in (
        Capability.areas.through.objects.filter(
            capability__status=Capability.Status.PUBLISHED,
            technologyarea_id__in=set().union(*related_of.values()),
        )
        .values_list("technologyarea_id", "capability__organization_id")
        .distinct()
    ):
        bit = bit_of.setdefault(firm_id, len(bit_of))
        masks[area_id] |= 1 << bit
    total = 0
    for areas, count in signatures.items():
        mask = 0
        for area_id in areas:
            for other in related_of.get(area_id, ()):
                mask |= masks.get(other, 0)
        total += count * mask.bit_count()
    return total


@dataclass(frozen=True)
class Funnel:
    matched: int  # (opportunity, firm) pairs that match
    responded: int  # responses
    invited: int  # responses invited to pitch, or selected without a pitch
    selected: int  # responses selected (and those awarded after)


def funnel(agency_ids, *, since: datetime) -> Funnel:
    """From match to selection over the opportunities published in the window. Each
    stage is counted on its own: a firm may respond without matching. Four queries."""
    opportunities = published_opportunities(agency_ids, since=since)
    matched = matched_pairs(opportunities)
    was_invited = Exists(
        ResponseEvent.objects.filter(response=OuterRef("pk"), to_status=RS.INVITED)
    )
    responses = Response.objects.filter(opportunity__in=opportunities).aggregate(
        responded=Count("pk"),
        invited=Count("pk", filter=Q(status__in=INVITED_OR_LATER) | Q(was_invited)),
        selected=Count("pk", filter=Q(status__in=SELECTED_OR_LATER)),
    )
    return Funnel(matched=matched, **responses)


@dataclass(frozen=True)
class ExportGate:
    responses: int  # every response to the opportunities published in the window
    controlled: int  # with a controlled attachment on an opportunity requiring authorization
    released: int  # of which an export authorization in effect opens to the agency

    @property
    def held(self) -> int:
        return self.controlled - self.released

    @property
    def uncontrolled(self) -> int:
        return self.responses - self.controlled


def export_gate(agency_ids, *, since: datetime, today: date | None = None) -> ExportGate:
    """How many responses the export-control gate holds from the agency: those whose
    attachment is marked controlled, on an opportunity that requires an export
    authorization (opportunities.access.response_attachment_is_held), with no request in
    effect that covers the firm, the agency and the opportunity or the response
    (waivers.services.waiver_in_effect_exists). One query."""
    today = today or tokyo_today()
    in_effect = Exists(
        WaiverRequest.objects.filter(
            Q(opportunity_id=OuterRef("opportunity_id")) | Q(response_id=OuterRef("pk")),
            Q(conditions="") | Q(conditions_acknowledged_at__isnull=False),
            firm_id=OuterRef("organization_id"),
            receiving_agency_id=OuterRef("opportunity__organization_id"),
            status=WaiverRequest.Status.APPROVED,
            expires_on__gte=today,
        )
    )
    controlled = Q(
        opportunity__export_authorization_required=True, attachment_is_controlled=True
    ) & ~Q(attachment="")
    result = Response.objects.filter(
        opportunity__in=published_opportunities(agency_ids, since=since)
    ).aggregate(
        responses=Count("pk"),
        controlled=Count("pk", filter=controlled),
        released=Count("pk", filter=controlled & Q(in_effect)),
    )
    return ExportGate(**result)


# --- The reviewers' dashboard ------------------------------------------------------------


def _month(field: str):
    return TruncMonth(field, tzinfo=TOKYO, output_field=DateField())


def status_entries_by_month(*, today: date | None = None) -> dict[tuple[date, str], int]:
    """{(month, status): how many requests entered that status in that month}, from the
    audit trail's transitions, over recent_months(). One query."""
    rows = (
        WaiverEvent.objects.filter(
            kind=WaiverEvent.Kind.TRANSITION, created_at__gte=months_start(today)
        )
        .annotate(month=_month("created_at"))
        .values("month", "to_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(row["month"], row["to_status"]): row["count"] for row in rows}


def decision_events(*, since: datetime) -> QuerySet[WaiverEvent]:
    """The decisions taken since `since`: an approval's confirmation, a denial."""
    return WaiverEvent.objects.filter(
        kind=WaiverEvent.Kind.TRANSITION, action__in=DECISION_ACTIONS, created_at__gte=since
    )


def decisions(*, since: datetime) -> QuerySet[WaiverEvent]:
    """decision_events() each with `days_to_decision`: days from the request's first
    submission to the decision, the firm's turns (information requested, returned)
    included."""
    first_submitted = Subquery(
        WaiverEvent.objects.filter(
            request_id=OuterRef("request_id"),
            kind=WaiverEvent.Kind.TRANSITION,
            action="submit",
        )
        .order_by("created_at", "pk")
        .values("created_at")[:1]
    )
    return decision_events(since=since).annotate(
        days_to_decision=DaysBetween(F("created_at"), first_submitted)
    )


@dataclass(frozen=True)
class DecisionTimes:
    decisions: int
    median_days: float | None
    p90_days: float | None
    # {month: (median, 90th percentile)} of the decisions taken in each month
    by_month: dict[date, tuple[float | None, float | None]]


def decision_times(*, today: date | None = None) -> DecisionTimes:
    """Median and 90th percentile of the days to a decision, over recent_months() and
    month by month. Three queries."""
    taken = decisions(since=months_start(today)).filter(days_to_decision__isnull=False)
    count = taken.count()
    median, p90 = percentiles(taken, "days_to_decision", (0.5, 0.9))
    by_month = percentiles_by(
        taken.annotate(month=_month("created_at")), "month", "days_to_decision", (0.5, 0.9)
    )
    return DecisionTimes(
        decisions=count,
        median_days=median,
        p90_days=p90,
        by_month={month: tuple(values) for month, values in by_month.items()},
    )


@dataclass(frozen=True)
class ServiceLevel:
    held: int  # requests the authority holds now (the target's clock runs)
    overdue: int  # past the target
    due_soon: int  # target within WAIVER_REMINDER_DAYS, today included
    target_days: int
    reminder_days: int

    @property
    def on_track(self) -> int:
        return self.held - self.overdue - self.due_soon


def service_level(*, today: date | None = None) -> ServiceLevel:
    """Where the requests the authority holds stand against the service-level target,
    computed as the reviewers' queue does (waivers.selectors.with_queue_figures). One
    query."""
    running = WaiverRequest.objects.filter(
        status__in=waiver_selectors.AWAITING_AUTHORITY, submitted_at__isnull=False
    )
    figures = waiver_selectors.with_queue_figures(running, today=today)
    reminder = settings.WAIVER_REMINDER_DAYS
    result = figures.aggregate(
        held=Count("pk"),
        overdue=Count("pk", filter=Q(days_until_target__lt=0)),
        due_soon=Count("pk", filter=Q(days_until_target__gte=0, days_until_target__lte=reminder)),
    )
    return ServiceLevel(**result, target_days=settings.WAIVER_SLA_DAYS, reminder_days=reminder)


def decisions_by_classification(*, today: date | None = None) -> dict[tuple[str, str], int]:
    """{(classification, action): decisions} over recent_months(); the action is
    "confirm" (approved) or "deny". One query."""
    rows = (
        decision_events(since=months_start(today))
        .values("request__classification", "action")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {(row["request__classification"], row["action"]): row["count"] for row in rows}
