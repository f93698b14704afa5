"""Reads of export-control requests: the reviewers' queue with its service-level figures
computed in the database, the requests nearing their target (for the daily reminder), and
the context of the decision letter.

The service-level clock runs from `submitted_at` (set again on resubmission) while the
request waits on the authority; days are counted on the calendar of Asia/Tokyo, like
expiry (DESIGN.md, "Time")."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_countries import countries

from apps.organizations.models import Organization
from apps.organizations.permissions import WAIVER_REVIEWERS_GROUP
from apps.waivers import workflow
from apps.waivers.models import WaiverEvent, WaiverRequest, tokyo_today

S = WaiverRequest.Status
TOKYO = ZoneInfo("Asia/Tokyo")

# The authority holds the request: the service-level target applies.
AWAITING_AUTHORITY = frozenset(
    {S.SUBMITTED, S.UNDER_REVIEW, S.RESUBMITTED, S.AWAITING_CONFIRMATION}
)
# Statuses that have a decision letter.
LETTER_STATUSES = frozenset({S.APPROVED, S.DENIED, S.REVOKED, S.EXPIRED})
# Statuses whose letter reports an approval (later revoked or expired, perhaps).
APPROVAL_STATUSES = frozenset({S.APPROVED, S.REVOKED, S.EXPIRED})
QUEUE_RELATED = ("firm", "receiving_agency", "assigned_reviewer")


class DaysBetween(Func):
    """Whole days from the date `start` to the date `end`, negative when `end` is earlier.
    PostgreSQL subtracts dates to an integer; SQLite goes through Julian day numbers."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def with_queue_figures(queryset: QuerySet | None = None, *, today: date | None = None):
    """Annotates each request, in the database, with

    - `days_waiting`: days since it was (re)submitted, while undecided;
    - `days_until_target`: days left until the service-level target (WAIVER_SLA_DAYS after
      submission), negative once passed, while the authority holds it;
    - `is_overdue`: whether that target has passed.

    The figures are empty (None, False) where they do not apply."""
    queryset = WaiverRequest.objects.all() if queryset is None else queryset
    today = today or tokyo_today()
    waiting = DaysBetween(
        Value(today, output_field=DateField()), TruncDate("submitted_at", tzinfo=TOKYO)
    )
    undecided = Q(status__in=workflow.BEFORE_DECISION, submitted_at__isnull=False)
    running = Q(status__in=AWAITING_AUTHORITY, submitted_at__isnull=False)
    return queryset.annotate(
        days_waiting=Case(When(undecided, then=waiting), default=None, output_field=IntegerField()),
        days_until_target=Case(
            When(running, then=Value(settings.WAIVER_SLA_DAYS) - waiting),
            default=None,
            output_field=IntegerField(),
        ),
    ).annotate(
        is_overdue=Case(
            When(days_until_target__lt=0, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def queue(*, today: date | None = None) -> QuerySet:
    """Every request with its queue figures and the rows the reviewers' list shows."""
    return with_queue_figures(WaiverRequest.objects.select_related(*QUEUE_RELATED), today=today)


def _figured(queryset: QuerySet | None, today: date | None) -> QuerySet:
    if queryset is None:
        return queue(today=today)
    if "is_overdue" in queryset.query.annotations:
        return queryset
    return with_queue_figures(queryset, today=today)


def overdue(queryset: QuerySet | None = None, *, today: date | None = None) -> QuerySet:
    """The requests (of `queryset`, or all) whose service-level target has passed while
    the authority holds them."""
    return _figured(queryset, today).filter(is_overdue=True)


def nearing_target(*, today: date) -> QuerySet:
    """Requests the authority holds whose service-level target falls within the next
    WAIVER_REMINDER_DAYS days, today included; overdue ones are `overdue()`'s. Ordered by
    how soon the target comes."""
    return (
        queue(today=today)
        .filter(days_until_target__gte=0, days_until_target__lte=settings.WAIVER_REMINDER_DAYS)
        .order_by("days_until_target", "pk")
    )


def target_date(request: WaiverRequest) -> date | None:
    """The day of the service-level target, while the authority holds the request."""
    if request.status not in AWAITING_AUTHORITY or not request.submitted_at:
        return None
    return _tokyo_date(request.submitted_at) + timedelta(days=settings.WAIVER_SLA_DAYS)


def reviewers() -> QuerySet:
    """Everyone who may work the queue: active staff in the reviewers group who belong to
    a verified regulator (organizations.permissions.is_waiver_reviewer, as a queryset)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            is_staff=True,
            groups__name=WAIVER_REVIEWERS_GROUP,
            memberships__organization__kind=Organization.Kind.REGULATOR,
            memberships__organization__verification_status=Organization.Verification.VERIFIED,
        )
        .distinct()
        .order_by("display_name", "email")
    )


def has_letter(request: WaiverRequest) -> bool:
    """Whether the request has a decision letter (approved, denied, revoked or expired)."""
    return request.status in LETTER_STATUSES


def _tokyo_date(moment):
    return timezone.localtime(moment, TOKYO).date() if moment else None


def letter_context(request: WaiverRequest) -> dict:
    """The context of templates/waivers/letter.html, the same for the admin and the firm.
    Raises ValueError for a request that has no decision yet (see `has_letter`).

    Dates are calendar dates in Asia/Tokyo, where the authority decides."""
    request = WaiverRequest.objects.select_related(
        "firm", "receiving_agency", "approved_by", "confirmed_by", "capability"
    ).get(pk=request.pk)
    if not has_letter(request):
        raise ValueError(f"{request.reference} has no decision letter (status {request.status}).")
    decisions = {
        event.action: event
        for event in WaiverEvent.objects.filter(
            request=request,
            kind=WaiverEvent.Kind.TRANSITION,
            action__in=("approve", "confirm", "deny", "revoke", "expire"),
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    }  # the latest of each action wins
    is_approval = request.status in APPROVAL_STATUSES
    confirmed = decisions.get("confirm")
    closing = {S.DENIED: "deny", S.REVOKED: "revoke", S.EXPIRED: "expire"}.get(request.status)
    closing_event = decisions.get(closing) if closing else None
    return {
        "waiver": request,
        "firm": request.firm,
        "receiving_agency": request.receiving_agency,
        "destination_country_name": countries.name(request.destination_country)
        or request.destination_country,
        "decision": request.status,
        "decision_label": request.get_status_display(),
        "is_approval": is_approval,
        "approved_by": request.approved_by if is_approval else None,
        "confirmed_by": request.confirmed_by if is_approval else None,
        "approved_on": _tokyo_date(confirmed.created_at) if confirmed and is_approval else None,
        "decided_by": closing_event.actor if closing_event else None,
        "decided_on": _tokyo_date(request.decided_at),
        "reasons": request.decision_reasons if request.status in (S.DENIED, S.REVOKED) else "",
        "issued_on": _tokyo_date(request.decided_at) or tokyo_today(),
    }
