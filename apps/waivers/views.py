"""The firm's side of export-control requests at /waivers/: its requests, drafts, answers
to the reviewer, the decision letter and the audit trail. Reviewers work in the admin;
they share only the permission-checked document download and the letter."""

import logging
import mimetypes
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries

from apps.accounts.views import mfa_required
from apps.core.errors import PermissionDeniedError, TransitionNotAllowed
from apps.organizations import permissions as org_permissions
from apps.waivers import permissions, services, workflow
from apps.waivers.forms import ActionForm, DocumentForm, InformationResponseForm, WaiverRequestForm
from apps.waivers.models import DECIDED, WaiverDocument, WaiverEvent, WaiverRequest

logger = logging.getLogger("apps.waivers.access")
S = WaiverRequest.Status
PAGE_SIZE = 20
# What the firm does not see of its own record: reviewers' declarations and screening.
HIDDEN_FROM_FIRM = {WaiverEvent.Kind.NO_CONFLICT, "screened", "screening_cleared"}
LETTER_STATUSES = {S.APPROVED, S.DENIED, S.REVOKED, S.EXPIRED}


def _own_request(request, pk) -> WaiverRequest:
    """404 for anyone outside the firm, so that nobody learns that a request exists."""
    return get_object_or_404(
        permissions.requests_of_user_firms(request.user).select_related(
            "firm", "capability", "receiving_agency", "opportunity", "response"
        ),
        pk=pk,
    )


def next_step(waiver: WaiverRequest, *, is_officer: bool) -> str:
    """What happens next, in one sentence, from the firm's side."""
    status = waiver.status
    if status == S.DRAFT:
        if is_officer:
            return _("Complete the request and add the supporting documents, then submit it.")
        return _(
            "Complete the request and add the supporting documents; your firm's "
            "export-control officer submits it."
        )
    if status in (S.SUBMITTED, S.RESUBMITTED):
        return _("Waiting for a reviewer of the export-control authority to take it up.")
    if status in (S.UNDER_REVIEW, S.AWAITING_CONFIRMATION):
        return _("A reviewer is examining it. You will receive an e-mail when it changes.")
    if status == S.INFORMATION_REQUESTED:
        return _("The reviewer asked for more information: answer below, with documents if needed.")
    if status == S.RETURNED:
        return _(
            "Returned without action: complete what is missing (see the reviewer's comment), "
            "then resubmit. Everything already filed is kept."
        )
    if status == S.APPROVED:
        if waiver.conditions and not waiver.conditions_acknowledged_at:
            return _(
                "Approved with conditions: it takes effect once your export-control officer "
                "acknowledges them."
            )
        if waiver.is_in_effect:
            return _("In effect until %(date)s.") % {"date": waiver.expires_on.isoformat()}
    return _("Decided: this request is closed and read-only.")


def _is_your_turn(waiver: WaiverRequest) -> bool:
    return waiver.status in workflow.FIRM_EDITABLE or (
        waiver.status == S.APPROVED
        and bool(waiver.conditions)
        and not waiver.conditions_acknowledged_at
    )


@login_required
def waiver_list(request):
    firms = permissions.firms_of(request.user)
    requests = (
        permissions.requests_of_user_firms(request.user)
        .select_related("firm", "capability", "receiving_agency")
        .order_by("-updated_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in S.values:
        requests = requests.filter(status=status)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"waiver": w, "your_turn": _is_your_turn(w)} for w in page]
    return render(
        request,
        "waivers/list.html",
        {
            "firms": firms,
            "page": page,
            "rows": rows,
            "statuses": S.choices,
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


def _chosen_firm(request, firms):
    wanted = request.POST.get("firm") or request.GET.get("firm")
    for firm in firms:
        if str(firm.pk) == wanted:
            return firm
    return firms[0] if len(firms) == 1 else None


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def waiver_create(request):
    firms = permissions.firms_of(request.user)
    if not firms:
        raise PermissionDenied(_("Only members of a firm file export-control requests."))
    firm = _chosen_firm(request, firms)
    if firm is None:
        return render(request, "waivers/choose_firm.html", {"firms": firms})
    initial = {
        key: request.GET[key]
        for key in ("opportunity", "response", "capability")
        if request.GET.get(key, "").isdigit()
    }
    form = WaiverRequestForm(
        request.POST if request.method == "POST" else None, firm=firm, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            waiver = services.waiver_create(
                actor=request.user, firm=firm, data=form.changed_data_dict()
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Draft %(reference)s saved. Add the supporting documents next.")
                % {"reference": waiver.reference},
            )
            return redirect(waiver.get_absolute_url() + "#documents")
    return render(
        request,
        "waivers/form.html",
        {"form": form, "firm": firm, "waiver": None},
        status=400 if form.errors else 200,
    )


@login_required
def waiver_edit(request, pk):
    waiver = _own_request(request, pk)
    if waiver.status not in workflow.FIRM_EDITABLE:
        messages.error(request, _("This request cannot be edited now."))
        return redirect(waiver)
    form = WaiverRequestForm(
        request.POST if request.method == "POST" else None, instance=waiver, firm=waiver.firm
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.waiver_update(
                actor=request.user,
                request=waiver,
                data=form.changed_data_dict(),
                version=_version(request),
            )
        except TransitionNotAllowed as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved and recorded in the history."))
            return redirect(waiver)
    return render(
        request,
        "waivers/form.html",
        {"form": form, "firm": waiver.firm, "waiver": waiver},
        status=400 if form.errors else 200,
    )


def _version(request) -> int | None:
    """The version the user saw; one that is not a version at all is stale (0), so the
    service refuses it with its reload message."""
    value = request.POST.get("version", "")
    if not value:
        return None
    # isdigit() also accepts "²" and other digits int() refuses; versions are short.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


def _documents(waiver: WaiverRequest) -> list[dict]:
    """Current documents first, each followed by the versions it replaced."""
    documents = list(
        waiver.documents.select_related("uploaded_by", "replaces").order_by("uploaded_at", "pk")
    )
    replaced_ids = {d.replaces_id for d in documents if d.replaces_id}
    by_pk = {d.pk: d for d in documents}
    rows = []
    for document in documents:
        if document.pk in replaced_ids:
            continue
        earlier = []
        previous = by_pk.get(document.replaces_id)
        while previous is not None:
            earlier.append(previous)
            previous = by_pk.get(previous.replaces_id)
        rows.append({"document": document, "earlier": earlier})
    return rows


def _firm_history(waiver: WaiverRequest) -> list[dict]:
    labels = dict(S.choices)
    kinds = dict(WaiverEvent.Kind.choices)
    firm_user_ids = set(waiver.firm.memberships.values_list("user_id", flat=True))
    rows = []
    for event in waiver.events.select_related("actor"):
        if event.kind in HIDDEN_FROM_FIRM:
            continue
        if event.actor_id is None:
            who = _("Automatic")
        elif event.actor_id in firm_user_ids:
            who = event.actor.get_full_name() or event.actor.email
        else:
            who = _("Export-control reviewer")
        show_comment = event.kind != WaiverEvent.Kind.TRANSITION or (
            event.action in workflow.FIRM_VISIBLE_COMMENTS
        )
        rows.append(
            {
                "event": event,
                "who": who,
                "kind": kinds.get(event.kind, event.kind),
                "action": workflow.ACTION_LABELS.get(event.action, ""),
                "from_label": labels.get(event.from_status, ""),
                "to_label": labels.get(event.to_status, ""),
                "comment": event.comment if show_comment else "",
                "changed": _changed_rows(event),
            }
        )
    return rows


def _changed_rows(event: WaiverEvent) -> list[tuple[str, str]]:
    if event.kind not in (WaiverEvent.Kind.EDITED, WaiverEvent.Kind.DOCUMENT_ADDED):
        return []
    rows = []
    for name, value in (event.changed_fields or {}).items():
        try:
            label = str(WaiverRequest._meta.get_field(name).verbose_name)
        except Exception:
            label = {"document": _("document"), "kind": _("kind"), "replaces": _("replaces")}.get(
                name, name
            )
        if name == "kind" and value in WaiverDocument.Kind.values:
            value = WaiverDocument.Kind(value).label
        if isinstance(value, list) and len(value) == 2:
            text = f"{value[0] or '—'} → {value[1] or '—'}"
        else:
            text = "—" if value in (None, "") else str(value)
        rows.append((label, text))
    return rows


def _render_detail(request, waiver, *, document_form=None, answer_form=None, status=200):
    is_officer = org_permissions.is_export_control_officer(request.user, waiver.firm)
    editable = waiver.status in workflow.FIRM_EDITABLE
    officer_actions = (
        [a for a in workflow.actions_from(waiver.status, workflow.OFFICER) if a != "resubmit"]
        if is_officer
        else []
    )
    needs_answer = waiver.status in (S.INFORMATION_REQUESTED, S.RETURNED)
    if editable and document_form is None:
        # Within an answer a document is optional; on its own it is the point.
        document_form = DocumentForm(request=waiver, required=not (needs_answer and is_officer))
    if needs_answer and is_officer and answer_form is None:
        answer_form = InformationResponseForm()
    reviewer_request = (
        waiver.events.filter(
            kind=WaiverEvent.Kind.TRANSITION, action__in=("request_information", "return")
        )
        .order_by("-created_at", "-pk")
        .first()
        if needs_answer
        else None
    )
    return render(
        request,
        "waivers/detail.html",
        {
            "waiver": waiver,
            "is_officer": is_officer,
            "editable": editable,
            "next_step": next_step(waiver, is_officer=is_officer),
            "your_turn": _is_your_turn(waiver),
            "documents": _documents(waiver),
            "history": _firm_history(waiver),
            "document_form": document_form if editable else None,
            "answer_form": answer_form if needs_answer and is_officer else None,
            "reviewer_request": reviewer_request,
            "officer_actions": [(a, workflow.ACTION_LABELS[a]) for a in officer_actions],
            "needs_acknowledgement": waiver.status == S.APPROVED
            and bool(waiver.conditions)
            and not waiver.conditions_acknowledged_at,
            "has_letter": waiver.status in LETTER_STATUSES,
            "destination_country": countries.name(waiver.destination_country)
            or waiver.destination_country,
            "is_decided": waiver.status in DECIDED,
        },
        status=status,
    )


@login_required
def waiver_detail(request, pk):
    return _render_detail(request, _own_request(request, pk))


@login_required
@require_POST
def document_add(request, pk):
    waiver = _own_request(request, pk)
    form = DocumentForm(request.POST, request.FILES, request=waiver)
    if form.is_valid():
        try:
            services.document_add(
                actor=request.user,
                request=waiver,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                replaces=form.cleaned_data["replaces"],
            )
        except (TransitionNotAllowed, PermissionDeniedError) as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The document was added to the request."))
            return redirect(waiver.get_absolute_url() + "#documents")
    return _render_detail(request, waiver, document_form=form, status=400)


@login_required
@require_POST
def information_answer(request, pk):
    """The officer's answer to an information request (or to a return): a message and,
    if needed, a new or replacing document, resubmitted together or not at all."""
    waiver = _own_request(request, pk)
    answer_form = InformationResponseForm(request.POST)
    document_form = DocumentForm(request.POST, request.FILES, request=waiver, required=False)
    if answer_form.is_valid() and document_form.is_valid():
        upload = document_form.cleaned_data.get("file")
        try:
            with transaction.atomic():
                if upload:
                    services.document_add(
                        actor=request.user,
                        request=waiver,
                        kind=document_form.cleaned_data["kind"],
                        upload=upload,
                        replaces=document_form.cleaned_data["replaces"],
                    )
                waiver.refresh_from_db()
                services.waiver_transition(
                    actor=request.user,
                    request=waiver,
                    action="resubmit",
                    comment=answer_form.cleaned_data["message"],
                    version=_version(request),
                )
        except (TransitionNotAllowed, PermissionDeniedError) as error:
            answer_form.add_error(None, str(error))
        except ValidationError as error:
            _add_service_errors(document_form, error)
        else:
            messages.success(
                request, _("Your answer was sent to the reviewer. You will hear when it moves.")
            )
            return redirect(waiver)
    return _render_detail(
        request, waiver, document_form=document_form, answer_form=answer_form, status=400
    )


@login_required
@require_POST
def waiver_action(request, pk):
    waiver = _own_request(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That action is not available. Reload the page and try again."))
        return redirect(waiver)
    action = form.cleaned_data["action"]
    try:
        if action == "acknowledge_conditions":
            services.conditions_acknowledge(actor=request.user, request=waiver)
            done = _("You acknowledged the conditions: the authorization is now in effect.")
        else:
            services.waiver_transition(
                actor=request.user,
                request=waiver,
                action=action,
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
            done = {
                "submit": _("Submitted. A reviewer will take it up; you will hear by e-mail."),
                "withdraw": _("The request was withdrawn."),
                "resubmit": _("Resubmitted to the reviewer."),
            }[action]
    except (TransitionNotAllowed, PermissionDeniedError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect(waiver)


def _viewable_request(request, pk) -> WaiverRequest:
    """The firm's members, and reviewers; 404 for everyone else."""
    waiver = get_object_or_404(
        WaiverRequest.objects.select_related(
            "firm", "capability", "receiving_agency", "approved_by", "confirmed_by"
        ),
        pk=pk,
    )
    if not permissions.can_view(request.user, waiver):
        raise Http404
    return waiver


@login_required
def decision_letter(request, pk):
    waiver = _viewable_request(request, pk)
    if waiver.status not in LETTER_STATUSES:
        raise Http404
    from apps.waivers import selectors

    response = render(request, "waivers/letter.html", selectors.letter_context(waiver))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def history_csv(request, pk):
    waiver = _viewable_request(request, pk)
    from apps.waivers import exports

    events = None
    if not org_permissions.is_waiver_reviewer(request.user):
        events = waiver.events.exclude(kind__in=HIDDEN_FROM_FIRM)
    return exports.audit_csv_response(
        WaiverRequest.objects.filter(pk=waiver.pk),
        filename=f"{waiver.reference}-audit-trail.csv",
        events=events,
    )


SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """The uploader's name without paths, control characters or quotes."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = SAFE_NAME.sub("_", name).strip(" .") or "document"
    return name[:150]


@login_required
def document_download(request, pk):
    """The only way to a supporting document: the firm's members, and reviewers with an
    authenticator app. Everyone else is refused and the attempt logged; every download
    is an audit event."""
    document = get_object_or_404(
        WaiverDocument.objects.select_related("request", "request__firm"), pk=pk
    )
    waiver = document.request
    access = permissions.document_access(request.user, waiver)
    if access == permissions.DocumentAccess.REFUSED:
        logger.warning(
            "export-control document %s of request %s refused to user %s (staff=%s)",
            document.pk,
            waiver.reference,
            request.user.pk,
            request.user.is_staff,
        )
        if request.user.is_staff:
            raise PermissionDenied(
                _("Only export-control reviewers and the firm open these documents.")
            )
        raise Http404
    if access == permissions.DocumentAccess.NEEDS_MFA:
        logger.warning(
            "export-control document %s refused to reviewer %s without two-factor authentication",
            document.pk,
            request.user.pk,
        )
        return mfa_required(request, what=_("This supporting document"))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    services.document_downloaded(actor=request.user, document=document)
    filename = safe_filename(document.original_name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
