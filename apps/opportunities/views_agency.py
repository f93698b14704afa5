"""Agency-side pages: the agency dashboard, the matched firms of an opportunity, and
targeting an opportunity at firms or technology areas."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.refusals import log_refusal
from apps.opportunities import permissions, selectors, services
from apps.opportunities.forms_agency import FIRM_QUERY_MAX_LENGTH, TargetForm
from apps.opportunities.models import Opportunity
from apps.organizations import selectors as org_selectors
from apps.organizations.models import Organization
from apps.taxonomy.selectors import areas_tree


@login_required
def agency_dashboard(request):
    agencies = permissions.verified_agencies_of(request.user)
    if not agencies:
        return _no_agency_access(request)
    dashboard = selectors.agency_dashboard(request.user)
    by_status = dashboard["by_status"]
    status_groups = [
        {"status": value, "label": label, "opportunities": by_status.get(value, [])}
        for value, label in Opportunity.Status.choices
    ]
    return render(
        request,
        "opportunities/agency/dashboard.html",
        {
            "agencies": agencies,
            "several_agencies": len(agencies) > 1,
            "status_groups": status_groups,
            "opportunity_count": sum(len(group["opportunities"]) for group in status_groups),
            "awaiting_review": list(dashboard["awaiting_review"]),
            "due_this_week": list(dashboard["due_this_week"]),
        },
    )


def _no_agency_access(request):
    """A signed-in user without a verified agency: say why, rather than a bare 403."""
    log_refusal(request)
    memberships = list(org_selectors.memberships_for(request.user))
    waiting = [
        m.organization
        for m in memberships
        if m.organization.kind == Organization.Kind.AGENCY
        and m.organization.verification_status != Organization.Verification.VERIFIED
    ]
    is_intermediary = any(
        m.organization.kind == Organization.Kind.INTERMEDIARY
        and m.organization.verification_status == Organization.Verification.VERIFIED
        for m in memberships
    )
    return render(
        request,
        "opportunities/agency/no_access.html",
        {"waiting": waiting, "is_intermediary": is_intermediary},
        status=403,
    )


def _explained(entry: dict) -> dict:
    """A match as the page shows it: the firm's best capabilities first, and the areas
    all its capabilities share with the opportunity."""
    capabilities = sorted(
        entry["capabilities"],
        key=lambda c: (-c["score"], c["capability"].title, c["capability"].pk),
    )
    shared = {area.pk: area for item in capabilities for area in item["areas"]}
    return {
        **entry,
        "capabilities": capabilities,
        "shared_areas": sorted(shared.values(), key=lambda area: area.name),
        "trl_fits": any(item["trl_fits"] for item in capabilities),
    }


def _target_organizations(user, opportunity: Opportunity) -> list[Organization]:
    """The organizations the user may target this opportunity for, mirroring
    permissions.can_target: the owning agency for its staff, and the user's verified
    intermediaries once the opportunity is published."""
    organizations = []
    if permissions.can_manage(user, opportunity):
        organizations.append(opportunity.organization)
    if opportunity.status == Opportunity.Status.PUBLISHED:
        organizations += [
            m.organization
            for m in org_selectors.memberships_for(user)
            if m.organization.kind == Organization.Kind.INTERMEDIARY
            and m.organization.verification_status == Organization.Verification.VERIFIED
        ]
    return organizations


@login_required
def target(request, pk):
    opportunity = get_object_or_404(selectors.opportunities_visible_to(request.user), pk=pk)
    if not permissions.can_target(request.user, opportunity):
        raise PermissionDenied
    organizations = _target_organizations(request.user, opportunity)
    if not organizations:
        raise PermissionDenied
    tree = areas_tree()
    form_kwargs = {"organizations": organizations, "areas_tree": tree}
    firm_query = request.GET.get("q", "")[:FIRM_QUERY_MAX_LENGTH]
    if request.method == "POST":
        form = TargetForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                data = form.cleaned_data
                added_firms, added_areas = services.targets_add(
                    opportunity=opportunity,
                    actor=request.user,
                    on_behalf_of=data["on_behalf_of"],
                    firms=data["firms"],
                    areas=data["areas"],
                    network=data.get("network", False),
                    network_area=data.get("network_area"),
                    note_en=data["note_en"],
                    note_ja=data["note_ja"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _added_message(added_firms, added_areas))
                return redirect("opportunities:target", pk=opportunity.pk)
    else:
        form = TargetForm(
            initial={"firms": [v for v in request.GET.getlist("firm") if v.isdigit()]},
            firm_query=firm_query,
            **form_kwargs,
        )
    area_names = {area.pk: area.full_name for area in tree}
    visible_targets = opportunity.targets.select_related(
        "firm", "area", "targeted_by", "targeted_by_organization"
    ).order_by("-created_at", "-pk")
    if not permissions.can_manage(request.user, opportunity):
        # An intermediary sees its own outreach, not the agency's or other intermediaries'.
        visible_targets = visible_targets.filter(targeted_by_organization__in=organizations)
    targets = _collapse_networks(list(visible_targets))
    for item in targets:
        item.area_label = area_names.get(item.area_id, "")
    return render(
        request,
        "opportunities/agency/target.html",
        {
            "opportunity": opportunity,
            "form": form,
            "firm_query": firm_query,
            "targets": targets,
            "can_manage": permissions.can_manage(request.user, opportunity),
        },
    )


def _collapse_networks(targets: list) -> list:
    """Network targeting shows as one line per intermediary ("120 partner firms of X"):
    the partner list is the intermediary's own (its network page lists it), and a
    network of thousands would make a page of thousands of rows."""
    shown, summaries = [], {}
    for target in targets:
        if target.via_network:
            summary = summaries.get(target.targeted_by_organization_id)
            if summary is None:
                summary = summaries[target.targeted_by_organization_id] = target
                summary.network_count = 0
                shown.append(summary)
            summary.network_count += 1
        else:
            shown.append(target)
    return shown


def _added_message(firms: int, areas: int) -> str:
    if not firms and not areas:
        return _("Nothing new: everything you chose was already targeted.")
    parts = []
    if firms:
        parts.append(
            ngettext(
                "The opportunity is now targeted at %(count)d more firm.",
                "The opportunity is now targeted at %(count)d more firms.",
                firms,
            )
            % {"count": firms}
        )
    if areas:
        parts.append(
            ngettext(
                "The opportunity now reaches firms in %(count)d more technology area.",
                "The opportunity now reaches firms in %(count)d more technology areas.",
                areas,
            )
            % {"count": areas}
        )
    return " ".join(parts)
