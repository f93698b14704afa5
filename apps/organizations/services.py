"""Every write to organizations, memberships, invitations and join requests."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.organizations import permissions, selectors
from apps.organizations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organization,
    PartnerImport,
    Partnership,
)
from apps.organizations.validators import normalize_corporate_number

ORGANIZATION_FIELDS = (
    "name_en",
    "name_ja",
    "name_kana",
    "country",
    "website",
    "postal_code",
    "prefecture",
    "city",
    "address",
    "time_zone",
    "corporate_number",
    "uei",
    "cage_code",
    "email_domain",
    "employees_band",
    "founded_year",
    "pitch_en",
    "pitch_ja",
    "primary_contact",
)
# The registering user becomes the primary contact; another member can be chosen once
# there are others.
REGISTRATION_FIELDS = tuple(name for name in ORGANIZATION_FIELDS if name != "primary_contact")


def _duplicate_corporate_number_message(number: str) -> str:
    existing = Organization.objects.filter(corporate_number=number).first()
    return _(
        "%(name)s is already registered with this Corporate Number. Ask one of its "
        "members to invite you, or ask to join it from your dashboard; if you "
        "believe the registration is wrong, contact the portal operators."
    ) % {"name": existing.name if existing else _("A firm")}


def check_corporate_number_free(number: str) -> None:
    """Raises ValidationError naming the firm that already holds this Corporate Number."""
    if Organization.objects.filter(corporate_number=number).exists():
        raise ValidationError(_duplicate_corporate_number_message(number), code="taken")


def _duplicate_corporate_number_error(number: str) -> ValidationError:
    return ValidationError({"corporate_number": _duplicate_corporate_number_message(number)})


@transaction.atomic
def organization_register(*, actor: User, kind: str, **fields) -> Organization:
    """Create an organization with the actor as its owner and primary contact. Firms are
    usable at once; agencies, intermediaries and regulators wait for an operator's
    verification. Raises ValidationError (on `corporate_number`, naming the firm to
    contact) when the Corporate Number is already registered."""
    unknown = set(fields) - set(REGISTRATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    organization = Organization(kind=kind, **fields)
    if organization.corporate_number:
        organization.corporate_number = normalize_corporate_number(organization.corporate_number)
    else:
        organization.corporate_number = None
    organization.uei = organization.uei.upper()
    organization.cage_code = organization.cage_code.upper()
    organization.email_domain = organization.email_domain.lower().strip()
    _check_email_domain(organization, actor)
    organization.verification_status = (
        Organization.Verification.PENDING
        if kind in Organization.VETTED_KINDS
        else Organization.Verification.NOT_REQUIRED
    )
    number = organization.corporate_number
    if number and Organization.objects.filter(corporate_number=number).exists():
        raise _duplicate_corporate_number_error(number)
    organization.full_clean()
    try:
        with transaction.atomic():
            organization.save()
    except IntegrityError as error:  # a concurrent registration of the same number
        raise _duplicate_corporate_number_error(organization.corporate_number) from error
    Membership.objects.create(
        user=actor,
        organization=organization,
        role=Membership.Role.OWNER,
        is_export_control_officer=False,
    )
    organization.primary_contact = actor
    organization.save(update_fields=["primary_contact", "updated_at"])
    if kind == Organization.Kind.FIRM and number:
        partnerships_link_firm(firm=organization)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor: User, **fields) -> Organization:
    """Edit an organization's profile. Its kind and verification are not editable here; a
    verified organization that changes its legal name stays verified (operators see the
    change in the admin's history)."""
    _require_manager(actor, organization)
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organization fields: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    for name, value in fields.items():
        setattr(organization, name, value)
    if organization.corporate_number:
        organization.corporate_number = normalize_corporate_number(organization.corporate_number)
        taken = Organization.objects.filter(corporate_number=organization.corporate_number)
        if taken.exclude(pk=organization.pk).exists():
            raise _duplicate_corporate_number_error(organization.corporate_number)
    else:
        organization.corporate_number = None
    organization.uei = organization.uei.upper()
    organization.cage_code = organization.cage_code.upper()
    organization.email_domain = organization.email_domain.lower().strip()
    _check_email_domain(organization, actor)
    organization.full_clean()
    organization.save()
    if organization.kind == Organization.Kind.FIRM and organization.corporate_number:
        partnerships_link_firm(firm=organization)
    return organization


def _check_email_domain(organization: Organization, actor: User) -> None:
    """A firm may declare only the domain of its registering owner's own address (and no
    free-mail domain), and no two firms the same one: otherwise a squatter could collect
    the join requests of another firm's staff."""
    from apps.organizations.freemail import is_free_mail_domain

    domain = organization.email_domain
    if not domain:
        return
    if domain != actor.email_domain or is_free_mail_domain(domain):
        raise ValidationError(
            {
                "email_domain": _(
                    "Use the domain of your own work address (%(domain)s), or leave this empty."
                )
                % {"domain": actor.email_domain}
            }
        )
    taken = Organization.objects.filter(kind=Organization.Kind.FIRM, email_domain=domain)
    if organization.kind == Organization.Kind.FIRM and taken.exclude(pk=organization.pk).exists():
        raise ValidationError({"email_domain": _("Another firm already uses this e-mail domain.")})


def _require_operator(actor: User) -> None:
    if not permissions.is_operator(actor):
        raise PermissionDenied(_("Only portal operators verify organizations."))


@transaction.atomic
def organization_verify(*, organization: Organization, actor: User, note: str = "") -> Organization:
    _require_operator(actor)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.needs_verification:
        raise ValidationError(_("Firms do not need verification."))
    organization.verification_status = Organization.Verification.VERIFIED
    organization.verified_at = timezone.now()
    organization.verified_by = actor
    organization.verification_note = note or organization.verification_note
    organization.save(
        update_fields=[
            "verification_status",
            "verified_at",
            "verified_by",
            "verification_note",
            "updated_at",
        ]
    )
    return organization


@transaction.atomic
def organization_reject(*, organization: Organization, actor: User, note: str) -> Organization:
    _require_operator(actor)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not organization.needs_verification:
        raise ValidationError(_("Firms do not need verification."))
    organization.verification_status = Organization.Verification.REJECTED
    organization.verified_at = None
    organization.verified_by = actor
    organization.verification_note = note
    organization.save(
        update_fields=[
            "verification_status",
            "verified_at",
            "verified_by",
            "verification_note",
            "updated_at",
        ]
    )
    return organization


def _require_manager(actor: User, organization: Organization) -> None:
    if not permissions.can_manage(actor, organization):
        raise PermissionDenied(_("Only the organization's owners can do this."))


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Membership.Role.OWNER).count()


@transaction.atomic
def membership_update(
    *, membership: Membership, actor: User, role: str, is_export_control_officer: bool
) -> Membership:
    _require_manager(actor, membership.organization)
    # Lock the organization first, so two owners demoting each other cannot leave none.
    Organization.objects.select_for_update().get(pk=membership.organization_id)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and _owner_count(membership.organization) == 1
    ):
        raise ValidationError(_("An organization needs at least one owner."))
    membership.role = role
    membership.is_export_control_officer = is_export_control_officer
    membership.full_clean()
    membership.save(update_fields=["role", "is_export_control_officer", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User) -> None:
    organization = membership.organization
    if actor.pk != membership.user_id:
        _require_manager(actor, organization)
    Organization.objects.select_for_update().get(pk=organization.pk)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.OWNER and _owner_count(organization) == 1:
        raise ValidationError(_("An organization needs at least one owner."))
    membership.delete()
    _hand_over_primary_contact(organization_id=membership.organization_id, leaver=membership.user)


def _hand_over_primary_contact(*, organization_id: int, leaver: User) -> None:
    """Agencies must never be shown someone who has left as the contact: the longest-standing
    remaining owner takes over."""
    organization = Organization.objects.select_for_update().get(pk=organization_id)
    if organization.primary_contact_id != leaver.pk:
        return
    organization.primary_contact_id = (
        Membership.objects.filter(organization=organization, role=Membership.Role.OWNER)
        .order_by("created_at", "pk")
        .values_list("user_id", flat=True)
        .first()
    )
    organization.save(update_fields=["primary_contact", "updated_at"])


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    actor: User,
    email: str,
    role: str = Membership.Role.MEMBER,
    is_export_control_officer: bool = False,
    language: str = "en",
) -> Invitation:
    from apps.organizations import tasks

    _require_manager(actor, organization)
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    if selectors.open_invitations_of(organization).filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This address has already been invited.")})
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        is_export_control_officer=is_export_control_officer,
        invited_by=actor,
        language=language,
    )
    invitation.full_clean()
    invitation.save()
    tasks.send_invitation_email.delay_on_commit(invitation_id=invitation.pk)
    return invitation


def invitation_send_email(*, invitation_id: int) -> None:
    from apps.core.email import send_templated_mail

    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open or invitation.sent_at is not None:
        return
    send_templated_mail(
        template_prefix="organizations/email/invitation",
        to=[invitation.email],
        context={"invitation": invitation, "organization": invitation.organization},
        language=invitation.language,
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation has expired or was already used."))
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organization=invitation.organization,
        defaults={
            "role": invitation.role,
            "is_export_control_officer": invitation.is_export_control_officer,
        },
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    _require_manager(actor, invitation.organization)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


@transaction.atomic
def join_request_create(
    *, user: User, organization: Organization, message: str = ""
) -> JoinRequest:
    """Ask to join a firm at the user's e-mail domain. Free-mail addresses never match."""
    if selectors.firm_for_email(user.email) != organization:
        raise PermissionDenied(
            _("Your e-mail address is not at this firm's domain. Ask an owner to invite you.")
        )
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(_("You are already a member of this firm."))
    join_request = JoinRequest(user=user, organization=organization, message=message)
    join_request.full_clean()
    join_request.save()
    return join_request


@transaction.atomic
def join_request_decide(*, join_request: JoinRequest, actor: User, approve: bool) -> JoinRequest:
    _require_manager(actor, join_request.organization)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    if approve:
        Membership.objects.get_or_create(
            user=join_request.user,
            organization=join_request.organization,
            defaults={"role": Membership.Role.MEMBER},
        )
    return join_request


# --- An intermediary's partner network -------------------------------------------------


def _require_network_manager(actor: User, intermediary: Organization) -> None:
    if not permissions.can_manage_network(actor, intermediary):
        raise PermissionDenied(_("Only members of a verified intermediary keep its network."))


def partnerships_link_firm(*, firm: Organization) -> int:
    """Firms invited by Corporate Number join the networks that invited them once the
    firm is on the portal. Returns how many partnerships now name it."""
    return Partnership.objects.filter(
        corporate_number=firm.corporate_number, firm__isnull=True
    ).update(firm=firm, joined_at=timezone.now(), updated_at=timezone.now())


def _partnership_new(
    *, intermediary: Organization, actor: User, name: str, email: str, number: str, language: str
) -> Partnership:
    firm = selectors.firm_with_corporate_number(number)
    partnership = Partnership(
        intermediary=intermediary,
        firm=firm,
        joined_at=timezone.now() if firm else None,
        name=name,
        email=email.strip().lower(),
        corporate_number=number,
        invited_by=actor,
        language=language,
    )
    partnership.full_clean()
    partnership.save()
    return partnership


@transaction.atomic
def partner_add(
    *,
    intermediary: Organization,
    actor: User,
    name: str,
    email: str,
    corporate_number: str,
    language: str = "en",
) -> Partnership:
    """Add one firm to the network and e-mail it: an invitation to register, or word
    that it was added when the firm is already on the portal."""
    from apps.organizations import tasks

    _require_network_manager(actor, intermediary)
    number = normalize_corporate_number(corporate_number)
    if Partnership.objects.filter(intermediary=intermediary, corporate_number=number).exists():
        raise ValidationError({"corporate_number": _("This firm is already in your network.")})
    try:
        with transaction.atomic():
            partnership = _partnership_new(
                intermediary=intermediary,
                actor=actor,
                name=name,
                email=email,
                number=number,
                language=language,
            )
    except IntegrityError as error:  # added at the same moment by a colleague or an import
        raise ValidationError(
            {"corporate_number": _("This firm is already in your network.")}
        ) from error
    tasks.send_partner_invitation.delay_on_commit(partnership_id=partnership.pk)
    return partnership


@transaction.atomic
def partner_remove(*, partnership: Partnership, actor: User) -> None:
    _require_network_manager(actor, partnership.intermediary)
    partnership.delete()


@transaction.atomic
def partner_leave(*, partnership: Partnership, actor: User) -> None:
    """A firm's owner takes the firm out of an intermediary's network (its targeting
    already made stays; no new network targeting reaches the firm)."""
    if partnership.firm_id is None or not permissions.can_manage(actor, partnership.firm):
        raise PermissionDenied(_("Only an owner of the firm can leave a network."))
    partnership.delete()


def partner_send_invitation(*, partnership_id: int) -> None:
    from apps.core.email import send_templated_mail

    partnership = (
        Partnership.objects.select_related("intermediary", "firm", "invited_by")
        .filter(pk=partnership_id)
        .first()
    )
    if partnership is None:
        return
    # Claim the sending first, so that a task delivered twice sends one e-mail; a failed
    # send gives the claim back for the retry.
    if not Partnership.objects.filter(pk=partnership.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    ):
        return
    try:
        send_templated_mail(
            template_prefix="organizations/email/partner_invitation",
            to=[partnership.email],
            context={"partnership": partnership, "intermediary": partnership.intermediary},
            language=partnership.language,
        )
    except Exception:
        Partnership.objects.filter(pk=partnership.pk).update(sent_at=None)
        raise


@transaction.atomic
def partner_accept_invitation(*, partnership: Partnership) -> Partnership:
    """The invitee followed the e-mailed link: when the firm is on the portal by now
    (registered by a colleague, say), the partnership names it."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if partnership.firm_id is None:
        firm = selectors.firm_with_corporate_number(partnership.corporate_number)
        if firm is not None:
            partnership.firm = firm
            partnership.joined_at = timezone.now()
            partnership.save(update_fields=["firm", "joined_at", "updated_at"])
    return partnership


def partner_import_upload(
    *, intermediary: Organization, actor: User, filename: str, data: bytes
) -> tuple[PartnerImport | None, list[str]]:
    """Check an uploaded CSV. A file that cannot be read at all gives its errors and no
    import; otherwise the import is kept, row by row, for the preview."""
    from apps.organizations import partner_csv

    _require_network_manager(actor, intermediary)
    parsed = partner_csv.parse(data)
    if parsed.errors:
        return None, parsed.errors
    partner_import = PartnerImport.objects.create(
        intermediary=intermediary,
        uploaded_by=actor,
        filename=filename[:255],
        rows=parsed.rows,
    )
    return partner_import, []


@transaction.atomic
def partner_import_confirm(*, partner_import: PartnerImport, actor: User, language: str) -> int:
    """Import every good row that is not in the network yet, all in one transaction, and
    invite each after commit. Rows with errors are left out, as the preview said. Returns
    how many partners were added."""
    from apps.organizations import tasks

    partner_import = PartnerImport.objects.select_for_update().get(pk=partner_import.pk)
    _require_network_manager(actor, partner_import.intermediary)
    if partner_import.imported_at is not None:
        raise ValidationError(_("This file was already imported."))
    rows = [
        row
        for row in selectors.partner_import_preview(partner_import)
        if row["action"] in (selectors.PartnerAction.INVITE, selectors.PartnerAction.LINK)
    ]
    # The rows were checked when the file was read (partner_csv): written in bulk.
    firms = selectors.firms_by_corporate_number(row["corporate_number"] for row in rows)
    now = timezone.now()
    try:
        with transaction.atomic():
            added = Partnership.objects.bulk_create(
                [
                    Partnership(
                        intermediary=partner_import.intermediary,
                        firm_id=firms.get(row["corporate_number"]),
                        joined_at=now if row["corporate_number"] in firms else None,
                        name=row["name"],
                        email=row["email"],
                        corporate_number=row["corporate_number"],
                        invited_by=actor,
                        language=language,
                    )
                    for row in rows
                ],
                batch_size=1000,
            )
    except IntegrityError as error:  # a colleague added one of the firms meanwhile
        raise ValidationError(
            _("Your network changed while you were checking the file: look at it again.")
        ) from error
    partner_import.imported_at = timezone.now()
    partner_import.imported_count = len(added)
    partner_import.save(update_fields=["imported_at", "imported_count", "updated_at"])
    for partnership in added:
        tasks.send_partner_invitation.delay_on_commit(partnership_id=partnership.pk)
    return len(added)
