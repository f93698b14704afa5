"""Who sees which dashboard. The agency dashboard: staff of a verified agency, about their
own agencies' opportunities only. The reviewers' dashboard: waiver reviewers (members of
a verified regulator in the reviewers group, as organizations.permissions says) and the
portal's operators (superusers): it shows counts and durations, never a request."""

from apps.opportunities import permissions as opportunity_permissions
from apps.organizations import permissions as org_permissions
from apps.organizations.models import Organization


def agencies_for_dashboard(user) -> list[Organization]:
    """The verified agencies whose data the user's agency dashboard shows; empty when the
    user may not see one."""
    return opportunity_permissions.verified_agencies_of(user)


def can_view_agency_dashboard(user) -> bool:
    return bool(agencies_for_dashboard(user))


def can_view_review_dashboard(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or org_permissions.is_waiver_reviewer(user)


def can_view_intermediary_dashboard(user, intermediary: Organization) -> bool:
    """An intermediary's outreach: its own members, once it is verified."""
    return org_permissions.can_manage_network(user, intermediary)


def intermediaries_for_dashboard(user) -> list[Organization]:
    return org_permissions.networks_of(user)


def has_any_dashboard(user) -> bool:
    return bool(
        can_view_review_dashboard(user)
        or agencies_for_dashboard(user)
        or intermediaries_for_dashboard(user)
    )
