"""Any bytes uploaded as a partner file are read without a server error: the file is
refused with a reason, or each row comes back with what is wrong with it; and whatever a
row holds is shown escaped in the preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from apps.organizations import partner_csv
from tests.fuzz import strategies as fz
from tests.fuzz.support import rolled_back, sign_in

pytestmark = pytest.mark.django_db

HEADER = "name,email,corporate_number\n"


@given(data=st.binary(max_size=2000))
@example(data=b"\xef\xbb\xbf" + HEADER.encode() + b'"unterminated,a@b.example,1\n')
@example(data=HEADER.encode("utf-16"))
def test_any_bytes_are_read_or_refused_with_a_reason(data):
    parsed = partner_csv.parse(data)
    assert parsed.errors or parsed.rows or not data.strip()
    for row in parsed.rows:
        assert set(row) == {"line", "name", "email", "corporate_number", "errors"}
        assert all(isinstance(reason, str) and reason for reason in row["errors"])


@given(name=fz.hostile_text, email=fz.hostile_text, number=fz.hostile_text)
def test_the_preview_shows_any_row_escaped(client, world, name, email, number):
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    text = HEADER + ",".join(cell(v) for v in (name, email, number)) + "\n"
    sign_in(client, world.intermediary_staff)
    with rolled_back():
        response = client.post(
            reverse("organizations:partner_import", args=[world.intermediary.pk]),
            {"file": SimpleUploadedFile("p.csv", text.encode("utf-8", "surrogatepass"))},
        )
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            page = client.get(response.url)
            assert page.status_code == 200
            assert "<script>alert" not in page.content.decode()
