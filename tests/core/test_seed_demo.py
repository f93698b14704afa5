from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.organizations.models import Membership, Organization

pytestmark = pytest.mark.django_db


def _counts():
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "users": get_user_model().objects.count(),
        "organizations": Organization.objects.count(),
        "memberships": Membership.objects.count(),
        "emails": EmailAddress.objects.count(),
        "authenticators": Authenticator.objects.count(),
    }


def test_seed_demo_twice_gives_the_same_counts_and_prints_the_accounts():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    assert first["organizations"] >= 4
    text = out.getvalue()
    for email in (
        "member@tsubasa-aero.example",
        "export@tsubasa-aero.example",
        "agency@diu-demo.example",
        "partner@jdtc-demo.example",
        "reviewer@meti-demo.example",
        "admin@kakehashi.example",
    ):
        assert email in text
    assert "kakehashi-demo-2026" in text
    assert "TOTP secret" in text


def test_demo_accounts_have_the_rights_of_their_role():
    from apps.organizations import permissions

    call_command("seed_demo", stdout=StringIO())
    users = get_user_model().objects
    assert permissions.is_verified_agency_staff(users.get(email="agency@diu-demo.example"))
    assert permissions.is_verified_intermediary_staff(users.get(email="partner@jdtc-demo.example"))
    assert permissions.is_waiver_reviewer(users.get(email="reviewer@meti-demo.example"))
    assert permissions.is_waiver_reviewer(users.get(email="reviewer2@meti-demo.example"))
    officer = users.get(email="export@tsubasa-aero.example")
    firm = Organization.objects.get(memberships__user=officer)
    assert officer.has_perm("organizations.file_export_control_request", firm)
    assert not permissions.is_verified_government_side(
        users.get(email="member@tsubasa-aero.example")
    )


def test_demo_password_logs_in(client):
    call_command("seed_demo", stdout=StringIO())
    response = client.post(
        "/accounts/login/",
        {"login": "member@tsubasa-aero.example", "password": "kakehashi-demo-2026"},
    )
    assert response.status_code == 302


def test_seed_demo_refuses_to_run_where_demo_data_is_not_allowed(settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.exists()


def test_the_demo_firms_controlled_brief_is_held_from_the_agency(client):
    from apps.opportunities import access
    from apps.opportunities.models import Response

    call_command("seed_demo", stdout=StringIO())
    response = Response.objects.get(opportunity__reference_number="DIU-26-SPACE-014")
    assert access.response_attachment_is_held(response)
    agency_user = get_user_model().objects.get(email="agency@diu-demo.example")
    client.force_login(agency_user)
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Held pending export authorization" in page
