"""The site's navigation offers "Insights" to the users who have a dashboard. Whether a
user has one takes a query or two; it is kept in the cache for a few minutes per user,
so that pages do not pay for it on every request (a user verified a minute ago sees the
entry a few minutes later; the dashboards themselves always check)."""

import logging

from django import template
from django.core.cache import cache

from apps.insights import permissions

register = template.Library()
logger = logging.getLogger(__name__)

KEPT_SECONDS = 300


@register.simple_tag
def has_dashboards(user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    key = f"insights:has-dashboards:{user.pk}"
    try:
        known = cache.get(key)
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
