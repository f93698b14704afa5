"""Responses: a firm submits or edits its one response until the deadline; the owning
agency works its inbox; attachments reach nobody else; outcomes after selection."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from apps.opportunities import services, signals
from apps.opportunities.forms_responses import EXPORT_CONTROL_WARNING, in_both_languages
from apps.opportunities.models import Opportunity, Response, ResponseEvent
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BODY = "Our 25 kg SAR payload fits your bus. 小型SARペイロードを提案します。"
PROPRIETARY = "Proprietary / confidential"


@pytest.fixture
def opportunity(agency):
    return OpportunityFactory(organization=agency)


@pytest.fixture
def agency_staff(agency):
    return MembershipFactory(organization=agency).user


@pytest.fixture
def other_agency_staff(db):
    return MembershipFactory(organization=AgencyFactory()).user


@pytest.fixture
def other_firm(db):
    return OrganizationFactory()


@pytest.fixture
def other_firm_member(other_firm):
    return MembershipFactory(organization=other_firm).user


def pdf(name="brief.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def data(**changes):
    return {"kind": "solution_brief", "body": BODY, **changes}


def respond_url(opportunity):
    return reverse("opportunities:respond", args=[opportunity.pk])


def submit(opportunity, firm, actor, **changes):
    fields = {"kind": "interest", "body": BODY, "is_proprietary": False, **changes}
    return services.response_submit(opportunity=opportunity, actor=actor, firm=firm, **fields)


def move_deadline(opportunity, moment):
    """The row's deadline, moved without the services (which refuse past deadlines)."""
    Opportunity.objects.filter(pk=opportunity.pk).update(
        response_deadline=moment, question_deadline=moment - timedelta(days=1)
    )
    opportunity.refresh_from_db()


# --- Submitting and editing -----------------------------------------------------------


def test_firm_member_responds_before_the_deadline_and_sees_the_status(
    client, opportunity, firm, firm_member
):
    client.force_login(firm_member)
    form_page = client.get(respond_url(opportunity))
    assert form_page.status_code == 200
    assert 'id="export-warning"' in form_page.content.decode()

    reply = client.post(respond_url(opportunity), data(attachment=pdf()))

    response = Response.objects.get()
    assert reply.status_code == 302 and reply.url == response.get_absolute_url()
    assert (response.organization, response.submitted_by) == (firm, firm_member)
    assert response.kind == "solution_brief" and response.status == "received"
    assert response.attachment.name.endswith(".pdf")
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Received" in page and "小型SARペイロードを提案します。" in page
    assert reverse("opportunities:response_attachment", args=[response.pk]) in page


def test_the_export_control_warning_is_shown_in_the_viewers_language_and_the_other(
    client, opportunity, firm_member
):
    client.force_login(firm_member)
    page = client.get(respond_url(opportunity)).content.decode()
    assert escape(str(EXPORT_CONTROL_WARNING)) in page
    warning = page[page.index('id="export-warning"') :]
    warning = warning[: warning.index("</div>")]
    for code, text in in_both_languages(EXPORT_CONTROL_WARNING):
        assert f'<p lang="{code}">{escape(text)}</p>' in warning
    # The helper itself, with a message that is already translated:
    sign_in = gettext_lazy("Sign in")
    with translation.override("en"):
        assert in_both_languages(sign_in) == [("en", "Sign in"), ("ja", "ログイン")]
    with translation.override("ja"):
        assert in_both_languages(sign_in) == [("ja", "ログイン"), ("en", "Sign in")]


@pytest.mark.parametrize("when", ["at", "after"])
def test_responses_close_at_the_deadline_and_late_posts_are_refused(
    client, opportunity, firm, firm_member, when
):
    client.force_login(firm_member)
    now = timezone.now()
    move_deadline(opportunity, now if when == "at" else now - timedelta(hours=1))

    form_page = client.get(respond_url(opportunity))
    content = form_page.content.decode()
    assert form_page.status_code == 200
    assert "responses are closed" in content
    assert 'name="body"' not in content

    late = client.post(respond_url(opportunity), data())
    assert late.status_code == 403
    assert "Nothing was saved." in late.content.decode()
    assert BODY in late.content.decode()  # what was typed is shown, not lost
    assert not Response.objects.exists()


def test_an_existing_response_can_no_longer_be_edited_after_the_deadline(
    client, opportunity, firm, firm_member
):
    response = submit(opportunity, firm, firm_member)
    move_deadline(opportunity, timezone.now() - timedelta(minutes=1))
    client.force_login(firm_member)
    page = client.get(respond_url(opportunity)).content.decode()
    assert response.get_absolute_url() in page
    reply = client.post(respond_url(opportunity), data(body="Changed after the deadline"))
    assert reply.status_code == 403
    response.refresh_from_db()
    assert response.body == BODY
    detail = client.get(response.get_absolute_url()).content.decode()
    assert reverse("opportunities:respond", args=[opportunity.pk]) not in detail


def test_one_response_per_firm_editable_until_the_deadline(
    client, opportunity, firm, firm_member, firm_owner
):
    client.force_login(firm_member)
    client.post(respond_url(opportunity), data(attachment=pdf()))
    response = Response.objects.get()
    form_page = client.get(respond_url(opportunity)).content.decode()
    assert "Edit your response" in form_page and "小型SARペイロードを提案します。" in form_page

    client.force_login(firm_owner)  # another member of the same firm edits the same one
    reply = client.post(respond_url(opportunity), data(body="A revised brief.", kind="interest"))

    assert reply.status_code == 302
    assert Response.objects.count() == 1
    response.refresh_from_db()
    assert (response.body, response.kind, response.submitted_by) == (
        "A revised brief.",
        "interest",
        firm_owner,
    )
    assert response.attachment  # kept when no new file is chosen
    assert ResponseEvent.objects.filter(response=response).count() == 1


def test_a_member_of_several_firms_chooses_the_firm(client, opportunity, firm, other_firm):
    user = MembershipFactory(organization=firm).user
    MembershipFactory(organization=other_firm, user=user)
    submit(opportunity, other_firm, user, body="Other firm's response")
    client.force_login(user)

    prefilled = client.get(f"{respond_url(opportunity)}?firm={other_firm.pk}").content.decode()
    assert "Other firm&#x27;s response" in prefilled

    missing = client.post(respond_url(opportunity), data())
    assert missing.status_code == 200 and "firm" in missing.context["form"].errors
    client.post(respond_url(opportunity), data(firm=firm.pk))
    assert Response.objects.get(organization=firm).body == BODY
    assert Response.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"body": ""}, "body", "this field cannot be empty"),
        (
            {"attachment": pdf("brief.pdf", b"MZ\x90\x00 not a pdf at all")},
            "attachment",
            "This file is not a PDF",
        ),
        (
            {"attachment": pdf("big.pdf", PDF + b"0" * (16 * 1024 * 1024))},
            "attachment",
            "the limit is 15.0",
        ),
    ],
)
def test_invalid_input_gets_a_clear_error_next_to_the_field_and_keeps_the_text(
    client, opportunity, firm_member, change, field, message
):
    client.force_login(firm_member)
    reply = client.post(respond_url(opportunity), data(**change))
    assert reply.status_code == 200
    assert not Response.objects.exists()
    assert any(message in error for error in reply.context["form"].errors[field])
    content = reply.content.decode()
    assert f'id="id_{field}_error"' in content
    assert "Everything you typed has been kept." in content
    if field == "attachment":
        assert "小型SARペイロードを提案します。" in content
        assert "choose it again" in content
    assert reply.context["form"]["kind"].value() == "solution_brief"


def test_people_without_a_firm_are_sent_back(client, opportunity, agency_staff):
    client.force_login(agency_staff)
    reply = client.post(respond_url(opportunity), data())
    assert reply.status_code == 302 and reply.url == opportunity.get_absolute_url()
    assert not Response.objects.exists()


# --- Who sees a response --------------------------------------------------------------


@pytest.fixture
def response(opportunity, firm, firm_member):
    return submit(opportunity, firm, firm_member, attachment=pdf(), is_proprietary=True)


@pytest.mark.parametrize("viewer", ["other_firm_member", "other_agency_staff"])
def test_outsiders_get_404_on_the_response_and_its_attachment(client, request, response, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(response.get_absolute_url()).status_code == 404
    assert (
        client.get(reverse("opportunities:response_attachment", args=[response.pk])).status_code
        == 404
    )
    moved = client.post(
        reverse("opportunities:response_transition", args=[response.pk]), {"to": "declined"}
    )
    assert moved.status_code == 404
    assert Response.objects.get().status == "received"


def test_anonymous_visitors_are_sent_to_sign_in(client, response):
    for url in (
        response.get_absolute_url(),
        reverse("opportunities:response_attachment", args=[response.pk]),
        reverse("opportunities:inbox", args=[response.opportunity_id]),
    ):
        reply = client.get(url)
        assert reply.status_code == 302 and "login" in reply.url


@pytest.mark.parametrize("viewer", ["firm_member", "agency_staff"])
def test_the_firm_and_the_owning_agency_download_the_attachment(client, request, response, viewer):
    client.force_login(request.getfixturevalue(viewer))
    reply = client.get(reverse("opportunities:response_attachment", args=[response.pk]))
    assert reply.status_code == 200
    assert reply["Content-Disposition"].startswith("attachment;")
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert b"".join(reply.streaming_content).startswith(b"%PDF-")


def test_a_response_without_attachment_has_no_download(client, opportunity, firm, firm_member):
    bare = submit(opportunity, firm, firm_member)
    client.force_login(firm_member)
    url = reverse("opportunities:response_attachment", args=[bare.pk])
    assert client.get(url).status_code == 404


def test_the_proprietary_mark_is_on_every_view(client, response, firm_member, agency_staff):
    client.force_login(firm_member)
    assert PROPRIETARY in client.get(response.get_absolute_url()).content.decode()
    assert PROPRIETARY in client.get(respond_url(response.opportunity)).content.decode()
    refused_edit = client.post(respond_url(response.opportunity), data(body=""))
    assert "proprietary-banner" in refused_edit.content.decode()  # the stored mark, still
    client.force_login(agency_staff)
    agency_view = client.get(response.get_absolute_url()).content.decode()
    assert 'class="message message-warning proprietary-banner"' in agency_view
    inbox = client.get(reverse("opportunities:inbox", args=[response.opportunity_id]))
    assert PROPRIETARY in inbox.content.decode()


def test_the_pages_render_in_japanese(client, response, firm_member, agency_staff):
    for user in (firm_member, agency_staff):
        user.preferred_language = "ja"
        user.save(update_fields=["preferred_language"])
    client.force_login(firm_member)
    for url in (respond_url(response.opportunity), response.get_absolute_url()):
        page = client.get(url)
        assert page.status_code == 200 and '<html lang="ja">' in page.content.decode()
    client.force_login(agency_staff)
    inbox = client.get(reverse("opportunities:inbox", args=[response.opportunity_id]))
    assert inbox.status_code == 200


def test_times_are_shown_in_the_viewers_time_zone(client, response, firm_member):
    firm_member.time_zone = "Asia/Tokyo"
    firm_member.save(update_fields=["time_zone"])
    client.force_login(firm_member)
    page = client.get(response.get_absolute_url()).content.decode()
    assert "<time datetime=" in page and "JST" in page


# --- The agency's inbox and review ----------------------------------------------------


def transition(client, response, to, message=""):
    return client.post(
        reverse("opportunities:response_transition", args=[response.pk]),
        {"to": to, "message": message},
    )


def test_the_owning_agency_reviews_and_the_firm_sees_the_status_and_message(
    client, response, firm, firm_member, agency_staff
):
    client.force_login(agency_staff)
    inbox = client.get(reverse("opportunities:inbox", args=[response.opportunity_id]))
    assert inbox.status_code == 200
    assert firm.name_en in inbox.content.decode()
    detail = client.get(response.get_absolute_url()).content.decode()
    assert 'value="under_review"' in detail and 'value="follow_on"' not in detail

    assert transition(client, response, "under_review").status_code == 302
    reply = transition(client, response, "invited", "Please pitch on 3 March in Tokyo.")
    assert reply.status_code == 302

    response.refresh_from_db()
    assert response.status == "invited"
    assert list(response.events.values_list("to_status", flat=True)) == [
        "received",
        "under_review",
        "invited",
    ]
    client.force_login(firm_member)
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Invited to pitch" in page and "Please pitch on 3 March in Tokyo." in page
    assert 'name="to"' not in page  # the firm sees its status, not the review form
    assert transition(client, response, "selected").status_code == 403


def test_a_refused_transition_shows_the_error_and_changes_nothing(client, response, agency_staff):
    client.force_login(agency_staff)
    transition(client, response, "declined", "Not a fit this time.")
    reply = transition(client, response, "selected", "Oops")
    assert reply.status_code == 200
    assert "A response cannot go from" in reply.content.decode()
    assert 'role="alert"' in reply.content.decode()
    response.refresh_from_db()
    assert response.status == "declined"
    assert response.events.count() == 2
    nonsense = transition(client, response, "no-such-status")
    assert nonsense.status_code == 200 and response.events.count() == 2


def test_a_selected_response_goes_on_to_prototype_and_follow_on(client, response, agency_staff):
    client.force_login(agency_staff)
    for status in ("selected", "prototype_awarded", "follow_on"):
        assert transition(client, response, status).status_code == 302
        response.refresh_from_db()
        assert response.status == status
    page = client.get(response.get_absolute_url()).content.decode()
    assert "Follow-on production" in page and "no further change is possible" in page


def test_only_the_owning_agency_sees_the_inbox(
    client, opportunity, firm_member, other_agency_staff
):
    url = reverse("opportunities:inbox", args=[opportunity.pk])
    for outsider in (firm_member, other_agency_staff):
        client.force_login(outsider)
        assert client.get(url).status_code == 403


def test_the_inbox_filters_by_status(client, opportunity, agency_staff, agency):
    firms = [OrganizationFactory(name_en=f"Filter firm {n}") for n in range(3)]
    responses = [
        submit(opportunity, firm, MembershipFactory(organization=firm).user) for firm in firms
    ]
    services.response_transition(response=responses[0], actor=agency_staff, to="under_review")
    client.force_login(agency_staff)
    url = reverse("opportunities:inbox", args=[opportunity.pk])
    filtered = client.get(url, {"status": "under_review"}).content.decode()
    assert "Filter firm 0" in filtered and "Filter firm 1" not in filtered
    everything = client.get(url, {"status": "bogus"}).content.decode()
    assert all(f"Filter firm {n}" in everything for n in range(3))


def test_the_inbox_query_count_does_not_grow_with_rows(
    client, opportunity, agency_staff, django_assert_max_num_queries
):
    def add_responses(count):
        for _ in range(count):
            firm = OrganizationFactory()
            submit(opportunity, firm, MembershipFactory(organization=firm).user)

    client.force_login(agency_staff)
    url = reverse("opportunities:inbox", args=[opportunity.pk])
    add_responses(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_responses(12)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url)
    assert page.content.decode().count('<th scope="row">') == 15


def test_status_changes_are_signalled_after_commit(
    client, response, agency_staff, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.response_status_changed.connect(receiver)
    try:
        client.force_login(agency_staff)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            transition(client, response, "under_review", "We are reading it.")
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        signals.response_status_changed.disconnect(receiver)
    event = response.events.get(to_status="under_review")
    assert [(k["response_id"], k["event_id"]) for k in received] == [(response.pk, event.pk)]


def test_a_response_under_review_can_no_longer_be_rewritten():
    from django.core.exceptions import ValidationError as DjangoValidationError

    from apps.opportunities import services as opportunity_services
    from tests.factories import MembershipFactory as Members
    from tests.factories import OrganizationFactory as Firms

    opportunity = OpportunityFactory()
    firm = Firms()
    member = Members(organization=firm).user
    staff = Members(organization=opportunity.organization).user
    response = opportunity_services.response_submit(
        opportunity=opportunity, actor=member, firm=firm, kind="interest", body="First"
    )
    opportunity_services.response_transition(response=response, actor=staff, to="under_review")
    with pytest.raises(DjangoValidationError):
        opportunity_services.response_submit(
            opportunity=opportunity, actor=member, firm=firm, kind="interest", body="Rewritten"
        )
    response.refresh_from_db()
    assert response.body == "First"
