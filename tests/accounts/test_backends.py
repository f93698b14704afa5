"""The signed-in user is read with a statement compiled once (apps/accounts/backends.py):
the same user, with the same values, as the ORM's `get(pk=…)`, and the same refusals."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.backends import user_by_pk
from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _values(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_user_read_is_the_orms_with_every_value_alike():
    user = UserFactory(
        display_name="山田 太郎",
        display_name_kana="ヤマダ タロウ",
        preferred_language="ja",
        time_zone="America/New_York",
        terms_accepted_at=timezone.now() - dt.timedelta(days=3),
        terms_version="2026-10",
        is_staff=True,
        last_login=timezone.now(),
    )
    read = user_by_pk(user.pk)
    orm = User.objects.get(pk=user.pk)
    assert type(read) is User
    assert _values(read) == _values(orm)
    assert read.is_staff is True and read.is_active is True
    assert read.terms_accepted_at.tzinfo is not None
    assert read._state.adding is False and read._state.db == "default"
    # A primary key as the session keeps it (a string) finds the same row.
    assert user_by_pk(str(user.pk)).pk == user.pk


def test_a_user_who_no_longer_exists_is_none():
    user = UserFactory()
    pk = user.pk
    user.delete()
    assert user_by_pk(pk) is None


def test_reading_the_user_is_one_query_by_primary_key():
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        user_by_pk(user.pk)
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "WHERE" in sql and "ORDER BY" not in sql


def test_signing_in_by_e_mail_then_browsing_keeps_the_user_signed_in(client):
    user = UserFactory(email="kenji@hokuto-optics.example")
    response = client.post(
        reverse("account_login"), {"login": "kenji@hokuto-optics.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
    page = client.get(reverse("organizations:dashboard"))
    assert page.status_code == 200
    assert page.wsgi_request.user.pk == user.pk


def test_a_deactivated_user_is_signed_out_on_their_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("organizations:dashboard")).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("organizations:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_a_changed_password_signs_out_the_other_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("organizations:dashboard")).status_code == 200
    user.set_password("another-long-and-unusual-passphrase")
    user.save()
    response = client.get(reverse("organizations:dashboard"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url
