"""The site's navigation offers "Insights" to the users who have a dashboard. Whether a
user has one takes a query or two; it is kept in the cache for a few minutes per user,
so that pages do not pay for it on every request (a user verified a minute ago sees the
entry a few minutes later; the dashboards themselves always check)."""

import logging

from django import template
from django.core.cache import cache

from apps.core import readahead
from apps.insights import permissions

register = template.Library()
logger = logging.getLogger(__name__)

KEPT_SECONDS = 300


def has_dashboards_key(user) -> str | None:
    """Where the answer is kept (None for anonymous visitors, who have no dashboard): a
    list page reads it ahead with its cards (apps.core.readahead)."""
    if user is None or not user.is_authenticated:
        return None
    return f"insights:has-dashboards:{user.pk}"


@register.simple_tag
def has_dashboards(user) -> bool:
    key = has_dashboards_key(user)
    if key is None:
        return False
    try:
        known = readahead.get(key)
    except Exception:  # the cache is down: work it out, don't fail the page
        logger.warning("cache unavailable for the insights navigation entry", exc_info=True)
        return permissions.has_any_dashboard(user)
    if known is None:
        known = permissions.has_any_dashboard(user)
        try:
            cache.set(key, known, KEPT_SECONDS)
        except Exception:
            logger.warning("cache unavailable for the insights navigation entry", exc_info=True)
    return known
