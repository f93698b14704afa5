import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.capabilities import permissions, receivers, selectors, services
from apps.capabilities.filters import CapabilityFilter
from apps.capabilities.forms import CapabilityForm
from apps.capabilities.models import TRL_DEFINITIONS, Capability
from apps.core.cards import rendered_cards
from apps.core.pagecache import request_generation
from apps.core.pagination import CappedPaginator, list_count_key
from apps.core.text import csv_safe
from apps.core.uploads import download_name
from apps.insights.templatetags.insights_tags import has_dashboards_key
from apps.organizations import selectors as org_selectors
from apps.organizations.models import Organization
from apps.taxonomy.selectors import attach_area_badges

PAGE_SIZE = 20


def directory(request):
    """The capability directory: one URL whose rows depend on who looks."""
    generation = request_generation(request, receivers.GENERATION)  # before the rows
    sees_agency_only, own_firms = permissions.directory_viewer(request)
    filterset = CapabilityFilter(
        request.GET or None,
        queryset=selectors.capabilities_visible_to(
            request.user, sees_agency_only=sees_agency_only, own_firms=own_firms
        ),
        request=request,
    )
    queryset = (
        filterset.qs if filterset.is_bound else filterset.queryset.order_by("-published_at", "-pk")
    )
    if filterset.is_bound and not filterset.is_valid():
        queryset = queryset.none()
    # Which rows a viewer sees depends on the filters, on whether they see agency-only
    # capabilities and on their own firms (their drafts): the count is kept per those.
    # The page reads its rows' ids only; the cards (apps.core.cards) read whole rows, of
    # the same visible ones, for the cards they must render.
    page = CappedPaginator(
        queryset.values_list("pk", named=True),
        PAGE_SIZE,
        count_key=list_count_key("capabilities", request, generation, sees_agency_only, own_firms),
    ).get_page(request.GET.get("page"))
    cards = rendered_cards(
        page.object_list,
        "capabilities/includes/card.html",
        name="capability",
        version=generation,
        prepare=attach_area_badges,
        fetch=lambda pks: (
            filterset.queryset.prefetch_related(None)
            .only(*selectors.CARD_FIELDS)
            .filter(pk__in=pks)
        ),
        # Read with the cards: the count (the heading) and the navigation's Insights entry.
        ahead=[page.paginator.unread_count_key, has_dashboards_key(request.user)],
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "capabilities/directory.html",
        {
            "filter": filterset,
            "page": page,
            "cards": cards,
            "query": query.urlencode(),
            "sees_agency_only": sees_agency_only,
        },
    )


def export_csv(request):
    if not permissions.sees_agency_only(request.user):
        raise PermissionDenied
    filterset = CapabilityFilter(
        request.GET or None,
        queryset=selectors.capabilities_visible_to(
            request.user, sees_agency_only=permissions.sees_agency_only_on(request)
        ),
        request=request,
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="kakehashi-capabilities-{stamp}.csv"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 Japanese text correctly
    writer = csv.writer(response)
    writer.writerow(
        [
            "id", "firm_en", "firm_ja", "corporate_number", "prefecture", "title_en", "title_ja",
            "summary_en", "summary_ja", "areas", "trl", "dual_use", "export_control_status",
            "control_list_item", "keywords", "visibility", "published_at", "url",
        ]
    )  # fmt: skip
    for capability in queryset.iterator(chunk_size=500):
        firm = capability.organization
        writer.writerow(
            [
                capability.pk, csv_safe(firm.name_en), csv_safe(firm.name_ja),
                firm.corporate_number or "",
                firm.prefecture_label,
                csv_safe(capability.title_en), csv_safe(capability.title_ja),
                csv_safe(capability.summary_en), csv_safe(capability.summary_ja),
                "; ".join(area.slug for area in capability.areas.all()), capability.trl,
                "yes" if capability.is_dual_use else "no", capability.export_control_status,
                csv_safe(capability.control_list_item), csv_safe(capability.keywords),
                capability.visibility,
                capability.published_at.isoformat() if capability.published_at else "",
                request.build_absolute_uri(capability.get_absolute_url()),
            ]
        )  # fmt: skip
    return response


def detail(request, pk):
    capability = get_object_or_404(selectors.capabilities_visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit(request.user, capability)
    if permissions.counts_as_agency_view(request.user, capability.organization, is_member=can_edit):
        services.profile_view_record(
            viewer_id=request.user.pk,
            firm_id=capability.organization_id,
            capability_id=capability.pk,
        )
    return render(
        request,
        "capabilities/detail.html",
        {
            "capability": capability,
            "can_edit": can_edit,
            "show_export_control": permissions.can_view_export_control(request.user, capability),
            "trl_definition": TRL_DEFINITIONS.get(capability.trl, ""),
            "areas": capability.areas.all(),
        },
    )


def brochure(request, pk):
    """Brochures are never served from a public media URL: only through this check."""
    capability = get_object_or_404(selectors.capabilities_visible_to(request.user), pk=pk)
    if not capability.brochure:
        raise Http404
    try:
        handle = capability.brochure.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=True,
        filename=download_name(capability.title, ".pdf", fallback=f"capability-{capability.pk}"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@login_required
def mine(request):
    firms = [
        m.organization
        for m in org_selectors.memberships_for(request.user)
        if m.organization.kind == Organization.Kind.FIRM
    ]
    capabilities = list(
        selectors.capabilities_editable_by(request.user).order_by("organization", "-updated_at")
    )
    exposure = selectors.exposure_of_capabilities([c.pk for c in capabilities])
    for capability in capabilities:
        capability.exposure = exposure[capability.pk]
    return render(request, "capabilities/mine.html", {"firms": firms, "capabilities": capabilities})


def _firm_for_new_capability(request) -> Organization | None:
    firms = [
        m.organization
        for m in org_selectors.memberships_for(request.user)
        if m.organization.kind == Organization.Kind.FIRM
    ]
    wanted = request.GET.get("firm") or request.POST.get("firm")
    if wanted:
        return next((f for f in firms if str(f.pk) == wanted), None)
    return firms[0] if len(firms) == 1 else None


@login_required
def create(request):
    firm = _firm_for_new_capability(request)
    if firm is None:
        messages.info(request, _("Register or join a firm first, then add its capabilities."))
        return redirect("capabilities:mine")
    if not permissions.can_create_for(request.user, firm):
        raise PermissionDenied
    form = CapabilityForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("areas")
        try:
            capability = services.capability_create(
                organization=firm, actor=request.user, areas=areas, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Saved as a draft. Check the preview below, then publish it when it is ready."),
            )
            return redirect(capability)
    return render(
        request, "capabilities/form.html", {"form": form, "firm": firm, "capability": None}
    )


@login_required
def edit(request, pk):
    capability = get_object_or_404(selectors.capabilities_editable_by(request.user), pk=pk)
    form = CapabilityForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        instance=Capability.objects.get(pk=pk),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("areas")
        try:
            services.capability_update(
                capability=capability, actor=request.user, areas=areas, **data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(capability)
    return render(
        request,
        "capabilities/form.html",
        {"form": form, "firm": capability.organization, "capability": capability},
    )


@login_required
@require_POST
def publish(request, pk):
    capability = get_object_or_404(selectors.capabilities_editable_by(request.user), pk=pk)
    try:
        services.capability_publish(capability=capability, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Published. It now appears in the directory."))
    return redirect(capability)


@login_required
@require_POST
def unpublish(request, pk):
    capability = get_object_or_404(selectors.capabilities_editable_by(request.user), pk=pk)
    services.capability_unpublish(capability=capability, actor=request.user)
    messages.info(request, _("Withdrawn from the directory. It is a draft again."))
    return redirect(capability)


@login_required
def history(request, pk):
    capability = get_object_or_404(selectors.capabilities_editable_by(request.user), pk=pk)
    field_names = {
        f.name: f.verbose_name for f in Capability._meta.get_fields() if hasattr(f, "verbose_name")
    }
    revisions = [
        {
            "revision": revision,
            "changes": [
                (field_names.get(name, name), before, after)
                for name, (before, after) in revision.changes.items()
            ],
        }
        for revision in selectors.revisions_of(capability)
    ]
    return render(
        request, "capabilities/history.html", {"capability": capability, "revisions": revisions}
    )


def firm_profile(request, pk):
    """A firm's public face: its profile, pitch and published capabilities; its contact
    only for verified agency-side staff and its own members (org_selectors.firm_contact_for)."""
    firm = get_object_or_404(
        Organization.objects.select_related("primary_contact"), pk=pk, kind=Organization.Kind.FIRM
    )
    capabilities = selectors.capabilities_of_firm(firm, request.user).filter(
        status=Capability.Status.PUBLISHED
    )
    if permissions.counts_as_agency_view(request.user, firm):
        services.profile_view_record(viewer_id=request.user.pk, firm_id=firm.pk)
    return render(
        request,
        "capabilities/firm_profile.html",
        {
            "firm": firm,
            "capabilities": capabilities,
            "contact": org_selectors.firm_contact_for(request.user, firm),
        },
    )
