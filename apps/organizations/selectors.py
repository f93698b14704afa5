from django.db.models import QuerySet

from apps.organizations.freemail import is_free_mail_domain
from apps.organizations.models import Invitation, JoinRequest, Membership, Organization


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
