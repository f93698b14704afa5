"""Every write to opportunities, their targeting, follows, questions and responses.
Status changes go through apps.opportunities.workflow; events other apps care about are
sent after commit (apps.opportunities.signals)."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.search import update_search_columns
from apps.opportunities import permissions, signals, workflow
from apps.opportunities.models import (
    Amendment,
    Attachment,
    Follow,
    Opportunity,
    OpportunityEvent,
    Question,
    Response,
    ResponseEvent,
    Target,
)
from apps.organizations.models import Organization

EDITABLE_FIELDS = (
    "reference_number",
    "title_en",
    "title_ja",
    "summary_en",
    "summary_ja",
    "description_en",
    "description_ja",
    "vehicle",
    "trl_min",
    "trl_max",
    "funding_min",
    "funding_max",
    "currency",
    "response_deadline",
    "question_deadline",
    "place_of_performance",
    "foreign_participation",
    "export_authorization_required",
    "points_of_contact",
)


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _snapshot(opportunity: Opportunity) -> dict:
    data = {name: _jsonable(getattr(opportunity, name)) for name in EDITABLE_FIELDS}
    if opportunity.pk:
        data["areas"] = sorted(opportunity.areas.values_list("slug", flat=True))
    return data


def _refresh_search(opportunity: Opportunity) -> None:
    update_search_columns(
        Opportunity,
        opportunity.pk,
        opportunity.title_en,
        opportunity.title_ja,
        opportunity.summary_en,
        opportunity.summary_ja,
        opportunity.description_en,
        opportunity.description_ja,
        opportunity.reference_number,
        area_ids=opportunity.areas.values_list("pk", flat=True),
    )


def _validate_deadlines(opportunity: Opportunity, *, is_new: bool) -> None:
    now = timezone.now()
    errors = {}
    if opportunity.response_deadline and opportunity.response_deadline <= now:
        errors["response_deadline"] = _("The response deadline must be in the future.")
    if opportunity.question_deadline and opportunity.question_deadline <= now and is_new:
        errors["question_deadline"] = _("The question deadline must be in the future.")
    if errors:
        raise ValidationError(errors)


def _require_poster(actor: User, agency: Organization) -> None:
    if not permissions.can_post(actor, agency):
        raise PermissionDenied(_("Only staff of a verified agency post its opportunities."))


def _full_clean(opportunity: Opportunity) -> None:
    duplicate = Opportunity.objects.filter(
        organization=opportunity.organization, reference_number=opportunity.reference_number
    ).exclude(pk=opportunity.pk)
    if duplicate.exists():
        raise ValidationError(
            {
                "reference_number": _("Your agency already uses the reference number %(number)s.")
                % {"number": opportunity.reference_number}
            }
        )
    opportunity.full_clean()


@transaction.atomic
def opportunity_create(*, agency: Organization, actor: User, areas, **fields) -> Opportunity:
    """Create a draft opportunity for a verified agency the actor belongs to."""
    _require_poster(actor, agency)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown opportunity fields: {sorted(unknown)}")
    if not list(areas):
        raise ValidationError({"areas": _("Choose at least one technology area.")})
    opportunity = Opportunity(organization=agency, created_by=actor, **fields)
    _validate_deadlines(opportunity, is_new=True)
    _full_clean(opportunity)
    try:
        with transaction.atomic():
            opportunity.save()
    except IntegrityError as error:
        raise ValidationError(
            {"reference_number": _("Your agency already uses this reference number.")}
        ) from error
    opportunity.areas.set(areas)
    _refresh_search(opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, actor: User, areas=None, reason: str = "", **fields
) -> Opportunity:
    """Edit an opportunity. Once published, every edit is an amendment with a reason,
    and followers are told (opportunity_amended)."""
    if not permissions.can_manage(actor, opportunity):
        raise PermissionDenied(_("Only the agency's staff edit its opportunities."))
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status in (Opportunity.Status.AWARDED, Opportunity.Status.CANCELLED):
        raise ValidationError(_("An awarded or cancelled opportunity can no longer be edited."))
    before = _snapshot(opportunity)
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"Unknown opportunity field: {name}")
        setattr(opportunity, name, value)
    if areas is not None and not list(areas):
        raise ValidationError({"areas": _("Choose at least one technology area.")})
    if "response_deadline" in fields and fields["response_deadline"] != _parse(
        before["response_deadline"]
    ):
        _validate_deadlines(opportunity, is_new=False)
    published = opportunity.status != Opportunity.Status.DRAFT
    if published and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why the published opportunity changes: firms will see it.")}
        )
    _full_clean(opportunity)
    opportunity.save()
    if areas is not None:
        opportunity.areas.set(areas)
    changes = {
        name: [before.get(name), value]
        for name, value in _snapshot(opportunity).items()
        if before.get(name) != value
    }
    if published and changes:
        amendment = Amendment.objects.create(
            opportunity=opportunity, actor=actor, reason=reason.strip(), changes=changes
        )
        signals.send_on_commit(
            signals.opportunity_amended,
            opportunity_id=opportunity.pk,
            amendment_id=amendment.pk,
        )
    _refresh_search(opportunity)
    return opportunity


def _parse(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@transaction.atomic
def opportunity_transition(*, opportunity: Opportunity, actor: User, to: str) -> Opportunity:
    """Move an opportunity along its workflow (publish, close, award, cancel)."""
    if not permissions.can_manage(actor, opportunity):
        raise PermissionDenied(_("Only the agency's staff change its opportunities."))
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    workflow.check_opportunity(opportunity, to=to)
    if to == Opportunity.Status.PUBLISHED:
        if opportunity.response_deadline <= timezone.now():
            raise ValidationError(
                {"response_deadline": _("Move the response deadline into the future first.")}
            )
        opportunity.published_at = opportunity.published_at or timezone.now()
    OpportunityEvent.objects.create(
        opportunity=opportunity, actor=actor, from_status=opportunity.status, to_status=to
    )
    opportunity.status = to
    opportunity.save(update_fields=["status", "published_at", "updated_at"])
    if to == Opportunity.Status.PUBLISHED:
        signals.send_on_commit(signals.opportunity_published, opportunity_id=opportunity.pk)
    return opportunity


@transaction.atomic
def attachment_add(
    *, opportunity: Opportunity, actor: User, title: str, file, is_controlled: bool = False
) -> Attachment:
    if not permissions.can_manage(actor, opportunity):
        raise PermissionDenied(_("Only the agency's staff add attachments."))
    attachment = Attachment(
        opportunity=opportunity,
        title=title,
        file=file,
        is_controlled=is_controlled,
        uploaded_by=actor,
    )
    attachment.full_clean()
    attachment.save()
    if opportunity.status != Opportunity.Status.DRAFT:
        amendment = Amendment.objects.create(
            opportunity=opportunity,
            actor=actor,
            reason=_("Attachment added: %(title)s") % {"title": title},
            changes={"attachments": [None, title]},
        )
        signals.send_on_commit(
            signals.opportunity_amended, opportunity_id=opportunity.pk, amendment_id=amendment.pk
        )
    return attachment


@transaction.atomic
def target_add(
    *,
    opportunity: Opportunity,
    actor: User,
    on_behalf_of: Organization,
    firm: Organization | None = None,
    area=None,
    note_en: str = "",
    note_ja: str = "",
    via_network: bool = False,
) -> Target:
    """Target an opportunity at one firm or at every firm with capabilities in an area."""
    if not permissions.can_target_on_behalf_of(actor, opportunity, on_behalf_of):
        raise PermissionDenied(_("You may not target this opportunity."))
    if (firm is None) == (area is None):
        raise ValidationError(_("Target either one firm or one technology area."))
    if firm is not None and firm.kind != Organization.Kind.FIRM:
        raise ValidationError({"firm": _("Only firms can be targeted.")})
    target, created = Target.objects.get_or_create(
        opportunity=opportunity,
        firm=firm,
        area=area,
        targeted_by_organization=on_behalf_of,
        defaults={
            "targeted_by": actor,
            "note_en": note_en,
            "note_ja": note_ja,
            "via_network": via_network,
        },
    )
    # Targeting a draft is preparation: firms hear of it when it is published.
    if created and opportunity.status == Opportunity.Status.PUBLISHED:
        signals.send_on_commit(
            signals.opportunity_targeted, opportunity_id=opportunity.pk, target_id=target.pk
        )
    return target


@transaction.atomic
def targets_add(
    *,
    opportunity: Opportunity,
    actor: User,
    on_behalf_of: Organization,
    firms=(),
    areas=(),
    network: bool = False,
    network_area=None,
    note_en: str = "",
    note_ja: str = "",
) -> tuple[int, int]:
    """Target an opportunity at chosen firms and areas and, with `network`, at the
    intermediary's partner firms (all, or those in `network_area`), all or nothing.
    Returns how many firms and areas were new for the organization (targeting is
    idempotent)."""
    from apps.opportunities import selectors

    firms, areas = list(firms), list(areas)
    network_ids = (
        {firm.pk for firm in selectors.network_firms(on_behalf_of, area=network_area)}
        if network
        else set()
    )
    existing = opportunity.targets.filter(targeted_by_organization=on_behalf_of)
    known_firms = set(existing.filter(firm__isnull=False).values_list("firm_id", flat=True))
    known_areas = set(existing.filter(area__isnull=False).values_list("area_id", flat=True))
    common = {
        "opportunity": opportunity,
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "note_en": note_en,
        "note_ja": note_ja,
    }
    chosen = {firm.pk: firm for firm in firms}
    for firm in chosen.values():
        target_add(firm=firm, **common)
    if network_ids - set(chosen):
        target_network_add(firm_ids=sorted(network_ids - set(chosen)), **common)
    for area in areas:
        target_add(area=area, **common)
    return (
        len((set(chosen) | network_ids) - known_firms),
        len({area.pk for area in areas} - known_areas),
    )


@transaction.atomic
def target_network_add(
    *,
    opportunity: Opportunity,
    actor: User,
    on_behalf_of: Organization,
    firm_ids,
    note_en: str = "",
    note_ja: str = "",
) -> list[int]:
    """Target an opportunity at partner firms of an intermediary's network (chosen by the
    caller, e.g. selectors.network_firms), in bulk: one row per firm not yet targeted by
    the intermediary, and one alert for all of them. Returns the new rows' ids."""
    if not permissions.can_target_on_behalf_of(actor, opportunity, on_behalf_of):
        raise PermissionDenied(_("You may not target this opportunity."))
    if on_behalf_of.kind != Organization.Kind.INTERMEDIARY:
        raise ValidationError(_("Only an intermediary has a partner network."))
    now = timezone.now()
    Target.objects.bulk_create(
        [
            Target(
                opportunity=opportunity,
                firm_id=firm_id,
                targeted_by=actor,
                targeted_by_organization=on_behalf_of,
                note_en=note_en,
                note_ja=note_ja,
                via_network=True,
                created_at=now,
            )
            for firm_id in sorted(set(firm_ids))
        ],
        batch_size=1000,
        ignore_conflicts=True,  # already targeted (by another colleague, meanwhile): kept
    )
    created = list(
        Target.objects.filter(
            opportunity=opportunity,
            targeted_by_organization=on_behalf_of,
            firm_id__in=firm_ids,
            created_at=now,
        ).values_list("pk", flat=True)
    )
    if created and opportunity.status == Opportunity.Status.PUBLISHED:
        signals.send_on_commit(
            signals.opportunity_targeted_at_network,
            opportunity_id=opportunity.pk,
            target_ids=created,
        )
    return created


def follow(*, opportunity: Opportunity, user: User) -> Follow:
    return Follow.objects.get_or_create(user=user, opportunity=opportunity)[0]


def unfollow(*, opportunity: Opportunity, user: User) -> None:
    Follow.objects.filter(user=user, opportunity=opportunity).delete()


@transaction.atomic
def question_ask(
    *, opportunity: Opportunity, actor: User, firm: Organization, text: str
) -> Question:
    from apps.organizations import permissions as org_permissions

    if not org_permissions.is_member(actor, firm) or firm.kind != Organization.Kind.FIRM:
        raise PermissionDenied(_("Only members of a firm ask questions."))
    if not opportunity.is_open_for_questions:
        raise ValidationError(_("The question period of this opportunity has ended."))
    question = Question(opportunity=opportunity, organization=firm, asked_by=actor, text=text)
    question.full_clean()
    question.save()
    Follow.objects.get_or_create(user=actor, opportunity=opportunity)
    return question


@transaction.atomic
def question_answer(*, question: Question, actor: User, answer: str, is_public: bool) -> Question:
    if not permissions.can_manage(actor, question.opportunity):
        raise PermissionDenied(_("Only the agency's staff answer questions."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer.")})
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.answer = answer
    question.is_public = is_public
    question.answered_by = actor
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "is_public", "answered_by", "answered_at", "updated_at"])
    signals.send_on_commit(
        signals.question_answered, opportunity_id=question.opportunity_id, question_id=question.pk
    )
    return question


@transaction.atomic
def response_submit(
    *,
    opportunity: Opportunity,
    actor: User,
    firm: Organization,
    kind: str,
    body: str,
    attachment=None,
    is_proprietary: bool = False,
    attachment_is_controlled: bool = False,
) -> Response:
    """Submit or, until the deadline, edit the firm's one response."""
    from apps.organizations import permissions as org_permissions

    if firm.kind != Organization.Kind.FIRM or not org_permissions.is_member(actor, firm):
        raise PermissionDenied(_("Only members of a firm respond for it."))
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not opportunity.is_open_for_responses:
        raise ValidationError(
            _("The response deadline of this opportunity has passed; responses are closed.")
        )
    response = Response.objects.filter(opportunity=opportunity, organization=firm).first()
    created = response is None
    if not created and response.status != Response.Status.RECEIVED:
        raise ValidationError(
            _("The agency has started reviewing your response; it can no longer be edited.")
        )
    if created:
        response = Response(opportunity=opportunity, organization=firm)
    response.kind = kind
    response.body = body
    response.is_proprietary = is_proprietary
    response.attachment_is_controlled = attachment_is_controlled
    if attachment is not None:
        response.attachment = attachment
    response.submitted_by = actor
    response.submitted_at = timezone.now()
    # A stored attachment was validated when it was uploaded; only a new one is checked.
    response.full_clean(exclude=None if attachment is not None else ["attachment"])
    response.save()
    if created:
        ResponseEvent.objects.create(
            response=response, actor=actor, from_status="", to_status=response.status
        )
        Follow.objects.get_or_create(user=actor, opportunity=opportunity)
        signals.send_on_commit(signals.response_submitted, response_id=response.pk)
    return response


@transaction.atomic
def response_transition(*, response: Response, actor: User, to: str, message: str = "") -> Response:
    """The agency moves a response through its review (and later its outcome)."""
    if not permissions.can_manage(actor, response.opportunity):
        raise PermissionDenied(_("Only the agency's staff review responses."))
    response = Response.objects.select_for_update().get(pk=response.pk)
    workflow.check_response(response, to=to)
    event = ResponseEvent.objects.create(
        response=response,
        actor=actor,
        from_status=response.status,
        to_status=to,
        message=message,
    )
    response.status = to
    response.save(update_fields=["status", "updated_at"])
    signals.send_on_commit(
        signals.response_status_changed, response_id=response.pk, event_id=event.pk
    )
    return response
