import zoneinfo
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.cards import rendered_cards
from apps.core.errors import TransitionNotAllowed
from apps.core.pagecache import cache_anonymous_page, request_generation
from apps.core.pagination import CappedPaginator, list_count_key
from apps.core.templatetags.portal_tags import countdown_changes_at
from apps.core.uploads import download_name
from apps.insights.templatetags.insights_tags import has_dashboards_key
from apps.opportunities import access, permissions, receivers, selectors, services, workflow
from apps.opportunities.filters import LIST_PARAMS, filtered_opportunities
from apps.opportunities.forms import AttachmentForm, OpportunityForm
from apps.opportunities.models import Attachment, Opportunity, Response
from apps.taxonomy.selectors import attach_area_badges

PAGE_SIZE = 20


def public_pages_valid_until(request, response):
    """Until when a public list, feed or calendar page stays true without an edit: the
    next deadline of an open opportunity, which then leaves the open ones."""
    return selectors.next_open_deadline()


@cache_anonymous_page(
    receivers.GENERATION, valid_until=public_pages_valid_until, params=LIST_PARAMS
)
def opportunity_list(request):
    generation = request_generation(request, receivers.GENERATION)  # before the rows
    filterset, queryset = filtered_opportunities(
        request.GET, selectors.opportunities_public_cards(), request
    )
    # The count is the same for everyone until an edit (a new generation) or, for the
    # open ones, until the deadline of one of the rows it counted passes.
    # The page reads its rows' keys only; the cards (apps.core.cards) read whole rows for
    # the cards they must render.
    page = CappedPaginator(
        queryset.values_list("pk", "response_deadline", named=True),
        PAGE_SIZE,
        count_key=list_count_key("opportunities", request, generation),
        **filterset.count_clock(),
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    request.page_changes_at = [
        countdown_changes_at(o.response_deadline, now) for o in page.object_list
    ]
    cards = rendered_cards(
        page.object_list,
        "opportunities/includes/card.html",
        name="opportunity",
        version=generation,
        holds_until=lambda o: countdown_changes_at(o.response_deadline, now),
        prepare=attach_area_badges,
        fetch=lambda pks: selectors.opportunities_public_cards().filter(pk__in=pks),
        # Read with the cards: the count (the heading) and the navigation's Insights entry.
        ahead=[page.paginator.unread_count_key, has_dashboards_key(request.user)],
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "opportunities/list.html",
        {
            "filter": filterset,
            "page": page,
            "cards": cards,
            "query": query.urlencode(),
            "can_post": bool(permissions.verified_agencies_of(request.user)),
        },
    )


def _agency_zone(opportunity_or_agency):
    organization = getattr(opportunity_or_agency, "organization", opportunity_or_agency)
    try:
        return zoneinfo.ZoneInfo(organization.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@cache_anonymous_page(receivers.GENERATION)
def opportunity_detail(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_visible_to(request.user), pk=pk)
    now = timezone.now()
    # The countdown, and the boxes for responses and questions, change with the clock.
    request.page_changes_at = [
        countdown_changes_at(opportunity.response_deadline, now),
        *(
            m
            for m in (opportunity.response_deadline, opportunity.question_deadline)
            if m and m > now
        ),
    ]
    can_manage = permissions.can_manage(request.user, opportunity)
    user_firms = permissions.firms_of(request.user)
    my_response = (
        Response.objects.filter(opportunity=opportunity, organization__in=user_firms).first()
        if user_firms
        else None
    )
    can_manage_it = permissions.can_manage(request.user, opportunity)
    attachments = [
        (
            attachment,
            can_manage_it
            or not attachment.is_controlled
            or access.can_download_attachment(request.user, attachment),
        )
        for attachment in opportunity.attachments.all()
    ]
    context = {
        "opportunity": opportunity,
        "areas": opportunity.areas.all(),
        "agency_zone": _agency_zone(opportunity),
        "can_manage": can_manage,
        "can_target": not can_manage and permissions.can_target(request.user, opportunity),
        "user_firms": user_firms,
        "my_response": my_response,
        "attachments": attachments,
        "amendments": selectors.amendments_of(opportunity),
        "questions": selectors.public_questions_of(opportunity, request.user),
        "is_following": selectors.is_following(request.user, opportunity),
        "targeted_at_me": any(selectors.is_targeted_at(opportunity, f) for f in user_firms),
        "days_left": (opportunity.response_deadline - timezone.now()).days,
        "seconds_left": (opportunity.response_deadline - timezone.now()).total_seconds(),
    }
    if can_manage:
        context.update(
            next_statuses=[
                Opportunity.Status(s)
                for s in sorted(workflow.allowed_opportunity_transitions(opportunity.status))
            ],
            attachment_form=AttachmentForm(),
            response_count=opportunity.responses.count(),
            agency_questions=opportunity.questions.select_related("organization"),
        )
    return render(request, "opportunities/detail.html", context)


def _agency_for_new(request):
    agencies = permissions.verified_agencies_of(request.user)
    wanted = request.GET.get("agency") or request.POST.get("agency")
    if wanted:
        return next((a for a in agencies if str(a.pk) == wanted), None), agencies
    return (agencies[0] if len(agencies) == 1 else None), agencies


@login_required
def opportunity_create(request):
    agency, agencies = _agency_for_new(request)
    if agency is None:
        if not agencies:
            raise PermissionDenied(_("Only staff of a verified agency post opportunities."))
        return render(request, "opportunities/choose_agency.html", {"agencies": agencies})
    zone = _agency_zone(agency)
    form = OpportunityForm(
        request.POST if request.method == "POST" else None, agency_time_zone=zone
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("areas")
        try:
            opportunity = services.opportunity_create(
                agency=agency, actor=request.user, areas=areas, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved as a draft. Add attachments if needed, then publish it from this page."),
            )
            return redirect(opportunity)
    return render(
        request, "opportunities/form.html", {"form": form, "agency": agency, "opportunity": None}
    )


@login_required
def opportunity_edit(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_managed_by(request.user), pk=pk)
    amending = opportunity.status != Opportunity.Status.DRAFT
    form = OpportunityForm(
        request.POST if request.method == "POST" else None,
        instance=Opportunity.objects.get(pk=pk),
        agency_time_zone=_agency_zone(opportunity),
        amending=amending,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("areas")
        reason = data.pop("reason", "")
        try:
            services.opportunity_update(
                opportunity=opportunity, actor=request.user, areas=areas, reason=reason, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The amendment is recorded and followers will be told.")
                if amending
                else _("Saved."),
            )
            return redirect(opportunity)
    return render(
        request,
        "opportunities/form.html",
        {"form": form, "agency": opportunity.organization, "opportunity": opportunity},
    )


@login_required
@require_POST
def opportunity_transition(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_managed_by(request.user), pk=pk)
    to = request.POST.get("to", "")
    try:
        services.opportunity_transition(opportunity=opportunity, actor=request.user, to=to)
    except (TransitionNotAllowed, ValueError) as error:
        messages.error(request, str(error) or _("That change of status is not allowed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The opportunity is now “%(status)s”.") % {"status": Opportunity.Status(to).label},
        )
    return redirect(opportunity)


@login_required
def attachment_add(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_managed_by(request.user), pk=pk)
    form = AttachmentForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_add(
                opportunity=opportunity, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The attachment was added."))
            return redirect(opportunity)
    return render(
        request, "opportunities/attachment_form.html", {"form": form, "opportunity": opportunity}
    )


def attachment_download(request, pk):
    """Attachments are never served from a public URL; controlled ones pass the
    export-control gate (apps.opportunities.access)."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("opportunity__organization"), pk=pk
    )
    visible = selectors.opportunities_visible_to(request.user).filter(pk=attachment.opportunity_id)
    if not visible.exists():
        raise Http404
    if not access.can_download_attachment(request.user, attachment):
        raise PermissionDenied(
            _(
                "This document contains export-controlled technical data; it is shared "
                "only under an export authorization."
            )
        )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    name = download_name(
        attachment.title,
        PurePath(attachment.file.name).suffix.lower(),
        fallback=f"attachment-{attachment.pk}",
    )
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def follow_toggle(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_public(), pk=pk)
    if selectors.is_following(request.user, opportunity):
        services.unfollow(opportunity=opportunity, user=request.user)
        messages.info(request, _("You no longer follow this opportunity."))
    else:
        services.follow(opportunity=opportunity, user=request.user)
        messages.success(
            request, _("You follow this opportunity: you will hear of amendments and answers.")
        )
    return redirect(opportunity)
