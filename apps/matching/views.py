from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

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
    return render(
        request,
        "matching/opportunity_matches.html",
        {
            "opportunity": opportunity,
            "rows": selectors.matches_for_opportunity(opportunity, limit=MATCHES_PAGE_LIMIT),
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
