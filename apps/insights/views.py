"""Dashboards and their CSV downloads. Each view checks who may see the dashboard (a
refusal is a 403, logged by the project's handler403) and builds its charts from the
selectors; the agency dashboard only ever reads the viewer's own agencies' data."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.core.text import csv_safe
from apps.insights import dashboards, permissions, selectors
from apps.organizations.models import Organization
from apps.waivers.models import tokyo_today


def _scope(url_name: str, **extra) -> dashboards.Scope:
    now = timezone.now()
    return dashboards.Scope(
        csv_url_name=url_name, since=selectors.window_start(now), today=tokyo_today(), **extra
    )


def _available(user) -> list[dict]:
    available = []
    if permissions.can_view_agency_dashboard(user):
        available.append(
            {
                "url_name": "insights:agency",
                "title": _("Agency dashboard"),
                "summary": _(
                    "Your agencies' opportunities, responses, time to the first response, "
                    "the way from match to selection and the export-control gate."
                ),
            }
        )
    for intermediary in permissions.intermediaries_for_dashboard(user):
        available.append(
            {
                "url_name": "insights:intermediary",
                "url_arg": intermediary.pk,
                "title": _("Outreach of %(name)s") % {"name": intermediary.name},
                "summary": _(
                    "Your partner network by technology area and prefecture, the reach of "
                    "each opportunity you targeted, and your network's responses."
                ),
            }
        )
    if permissions.can_view_review_dashboard(user):
        available.append(
            {
                "url_name": "insights:review",
                "title": _("Export-control review dashboard"),
                "summary": _(
                    "Requests by state over time, days to a decision, the service-level "
                    "target and decisions by classification."
                ),
            }
        )
    return available


@login_required
@require_GET
def index(request):
    available = _available(request.user)
    if not available:
        raise PermissionDenied
    return render(request, "insights/index.html", {"dashboards": available})


@login_required
@require_GET
def agency_dashboard(request):
    agencies = permissions.agencies_for_dashboard(request.user)
    if not agencies:
        raise PermissionDenied
    scope = _scope("insights:agency_csv", agency_ids=[agency.pk for agency in agencies])
    return render(
        request,
        "insights/agency.html",
        {
            "agencies": agencies,
            "charts": dashboards.build(dashboards.AGENCY_CHARTS, scope),
            "since": scope.since,
        },
    )


@login_required
@require_GET
def agency_csv(request, chart):
    agencies = permissions.agencies_for_dashboard(request.user)
    if not agencies:
        raise PermissionDenied
    if chart not in dashboards.AGENCY_CHARTS:
        raise Http404
    scope = _scope("insights:agency_csv", agency_ids=[agency.pk for agency in agencies])
    (built,) = dashboards.build(dashboards.AGENCY_CHARTS, scope, slug=chart)
    return _csv(built, f"agency-{chart}")


def _intermediary_scope(request, pk) -> dashboards.Scope:
    intermediary = get_object_or_404(Organization, pk=pk)
    if not permissions.can_view_intermediary_dashboard(request.user, intermediary):
        raise PermissionDenied
    opportunity = request.GET.get("opportunity", "")
    chosen = int(opportunity) if opportunity.isdigit() and len(opportunity) < 10 else None
    return _scope("insights:intermediary_csv", intermediary=intermediary, opportunity_id=chosen)


@login_required
@require_GET
def intermediary_dashboard(request, pk):
    scope = _intermediary_scope(request, pk)
    charts = dashboards.build(dashboards.INTERMEDIARY_CHARTS, scope)
    return render(
        request,
        "insights/intermediary.html",
        {
            "intermediary": scope.intermediary,
            "charts": charts,
            "since": scope.since,
            "reaches": scope.cache.get("reach", []),
            "chosen": scope.opportunity_id,
        },
    )


@login_required
@require_GET
def intermediary_csv(request, pk, chart):
    scope = _intermediary_scope(request, pk)
    if chart not in dashboards.INTERMEDIARY_CHARTS:
        raise Http404
    (built,) = dashboards.build(dashboards.INTERMEDIARY_CHARTS, scope, slug=chart)
    return _csv(built, f"outreach-{chart}")


@login_required
@require_GET
def review_dashboard(request):
    if not permissions.can_view_review_dashboard(request.user):
        raise PermissionDenied
    scope = _scope("insights:review_csv")
    return render(
        request,
        "insights/review.html",
        {"charts": dashboards.build(dashboards.REVIEW_CHARTS, scope), "since": scope.since},
    )


@login_required
@require_GET
def review_csv(request, chart):
    if not permissions.can_view_review_dashboard(request.user):
        raise PermissionDenied
    if chart not in dashboards.REVIEW_CHARTS:
        raise Http404
    scope = _scope("insights:review_csv")
    (built,) = dashboards.build(dashboards.REVIEW_CHARTS, scope, slug=chart)
    return _csv(built, f"review-{chart}")


def _csv(chart, name: str) -> HttpResponse:
    """UTF-8 with a BOM (spreadsheets then read Japanese right), formula-safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kakehashi-{name}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_safe(heading) for heading in chart.headings()])
    for label, values in chart.rows():
        writer.writerow([csv_safe(label), *("" if v is None else v for v in values)])
    return response
