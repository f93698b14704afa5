from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from apps.capabilities import services as capability_services
from apps.matching import scoring, selectors
from apps.opportunities import permissions as opportunity_permissions
from apps.opportunities import selectors as opportunity_selectors

MATCHES_PAGE_LIMIT = 50


@login_required
def opportunity_matches(request, pk):
    """Every matched firm of an opportunity, with the reasons, for its agency's staff."""
    opportunity = get_object_or_404(
        opportunity_selectors.opportunities_visible_to(request.user), pk=pk
    )
    if not opportunity_permissions.can_manage(request.user, opportunity):
        raise PermissionDenied
    rows = selectors.matches_for_opportunity(opportunity, limit=MATCHES_PAGE_LIMIT)
    # Each firm listed learns (as a count, not who looked) that it was found.
    capability_services.matched_firms_record(
        viewer_id=request.user.pk,
        opportunity_id=opportunity.pk,
        listed=[(row.firm.pk, row.capability.id) for row in rows],
    )
    return render(
        request,
        "matching/opportunity_matches.html",
        {
            "opportunity": opportunity,
            "rows": rows,
            "limit": MATCHES_PAGE_LIMIT,
            "weights": {
                "area_exact": scoring.AREA_EXACT,
                "area_narrower": scoring.AREA_NARROWER,
                "area_broader": scoring.AREA_BROADER,
                "max_areas": scoring.MAX_AREAS,
                "trl_within": scoring.TRL_WITHIN,
                "trl_one_off": scoring.TRL_ONE_OFF,
                "keyword": scoring.KEYWORD,
                "max_keywords": scoring.MAX_KEYWORDS,
                "targeted": scoring.TARGETED,
            },
        },
    )
