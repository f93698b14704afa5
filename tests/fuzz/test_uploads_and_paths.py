"""Uploads with hostile names, kinds and contents, and URL path segments that carry tokens:
never a server error."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import strategies as fz
from tests.fuzz.conftest import PDF
from tests.fuzz.support import assert_handled_post, assert_no_server_error, rolled_back, sign_in

pytestmark = pytest.mark.django_db

file_names = fz.hostile_valid_text.filter(bool) | st.sampled_from(
    ["../../etc/passwd", "..\\..\\boot.ini", "a.pdf\x00.exe", "report.PDF", ".pdf", "CON.pdf"]
)
file_contents = st.sampled_from([PDF, b"", b"MZ\x90\x00 not a pdf", b"%PDF-" + b"\xff" * 64])


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name.replace("\x00", "")[:500] or "x", content, "application/pdf")


@given(
    kind=fz.hostile_valid_text | st.sampled_from(["technical", "end_use", "other"]),
    replaces=fz.number_strings | fz.hostile_valid_text,
    name=file_names,
    content=file_contents,
)
def test_waiver_documents_take_any_upload(client, world, kind, replaces, name, content):
    owner, waiver = world.firm_owner, world.waiver
    url = reverse("waivers:document_add", args=[waiver.pk])
    sign_in(client, owner)
    with rolled_back():
        response = client.post(
            url, {"kind": kind, "replaces": replaces, "file": _upload(name, content)}
        )
        assert_handled_post(response)
        assert_no_server_error(client.get(waiver.get_absolute_url()))


@given(
    title=fz.hostile_valid_text,
    controlled=st.sampled_from(["on", "", "yes", "\u202e"]),
    name=file_names,
    content=file_contents,
)
def test_opportunity_attachments_take_any_upload(client, world, title, controlled, name, content):
    staff, opportunity = world.agency_staff, world.opportunity
    url = reverse("opportunities:attachment_add", args=[opportunity.pk])
    sign_in(client, staff)
    with rolled_back():
        response = client.post(
            url, {"title": title, "is_controlled": controlled, "file": _upload(name, content)}
        )
        assert_handled_post(response)
        assert_no_server_error(client.get(opportunity.get_absolute_url()))


@given(body=fz.hostile_valid_text, name=file_names, content=file_contents)
def test_responses_take_any_attachment(client, world, body, name, content):
    owner, opportunity = world.firm_owner, world.opportunity
    url = reverse("opportunities:respond", args=[opportunity.pk])
    sign_in(client, owner)
    with rolled_back():
        response = client.post(
            url, {"kind": "solution_brief", "body": body, "attachment": _upload(name, content)}
        )
        assert_handled_post(response)


token_segments = (
    (fz.hostile_text | fz.raw_query_bytes.map(lambda raw: raw.decode("latin-1")))
    .map(lambda token: quote(token.encode("utf-8", "surrogatepass"), safe=""))
    .filter(bool)
)


@given(token=token_segments, method=st.sampled_from(["get", "post"]))
@example(token="%ff%fe", method="post")
@example(token="a" * 5000, method="get")
def test_unsubscribe_links_take_any_token(client, db, token, method):
    with rolled_back():
        response = getattr(client, method)(f"/notifications/unsubscribe/{token}/")
    assert_no_server_error(response)
    assert response.status_code in (400, 404)


@given(token=token_segments, method=st.sampled_from(["get", "post"]))
@example(token="%00", method="get")
def test_invitation_links_take_any_token(client, world, token, method):
    newcomer = world.newcomer
    sign_in(client, newcomer)
    with rolled_back():
        response = getattr(client, method)(f"/organizations/invitations/{token}/")
    assert_no_server_error(response)
    assert response.status_code == 404
