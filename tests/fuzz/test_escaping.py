"""What one user stores, others read: every stored-then-shown text is shown escaped.

Each test stores, through the real form, text carrying a marker that would be an element
with an event handler if it were rendered as markup (around arbitrary printable text), then
reads every page that shows it: the marker is there, and only ever escaped. Success
messages that repeat the value (the flash after saving) are read on the way too."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.capabilities.models import Capability
from apps.opportunities.models import Opportunity, Response
from tests.fuzz import strategies as fz
from tests.fuzz.conftest import PDF
from tests.fuzz.support import (
    assert_not_rendered,
    assert_shown_escaped,
    describe,
    post,
    rolled_back,
)
from tests.fuzz.test_forms import capability_data, opportunity_data, waiver_data

pytestmark = pytest.mark.django_db

# Each example is a handful of requests; the property hardly depends on the text around
# the marker, so a quarter of the profile's examples is plenty.
fewer = settings(max_examples=max(2, settings.default.max_examples // 4))


@st.composite
def marked(draw, fields: list[str], *, short: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    """{field: (tag, value)}: a distinct marker per field, with text around it except in
    short fields (where the marker alone nearly fills the field)."""
    tags = draw(st.lists(fz.marker_tags, min_size=len(fields), max_size=len(fields), unique=True))
    values = {}
    for name, tag in zip(fields, tags, strict=True):
        if name in short:
            values[name] = (tag, fz.markup_marker(tag))
        else:
            values[name] = (tag, fz.with_marker(tag, draw(fz.benign_text), draw(fz.benign_text)))
    return values


def _accepted(response):
    assert response.status_code in (301, 302, 303), describe(response)
    return response


def _follow(client, response):
    """The page the redirect leads to, which also shows the flash message."""
    return client.get(response["Location"])


@fewer
@given(values=marked(
    ["title_en", "summary_en", "description_en", "civil_application_en", "prior_work_en",
     "control_list_item"],
    short=("control_list_item",),
))  # fmt: skip
def test_capability_texts_are_shown_escaped(client, world, values):
    owner, agency_staff = world.firm_owner, world.agency_staff
    data = {
        **capability_data(world),
        "export_control_status": "listed",
        **{name: value for name, (_tag, value) in values.items()},
    }
    with rolled_back():
        client.force_login(owner)
        created = _accepted(post(client, reverse("capabilities:create"), data))
        detail = _follow(client, created)
        capability = Capability.objects.latest("pk")
        _accepted(client.post(reverse("capabilities:publish", args=[capability.pk])))
        for name, (tag, _value) in values.items():
            if name != "control_list_item":  # export-control details: agency-side only
                assert_shown_escaped(detail, tag)
        client.force_login(agency_staff)
        title_tag = values["title_en"][0]
        for url in (
            capability.get_absolute_url(),
            reverse("capabilities:directory"),
            reverse("capabilities:firm", args=[world.firm.pk]),
        ):
            assert_shown_escaped(client.get(url), title_tag)
        assert_shown_escaped(
            client.get(capability.get_absolute_url()), values["control_list_item"][0]
        )


@fewer
@given(values=marked(
    ["title_en", "summary_en", "description_en", "place_of_performance", "points_of_contact",
     "reference_number"],
    short=("reference_number",),
))  # fmt: skip
def test_opportunity_texts_are_shown_escaped(client, world, values):
    staff = world.agency_staff
    data = {**opportunity_data(world), **{name: value for name, (_t, value) in values.items()}}
    with rolled_back():
        client.force_login(staff)
        created = _accepted(post(client, reverse("opportunities:create"), data))
        opportunity = Opportunity.objects.latest("pk")
        _accepted(post(client, reverse("opportunities:transition", args=[opportunity.pk]),
                       {"to": "published"}))  # fmt: skip
        detail = _follow(client, created)
        for tag, _value in values.values():
            assert_shown_escaped(detail, tag)
        title = values["title_en"][0]
        assert_shown_escaped(client.get(reverse("opportunities:agency_dashboard")), title)
        client.logout()
        assert_shown_escaped(client.get(opportunity.get_absolute_url()), title)
        assert_shown_escaped(client.get(reverse("opportunities:list")), title)
        assert_not_rendered(client.get(reverse("opportunities:feed")), title)
        assert_not_rendered(client.get(reverse("opportunities:feed")), values["summary_en"][0])


@fewer
@given(values=marked(["reason"]))
def test_amendment_reasons_are_shown_escaped(client, world, values):
    staff, opportunity = world.agency_staff, world.opportunity
    tag, reason = values["reason"]
    data = {**opportunity_data(world), "title_en": "Amended title", "reason": reason}
    with rolled_back():
        client.force_login(staff)
        _accepted(post(client, reverse("opportunities:edit", args=[opportunity.pk]), data))
        client.logout()
        assert_shown_escaped(client.get(opportunity.get_absolute_url()), tag)


@fewer
@given(values=marked(["text", "answer"]))
def test_questions_and_answers_are_shown_escaped(client, world, values):
    owner, staff, opportunity = world.firm_owner, world.agency_staff, world.opportunity
    (question_tag, text), (answer_tag, answer) = values["text"], values["answer"]
    with rolled_back():
        client.force_login(owner)
        _accepted(post(client, reverse("opportunities:ask", args=[opportunity.pk]), {"text": text}))
        question = opportunity.questions.latest("pk")
        client.force_login(staff)
        assert_shown_escaped(client.get(opportunity.get_absolute_url()), question_tag)
        answer_url = reverse("opportunities:answer", args=[question.pk])
        refused = post(client, answer_url, {"answer": "", "is_public": "on"})
        assert_shown_escaped(refused, question_tag)  # the answer page quotes the question
        _accepted(post(client, answer_url, {"answer": answer, "is_public": "on"}))
        client.logout()
        public = client.get(opportunity.get_absolute_url())
        assert_shown_escaped(public, question_tag)
        assert_shown_escaped(public, answer_tag)


@fewer
@given(values=marked(["body", "message"]))
def test_responses_and_review_messages_are_shown_escaped(client, world, values):
    owner, staff, opportunity = world.firm_owner, world.agency_staff, world.opportunity
    (body_tag, body), (message_tag, message) = values["body"], values["message"]
    with rolled_back():
        client.force_login(owner)
        respond_url = reverse("opportunities:respond", args=[opportunity.pk])
        _accepted(post(client, respond_url, {"kind": "interest", "body": body}))
        response = Response.objects.get(opportunity=opportunity)
        assert_shown_escaped(client.get(response.get_absolute_url()), body_tag)
        client.force_login(staff)
        assert_shown_escaped(client.get(response.get_absolute_url()), body_tag)
        transition_url = reverse("opportunities:response_transition", args=[response.pk])
        _accepted(post(client, transition_url, {"to": "under_review", "message": message}))
        client.force_login(owner)
        assert_shown_escaped(client.get(response.get_absolute_url()), message_tag)


@fewer
@given(values=marked(
    ["consignee", "end_user", "end_use", "technology", "control_list_item", "us_classification"],
    short=("control_list_item", "us_classification"),
))  # fmt: skip
def test_waiver_texts_are_shown_escaped(client, world, values):
    owner = world.firm_owner
    data = {**waiver_data(world), **{name: value for name, (_t, value) in values.items()}}
    with rolled_back():
        client.force_login(owner)
        created = _accepted(post(client, reverse("waivers:create"), data))
        detail = client.get(created["Location"].split("#")[0])
        for tag, _value in values.values():
            assert_shown_escaped(detail, tag)
        assert_not_rendered(client.get(reverse("waivers:list")), values["consignee"][0])


@fewer
@given(values=marked(["not_listed_reasoning"]))
def test_waiver_reasoning_is_shown_escaped(client, world, values):
    owner = world.firm_owner
    tag, reasoning = values["not_listed_reasoning"]
    data = {
        **waiver_data(world),
        "classification": "not_listed",
        "control_list_item": "",
        "not_listed_reasoning": reasoning,
    }
    with rolled_back():
        client.force_login(owner)
        created = _accepted(post(client, reverse("waivers:create"), data))
        assert_shown_escaped(client.get(created["Location"].split("#")[0]), tag)


@fewer
@given(values=marked(["message"]), name=fz.marker_tags)
def test_waiver_answers_and_document_names_are_shown_escaped(client, world, values, name):
    owner, waiver = world.firm_owner, world.waiver_awaiting_answer
    tag, message = values["message"]
    upload = SimpleUploadedFile(f"{fz.markup_marker(name)}.pdf", PDF, "application/pdf")
    with rolled_back():
        client.force_login(owner)
        answer_url = reverse("waivers:answer", args=[waiver.pk])
        data = {"message": message, "kind": "end_use", "file": upload, "replaces": ""}
        _accepted(client.post(answer_url, data))
        detail = client.get(waiver.get_absolute_url())
        assert_shown_escaped(detail, tag)
        assert_not_rendered(detail, name)  # the uploader's file name, if shown at all


@fewer
@given(values=marked(["display_name"]))
def test_display_names_are_shown_escaped(client, world, values):
    owner = world.firm_owner
    tag, name = values["display_name"]
    data = {"display_name": name, "display_name_kana": "", "preferred_language": "en",
            "time_zone": "Asia/Tokyo"}  # fmt: skip
    with rolled_back():
        client.force_login(owner)
        _accepted(post(client, reverse("accounts:profile"), data))
        assert_shown_escaped(client.get(reverse("accounts:profile")), tag)
        assert_shown_escaped(client.get(world.firm.get_absolute_url()), tag)  # its members


@fewer
@given(values=marked(["display_name"]))
def test_names_given_at_sign_up_are_shown_escaped(client, world, values):
    tag, name = values["display_name"]
    data = {
        "email": "newcomer@kaminari-semi.example",
        "display_name": name,
        "password1": "a-long-enough-passphrase-2026",
        "password2": "a-long-enough-passphrase-2026",
        "accept_terms": "on",
    }
    with rolled_back():
        _accepted(post(client, reverse("account_signup"), data))
        from apps.accounts.models import User

        client.force_login(User.objects.get(email=data["email"]))
        assert_shown_escaped(client.get(reverse("accounts:profile")), tag)


@fewer
@given(values=marked(["name_en", "name_ja", "city", "address", "pitch_en"]))
def test_firm_profile_texts_are_shown_escaped(client, world, values):
    from tests.fuzz.test_forms import organization_update_data

    owner, firm = world.firm_owner, world.firm
    world.capability  # noqa: B018 - the firm's public profile lists it
    data = {
        **organization_update_data(world),
        **{name: value for name, (_t, value) in values.items()},
    }
    with rolled_back():
        client.force_login(owner)
        saved = _accepted(post(client, reverse("organizations:update", args=[firm.pk]), data))
        detail = _follow(client, saved)  # with "saved" in a flash message
        for name, (tag, _value) in values.items():
            if name == "address":  # stored for the operators, not shown on the page
                assert_not_rendered(detail, tag)
            else:
                assert_shown_escaped(detail, tag)
        client.logout()
        profile = client.get(reverse("capabilities:firm", args=[firm.pk]))
        assert_shown_escaped(profile, values["name_en"][0])
        assert_shown_escaped(profile, values["pitch_en"][0])


@fewer
@given(values=marked(["name_en"]))
def test_agency_names_are_shown_escaped_where_opportunities_are(client, world, values):
    from tests.fuzz.test_forms import organization_data

    staff, agency, opportunity = world.agency_staff, world.agency, world.opportunity
    tag, name = values["name_en"]
    data = {
        **organization_data(world),
        "name_en": name,
        "corporate_number": "",
        "country": "US",
        "prefecture": "",
        "time_zone": "America/New_York",
    }
    del data["kind"]
    with rolled_back():
        client.force_login(staff)
        _accepted(post(client, reverse("organizations:update", args=[agency.pk]), data))
        client.logout()
        assert_shown_escaped(client.get(opportunity.get_absolute_url()), tag)
        assert_shown_escaped(client.get(reverse("opportunities:list")), tag)
        assert_not_rendered(client.get(reverse("opportunities:feed")), tag)


@fewer
@given(values=marked(["message"]))
def test_join_request_messages_are_shown_escaped(client, world, values):
    owner, newcomer, firm = world.firm_owner, world.newcomer, world.firm
    tag, message = values["message"]
    with rolled_back():
        client.force_login(newcomer)
        _accepted(post(client, reverse("organizations:join", args=[firm.pk]), {"message": message}))
        client.force_login(owner)
        assert_shown_escaped(client.get(reverse("organizations:dashboard")), tag)
        assert_shown_escaped(client.get(firm.get_absolute_url()), tag)


@fewer
@given(values=marked(["note_en", "note_ja"]))
def test_targeting_notes_are_shown_escaped(client, world, values):
    staff, owner, opportunity = world.agency_staff, world.firm_owner, world.opportunity
    data = {
        "on_behalf_of": str(world.agency.pk),
        "firms": [str(world.firm.pk)],
        **{name: value for name, (_t, value) in values.items()},
    }
    target_url = reverse("opportunities:target", args=[opportunity.pk])
    with rolled_back():
        client.force_login(staff)
        _accepted(post(client, target_url, data))
        assert_shown_escaped(client.get(target_url), values["note_en"][0])
        client.force_login(owner)
        assert_not_rendered(client.get(reverse("organizations:dashboard")), values["note_en"][0])


@fewer
@given(values=marked(["name"]))
def test_saved_search_names_are_shown_escaped(client, world, values):
    owner = world.firm_owner
    tag, name = values["name"]
    with rolled_back():
        client.force_login(owner)
        saved = _accepted(
            post(
                client,
                reverse("notifications:saved_search_create"),
                {"name": name, "query": "q=SAR"},
            )
        )
        assert_shown_escaped(_follow(client, saved), tag)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
formula_text = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from([*FORMULA_STARTS, "", "'"]),
    st.sampled_from(['HYPERLINK("http://evil.example","x")', "cmd|' /C calc'!A0", "1+1", ""])
    | fz.benign_text,
)
EXPORTED_TEXT_COLUMNS = [
    "firm_en", "firm_ja", "title_en", "title_ja", "summary_en", "summary_ja",
    "control_list_item", "keywords",
]  # fmt: skip


@given(
    firm_names=st.tuples(formula_text, formula_text),
    texts=st.fixed_dictionaries(
        {name: formula_text for name in ["title_en", "title_ja", "summary_en", "keywords"]}
    ),
)
def test_capability_export_defuses_formulas(client, world, firm_names, texts):
    """The CSV of the directory quotes every firm-written cell that a spreadsheet would
    run as a formula."""
    import csv
    import io

    from apps.organizations.models import Organization

    staff, capability = world.agency_staff, world.capability
    with rolled_back():
        Organization.objects.filter(pk=capability.organization_id).update(
            name_en=firm_names[0] or "x", name_ja=firm_names[1]
        )
        Capability.objects.filter(pk=capability.pk).update(**texts)
        client.force_login(staff)
        response = client.get(reverse("capabilities:export"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    for column in EXPORTED_TEXT_COLUMNS:
        assert not rows[0][column].startswith(FORMULA_STARTS), (column, rows[0][column])


@fewer
@given(values=marked(["body", "text"]))
def test_text_typed_after_a_deadline_is_given_back_escaped(client, world, values):
    """A late response or question is refused, and what was typed is shown back so that
    it is not lost: escaped, even inside the <textarea> it is shown in."""
    from datetime import timedelta

    from django.utils import timezone

    owner, opportunity = world.firm_owner, world.opportunity
    (body_tag, body), (text_tag, text) = values["body"], values["text"]
    closing = "</textarea><x-fuzz-closing>"
    with rolled_back():
        past = timezone.now() - timedelta(minutes=1)
        Opportunity.objects.filter(pk=opportunity.pk).update(
            response_deadline=past, question_deadline=past
        )
        client.force_login(owner)
        late = post(
            client,
            reverse("opportunities:respond", args=[opportunity.pk]),
            {"kind": "interest", "body": body + closing},
        )
        assert late.status_code == 403
        assert_not_rendered(late, "closing")
        assert "&lt;x-fuzz-" + body_tag in late.content.decode()
        late = post(
            client, reverse("opportunities:ask", args=[opportunity.pk]), {"text": text + closing}
        )
        assert late.status_code == 403
        assert_not_rendered(late, "closing")
        assert "&lt;x-fuzz-" + text_tag in late.content.decode()
