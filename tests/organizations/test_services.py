import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from apps.organizations import permissions, selectors, services
from apps.organizations.freemail import is_free_mail_domain
from apps.organizations.models import Invitation, JoinRequest, Membership, Organization
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    corporate_number,
)

pytestmark = pytest.mark.django_db


def register_firm(actor, **overrides):
    fields = {
        "name_en": "Hayabusa Robotics K.K.",
        "name_ja": "はやぶさロボティクス株式会社",
        "country": "JP",
        "prefecture": "14",
        "corporate_number": corporate_number(424242),
        "email_domain": actor.email_domain,
    }
    fields.update(overrides)
    return services.organization_register(actor=actor, kind=Organization.Kind.FIRM, **fields)


def test_registering_a_firm_makes_the_actor_its_owner_and_needs_no_verification():
    user = UserFactory()
    firm = register_firm(user)
    assert firm.verification_status == Organization.Verification.NOT_REQUIRED
    assert firm.is_verified
    assert permissions.can_manage(user, firm)


def test_full_width_corporate_number_is_stored_normalised():
    firm = register_firm(UserFactory(), corporate_number="１１８０３０１０１８７７１")
    assert firm.corporate_number == "1180301018771"


def test_same_corporate_number_never_registers_two_firms_and_says_who_to_contact():
    register_firm(UserFactory())
    with pytest.raises(ValidationError) as error:
        register_firm(UserFactory(), name_en="Copycat")
    message = " ".join(error.value.message_dict["corporate_number"])
    assert "Hayabusa Robotics K.K." in message
    assert "invite you" in message
    assert Organization.objects.count() == 1


def test_japanese_firm_needs_a_corporate_number():
    with pytest.raises(ValidationError) as error:
        register_firm(UserFactory(), corporate_number="")
    assert "corporate_number" in error.value.message_dict


def test_agency_registration_is_a_request_until_an_operator_verifies(operator):
    staff = UserFactory()
    agency = services.organization_register(
        actor=staff, kind=Organization.Kind.AGENCY, name_en="Program office", country="US"
    )
    assert agency.verification_status == Organization.Verification.PENDING
    assert not permissions.is_verified_agency_staff(staff)
    assert not permissions.is_verified_government_side(staff)

    services.organization_verify(organization=agency, actor=operator)
    assert permissions.is_verified_agency_staff(staff)


def test_unverified_agency_member_has_no_more_rights_than_the_public():
    anonymous_rights = _rights(None)
    staff = UserFactory()
    services.organization_register(
        actor=staff, kind=Organization.Kind.AGENCY, name_en="Unvetted office", country="US"
    )
    assert (
        _rights(staff)
        == anonymous_rights
        == {
            "agency": False,
            "intermediary": False,
            "government": False,
            "reviewer": False,
        }
    )


def _rights(user):
    from django.contrib.auth.models import AnonymousUser

    user = user or AnonymousUser()
    return {
        "agency": permissions.is_verified_agency_staff(user),
        "intermediary": permissions.is_verified_intermediary_staff(user),
        "government": permissions.is_verified_government_side(user),
        "reviewer": permissions.is_waiver_reviewer(user),
    }


def test_only_operators_verify():
    agency = AgencyFactory(verification_status=Organization.Verification.PENDING)
    with pytest.raises(PermissionDenied):
        services.organization_verify(organization=agency, actor=UserFactory(is_staff=True))


def test_rejected_agency_members_stay_without_rights(operator):
    agency = AgencyFactory(verification_status=Organization.Verification.PENDING)
    member = MembershipFactory(organization=agency).user
    services.organization_reject(organization=agency, actor=operator, note="Unknown office")
    assert not permissions.is_verified_agency_staff(member)


def test_member_of_firm_a_cannot_manage_firm_b():
    firm_a, firm_b = OrganizationFactory(), OrganizationFactory()
    owner_a = MembershipFactory(organization=firm_a, role="owner").user
    member_b = MembershipFactory(organization=firm_b)
    assert permissions.can_manage(owner_a, firm_a)
    assert not permissions.can_manage(owner_a, firm_b)
    assert not permissions.is_member(owner_a, firm_b)
    with pytest.raises(PermissionDenied):
        services.invitation_create(organization=firm_b, actor=owner_a, email="x@firm-b.example")
    with pytest.raises(PermissionDenied):
        services.membership_update(
            membership=member_b, actor=owner_a, role="owner", is_export_control_officer=True
        )


def test_plain_member_cannot_manage_own_firm(firm, firm_member):
    assert permissions.is_member(firm_member, firm)
    assert not permissions.can_manage(firm_member, firm)


def test_export_control_officer_role_exists_only_in_firms(agency):
    membership = MembershipFactory(organization=agency, role="owner")
    with pytest.raises(ValidationError):
        services.membership_update(
            membership=membership,
            actor=membership.user,
            role="owner",
            is_export_control_officer=True,
        )


def test_export_control_officer_may_file_requests(firm, firm_owner):
    officer = MembershipFactory(organization=firm, is_export_control_officer=True).user
    assert officer.has_perm("organizations.file_export_control_request", firm)
    assert not firm_owner.has_perm("organizations.file_export_control_request", firm)


def test_last_owner_cannot_step_down(firm, firm_owner):
    membership = Membership.objects.get(user=firm_owner, organization=firm)
    with pytest.raises(ValidationError):
        services.membership_update(
            membership=membership, actor=firm_owner, role="member", is_export_control_officer=False
        )
    with pytest.raises(ValidationError):
        services.membership_remove(membership=membership, actor=firm_owner)


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "i.softbank.jp", "mail.ocn.ne.jp", "GMAIL.COM"],
)
def test_free_mail_domains_are_recognised(domain):
    assert is_free_mail_domain(domain)


def test_free_mail_address_never_joins_a_firm_by_domain():
    # Even a firm that (wrongly) declared a free-mail domain is not matched.
    firm = OrganizationFactory(email_domain="gmail.com")
    stranger = UserFactory(email="someone@gmail.com")
    assert selectors.firm_for_email(stranger.email) is None
    with pytest.raises(PermissionDenied):
        services.join_request_create(user=stranger, organization=firm)


def test_colleague_at_the_firm_domain_asks_to_join_and_owner_approves(firm, firm_owner):
    firm.email_domain = "hayabusa.example"
    firm.save()
    colleague = UserFactory(email="jiro@hayabusa.example")
    assert selectors.firm_for_email(colleague.email) == firm
    join_request = services.join_request_create(user=colleague, organization=firm)
    with pytest.raises(ValidationError):
        services.join_request_create(user=colleague, organization=firm)
    with pytest.raises(PermissionDenied):
        services.join_request_decide(join_request=join_request, actor=colleague, approve=True)
    services.join_request_decide(join_request=join_request, actor=firm_owner, approve=True)
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED
    assert permissions.is_member(colleague, firm)


def test_invitation_is_emailed_after_commit_and_accepted_by_the_invitee(
    firm, firm_owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            organization=firm,
            actor=firm_owner,
            email="New.Colleague@Firm.example",
            is_export_control_officer=True,
            language="ja",
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@firm.example"]
    assert invitation.get_absolute_url() in message.body
    assert "招待" in message.subject
    assert message.alternatives and message.alternatives[0][1] == "text/html"

    stranger = UserFactory(email="stranger@elsewhere.example")
    with pytest.raises(PermissionDenied):
        services.invitation_accept(invitation=invitation, user=stranger)
    invitee = UserFactory(email="new.colleague@firm.example")
    membership = services.invitation_accept(invitation=invitation, user=invitee)
    assert membership.is_export_control_officer
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=invitee)


def test_invitation_email_is_sent_once_even_if_the_task_runs_twice(firm, firm_owner):
    invitation = Invitation.objects.create(
        organization=firm, email="a@b.example", invited_by=firm_owner
    )
    services.invitation_send_email(invitation_id=invitation.pk)
    services.invitation_send_email(invitation_id=invitation.pk)
    assert len(mail.outbox) == 1


def test_a_firm_cannot_claim_a_domain_other_than_its_owners_address():
    squatter = UserFactory(email="someone@elsewhere.example")
    with pytest.raises(ValidationError) as error:
        register_firm(squatter, email_domain="toyota.example")
    assert "email_domain" in error.value.message_dict
    assert not Organization.objects.exists()


def test_two_firms_cannot_share_an_email_domain():
    register_firm(UserFactory(email="a@hayabusa.example"))
    with pytest.raises(ValidationError) as error:
        register_firm(
            UserFactory(email="b@hayabusa.example"), corporate_number=corporate_number(5151)
        )
    assert "Another firm already uses" in " ".join(error.value.message_dict["email_domain"])
