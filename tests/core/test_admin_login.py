import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_login_page_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_admin_login_is_rate_limited_like_every_login(client):
    staff = UserFactory(email="staff@portal.example", is_staff=True)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": staff.email, "password": "nope"})
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert not client.session.get("_auth_user_id")


def test_staff_without_an_authenticator_app_are_sent_to_set_one_up(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    chain = [url for url, _status in response.redirect_chain]
    assert chain[1] == reverse("mfa_activate_totp")
    # allauth asks for the password again before an authenticator is added.
    assert chain[-1].startswith(reverse("account_reauthenticate"))


def test_staff_with_totp_must_enter_a_code_after_the_password(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = UserFactory(email="ops@portal.example", is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not client.session.get("_auth_user_id")


def test_operator_with_mfa_reaches_the_admin_lists(client, operator):
    client.force_login(operator)
    for url in (
        "/admin/",
        "/admin/accounts/user/",
        "/admin/organizations/organization/",
        "/admin/organizations/membership/",
        "/admin/taxonomy/technologyarea/",
    ):
        assert client.get(url).status_code == 200, url


def test_non_staff_user_is_refused_by_the_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/login/")
    assert response.status_code == 403


def test_operator_verifies_an_agency_from_the_admin(client, operator):
    from apps.organizations.models import Organization
    from tests.factories import AgencyFactory

    agency = AgencyFactory(verification_status=Organization.Verification.PENDING)
    client.force_login(operator)
    response = client.post(
        "/admin/organizations/organization/",
        {"action": "verify_selected", "_selected_action": [agency.pk]},
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.verification_status == Organization.Verification.VERIFIED
    assert agency.verified_by == operator
