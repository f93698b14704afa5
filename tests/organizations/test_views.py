import pytest
from django.urls import reverse

from apps.organizations.models import Invitation, JoinRequest, Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, corporate_number

pytestmark = pytest.mark.django_db

FIRM_FORM = {
    "kind": "firm",
    "name_en": "Hayabusa Robotics K.K.",
    "name_ja": "はやぶさロボティクス株式会社",
    "name_kana": "ハヤブサロボティクス",
    "corporate_number": "",
    "country": "JP",
    "postal_code": "220-0012",
    "prefecture": "14",
    "city": "Yokohama",
    "address": "1-1 Minatomirai",
    "website": "hayabusa.example",
    "time_zone": "Asia/Tokyo",
    "email_domain": "",
    "uei": "",
    "cage_code": "",
}


def test_signed_in_user_creates_a_firm_and_becomes_its_owner(client, user):
    client.force_login(user)
    data = {**FIRM_FORM, "corporate_number": "１１８０３０１０１８７７１"}
    response = client.post(reverse("organizations:create"), data)
    firm = Organization.objects.get()
    assert response.status_code == 302 and response.url == firm.get_absolute_url()
    assert firm.corporate_number == "1180301018771"
    assert firm.website == "https://hayabusa.example"
    assert Membership.objects.get(organization=firm).role == "owner"
    assert client.get(response.url).status_code == 200


def test_bad_corporate_number_shows_the_error_next_to_the_field_and_keeps_the_input(client, user):
    client.force_login(user)
    data = {**FIRM_FORM, "corporate_number": "2180301018771"}
    response = client.post(reverse("organizations:create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "check digit does not match" in content
    assert 'id="id_corporate_number_error"' in content
    assert 'value="Hayabusa Robotics K.K."' in content
    assert 'value="2180301018771"' in content
    assert not Organization.objects.exists()


def test_registering_a_taken_corporate_number_says_who_to_contact(client, user):
    OrganizationFactory(name_en="Original Firm K.K.", corporate_number="1180301018771")
    client.force_login(user)
    response = client.post(
        reverse("organizations:create"), {**FIRM_FORM, "corporate_number": "1180301018771"}
    )
    assert response.status_code == 200
    assert "Original Firm K.K. is already registered" in response.content.decode()


def test_agency_registration_shows_it_awaits_verification(client, user):
    client.force_login(user)
    data = {**FIRM_FORM, "kind": "agency", "country": "US", "prefecture": "", "name_ja": ""}
    response = client.post(reverse("organizations:create"), data, follow=True)
    assert "awaits verification" in response.content.decode()
    assert Organization.objects.get().verification_status == "pending"


def test_organization_pages_require_membership(client, firm, firm_owner):
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.get(reverse("organizations:detail", args=[firm.pk])).status_code == 403
    assert client.get(reverse("organizations:invite", args=[firm.pk])).status_code == 403
    membership = Membership.objects.get(user=firm_owner)
    response = client.post(
        reverse("organizations:membership_update", args=[membership.pk]), {"role": "member"}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("organizations:membership_remove", args=[membership.pk])).status_code
        == 403
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, firm):
    response = client.get(reverse("organizations:detail", args=[firm.pk]))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_plain_member_sees_the_firm_but_cannot_invite(client, firm, firm_member):
    client.force_login(firm_member)
    response = client.get(reverse("organizations:detail", args=[firm.pk]))
    assert response.status_code == 200
    assert "Invite a colleague" not in response.content.decode()
    assert (
        client.post(
            reverse("organizations:invite", args=[firm.pk]),
            {"email": "x@y.example", "role": "member"},
        ).status_code
        == 403
    )


def test_owner_invites_and_invitee_accepts(
    client, firm, firm_owner, django_capture_on_commit_callbacks
):
    client.force_login(firm_owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organizations:invite", args=[firm.pk]),
            {"email": "jiro@hayabusa.example", "role": "member", "is_export_control_officer": "on"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    invitee = UserFactory(email="jiro@hayabusa.example")
    client.force_login(invitee)
    assert client.get(invitation.get_absolute_url()).status_code == 200
    client.post(invitation.get_absolute_url())
    membership = Membership.objects.get(user=invitee)
    assert membership.organization == firm and membership.is_export_control_officer


def test_invitation_for_someone_else_is_refused(client, firm, firm_owner):
    invitation = Invitation.objects.create(
        organization=firm, email="a@b.example", invited_by=firm_owner
    )
    client.force_login(UserFactory(email="c@d.example"))
    response = client.post(invitation.get_absolute_url())
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="c@d.example").exists()


def test_invalid_invitation_keeps_the_typed_address(client, firm, firm_owner):
    client.force_login(firm_owner)
    response = client.post(
        reverse("organizations:invite", args=[firm.pk]),
        {"email": "not-an-address", "role": "member"},
    )
    assert response.status_code == 200
    assert 'value="not-an-address"' in response.content.decode()


def test_dashboard_offers_to_join_the_firm_at_my_domain_but_never_for_free_mail(client, firm):
    firm.email_domain = "hayabusa.example"
    firm.save()
    colleague = UserFactory(email="saburo@hayabusa.example")
    client.force_login(colleague)
    content = client.get(reverse("organizations:dashboard")).content.decode()
    assert f"Ask to join {firm.name_en}" in content
    client.post(reverse("organizations:join", args=[firm.pk]), {"message": "I work in R&D."})
    assert JoinRequest.objects.get().user == colleague

    gmail_user = UserFactory(email="saburo@gmail.com")
    client.force_login(gmail_user)
    assert "Ask to join" not in client.get(reverse("organizations:dashboard")).content.decode()


def test_dashboard_query_count_does_not_grow_with_memberships(
    client, django_assert_max_num_queries
):
    user = UserFactory()
    client.force_login(user)
    for n in range(2):
        MembershipFactory(
            user=user, organization=OrganizationFactory(corporate_number=corporate_number(900 + n))
        )
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("organizations:dashboard"))
    for n in range(10):
        MembershipFactory(
            user=user, organization=OrganizationFactory(corporate_number=corporate_number(950 + n))
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("organizations:dashboard"))


def test_organization_page_query_count_does_not_grow_with_members(
    client, firm, firm_owner, django_assert_max_num_queries
):
    client.force_login(firm_owner)
    MembershipFactory(organization=firm)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("organizations:detail", args=[firm.pk]))
    for _ in range(10):
        MembershipFactory(organization=firm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("organizations:detail", args=[firm.pk]))


def test_owner_edits_the_details_and_a_bad_value_keeps_the_rest(client, firm, firm_owner):
    client.force_login(firm_owner)
    url = reverse("organizations:update", args=[firm.pk])
    data = {**FIRM_FORM, "corporate_number": firm.corporate_number, "city": "Kawasaki"}
    data.pop("kind")
    response = client.post(url, {**data, "name_kana": "kawasaki"})
    assert response.status_code == 200
    assert 'value="Kawasaki"' in response.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.city == "Kawasaki"


def test_member_cannot_edit_the_details(client, firm, firm_member):
    client.force_login(firm_member)
    assert client.get(reverse("organizations:update", args=[firm.pk])).status_code == 403


def test_join_request_decision_never_redirects_off_site(client, firm, firm_owner):
    from apps.organizations.models import JoinRequest

    join_request = JoinRequest.objects.create(organization=firm, user=UserFactory())
    client.force_login(firm_owner)
    response = client.post(
        reverse("organizations:join_request_decide", args=[join_request.pk]),
        {"decision": "decline", "next": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response.url == firm.get_absolute_url()


def test_the_admin_takes_a_website_without_its_scheme_as_https(rf, firm):
    """As the firm's own form does; and without Django's warning that its default scheme
    is about to change."""
    import warnings

    from django.contrib import admin

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        form_class = admin.site._registry[Organization].get_form(request, firm)
    assert form_class.base_fields["website"].clean("tsubasa-aero.example") == (
        "https://tsubasa-aero.example"
    )
