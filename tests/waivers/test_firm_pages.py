"""The firm's side at /waivers/: its own requests only, drafts that keep what was typed,
answers to the reviewer, documents served only through the permission check."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.waivers import services
from apps.waivers.models import WaiverEvent, WaiverRequest
from tests.capabilities.factories import CapabilityFactory
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.waivers.conftest import PDF, approve_details, make_reviewer, pdf

pytestmark = pytest.mark.django_db
S = WaiverRequest.Status


def form_data(firm, agency, **overrides):
    capability = CapabilityFactory(organization=firm, areas=["satellites"])
    data = {
        "firm": firm.pk,
        "capability": capability.pk,
        "technology": "合成開口レーダーのペイロード設計データ",
        "classification": "listed",
        "control_list_item": "2(12)",
        "us_classification": "",
        "receiving_agency": agency.pk,
        "consignee": "Space Systems Program Office",
        "end_user": "US Space Force",
        "end_use": "試作機の評価",
        "destination_country": "US",
        "authorization_kind": "individual",
        "validity_months": "12",
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_member(db):
    return MembershipFactory(organization=OrganizationFactory()).user


def under_review(draft, officer, reviewer):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    services.declare_no_conflict(actor=reviewer, request=draft)
    return services.waiver_transition(actor=reviewer, request=draft, action="assign")


# --- Who sees what --------------------------------------------------------------------

FIRM_URLS = ["detail", "edit", "letter", "history_csv"]
POST_URLS = ["document_add", "answer", "action"]


@pytest.mark.parametrize("name", FIRM_URLS + POST_URLS)
def test_another_firm_gets_404_for_every_url_of_a_request(client, draft, other_member, name):
    client.force_login(other_member)
    url = reverse(f"waivers:{name}", args=[draft.pk])
    response = client.post(url) if name in POST_URLS else client.get(url)
    assert response.status_code == 404
    assert WaiverRequest.objects.get(pk=draft.pk).version == draft.version


@pytest.mark.parametrize("name", FIRM_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, draft, name):
    response = client.get(reverse(f"waivers:{name}", args=[draft.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_list_shows_only_the_firms_own_requests(client, draft, member, other_member, agency):
    other_firm = OrganizationFactory(name_en="Other Firm K.K.")
    other_officer = MembershipFactory(organization=other_firm, is_export_control_officer=True)
    from tests.waivers.conftest import request_data

    theirs = services.waiver_create(
        actor=other_officer.user, firm=other_firm, data=request_data(other_firm, agency)
    )
    client.force_login(member)
    page = client.get(reverse("waivers:list")).content.decode()
    assert draft.reference in page
    assert theirs.reference not in page
    assert "Your turn" in page  # a draft waits for the firm


def test_the_list_has_a_helpful_empty_state(client, member):
    page = client.get(reverse("waivers:list"), follow=True)
    client.force_login(member)
    page = client.get(reverse("waivers:list")).content.decode()
    assert "No requests yet" in page
    assert reverse("waivers:create") in page


# --- Drafts ---------------------------------------------------------------------------


def test_a_member_files_a_draft_in_japanese(client, firm, member, agency):
    client.force_login(member)
    response = client.post(reverse("waivers:create"), form_data(firm, agency))
    waiver = WaiverRequest.objects.get(firm=firm)
    assert response.status_code == 302
    assert response["Location"].startswith(waiver.get_absolute_url())
    assert waiver.status == S.DRAFT
    assert waiver.technology.startswith("合成開口レーダー")
    assert waiver.events.get().kind == WaiverEvent.Kind.CREATED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consignee": ""}, "Name the consignee."),
        ({"control_list_item": ""}, "Give the control-list item number."),
        (
            {"classification": "not_listed", "control_list_item": ""},
            "Explain why the technology is not listed.",
        ),
        ({"validity_months": "0"}, "Ask for between 1 and 60 months."),
    ],
)
def test_bad_input_gets_a_clear_error_and_keeps_what_was_typed(
    client, firm, member, agency, overrides, message
):
    client.force_login(member)
    data = form_data(firm, agency, **overrides)
    response = client.post(reverse("waivers:create"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "合成開口レーダーのペイロード設計データ" in page
    assert "Space Systems Program Office" in page or overrides.get("consignee") == ""
    assert not WaiverRequest.objects.exists()


def test_a_capability_of_another_firm_cannot_be_chosen(client, firm, member, agency):
    client.force_login(member)
    theirs = CapabilityFactory(organization=OrganizationFactory(), areas=["satellites"])
    response = client.post(reverse("waivers:create"), form_data(firm, agency, capability=theirs.pk))
    assert response.status_code == 400
    assert not WaiverRequest.objects.exists()


def test_editing_records_each_changed_field(client, draft, member, agency):
    client.force_login(member)
    data = form_data(draft.firm, agency, capability=draft.capability_id, end_user="DIU")
    data["version"] = draft.version
    response = client.post(reverse("waivers:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    edited = draft.events.get(kind=WaiverEvent.Kind.EDITED)
    assert edited.changed_fields["end_user"] == ["US Space Force", "DIU"]
    assert edited.actor == member
    history = client.get(draft.get_absolute_url()).content.decode()
    assert "US Space Force → DIU" in history


def test_a_stale_edit_is_refused_with_a_clear_message_and_kept(client, draft, member, agency):
    client.force_login(member)
    data = form_data(draft.firm, agency, capability=draft.capability_id, end_user="DIU")
    data["version"] = draft.version - 1
    response = client.post(reverse("waivers:edit", args=[draft.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Someone else changed this request" in page
    assert 'value="DIU"' in page
    assert WaiverRequest.objects.get(pk=draft.pk).end_user == "US Space Force"


def test_a_submitted_request_cannot_be_edited(client, draft, officer):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    client.force_login(officer)
    response = client.get(reverse("waivers:edit", args=[draft.pk]), follow=True)
    assert "This request cannot be edited now." in response.content.decode()


# --- Documents ------------------------------------------------------------------------


def test_a_file_that_is_not_what_its_name_says_is_refused(client, draft, member):
    client.force_login(member)
    fake = SimpleUploadedFile("spec.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("waivers:document_add", args=[draft.pk]), {"kind": "technical", "file": fake}
    )
    assert response.status_code == 400
    assert "choose it again" in response.content.decode()
    assert draft.documents.count() == 1


def test_a_replaced_document_stays_in_the_record(client, draft, member):
    client.force_login(member)
    first = draft.documents.get()
    response = client.post(
        reverse("waivers:document_add", args=[draft.pk]),
        {"kind": "technical", "file": pdf("technical-v2.pdf"), "replaces": first.pk},
    )
    assert response.status_code == 302
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "technical-v2.pdf" in page
    assert "Earlier version:" in page
    assert reverse("waivers:document", args=[first.pk]) in page


# --- The workflow from the firm's side ------------------------------------------------


def test_only_the_officer_submits(client, draft, member, officer):
    client.force_login(member)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert 'value="submit"' not in page
    response = client.post(
        reverse("waivers:action", args=[draft.pk]),
        {"action": "submit", "version": draft.version},
        follow=True,
    )
    assert "export-control officer can do this." in response.content.decode()
    assert WaiverRequest.objects.get(pk=draft.pk).status == S.DRAFT

    client.force_login(officer)
    assert 'value="submit"' in client.get(draft.get_absolute_url()).content.decode()
    client.post(
        reverse("waivers:action", args=[draft.pk]), {"action": "submit", "version": draft.version}
    )
    assert WaiverRequest.objects.get(pk=draft.pk).status == S.SUBMITTED


def test_the_officer_answers_an_information_request_with_a_new_version(
    client, draft, officer, reviewer
):
    waiver = under_review(draft, officer, reviewer)
    services.waiver_transition(
        actor=reviewer,
        request=waiver,
        action="request_information",
        comment="Please add the end-use statement signed by the agency.",
    )
    client.force_login(officer)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Please add the end-use statement signed by the agency." in page
    assert "Answer the reviewer" in page

    first = draft.documents.get()
    response = client.post(
        reverse("waivers:answer", args=[draft.pk]),
        {
            "message": "署名済みの最終用途証明書を添付しました。",
            "kind": "end_use",
            "file": pdf("end-use-signed.pdf"),
            "replaces": first.pk,
        },
    )
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == S.RESUBMITTED
    resubmitted = waiver.events.filter(action="resubmit").get()
    assert resubmitted.comment == "署名済みの最終用途証明書を添付しました。"
    assert first.replaced_by.original_name == "end-use-signed.pdf"


def test_an_empty_answer_is_refused_and_nothing_moves(client, draft, officer, reviewer):
    waiver = under_review(draft, officer, reviewer)
    services.waiver_transition(
        actor=reviewer, request=waiver, action="request_information", comment="More, please."
    )
    client.force_login(officer)
    response = client.post(reverse("waivers:answer", args=[draft.pk]), {"message": " "})
    assert response.status_code == 400
    assert "Write your answer" in response.content.decode()
    assert WaiverRequest.objects.get(pk=draft.pk).status == S.INFORMATION_REQUESTED


def test_conditions_are_acknowledged_by_the_officer_and_then_in_effect(
    client, draft, officer, reviewer, second_reviewer
):
    waiver = under_review(draft, officer, reviewer)
    services.waiver_transition(
        actor=reviewer,
        request=waiver,
        action="approve",
        comment="Meets the criteria.",
        **approve_details(conditions="No re-export without a new authorization."),
    )
    services.declare_no_conflict(actor=second_reviewer, request=waiver)
    services.waiver_transition(
        actor=second_reviewer, request=waiver, action="confirm", comment="Confirmed."
    )
    client.force_login(officer)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "No re-export without a new authorization." in page
    assert "it takes effect once your export-control officer acknowledges them" in page
    waiver.refresh_from_db()
    client.post(
        reverse("waivers:action", args=[draft.pk]),
        {"action": "acknowledge_conditions", "version": waiver.version},
    )
    waiver.refresh_from_db()
    assert waiver.is_in_effect
    assert waiver.conditions_acknowledged_by == officer


def test_the_firm_does_not_see_reviewers_internal_notes(
    client, draft, officer, reviewer, second_reviewer
):
    waiver = under_review(draft, officer, reviewer)
    services.waiver_transition(
        actor=reviewer,
        request=waiver,
        action="approve",
        comment="Internal: checked against the 2025 precedent.",
        **approve_details(),
    )
    client.force_login(officer)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Internal: checked against the 2025 precedent." not in page
    assert "Export-control reviewer" in page
    assert reviewer.email not in page


# --- Documents: the permission check that serves them ---------------------------------


def download(client, document):
    return client.get(reverse("waivers:document", args=[document.pk]))


def test_the_firm_downloads_its_document_as_an_uncached_attachment(client, draft, member):
    client.force_login(member)
    document = draft.documents.get()
    response = download(client, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="technical.pdf"')
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    event = draft.events.get(kind=WaiverEvent.Kind.DOCUMENT_DOWNLOADED)
    assert event.actor == member
    assert event.changed_fields["document_id"] == document.pk


def test_a_reviewer_with_mfa_downloads_and_it_is_logged(client, draft, officer, reviewer):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    client.force_login(reviewer)
    assert download(client, draft.documents.get()).status_code == 200
    assert draft.events.filter(kind=WaiverEvent.Kind.DOCUMENT_DOWNLOADED, actor=reviewer).exists()


def test_a_reviewer_without_mfa_is_sent_to_set_it_up_never_the_document(
    client, draft, officer, regulator
):
    services.waiver_transition(actor=officer, request=draft, action="submit")
    reviewer = make_reviewer(regulator, mfa=False)
    client.force_login(reviewer)
    response = download(client, draft.documents.get())
    page = response.content.decode()
    assert response.status_code == 403
    assert reverse("mfa_activate_totp") in page
    assert "%PDF" not in page
    assert not draft.events.filter(kind=WaiverEvent.Kind.DOCUMENT_DOWNLOADED).exists()


def test_a_superuser_who_is_not_a_reviewer_is_refused_and_logged(client, draft, operator, caplog):
    client.force_login(operator)
    with caplog.at_level(logging.WARNING, logger="apps.waivers.access"):
        response = download(client, draft.documents.get())
    assert response.status_code == 403
    assert any(draft.reference in record.getMessage() for record in caplog.records)
    assert not draft.events.filter(kind=WaiverEvent.Kind.DOCUMENT_DOWNLOADED).exists()


def test_other_firms_and_agencies_get_nothing(client, draft, other_member, agency):
    agency_staff = MembershipFactory(organization=agency).user
    for user in (other_member, agency_staff, UserFactory()):
        client.force_login(user)
        assert download(client, draft.documents.get()).status_code == 404


def test_documents_have_no_public_url(draft):
    document = draft.documents.get()
    assert document.file.name.startswith(f"waivers/{draft.pk}/")
    assert "technical" not in document.file.name  # a generated name, not the uploader's
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 — the private storage has no URL at all


def test_an_answer_with_a_file_of_no_stated_kind_is_refused_and_nothing_moves(
    client, draft, officer, reviewer
):
    waiver = under_review(draft, officer, reviewer)
    services.waiver_transition(
        actor=reviewer, request=waiver, action="request_information", comment="More, please."
    )
    client.force_login(officer)
    response = client.post(
        reverse("waivers:answer", args=[draft.pk]),
        {"message": "Here it is.", "kind": "", "file": pdf("statement.pdf")},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the kind of document." in page
    assert "Here it is." in page  # the answer is kept
    assert WaiverRequest.objects.get(pk=draft.pk).status == S.INFORMATION_REQUESTED
    assert draft.documents.count() == 1


def test_a_draft_never_submitted_stays_with_the_firm(client, draft, reviewer):
    """The authority sees a request, its history and its documents once it is filed."""
    client.force_login(reviewer)
    assert download(client, draft.documents.get()).status_code == 403
    assert client.get(reverse("waivers:history_csv", args=[draft.pk])).status_code == 404
    queue = client.get(reverse("admin:waivers_waiverrequest_changelist"))
    assert draft.reference not in queue.content.decode()
