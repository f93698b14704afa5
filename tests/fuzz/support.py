"""Requests with hostile data, and what every answer to them must satisfy."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction

from tests.fuzz.strategies import encode_form, encode_query

FORM_ENCODED = "application/x-www-form-urlencoded"
# How the portal's templates (and allauth's) show a form that was not accepted.
ERROR_MARKERS = ('class="form-errors"', "field-invalid", 'class="error"', "errorlist")


def post(client, url: str, data: dict, **extra):
    """POST the fields as a browser would, invalid Unicode included."""
    return client.post(url, data=encode_form(data), content_type=FORM_ENCODED, **extra)


def get(client, url: str, data: dict | None = None, *, query_string: str | None = None):
    """GET with the fields as a query string (or a raw QUERY_STRING, bytes and all)."""
    if query_string is None:
        query_string = encode_query(data or {})
    return client.get(url, QUERY_STRING=query_string)


def describe(response) -> str:
    body = getattr(response, "content", b"")[:2000]
    return f"{response.status_code} {response.get('Location', '')} {body!r}"


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, describe(response)


def assert_handled_post(response) -> None:
    """A POST is accepted (a redirect), refused (4xx) or answered with the form again and
    what is wrong with it; never a server error, never a silent 200."""
    assert_no_server_error(response)
    if response.status_code == 200:
        content = response.content.decode()
        assert any(marker in content for marker in ERROR_MARKERS), describe(response)
    else:
        assert response.status_code in (301, 302, 303) or 400 <= response.status_code < 500, (
            describe(response)
        )


def assert_shown_escaped(response, tag: str) -> None:
    """The page shows the stored marker, and only ever escaped."""
    assert response.status_code == 200, describe(response)
    content = response.content.decode()
    assert f"<x-fuzz-{tag}" not in content, f"marker {tag} rendered as markup"
    assert f"&lt;x-fuzz-{tag}" in content, f"marker {tag} not shown at all"


def assert_not_rendered(response, tag: str) -> None:
    """Whether or not the page shows the value, it never shows it as markup."""
    assert_no_server_error(response)
    assert f"<x-fuzz-{tag}" not in response.content.decode(errors="replace")


@contextmanager
def rolled_back():
    """Each example starts from the fixtures' rows: whatever it wrote is undone."""
    cache.clear()  # rate-limit counters, too
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def sign_in(client, user) -> None:
    """Sign in, unless already signed in as this user: the examples of one test share the
    session (call it outside `rolled_back`, or the session row is undone)."""
    if client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)
