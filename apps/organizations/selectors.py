from typing import NamedTuple

from django.db.models import QuerySet

from apps.organizations import permissions
from apps.organizations.freemail import is_free_mail_domain
from apps.organizations.models import Invitation, JoinRequest, Membership, Organization


class Contact(NamedTuple):
    name: str
    email: str


def organizations_with_profile() -> QuerySet[Organization]:
    """Organizations with what their profile page shows already joined."""
    return Organization.objects.select_related("primary_contact")


def firm_contact_for(viewer, organization: Organization) -> Contact | None:
    """The organization's primary contact as `viewer` may see it, else None.

    Only verified agency, intermediary and regulator staff and the organization's own
    members see it, and only once the contact person has given the consent recorded at
    sign-up (the terms and privacy policy allow showing their details to US agencies).
    Portal operators are not shown it here: they see it in the admin.
    """
    contact = organization.primary_contact
    if contact is None or not contact.is_active or contact.terms_accepted_at is None:
        return None
    if not (
        permissions.is_member(viewer, organization)
        or permissions.is_verified_government_side(viewer)
    ):
        return None
    return Contact(name=contact.get_full_name(), email=contact.email)


def firms_owned_by(user) -> QuerySet[Organization]:
    return Organization.objects.filter(
        kind=Organization.Kind.FIRM,
        memberships__user=user,
        memberships__role=Membership.Role.OWNER,
    ).order_by("name_en", "name_ja")


def primary_contact_choices(organization):
    """The people who may be an organization's primary contact: its members."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__organization=organization, is_active=True)
        .order_by("display_name", "email")
    )


def has_pending_join_request(user, organization: Organization) -> bool:
    return JoinRequest.objects.filter(
        user=user, organization=organization, status=JoinRequest.Status.PENDING
    ).exists()


def memberships_for(user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name_en", "organization__name_ja")
    )


def members_of(organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-role", "user__email")
    )


def firm_for_email(email: str) -> Organization | None:
    """The firm a person may ask to join because their address is at its domain. Free-mail
    and carrier addresses never match."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain or is_free_mail_domain(domain):
        return None
    return (
        Organization.objects.filter(kind=Organization.Kind.FIRM, email_domain=domain)
        .order_by("created_at")
        .first()
    )


def open_invitations_for(user) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        email__iexact=user.email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("organization", "invited_by")


def open_invitations_of(organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")


def pending_join_requests_for_owner(user) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(
        status=JoinRequest.Status.PENDING,
        organization__memberships__user=user,
        organization__memberships__role=Membership.Role.OWNER,
    ).select_related("user", "organization")


def pending_join_requests_of(organization) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(
        organization=organization, status=JoinRequest.Status.PENDING
    ).select_related("user")
