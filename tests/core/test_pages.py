import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["core:home", "core:terms", "core:privacy", "account_login", "account_signup"]
)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_public_pages_render_in_both_languages(client, name, language):
    client.cookies["django_language"] = language
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert 'id="main"' in content  # the skip link's target


def test_home_page_speaks_to_each_audience(client):
    content = client.get("/").content.decode()
    for audience in ("Japanese firms", "US agencies", "Intermediaries"):
        assert audience in content


def test_terms_page_has_a_japanese_text(client):
    client.cookies["django_language"] = "ja"
    content = client.get(reverse("core:terms")).content.decode()
    assert "外国為替及び外国貿易法" in content


def test_unknown_page_gets_the_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_pages_send_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_static_assets_are_served_by_the_portal_itself(client):
    response = client.get("/")
    content = response.content.decode()
    assert "/static/css/portal.css" in content
    assert "https://" not in content.split("<body")[0]  # no CDN in <head>


def test_posts_without_a_csrf_token_are_refused():
    csrf_client = Client(enforce_csrf_checks=True)
    user = UserFactory()
    csrf_client.force_login(user)
    response = csrf_client.post(reverse("accounts:profile"), {"display_name": "x"})
    assert response.status_code == 403


def test_robots_txt_keeps_crawlers_out_of_accounts_and_admin(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Disallow: /accounts/" in body


@pytest.mark.parametrize(
    "name",
    [
        "accounts:profile",
        "account_email",
        "account_change_password",
        "mfa_index",
        "organizations:dashboard",
        "organizations:create",
    ],
)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_signed_in_pages_render_in_the_users_language(client, name, language):
    user = UserFactory(preferred_language=language)
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_server_error_page_is_friendly(rf):
    from django.utils import translation

    from apps.core.views import server_error

    with translation.override("en"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_permission_denied_page_is_friendly(client, firm):
    client.force_login(UserFactory())
    response = client.get(reverse("organizations:detail", args=[firm.pk]))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()
