"""Lets pages of lower apps (the dashboard of `organizations`) show opportunity panels
without that app importing this one."""

from django import template

from apps.opportunities import selectors

register = template.Library()


@register.simple_tag
def firm_targeting(user):
    """For each firm of the user, the open opportunities targeted at it."""
    if not user.is_authenticated:
        return []
    return selectors.firm_dashboard(user)
