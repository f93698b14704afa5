"""Responses (expressions of interest, solution briefs) and questions. Each view checks
permission, calls a selector or a service, and renders or redirects; deadlines, the one
response per firm and the review workflow are the services' business."""

import copy
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.views import mfa_required
from apps.core.errors import TransitionNotAllowed
from apps.core.text import normalize_text
from apps.opportunities import access, permissions, selectors, services, workflow
from apps.opportunities.forms_responses import (
    PROPRIETARY_NOTICE,
    AnswerForm,
    QuestionForm,
    ResponseForm,
    ResponseTransitionForm,
    in_both_languages,
)
from apps.opportunities.models import Opportunity, Question, Response
from apps.organizations.models import Organization

INBOX_PAGE_SIZE = 25

logger = logging.getLogger(__name__)


def _add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _chosen_firm(request, firms: list[Organization]) -> Organization | None:
    if len(firms) == 1:
        return firms[0]
    wanted = request.POST.get("firm") or request.GET.get("firm")
    return next((firm for firm in firms if str(firm.pk) == wanted), None)


def _questions_anchor(opportunity: Opportunity) -> str:
    return f"{opportunity.get_absolute_url()}#questions"


# --- Responses ----------------------------------------------------------------------


@login_required
def respond(request, pk):
    """Submit the firm's response or, until the deadline, edit it (one per firm)."""
    opportunity = get_object_or_404(selectors.opportunities_visible_to(request.user), pk=pk)
    firms = permissions.firms_of(request.user)
    if not firms:
        messages.info(
            request,
            _(
                "Only members of a registered firm respond to opportunities. Register your "
                "firm or ask to join it first."
            ),
        )
        return redirect(opportunity)
    firm = _chosen_firm(request, firms)
    existing = (
        Response.objects.filter(opportunity=opportunity, organization=firm).first()
        if firm
        else None
    )
    context = {
        "opportunity": opportunity,
        "firm": firm,
        "firms": firms,
        "existing": existing,
        "proprietary_notice": in_both_languages(PROPRIETARY_NOTICE),
    }
    if not opportunity.is_open_for_responses:
        # GET explains; a late POST is refused without saving, keeping what was typed
        # visible so that it is not lost.
        context.update(closed=True, typed_body=normalize_text(request.POST.get("body")))
        return render(
            request,
            "opportunities/responses/respond.html",
            context,
            status=403 if request.method == "POST" else 200,
        )
    form = ResponseForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        # A copy: validating the form writes the typed values into its instance, and the
        # page still shows the stored response (its proprietary mark, its attachment).
        instance=copy.copy(existing) if existing else Response(opportunity=opportunity),
        firms=firms,
        initial={"firm": firm},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.response_submit(
                opportunity=opportunity,
                actor=request.user,
                firm=data.get("firm") or firm,
                kind=data["kind"],
                body=data["body"],
                attachment=data["attachment"],
                is_proprietary=data["is_proprietary"],
                attachment_is_controlled=data["attachment_is_controlled"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if existing:
                messages.success(
                    request,
                    _("Your changes were saved. You can edit the response until the deadline."),
                )
            else:
                messages.success(
                    request,
                    _(
                        "Your response was submitted. You can edit it until the deadline; "
                        "the agency's decisions will appear here."
                    ),
                )
            return redirect(response)
    context["form"] = form
    return render(request, "opportunities/responses/respond.html", context)


def _managed_opportunity(request, pk) -> Opportunity:
    opportunity = get_object_or_404(selectors.opportunities_visible_to(request.user), pk=pk)
    if not permissions.can_manage(request.user, opportunity):
        raise PermissionDenied(_("Only the agency's staff see the responses."))
    return opportunity


@login_required
def inbox(request, pk):
    """Every response to one of the agency's opportunities, filterable by status."""
    opportunity = _managed_opportunity(request, pk)
    status = request.GET.get("status", "")
    if status not in Response.Status.values:
        status = ""
    responses = selectors.responses_for_agency(opportunity)
    if status:
        responses = responses.filter(status=status)
    counts = dict(
        opportunity.responses.order_by().values_list("status").annotate(total=Count("pk"))
    )
    page = Paginator(responses, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "opportunities/responses/inbox.html",
        {
            "opportunity": opportunity,
            "page": page,
            "status": status,
            "query": urlencode({"status": status}) if status else "",
            "total": sum(counts.values()),
            "statuses": [
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in Response.Status.choices
            ],
        },
    )


def _visible_response(request, pk) -> Response:
    """404 for anyone but the responding firm's members and the owning agency's staff,
    so that nobody learns that a response exists."""
    response = get_object_or_404(selectors.responses_visible_to(request.user), pk=pk)
    if not permissions.can_view_response(request.user, response):
        raise Http404
    return response


def _render_response(request, response: Response, transition_form=None, status=200):
    can_manage = permissions.can_manage(request.user, response.opportunity)
    labels = dict(Response.Status.choices)
    events = [
        {
            "event": event,
            "from_label": labels.get(event.from_status, event.from_status),
            "to_label": labels.get(event.to_status, event.to_status),
        }
        for event in response.events.select_related("actor")
    ]
    allowed = workflow.allowed_response_transitions(response.status)
    if can_manage and transition_form is None:
        transition_form = ResponseTransitionForm(allowed=allowed)
    return render(
        request,
        "opportunities/responses/detail.html",
        {
            "response": response,
            "opportunity": response.opportunity,
            "events": events,
            "can_manage": can_manage,
            "can_edit": permissions.can_respond(
                request.user, response.opportunity, response.organization
            ),
            "transition_form": transition_form if can_manage else None,
            "attachment_held": bool(response.attachment)
            and not access.can_download_response_attachment(request.user, response),
            "has_next_status": bool(allowed),
            "proprietary_notice": in_both_languages(PROPRIETARY_NOTICE),
        },
        status=status,
    )


@login_required
def response_detail(request, pk):
    return _render_response(request, _visible_response(request, pk))


@login_required
@require_POST
def response_transition(request, pk):
    response = _visible_response(request, pk)
    if not permissions.can_manage(request.user, response.opportunity):
        raise PermissionDenied(_("Only the agency's staff review responses."))
    form = ResponseTransitionForm(
        request.POST, allowed=workflow.allowed_response_transitions(response.status)
    )
    if form.is_valid():
        try:
            response = services.response_transition(
                response=response,
                actor=request.user,
                to=form.cleaned_data["to"],
                message=form.cleaned_data["message"],
            )
        except TransitionNotAllowed as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The response is now “%(status)s”. The firm sees it on its response page.")
                % {"status": response.get_status_display()},
            )
            return redirect(response)
    return _render_response(request, response, transition_form=form)


@login_required
def response_attachment(request, pk):
    """Served only through this check, never from a public media URL."""
    response = _visible_response(request, pk)
    if not response.attachment:
        raise Http404
    if not access.can_download_response_attachment(request.user, response):
        logger.warning(
            "export-control gate: user %s refused the attachment of response %s",
            request.user.pk,
            response.pk,
        )
        raise PermissionDenied(_("This attachment is held pending export authorization."))
    if access.needs_mfa_for_response_attachment(request.user, response):
        logger.warning(
            "export-control gate: user %s needs two-factor authentication for response %s",
            request.user.pk,
            response.pk,
        )
        return mfa_required(request, what=_("This attachment"))
    try:
        handle = response.attachment.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    file_response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"response-{response.pk}.pdf",
        content_type="application/pdf",
    )
    file_response["X-Content-Type-Options"] = "nosniff"
    file_response["Content-Security-Policy"] = "sandbox"
    file_response["Cache-Control"] = "private, no-store"
    return file_response


# --- Questions ----------------------------------------------------------------------


@login_required
@require_POST
def ask(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_visible_to(request.user), pk=pk)
    firms = permissions.firms_of(request.user)
    if not firms:
        raise PermissionDenied(_("Only members of a firm ask questions."))
    if not opportunity.is_open_for_questions:
        return render(
            request,
            "opportunities/responses/ask.html",
            {
                "opportunity": opportunity,
                "closed": True,
                "typed_text": normalize_text(request.POST.get("text")),
            },
            status=403,
        )
    form = QuestionForm(request.POST, firms=firms, initial={"firm": _chosen_firm(request, firms)})
    if form.is_valid():
        try:
            services.question_ask(
                opportunity=opportunity,
                actor=request.user,
                firm=form.cleaned_data.get("firm") or firms[0],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your question was sent to the agency. Its answer will appear under "
                    "“Questions and answers”."
                ),
            )
            return redirect(_questions_anchor(opportunity))
    return render(
        request, "opportunities/responses/ask.html", {"opportunity": opportunity, "form": form}
    )


@login_required
@require_POST
def answer(request, pk):
    question = get_object_or_404(
        Question.objects.select_related("opportunity__organization", "organization"), pk=pk
    )
    if not permissions.can_manage(request.user, question.opportunity):
        raise PermissionDenied(_("Only the agency's staff answer questions."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            question = services.question_answer(
                question=question,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                is_public=form.cleaned_data["is_public"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if question.is_public:
                messages.success(
                    request,
                    _("Answer published on the opportunity page, without the firm's name."),
                )
            else:
                messages.success(request, _("Answer sent privately to the firm that asked."))
            return redirect(_questions_anchor(question.opportunity))
    return render(
        request,
        "opportunities/responses/answer.html",
        {"opportunity": question.opportunity, "question": question, "form": form},
    )
