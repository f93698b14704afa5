from enum import StrEnum
from typing import NamedTuple

from django.db.models import QuerySet

from apps.organizations import permissions
from apps.organizations.freemail import is_free_mail_domain
from apps.organizations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    PartnerImport,
    Partnership,
)


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


class PartnerAction(StrEnum):
    INVITE = "invite"  # not on the portal: invited to register
    LINK = "link"  # on the portal already: added, and told so
    KNOWN = "known"  # in the network already: left as it is
    ERROR = "error"  # cannot be imported: the reasons are given


def partners_of(intermediary: Organization) -> QuerySet[Partnership]:
    return Partnership.objects.filter(intermediary=intermediary).select_related("firm")


def firm_with_corporate_number(number: str) -> Organization | None:
    return Organization.objects.filter(kind=Organization.Kind.FIRM, corporate_number=number).first()


def firms_by_corporate_number(numbers) -> dict[str, int]:
    """{Corporate Number: firm id} for those of `numbers` registered on the portal."""
    return dict(
        Organization.objects.filter(
            kind=Organization.Kind.FIRM, corporate_number__in=list(numbers)
        ).values_list("corporate_number", "pk")
    )


def partner_import_preview(partner_import: PartnerImport) -> list[dict]:
    """Each row of an uploaded file with what importing it would do now (the network and
    the portal may have changed since the upload). Two queries whatever the file's size."""
    rows = partner_import.rows
    numbers = {row["corporate_number"] for row in rows if not row["errors"]}
    known = set(
        Partnership.objects.filter(
            intermediary_id=partner_import.intermediary_id, corporate_number__in=numbers
        ).values_list("corporate_number", flat=True)
    )
    on_portal = firms_by_corporate_number(numbers)
    preview = []
    for row in rows:
        if row["errors"]:
            action = PartnerAction.ERROR
        elif row["corporate_number"] in known:
            action = PartnerAction.KNOWN
        elif row["corporate_number"] in on_portal:
            action = PartnerAction.LINK
        else:
            action = PartnerAction.INVITE
        preview.append({**row, "action": action})
    return preview


def networks_of_firm(firm: Organization) -> QuerySet[Partnership]:
    return (
        Partnership.objects.filter(firm=firm)
        .select_related("intermediary")
        .order_by("intermediary__name_en", "intermediary__name_ja", "pk")
    )


def search_partners(partners: QuerySet[Partnership], query: str) -> QuerySet[Partnership]:
    from django.db.models import Q

    from apps.organizations.validators import normalize_corporate_number

    matches = Q(name__icontains=query) | Q(email__icontains=query)
    digits = normalize_corporate_number(query)
    if digits.isdigit():
        matches |= Q(corporate_number__contains=digits)
    return partners.filter(matches)


def network_counts(intermediary: Organization) -> dict:
    from django.db.models import Count, Q

    return Partnership.objects.filter(intermediary=intermediary).aggregate(
        total=Count("pk"), on_portal=Count("pk", filter=Q(firm__isnull=False))
    )


def open_partner_invitation(token: str) -> Partnership | None:
    """A partner invitation whose firm is not on the portal yet, for filling in the
    firm's registration."""
    if not token or len(token) > 64:
        return None
    return (
        Partnership.objects.select_related("intermediary")
        .filter(token=token, firm__isnull=True)
        .first()
    )
