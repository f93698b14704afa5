"""Lets pages of other apps (the firm dashboard of `organizations`) show the matching
panels without importing this app."""

from django import template

from apps.matching import selectors
from apps.matching.scoring import Audience

register = template.Library()

DASHBOARD_LIMIT = 5


@register.simple_tag
def recommended_for(user, limit: int = DASHBOARD_LIMIT):
    """For each firm of the user, the open opportunities that best match its published
    capabilities: [{"firm": ..., "recommended": [Recommendation, ...]}, ...]."""
    if not user.is_authenticated:
        return []
    return selectors.recommendations_for_user(user, limit=limit)


@register.simple_tag
def matched_firms_for(opportunity, limit: int = 5):
    """The best matched firms of an opportunity (for its agency's panel)."""
    return selectors.matches_for_opportunity(opportunity, limit=limit)


@register.filter
def explain(match_or_reason, audience: str = Audience.FIRM) -> str:
    """A Match or a Reason in words, for the firm it is about (the default) or, with
    "agency", for the opportunity's agency: `{{ row.match|explain:"agency" }}`."""
    return match_or_reason.render(audience)
