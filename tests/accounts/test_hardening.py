"""Hardening of accounts: password rules through the sign-up and password-change forms,
the per-account login lock (shared by every process), the session key rotated at sign-in,
idle and absolute session timeouts, and the cookies' flags."""

import os
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest
from allauth.core.internal import ratelimit
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from apps.accounts.models import User
from tests.conftest import require_service
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Too many failed login attempts"
PASSPHRASE_64 = "a quiet heron waits by the Kamo river as trains hum toward Kyoto"
SIGNUP = {
    "email": "hanako.sato@tsubasa-aero.example",
    "display_name": "Hanako Sato",
    "accept_terms": "on",
}

TOO_SHORT = "This password is too short. It must contain at least 12 characters."
DECORATED = "This password is a common password with a few characters added or changed"
PATTERN = "This password is mostly a keyboard pattern, a sequence or repeated characters"
PERSONAL = "This password is built from your name, your e-mail address or the portal"
COMMON = "This password is too common."
NUMERIC = "This password is entirely numeric."

REFUSED_PASSWORDS = [
    ("Sh0rt-pass!", TOO_SHORT),
    ("password1234", COMMON),
    ("Password!2026#", DECORATED),
    ("p@ssw0rd-2026", DECORATED),
    ("ｐａｓｓｗｏｒｄ２０２６！", DECORATED),  # full-width forms are the same password
    ("iloveyou!!2026", DECORATED),
    ("1qaz2wsx3edc4rfv", PATTERN),
    ("zxcvbnm,./asdfg", PATTERN),
    ("aaaaaaaaaaaaaaaa", PATTERN),
    ("あいうえおかきくけこさしす", PATTERN),
    ("HanakoSato-2026", PERSONAL),  # the name typed beside it
    ("hanako.tsubasa.2026", PERSONAL),  # the e-mail address and the firm's domain
    ("Kakehashi2026!!", PERSONAL),  # the portal's name
    ("カケハシ2026!!!!", PERSONAL),
    ("918273645501234", NUMERIC),
]


def signup(client, password, **changes):
    return client.post(
        reverse("account_signup"),
        {**SIGNUP, "password1": password, "password2": password, **changes},
    )


# --- Password rules -------------------------------------------------------------------


@pytest.mark.parametrize(("password", "message"), REFUSED_PASSWORDS)
def test_sign_up_refuses_weak_passwords_and_keeps_what_was_typed(client, password, message):
    response = signup(client, password)
    assert response.status_code == 200
    assert not User.objects.filter(email=SIGNUP["email"]).exists()
    errors = " ".join(response.context["form"].errors["password1"])
    assert message in errors
    content = response.content.decode()
    assert f'value="{SIGNUP["email"]}"' in content
    assert f'value="{SIGNUP["display_name"]}"' in content


@pytest.mark.parametrize(
    "password",
    [PASSPHRASE_64, "mq7-Vx2k!Rb9", PASSPHRASE_64 * 2, "富士山の朝焼けは四季で色が違って見える"],
    ids=["64 characters", "12 characters", "128 characters", "Japanese"],
)
def test_sign_up_accepts_long_and_unguessable_passwords(client, password):
    assert len(PASSPHRASE_64) == 64
    response = signup(client, password)
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email=SIGNUP["email"])
    assert user.check_password(password)


def test_a_password_made_of_the_name_is_refused_even_without_the_email_in_it(client):
    response = signup(client, "Sato Hanako 2026!", email="h.s@firm.example")
    assert PERSONAL in " ".join(response.context["form"].errors["password1"])


def test_the_sign_up_page_explains_the_rules(client):
    content = client.get(reverse("account_signup")).content.decode()
    assert "at least 12 characters" in content


def change_password(client, old, new):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": old, "password1": new, "password2": new},
    )


@pytest.fixture
def hanako(db):
    return UserFactory(email="hanako.sato@tsubasa-aero.example", display_name="Hanako Sato")


@pytest.mark.parametrize(("password", "message"), REFUSED_PASSWORDS)
def test_password_change_refuses_weak_passwords(client, hanako, password, message):
    client.force_login(hanako)
    response = change_password(client, PASSWORD, password)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["password1"])
    hanako.refresh_from_db()
    assert hanako.check_password(PASSWORD)


def test_password_change_accepts_a_64_character_passphrase_that_then_signs_in(client, hanako):
    client.force_login(hanako)
    response = change_password(client, PASSWORD, PASSPHRASE_64)
    assert response.status_code == 302
    hanako.refresh_from_db()
    assert hanako.check_password(PASSPHRASE_64)
    fresh = Client()
    response = fresh.post(
        reverse("account_login"), {"login": hanako.email, "password": PASSPHRASE_64}
    )
    assert response.status_code == 302 and fresh.session.get("_auth_user_id")


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(hanako):
    here, elsewhere = Client(), Client()
    here.force_login(hanako)
    elsewhere.force_login(hanako)
    assert change_password(here, PASSWORD, PASSPHRASE_64).status_code == 302
    assert here.get(reverse("accounts:profile")).status_code == 200
    response = elsewhere.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


# --- The login lock ---------------------------------------------------------------------


def login(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in(client) -> bool:
    return bool(client.session.get("_auth_user_id"))


def test_the_lock_is_five_failures_per_address_counted_over_at_least_five_minutes():
    rates = ratelimit.parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])
    per_address = [rate for rate in rates if rate.per == "key"]
    assert per_address and per_address[0].amount == 5
    assert per_address[0].duration >= 5 * 60


class ShiftedClock:
    """allauth's rate-limit clock, moved forward by `offset` seconds."""

    def __init__(self, offset):
        self.offset = offset

    def time(self):
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


def test_the_sixth_attempt_within_five_minutes_is_refused_even_with_the_right_password(
    client, monkeypatch
):
    user = UserFactory(email="locked@firm.example")
    for _ in range(5):
        assert login(client, user.email, "wrong-password").status_code == 200
    monkeypatch.setattr(ratelimit, "time", ShiftedClock(4 * 60 + 59))
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not signed_in(client)
    # Once the window has passed, the right password works again.
    monkeypatch.setattr(ratelimit, "time", ShiftedClock(settings.LOGIN_ATTEMPTS_TIMEOUT + 1))
    assert login(client, user.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_lock_is_per_account_not_per_browser(client):
    locked = UserFactory(email="locked@firm.example")
    other = UserFactory(email="other@firm.example")
    for _ in range(5):
        login(client, locked.email, "wrong-password")
    assert login(client, other.email, PASSWORD).status_code == 302


def test_failures_from_many_addresses_and_spellings_count_for_the_same_account(client):
    user = UserFactory(email="locked@firm.example")
    spellings = ["locked@firm.example", "LOCKED@firm.example", "Locked@Firm.Example"]
    for n in range(5):
        login(client, spellings[n % 3], "wrong", REMOTE_ADDR=f"192.0.2.{n + 1}")
    response = login(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert LOCKED in response.content.decode() and not signed_in(client)


def test_right_passwords_between_wrong_ones_do_not_reset_the_count(client):
    user = UserFactory(email="locked@firm.example")
    for _ in range(5):
        login(client, user.email, "wrong")
        assert login(Client(), user.email, PASSWORD).status_code in (200, 302)
    assert LOCKED in login(Client(), user.email, PASSWORD).content.decode()


def test_the_counters_live_in_redis_whenever_redis_is_configured():
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lock_holds_in_another_web_process(redis_url):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "a second process needs the same database (set DATABASE_URL)",
    )
    locked = UserFactory(email="shared-lock@firm.example")
    control = UserFactory(email="shared-control@firm.example")
    for _ in range(5):
        login(Client(), locked.email, "wrong-password")

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "testserver",
    }
    script = (
        "import sys, django; django.setup(); from django.test import Client\n"
        "password, locked_message, *emails = sys.argv[1:]\n"
        "for email in emails:\n"
        "    c = Client()\n"
        "    r = c.post('/accounts/login/', {'login': email, 'password': password})\n"
        "    print(email, r.status_code, locked_message in r.content.decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, PASSWORD, LOCKED, locked.email, control.email],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines()[-2:])
    assert lines[locked.email] == "200 True"  # refused by the other process's counter
    assert lines[control.email] == "302 False"


def test_behind_a_proxy_one_visitors_failures_do_not_lock_out_the_others(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory(email="bystander@firm.example")
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for n in range(10):
        login(client, f"nobody{n}@firm.example", "guess", **attacker)
    assert LOCKED in login(Client(), user.email, PASSWORD, **attacker).content.decode()
    visitor = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert login(visitor, user.email, PASSWORD).status_code == 302


@pytest.mark.slow
def test_num_proxies_sets_both_the_login_and_the_api_rate_limits():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "NUM_PROXIES": "2"}
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["2", "2"]


# --- Session key rotation and timeouts ---------------------------------------------------


def session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


def anonymous_session_key(client) -> str:
    session = client.session
    session["visited"] = True
    session.save()
    return session.session_key


def test_signing_in_rotates_the_session_key(client):
    user = UserFactory()
    before = anonymous_session_key(client)
    assert login(client, user.email, PASSWORD).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not session_store().exists(before)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signing_in_with_two_factor_rotates_the_key_after_the_code(client):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    user = UserFactory(is_staff=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    anonymous_session_key(client)
    response = login(client, user.email, PASSWORD)
    assert response.url == reverse("mfa_authenticate")
    between = client.cookies[settings.SESSION_COOKIE_NAME].value
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != between
    assert not session_store().exists(between)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signing_in_starts_both_session_clocks(client):
    user = UserFactory()
    before = int(time.time())
    login(client, user.email, PASSWORD)
    session = client.session
    assert before <= session[SESSION_STARTED_KEY] <= int(time.time())
    assert session[SESSION_SEEN_KEY] == session[SESSION_STARTED_KEY]


def wind_back(client, *, idle=0, since_sign_in=0):
    """Pretends the last request was `idle` seconds ago and the sign-in `since_sign_in`
    seconds ago."""
    session = client.session
    session[SESSION_SEEN_KEY] = int(time.time()) - idle
    session[SESSION_STARTED_KEY] = int(time.time()) - max(idle, since_sign_in)
    session.save()


@pytest.fixture
def member_client(client):
    client.force_login(UserFactory())
    return client


def test_a_member_idle_just_under_an_hour_stays_signed_in(member_client):
    wind_back(member_client, idle=settings.SESSION_IDLE_TIMEOUT - 60)
    assert member_client.get(reverse("accounts:profile")).status_code == 200
    seen = member_client.session[SESSION_SEEN_KEY]
    assert seen >= int(time.time()) - 1  # the request counted as activity


def test_a_member_idle_for_an_hour_is_signed_out_and_sent_to_sign_in(member_client):
    assert settings.SESSION_IDLE_TIMEOUT == 60 * 60
    wind_back(member_client, idle=settings.SESSION_IDLE_TIMEOUT)
    response = member_client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('accounts:profile')}"
    assert not signed_in(member_client)
    page = member_client.get(response.url).content.decode()
    assert "You were signed out after 60 minutes without activity" in page


def test_a_public_page_after_the_timeout_shows_signed_out_with_the_reason(member_client):
    wind_back(member_client, idle=settings.SESSION_IDLE_TIMEOUT + 5)
    response = member_client.get(reverse("opportunities:list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "without activity" in content and reverse("account_login") in content


def test_staff_are_signed_out_after_thirty_idle_minutes(client):
    assert settings.SESSION_IDLE_TIMEOUT_STAFF == 30 * 60
    client.force_login(UserFactory(is_staff=True))
    wind_back(client, idle=29 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 200
    wind_back(client, idle=30 * 60)
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert not signed_in(client)


def test_twelve_hours_after_sign_in_the_session_ends_however_active(member_client):
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 12 * 60 * 60
    wind_back(member_client, idle=0, since_sign_in=12 * 60 * 60 - 60)
    assert member_client.get(reverse("accounts:profile")).status_code == 200
    wind_back(member_client, idle=0, since_sign_in=12 * 60 * 60)
    response = member_client.get(reverse("accounts:profile"), follow=True)
    assert not signed_in(member_client)
    assert "You were signed out because your session ended" in response.content.decode()


def test_the_timeouts_follow_the_settings(member_client, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    wind_back(member_client, idle=5 * 60)
    assert member_client.get(reverse("accounts:profile")).status_code == 302


def test_the_old_session_is_gone_after_a_timeout(member_client):
    key = member_client.cookies[settings.SESSION_COOKIE_NAME].value
    wind_back(member_client, idle=settings.SESSION_IDLE_TIMEOUT)
    member_client.get(reverse("accounts:profile"))
    assert not session_store().exists(key)


def test_a_session_without_clocks_gets_them_rather_than_a_sign_out(member_client):
    session = member_client.session
    del session[SESSION_STARTED_KEY], session[SESSION_SEEN_KEY]
    session.save()
    assert member_client.get(reverse("accounts:profile")).status_code == 200
    assert SESSION_STARTED_KEY in member_client.session


# --- Cookies ----------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_lax_and_ends_with_the_browser(client):
    user = UserFactory()
    response = login(client, user.email, PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]


def test_the_login_form_offers_no_remember_me(client):
    content = client.get(reverse("account_login")).content.decode()
    assert 'name="remember"' not in content


def test_the_csrf_cookie_is_httponly_and_lax(client):
    response = client.get(reverse("account_login"))
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("signed_in_user", [False, True])
def test_the_language_cookie_is_httponly_and_lax(client, signed_in_user):
    if signed_in_user:
        client.force_login(UserFactory())
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ja"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_profile_sets_the_language_cookie_with_the_same_flags(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "A", "preferred_language": "ja", "time_zone": "Asia/Tokyo"},
    )
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


def test_production_cookie_names_and_flags_work_end_to_end(settings):
    """Production's __Host- names with Secure cookies, over HTTPS."""
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("account_login"), secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    assert csrf["secure"] is True
    response = browser.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302
    session_cookie = response.cookies["__Host-sessionid"]
    assert session_cookie["secure"] is True and session_cookie["httponly"] is True
    assert browser.get(reverse("accounts:profile"), secure=True).status_code == 200
