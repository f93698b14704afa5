"""Object-level permission helpers every app uses (predicates from the `rules` package).

Templates use them through `{% test_rule "organizations.can_manage" user org as ok %}`
(`{% load rules %}`) or the permissions registered at the bottom, e.g.
`user.has_perm("organizations.manage_organization", org)`.
"""

import rules
from django.contrib.auth.models import Group

from apps.organizations.models import Membership, Organization

WAIVER_REVIEWERS_GROUP = "Waiver reviewers"


def _membership(user, organization) -> Membership | None:
    if user is None or not user.is_authenticated or organization is None:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


@rules.predicate
def is_member(user, organization) -> bool:
    return _membership(user, organization) is not None


@rules.predicate
def is_owner(user, organization) -> bool:
    membership = _membership(user, organization)
    return membership is not None and membership.is_owner


@rules.predicate
def is_export_control_officer(user, organization) -> bool:
    membership = _membership(user, organization)
    return (
        membership is not None
        and organization.kind == Organization.Kind.FIRM
        and membership.is_export_control_officer
    )


@rules.predicate
def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def has_verified_membership(user, *kinds: str) -> bool:
    """True if the user belongs to a verified organization of one of these kinds. Members
    of an organization still awaiting verification get nothing beyond the public's."""
    if user is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user,
        organization__kind__in=kinds,
        organization__verification_status=Organization.Verification.VERIFIED,
    ).exists()


@rules.predicate
def is_verified_agency_staff(user) -> bool:
    return has_verified_membership(user, Organization.Kind.AGENCY)


@rules.predicate
def is_verified_intermediary_staff(user) -> bool:
    return has_verified_membership(user, Organization.Kind.INTERMEDIARY)


@rules.predicate
def is_verified_government_side(user) -> bool:
    """Verified agency, intermediary or regulator staff: they see agency-only capabilities
    and export-control details in the directory."""
    return has_verified_membership(user, *Organization.VETTED_KINDS)


@rules.predicate
def is_waiver_reviewer(user) -> bool:
    return (
        bool(user and user.is_authenticated and user.is_active and user.is_staff)
        and user.groups.filter(name=WAIVER_REVIEWERS_GROUP).exists()
        and has_verified_membership(user, Organization.Kind.REGULATOR)
    )


def can_view_organization(user, organization) -> bool:
    return is_member(user, organization) or is_operator(user)


def can_manage(user, organization) -> bool:
    """Invite, remove and change members; edit the profile."""
    return is_owner(user, organization)


def can_manage_network(user, organization) -> bool:
    """Keep an intermediary's partner network: its members, once it is verified."""
    return (
        organization.kind == Organization.Kind.INTERMEDIARY
        and organization.verification_status == Organization.Verification.VERIFIED
        and is_member(user, organization)
    )


def networks_of(user) -> list:
    """The verified intermediaries whose network the user keeps."""
    if not (user and user.is_authenticated and user.is_active):
        return []
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.INTERMEDIARY,
            verification_status=Organization.Verification.VERIFIED,
            memberships__user=user,
        ).order_by("name_en", "name_ja", "pk")
    )


rules.add_rule("organizations.is_member", is_member)
rules.add_rule("organizations.can_manage", is_owner)
rules.add_perm("organizations.view_organization_private", is_member | is_operator)
rules.add_perm("organizations.manage_organization", is_owner)
rules.add_perm("organizations.file_export_control_request", is_export_control_officer)


def waiver_reviewer_ids() -> list[int]:
    """Every active reviewer: staff in the reviewers group, members of a verified
    regulator (the same test as is_waiver_reviewer, for many users at once)."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            is_staff=True,
            groups__name=WAIVER_REVIEWERS_GROUP,
            memberships__organization__kind=Organization.Kind.REGULATOR,
            memberships__organization__verification_status=Organization.Verification.VERIFIED,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def waiver_reviewers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=WAIVER_REVIEWERS_GROUP)
    return group
