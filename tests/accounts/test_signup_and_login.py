import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "hanako@tsubasa-aero.example",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
    "display_name": "Hanako Sato",
    "accept_terms": "on",
}


def test_sign_up_verify_by_email_link_then_log_in(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email=SIGNUP["email"])
    assert user.terms_accepted_at is not None and user.terms_version
    assert user.display_name == "Hanako Sato"
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: the dashboard is not reachable yet.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.url == reverse("account_email_verification_sent")
    assert not client.session.get("_auth_user_id")

    assert len(mail.outbox) >= 1
    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", body).group(1)
    response = client.get(link)
    assert response.status_code == 200
    response = client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response.url == reverse("organizations:dashboard")
    assert client.get(reverse("organizations:dashboard")).status_code == 200


def test_sign_up_without_consent_is_refused_and_keeps_what_was_typed(client):
    data = {**SIGNUP, "accept_terms": ""}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert not User.objects.filter(email=SIGNUP["email"]).exists()
    content = response.content.decode()
    assert "You must agree to the terms of use and privacy policy" in content
    assert 'value="hanako@tsubasa-aero.example"' in content
    assert 'value="Hanako Sato"' in content


def test_sign_up_normalises_full_width_email(client):
    data = {**SIGNUP, "email": "ｈａｎａｋｏ＠ｔｓｕｂａｓａ-aero.example"}
    client.post(reverse("account_signup"), data)
    assert User.objects.filter(email="hanako@tsubasa-aero.example").exists()


def test_sign_up_in_japanese_sets_preferred_language(client):
    client.cookies["django_language"] = "ja"
    client.post(reverse("account_signup"), SIGNUP)
    assert User.objects.get(email=SIGNUP["email"]).preferred_language == "ja"


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory(email="locked@firm.example")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "wrong-password"}
        )
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert not client.session.get("_auth_user_id")
    assert "Too many failed login attempts" in response.content.decode()


def test_a_few_wrong_passwords_do_not_lock(client):
    user = UserFactory(email="typo@firm.example")
    for _ in range(2):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_password_reset_sends_a_link(client):
    user = UserFactory(email="forgot@firm.example")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
