import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.capabilities.models import Capability, CapabilityRevision
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def valid_data():
    return {
        "title_en": "Compact SAR payload",
        "title_ja": "小型SARペイロード",
        "summary_en": "A 25 kg radar.",
        "summary_ja": "25kgのレーダ。",
        "description_en": "",
        "description_ja": "",
        "areas": [TechnologyArea.objects.get(slug="satellites").pk],
        "trl": "6",
        "is_dual_use": "on",
        "civil_application_en": "Disaster monitoring.",
        "civil_application_ja": "",
        "export_control_status": "unknown",
        "control_list_item": "",
        "keywords": "SAR, 小型衛星",
        "prior_work_en": "",
        "prior_work_ja": "",
        "visibility": "public",
    }


def post_new(client, firm, data):
    return client.post(f"{reverse('capabilities:create')}?firm={firm.pk}", data)


def test_member_creates_a_draft_previews_and_publishes(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    response = post_new(client, firm, valid_data)
    capability = Capability.objects.get()
    assert response.status_code == 302 and response.url == capability.get_absolute_url()
    assert capability.status == "draft" and capability.created_by == firm_member
    preview = client.get(capability.get_absolute_url()).content.decode()
    assert "Preview" in preview and "Publish" in preview
    client.post(reverse("capabilities:publish", args=[capability.pk]))
    capability.refresh_from_db()
    assert capability.status == "published" and capability.published_at
    client.logout()
    assert "Compact SAR payload" in client.get(reverse("capabilities:directory")).content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"trl": "0"}, "trl", "Choose a readiness level from 1 to 9."),
        ({"trl": "10"}, "trl", "Choose a readiness level from 1 to 9."),
        ({"areas": []}, "areas", "Choose at least one technology area."),
        ({"title_en": "x" * 2000}, "title_en", "at most 200 characters"),
        ({"title_en": "", "title_ja": ""}, "title_en", "Give a title in English or Japanese"),
        (
            {"export_control_status": "listed"},
            "control_list_item",
            "Give the control list item number",
        ),
        ({"civil_application_en": ""}, "civil_application_en", "Describe the civil application"),
    ],
)
def test_invalid_input_gets_a_clear_error_and_keeps_the_rest(
    client, firm, firm_member, valid_data, change, field, message
):
    client.force_login(firm_member)
    response = post_new(client, firm, {**valid_data, **change})
    assert response.status_code == 200
    assert not Capability.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    content = response.content.decode()
    assert f'id="id_{field}_error"' in content
    assert "25kgのレーダ。" in content  # what was typed elsewhere is kept
    assert "Disaster monitoring." in content or field == "civil_application_en"


def test_a_text_file_renamed_pdf_is_refused(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    fake = SimpleUploadedFile(
        "brochure.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
    )
    response = post_new(client, firm, {**valid_data, "brochure": fake})
    assert response.status_code == 200
    assert "This file is not a PDF" in " ".join(response.context["form"].errors["brochure"])
    assert "choose it again" in response.content.decode()
    assert 'value="Compact SAR payload"' in response.content.decode()


def test_an_11_mb_pdf_is_refused(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    big = SimpleUploadedFile(
        "big.pdf", PDF_BYTES + b"0" * (11 * 1024 * 1024), content_type="application/pdf"
    )
    response = post_new(client, firm, {**valid_data, "brochure": big})
    assert response.status_code == 200
    assert "the limit is 10.0" in " ".join(response.context["form"].errors["brochure"])


def test_a_real_pdf_is_kept_and_served_only_to_those_who_may_see_it(
    client, firm, firm_member, valid_data, agency_staff
):
    client.force_login(firm_member)
    pdf = SimpleUploadedFile("brochure.pdf", PDF_BYTES, content_type="application/pdf")
    post_new(client, firm, {**valid_data, "visibility": "agencies", "brochure": pdf})
    capability = Capability.objects.get()
    client.post(reverse("capabilities:publish", args=[capability.pk]))
    url = reverse("capabilities:brochure", args=[capability.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    assert client.get(url).status_code == 404  # agencies-only: not for the public
    client.force_login(agency_staff)
    assert client.get(url).status_code == 200


def test_html_and_script_are_shown_escaped(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    post_new(
        client,
        firm,
        {**valid_data, "title_en": "<script>alert(1)</script>", "summary_en": "<b>bold</b>"},
    )
    capability = Capability.objects.get()
    content = client.get(capability.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<b>bold</b>" not in content


def test_other_firms_cannot_add_or_edit(client, firm, other_firm_member, valid_data):
    capability = CapabilityFactory(organization=firm)
    client.force_login(other_firm_member)
    response = post_new(client, firm, valid_data)
    assert response.status_code in (302, 403)
    assert Capability.objects.count() == 1
    assert client.get(reverse("capabilities:edit", args=[capability.pk])).status_code == 404
    assert client.post(reverse("capabilities:unpublish", args=[capability.pk])).status_code == 404


def test_edit_history_says_who_changed_what_and_when(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    post_new(client, firm, valid_data)
    capability = Capability.objects.get()
    client.post(
        reverse("capabilities:edit", args=[capability.pk]),
        {**valid_data, "trl": "7", "title_en": "Compact SAR payload v2"},
    )
    revision = CapabilityRevision.objects.filter(action="edited").get()
    assert revision.actor == firm_member
    assert revision.changes["trl"] == [6, 7]
    assert revision.changes["title_en"] == ["Compact SAR payload", "Compact SAR payload v2"]
    page = client.get(reverse("capabilities:history", args=[capability.pk])).content.decode()
    assert "Compact SAR payload v2" in page and firm_member.get_full_name() in page


def test_keywords_are_normalised_and_deduplicated(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    post_new(client, firm, {**valid_data, "keywords": "ＳＡＲ、 sar , 小型衛星,,ﾚｰﾀﾞｰ"})
    assert Capability.objects.get().keywords == "SAR, 小型衛星, レーダー"


def test_a_brochure_can_be_removed(client, firm, firm_member, valid_data):
    client.force_login(firm_member)
    pdf = SimpleUploadedFile("brochure.pdf", PDF_BYTES, content_type="application/pdf")
    post_new(client, firm, {**valid_data, "brochure": pdf})
    capability = Capability.objects.get()
    assert capability.brochure
    response = client.post(
        reverse("capabilities:edit", args=[capability.pk]), {**valid_data, "brochure-clear": "on"}
    )
    assert response.status_code == 302
    capability.refresh_from_db()
    assert not capability.brochure
