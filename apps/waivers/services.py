"""Everything that changes an export-control request. Each function checks who is
acting, takes the row lock, consults workflow.TRANSITIONS and writes the audit event in
the same transaction."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import PermissionDeniedError, TransitionNotAllowed
from apps.organizations import permissions as org_permissions
from apps.waivers import signals, workflow
from apps.waivers.models import (
    WaiverDocument,
    WaiverEvent,
    WaiverRequest,
    tokyo_today,
)

S = WaiverRequest.Status
EDITABLE_FIELDS = (
    "capability",
    "opportunity",
    "response",
    "receiving_agency",
    "consignee",
    "end_user",
    "end_use",
    "destination_country",
    "technology",
    "classification",
    "control_list_item",
    "not_listed_reasoning",
    "us_classification",
    "authorization_kind",
    "validity_months",
)


def _check_role(user, request: WaiverRequest, role: str) -> None:
    if role == workflow.OFFICER:
        if not org_permissions.is_export_control_officer(user, request.firm):
            raise PermissionDeniedError(_("Only your firm's export-control officer can do this."))
    elif role == workflow.REVIEWER:
        if not org_permissions.is_waiver_reviewer(user):
            raise PermissionDeniedError(_("Only export-control reviewers can do this."))
        if not has_declared_no_conflict(user, request):
            raise PermissionDeniedError(
                _("Declare that you have no conflict of interest with this firm first.")
            )
    elif role == workflow.SYSTEM and user is not None:
        raise PermissionDeniedError(_("This happens automatically."))


def _display(value):
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _event(request, actor, kind, **fields) -> WaiverEvent:
    return WaiverEvent.objects.create(request=request, actor=actor, kind=kind, **fields)


# --- The firm ------------------------------------------------------------------------


@transaction.atomic
def waiver_create(*, actor, firm, data: dict) -> WaiverRequest:
    if not org_permissions.is_member(actor, firm):
        raise PermissionDeniedError(_("You can only file requests for your own firm."))
    request = WaiverRequest(firm=firm, created_by=actor)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(request, name, data[name])
    request.full_clean()
    request.save()
    _event(
        request,
        actor,
        WaiverEvent.Kind.CREATED,
        to_status=request.status,
        changed_fields={n: _display(getattr(request, n)) for n in EDITABLE_FIELDS if n in data},
    )
    return request


@transaction.atomic
def waiver_update(*, actor, request: WaiverRequest, data: dict, version: int | None = None):
    """Edits a draft, or a request returned to the firm or awaiting its information.
    Each changed field is recorded with its old and new value."""
    request = WaiverRequest.objects.select_for_update().get(pk=request.pk)
    if not org_permissions.is_member(actor, request.firm):
        raise PermissionDeniedError(_("You can only edit your own firm's requests."))
    if request.status not in workflow.FIRM_EDITABLE:
        raise TransitionNotAllowed(_("This request cannot be edited now."))
    _check_version(request, version)
    changed = {}
    for name in EDITABLE_FIELDS:
        if name in data and getattr(request, name) != data[name]:
            changed[name] = [_display(getattr(request, name)), _display(data[name])]
            setattr(request, name, data[name])
    if not changed:
        return request
    request.full_clean()
    request.version += 1
    request.save()
    _event(request, actor, WaiverEvent.Kind.EDITED, changed_fields=changed)
    return request


@transaction.atomic
def document_add(*, actor, request: WaiverRequest, kind: str, upload, replaces=None):
    request = WaiverRequest.objects.select_for_update().get(pk=request.pk)
    if not org_permissions.is_member(actor, request.firm):
        raise PermissionDeniedError(_("You can only add documents to your own firm's requests."))
    if request.status not in workflow.FIRM_EDITABLE:
        raise TransitionNotAllowed(_("Documents can be added only while it is your turn."))
    if replaces is not None and (replaces.request_id != request.pk or not replaces.is_current):
        raise TransitionNotAllowed(_("Only a current document of this request can be replaced."))
    document = WaiverDocument(
        request=request,
        kind=kind,
        file=upload,
        original_name=upload.name[:255],
        replaces=replaces,
        uploaded_by=actor,
    )
    document.full_clean()
    document.save()
    _event(
        request,
        actor,
        WaiverEvent.Kind.DOCUMENT_ADDED,
        changed_fields={
            "document": document.original_name,
            "kind": kind,
            "replaces": replaces.original_name if replaces else None,
        },
    )
    return document


@transaction.atomic
def conditions_acknowledge(*, actor, request: WaiverRequest) -> WaiverRequest:
    """An approval with conditions takes effect once the firm's officer accepts them."""
    request = WaiverRequest.objects.select_for_update().get(pk=request.pk)
    _check_role(actor, request, workflow.OFFICER)
    if request.status != S.APPROVED or not request.conditions:
        raise TransitionNotAllowed(_("There are no conditions to acknowledge."))
    if request.conditions_acknowledged_at:
        return request
    request.conditions_acknowledged_at = timezone.now()
    request.conditions_acknowledged_by = actor
    request.version += 1
    request.save()
    event = _event(
        request,
        actor,
        WaiverEvent.Kind.TRANSITION,
        action="acknowledge_conditions",
        from_status=request.status,
        to_status=request.status,
        comment=request.conditions,
    )
    _announce(request, event)
    return request


# --- Reviewers -----------------------------------------------------------------------


def has_declared_no_conflict(user, request: WaiverRequest) -> bool:
    return WaiverEvent.objects.filter(
        request=request, actor=user, kind=WaiverEvent.Kind.NO_CONFLICT
    ).exists()


@transaction.atomic
def declare_no_conflict(*, actor, request: WaiverRequest, statement: str = "") -> WaiverEvent:
    if not org_permissions.is_waiver_reviewer(actor):
        raise PermissionDeniedError(_("Only export-control reviewers can do this."))
    if org_permissions.is_member(actor, request.firm):
        raise PermissionDeniedError(_("You belong to this firm: another reviewer must act."))
    existing = WaiverEvent.objects.filter(
        request=request, actor=actor, kind=WaiverEvent.Kind.NO_CONFLICT
    ).first()
    if existing:
        return existing
    return _event(
        request,
        actor,
        WaiverEvent.Kind.NO_CONFLICT,
        comment=statement or _("I have no conflict of interest with this firm."),
    )


def _check_version(request: WaiverRequest, version: int | None) -> None:
    if version is not None and version != request.version:
        raise TransitionNotAllowed(
            _(
                "Someone else changed this request while you were looking at it. "
                "Reload it to see what changed, then try again."
            )
        )


@transaction.atomic
def waiver_transition(
    *,
    actor,
    request: WaiverRequest,
    action: str,
    comment: str = "",
    version: int | None = None,
    **details,
) -> WaiverRequest:
    """Fires `action` (a key of workflow.TRANSITIONS) on the request, under a row lock.
    `version` is the version the actor saw: a stale one is refused with a clear message,
    so of two reviewers acting at once only the first succeeds."""
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(_("That action does not exist."))
    request = WaiverRequest.objects.select_for_update().get(pk=request.pk)
    _check_role(actor, request, transition.role)
    _check_version(request, version)
    if request.status not in transition.sources:
        raise TransitionNotAllowed(
            _("A request that is “%(status)s” cannot be changed this way.")
            % {"status": S(request.status).label}
        )
    comment = (comment or "").strip()
    if transition.needs_comment and not comment:
        raise TransitionNotAllowed(_("Write a comment: it goes into the record."))
    source = request.status
    changed = _apply(request, action, actor, comment, details)
    request.status = transition.target
    request.version += 1
    request.save()
    event = _event(
        request,
        actor,
        WaiverEvent.Kind.TRANSITION,
        action=action,
        from_status=source,
        to_status=request.status,
        comment=comment,
        changed_fields=changed,
    )
    _announce(request, event)
    return request


def _announce(request: WaiverRequest, event: WaiverEvent) -> None:
    """The firm hears of every state change, once per event (notifications listens)."""
    signals.send_on_commit(
        signals.waiver_status_changed,
        request_id=request.pk,
        event_id=event.pk,
        firm_id=request.firm_id,
        reference=request.reference,
        action=event.action,
        to_status=event.to_status,
        comment=event.comment,
    )


def _require_screening_cleared(request: WaiverRequest) -> None:
    """No approval, nor its confirmation, while a possible restricted-party match is open
    (one raised by a list imported since the approval counts too)."""
    from apps.waivers import screening

    if screening.uncleared_matches_exist(request):
        raise TransitionNotAllowed(
            _(
                "Clear the possible restricted-party matches first: each needs a "
                "reviewer's comment saying why it is not the listed party."
            )
        )


def _apply(request: WaiverRequest, action: str, actor, comment: str, details: dict) -> dict:
    """What each action records besides the status. Returns the changed fields."""
    from apps.waivers import screening  # screening reads services' conflict declarations

    now = timezone.now()
    changed: dict = {}

    def record(name, value):
        changed[name] = _display(value)
        setattr(request, name, value)

    if action == "submit" or action == "resubmit":
        if not request.classification:
            raise TransitionNotAllowed(_("Choose a classification before submitting."))
        if not request.documents.exists():
            raise TransitionNotAllowed(_("Add at least one supporting document first."))
        record("submitted_at", now)
        screening.screen_request(request, actor=actor)
    elif action == "assign":
        record("assigned_reviewer", details.get("reviewer") or actor)
    elif action == "approve":
        _require_screening_cleared(request)
        expires_on = details.get("expires_on")
        if not expires_on:
            raise TransitionNotAllowed(_("Give the date the authorization expires."))
        if expires_on <= tokyo_today():
            raise TransitionNotAllowed(_("The expiry date must be after today."))
        if not details.get("permit_number") or not details.get("permit_date"):
            raise TransitionNotAllowed(_("Record the authority's permit number and date."))
        record("expires_on", expires_on)
        record("conditions", (details.get("conditions") or "").strip())
        record("permit_number", details["permit_number"].strip())
        record("permit_date", details["permit_date"])
        record("approved_by", actor)
    elif action == "confirm":
        if request.approved_by_id == actor.pk:
            raise TransitionNotAllowed(
                _("A second reviewer must confirm an approval: you proposed this one.")
            )
        _require_screening_cleared(request)
        record("confirmed_by", actor)
        record("decided_at", now)
    elif action == "send_back":
        for name in ("expires_on", "permit_date"):
            record(name, None)
        for name in ("conditions", "permit_number"):
            record(name, "")
        record("approved_by", None)
    elif action in ("deny", "revoke"):
        record("decision_reasons", comment)
        record("decided_at", now)
    elif action in ("withdraw", "expire"):
        record("decided_at", now)
    return changed


def waivers_expire(*, today: date | None = None) -> int:
    """Approved requests whose expiry day (Asia/Tokyo) has passed become expired, each
    with its audit event. Returns how many."""
    today = today or tokyo_today()
    expired = 0
    due = WaiverRequest.objects.filter(status=S.APPROVED, expires_on__lt=today)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            request = WaiverRequest.objects.select_for_update().get(pk=pk)
            if request.status != S.APPROVED or request.expires_on >= today:
                continue
            waiver_transition(
                actor=None,
                request=request,
                action="expire",
                comment=_("Expired on %(date)s.") % {"date": request.expires_on.isoformat()},
            )
            expired += 1
    return expired


def waiver_in_effect_exists(
    *, firm_id: int, agency_id: int, opportunity_id: int, response_id: int | None = None
) -> bool:
    """Whether an approved, unexpired request whose conditions are acknowledged covers
    this firm sharing with this agency, for this opportunity (or this response to it)."""
    covers = Q(opportunity_id=opportunity_id)
    if response_id:
        covers |= Q(response_id=response_id)
    candidates = WaiverRequest.objects.filter(
        covers,
        firm_id=firm_id,
        receiving_agency_id=agency_id,
        status=S.APPROVED,
        expires_on__gte=tokyo_today(),
    )
    return any(request.is_in_effect for request in candidates)


def document_downloaded(*, actor, document: WaiverDocument) -> WaiverEvent:
    """Every opening of a controlled document is an audit event. The caller has checked
    that the actor may open it (permissions.document_access)."""
    return _event(
        document.request,
        actor,
        WaiverEvent.Kind.DOCUMENT_DOWNLOADED,
        changed_fields={"document": document.original_name, "document_id": document.pk},
    )


def reviewers_remind(*, today: date | None = None) -> int:
    """Undecided requests whose service-level target falls within the reminder window:
    the assigned reviewer (or, while unassigned, every reviewer) hears once per request
    and target date (the notice is unique per recipient and that key). Returns how many
    requests were due."""
    from datetime import timedelta

    from django.conf import settings

    from apps.waivers import selectors

    today = today or tokyo_today()
    due = list(selectors.nearing_target(today=today).select_related("assigned_reviewer"))
    if not due:
        return 0
    everyone = None
    for request in due:
        if request.assigned_reviewer_id:
            user_ids = [request.assigned_reviewer_id]
        else:
            if everyone is None:
                everyone = org_permissions.waiver_reviewer_ids()
            user_ids = everyone
        submitted = timezone.localtime(request.submitted_at, tokyo_today.zone).date()
        target = submitted + timedelta(days=settings.WAIVER_SLA_DAYS)
        signals.send_on_commit(
            signals.waiver_reminder_due,
            request_id=request.pk,
            reference=request.reference,
            user_ids=list(user_ids),
            target_date=target.isoformat(),
            days_left=max((target - today).days, 0),
        )
    return len(due)
