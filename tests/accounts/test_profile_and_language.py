import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_language_switch_renders_home_page_in_japanese(client):
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert response.status_code == 302
    response = client.get("/")
    content = response.content.decode()
    assert '<html lang="ja">' in content
    assert "日本企業" in content


def test_language_choice_persists_for_a_signed_in_user_across_sessions(client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "ja"

    other_browser = client.__class__()
    other_browser.force_login(user)
    assert '<html lang="ja">' in other_browser.get("/").content.decode()


def test_profile_saves_name_kana_language_and_time_zone(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "山田 太郎",
            "display_name_kana": "ヤマダ タロウ",
            "preferred_language": "ja",
            "time_zone": "America/New_York",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name_kana, user.preferred_language, user.time_zone) == (
        "ヤマダ タロウ",
        "ja",
        "America/New_York",
    )


def test_profile_rejects_a_reading_that_is_not_kana_and_keeps_the_input(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Taro",
            "display_name_kana": "Yamada",
            "preferred_language": "en",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Use katakana or hiragana only" in content
    assert 'value="Yamada"' in content


def test_half_width_katakana_reading_is_normalised_to_full_width(client):
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Taro",
            "display_name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
            "preferred_language": "en",
            "time_zone": "Asia/Tokyo",
        },
    )
    user.refresh_from_db()
    assert user.display_name_kana == "ヤマダ タロウ"


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_anonymous_switch_needs_no_token_and_public_pages_carry_none():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/opportunities/").content.decode()
    assert "csrfmiddlewaretoken" not in page  # so that the page can be shared by the cache
    response = browser.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="ja">' in browser.get("/").content.decode()


def test_a_signed_in_users_switch_still_needs_the_token():
    from django.test import Client

    user = UserFactory(preferred_language="en")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    forged = browser.post(reverse("set_language"), {"language": "ja", "next": "/"})
    assert forged.status_code == 403
    user.refresh_from_db()
    assert user.preferred_language == "en"

    page = browser.get("/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = browser.post(
        reverse("set_language"),
        {"language": "ja", "next": "/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "ja"
