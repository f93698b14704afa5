"""Lets pages of other apps (the firm dashboard of `organizations`) show how a firm's
capabilities are being found, without importing this app."""

from django import template

from apps.capabilities import selectors

register = template.Library()


@register.simple_tag
def exposure_for(user):
    """For each firm of the user (and no other), how often it was found, in the last 30
    days and in all: [{"firm": ..., "counts": [ExposureCount, ...], "found": bool}, ...]."""
    return selectors.exposure_for_user(user)
