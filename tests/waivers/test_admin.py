"""The reviewers' queue in the admin: columns, filters, search and its query count; the
action views over HTTP with their audit events; the declaration of no conflict; the
decision letter; the audit-trail CSV; and an admin that changes or deletes nothing."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.waivers import exports, selectors, services
from apps.waivers.models import WaiverDocument, WaiverEvent, WaiverRequest, tokyo_today
from tests.factories import AgencyFactory, OrganizationFactory, UserFactory
from tests.waivers.conftest import approve_details, make_reviewer, pdf, request_data

S = WaiverRequest.Status
pytestmark = pytest.mark.django_db
CHANGELIST = "admin:waivers_waiverrequest_changelist"


def admin_url(name, waiver, *args):
    return reverse(f"admin:waivers_waiverrequest_{name}", args=[waiver.pk, *args])


def action_url(waiver, action):
    return admin_url("transition", waiver, action)


def put(waiver, **fields):
    """Sets a request's state directly, as the tests of the services do. A request past
    the draft has been filed (the admin shows only filed requests)."""
    if fields.get("status", S.DRAFT) != S.DRAFT and waiver.submitted_at is None:
        fields.setdefault("submitted_at", timezone.now())
    WaiverRequest.objects.filter(pk=waiver.pk).update(**fields)
    waiver.refresh_from_db()
    return waiver


def waiting(waiver, days, status=S.UNDER_REVIEW, **fields):
    return put(waiver, status=status, submitted_at=timezone.now() - timedelta(days=days), **fields)


def new_request(firm=None, agency=None, officer=None, *, filed=True):
    """A request, filed with the authority unless `filed` is false (a draft)."""
    from tests.factories import MembershipFactory

    firm = firm or OrganizationFactory()
    agency = agency or AgencyFactory()
    officer = officer or MembershipFactory(organization=firm, is_export_control_officer=True).user
    request = services.waiver_create(actor=officer, firm=firm, data=request_data(firm, agency))
    return put(request, status=S.SUBMITTED) if filed else request


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def submitted(draft, officer):
    return services.waiver_transition(actor=officer, request=draft, action="submit")


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def declared(submitted, reviewer):
    services.declare_no_conflict(actor=reviewer, request=submitted)
    return submitted


# --- The queue -------------------------------------------------------------------------


def test_the_queue_shows_its_columns_and_highlights_overdue_requests(reviewer_client, reviewer):
    late = waiting(new_request(), 100, assigned_reviewer=reviewer)
    fresh = waiting(new_request(), 5, status=S.SUBMITTED)
    draft = new_request(filed=False)

    response = reviewer_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    page = text(response)
    for reference in (late.reference, fresh.reference):
        assert reference in page
    assert draft.reference not in page  # never submitted: the firm's working copy
    for heading in ("Firm", "Status", "Classification", "Days waiting", "Service-level target"):
        assert heading in page
    assert late.firm.name in page and late.firm.corporate_number in page
    assert "Overdue by 10 days" in page
    assert "In 85 days" in page
    assert page.count('class="waiver-overdue"') == 1
    assert "admin/waivers/queue.css" in page
    rows = list(response.context["cl"].result_list)
    assert rows[0] == late  # the most urgent first
    assert (rows[0].days_waiting, rows[0].days_until_target, rows[0].is_overdue) == (
        100,
        -10,
        True,
    )
    assert draft not in rows


def references_in(response) -> set[str]:
    return {waiver.reference for waiver in response.context["cl"].result_list}


def test_the_queue_filters_by_overdue_assignee_agency_and_status(
    reviewer_client, reviewer, second_reviewer
):
    agency = AgencyFactory()
    mine_late = waiting(new_request(agency=agency), 120, assigned_reviewer=reviewer)
    theirs = waiting(new_request(), 10, assigned_reviewer=second_reviewer)
    unassigned = waiting(new_request(agency=agency), 3, status=S.SUBMITTED)
    soon = waiting(new_request(), 80, assigned_reviewer=second_reviewer)
    url = reverse(CHANGELIST)

    def listed(**params):
        response = reviewer_client.get(url, params)
        assert response.status_code == 200
        return references_in(response)

    assert listed(overdue="yes") == {mine_late.reference}
    assert listed(overdue="soon") == {soon.reference}
    assert mine_late.reference not in listed(overdue="no")
    assert listed(assignee="me") == {mine_late.reference}
    assert listed(assignee="none") == {unassigned.reference}
    assert listed(assignee=str(second_reviewer.pk)) == {theirs.reference, soon.reference}
    assert listed(receiving_agency__id__exact=agency.pk) == {
        mine_late.reference,
        unassigned.reference,
    }
    assert listed(status__exact=S.SUBMITTED) == {unassigned.reference}
    page = text(reviewer_client.get(url))
    for choice in ("Assigned to me", "Unassigned", "Overdue", "By receiving agency"):
        assert choice in page


def test_the_queue_is_searched_by_firm_name_corporate_number_and_reference(reviewer_client):
    firm = OrganizationFactory(name_en="Hayabusa Optics K.K.", name_ja="はやぶさ光学株式会社")
    wanted = new_request(firm=firm)
    other = new_request()
    url = reverse(CHANGELIST)

    def found(term):
        return references_in(reviewer_client.get(url, {"q": term}))

    full_width = firm.corporate_number.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    spaced = f"{firm.corporate_number[:4]}-{firm.corporate_number[4:]}"
    for term in ("Hayabusa", "はやぶさ", firm.corporate_number, full_width, spaced):
        assert found(term) == {wanted.reference}, term
    assert found(wanted.reference.lower()) == {wanted.reference}
    assert found(other.reference) == {other.reference}


def test_the_queue_runs_the_same_number_of_queries_for_3_and_15_requests(
    reviewer_client, reviewer, second_reviewer
):
    url = reverse(CHANGELIST)

    def make(count):
        for index in range(count):
            waiver = new_request()
            waiting(
                waiver,
                index * 9,
                assigned_reviewer=(reviewer, second_reviewer, None)[index % 3],
            )

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = reviewer_client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.context["cl"].result_list)

    make(3)
    reviewer_client.get(url)  # warm caches (content types, sessions)
    few, rows = count_queries()
    assert rows == 3
    make(12)
    many, rows = count_queries()
    assert rows == 15
    assert many == few


def test_reviewers_find_the_queue_on_the_admin_index(reviewer_client):
    page = text(reviewer_client.get(reverse("admin:index")))
    assert reverse(CHANGELIST) in page
    assert reverse("admin:waivers_waiverevent_changelist") in page


# --- The selectors ---------------------------------------------------------------------


def test_nearing_target_and_overdue_in_the_database(settings):
    settings.WAIVER_SLA_DAYS = 90
    settings.WAIVER_REMINDER_DAYS = 14
    today = tokyo_today()
    due_in_10 = waiting(new_request(), 80)
    due_today = waiting(new_request(), 90, status=S.AWAITING_CONFIRMATION)
    due_in_15 = waiting(new_request(), 75, status=S.RESUBMITTED)
    late = waiting(new_request(), 91, status=S.SUBMITTED)
    with_firm = waiting(new_request(), 85, status=S.INFORMATION_REQUESTED)
    decided = waiting(new_request(), 85, status=S.APPROVED)

    nearing = list(selectors.nearing_target(today=today))

    assert nearing == [due_today, due_in_10]
    assert [w.days_until_target for w in nearing] == [0, 10]
    assert list(selectors.overdue()) == [late]
    assert list(selectors.overdue(WaiverRequest.objects.exclude(pk=late.pk))) == []
    figures = {w.pk: w for w in selectors.queue(today=today)}
    assert figures[with_firm.pk].days_waiting == 85
    assert figures[with_firm.pk].days_until_target is None
    assert figures[decided.pk].days_waiting is None
    assert not figures[decided.pk].is_overdue
    assert figures[due_in_15.pk].days_until_target == 15
    assert selectors.target_date(due_in_10) == today + timedelta(days=10)


# --- The reviewers' actions over HTTP --------------------------------------------------


def test_a_reviewer_declares_assigns_requests_information_approves_and_another_confirms(
    client, submitted, officer, reviewer, second_reviewer
):
    waiver = submitted
    client.force_login(reviewer)
    change = client.get(admin_url("change", waiver))
    assert "declare that you have no conflict of interest" in text(change)
    assert action_url(waiver, "assign") not in text(change)

    response = client.post(admin_url("declare", waiver), {"confirm": "on"})
    assert response.status_code == 302
    declaration = WaiverEvent.objects.get(request=waiver, kind="no_conflict", actor=reviewer)
    assert declaration.comment

    change = client.get(admin_url("change", waiver))
    assert action_url(waiver, "assign") in text(change)
    assert action_url(waiver, "return") in text(change)
    form = client.get(action_url(waiver, "assign")).context["form"]
    assert form["reviewer"].value() == reviewer.pk
    assert set(form.fields["reviewer"].queryset) == {reviewer, second_reviewer}

    response = client.post(
        action_url(waiver, "assign"), {"version": waiver.version, "reviewer": reviewer.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == admin_url("change", waiver)
    waiver.refresh_from_db()
    assert (waiver.status, waiver.assigned_reviewer) == (S.UNDER_REVIEW, reviewer)
    follow = client.get(response["Location"])
    assert any("Under review" in message for message in messages_of(follow))

    client.post(
        action_url(waiver, "request_information"),
        {"version": waiver.version, "comment": "Add the end-use statement."},
    )
    waiver.refresh_from_db()
    assert waiver.status == S.INFORMATION_REQUESTED
    services.document_add(actor=officer, request=waiver, kind="end_use", upload=pdf("eu.pdf"))
    services.waiver_transition(actor=officer, request=waiver, action="resubmit")
    waiver.refresh_from_db()
    client.post(action_url(waiver, "assign"), {"version": waiver.version, "reviewer": reviewer.pk})
    waiver.refresh_from_db()

    details = approve_details(conditions="No re-export.")
    response = client.post(
        action_url(waiver, "approve"),
        {
            "version": waiver.version,
            "comment": "The end use is civil evaluation.",
            "permit_number": details["permit_number"],
            "permit_date": details["permit_date"].isoformat(),
            "expires_on": details["expires_on"].isoformat(),
            "conditions": details["conditions"],
        },
    )
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == S.AWAITING_CONFIRMATION
    assert (waiver.permit_number, waiver.expires_on) == (
        details["permit_number"],
        details["expires_on"],
    )
    change = text(client.get(admin_url("change", waiver)))
    assert action_url(waiver, "confirm") not in change  # not their own approval
    assert "a second reviewer must confirm it" in change

    client.force_login(second_reviewer)
    assert client.get(action_url(waiver, "confirm")).status_code == 302  # to the declaration
    client.post(admin_url("declare", waiver), {"confirm": "on", "next": "confirm"})
    confirm_page = client.get(action_url(waiver, "confirm"))
    assert confirm_page.status_code == 200
    assert details["permit_number"] in text(confirm_page)  # the proposal is shown
    response = client.post(
        action_url(waiver, "confirm"), {"version": waiver.version, "comment": "Agreed."}
    )
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == S.APPROVED
    assert (waiver.approved_by, waiver.confirmed_by) == (reviewer, second_reviewer)

    trail = list(WaiverEvent.objects.filter(request=waiver).values_list("kind", "action", "actor"))
    assert trail.count(("no_conflict", "", reviewer.pk)) == 1
    assert trail.count(("no_conflict", "", second_reviewer.pk)) == 1
    transitions = [(a, actor) for kind, a, actor in trail if kind == "transition"]
    assert transitions == [
        ("submit", officer.pk),
        ("assign", reviewer.pk),
        ("request_information", reviewer.pk),
        ("resubmit", officer.pk),
        ("assign", reviewer.pk),
        ("approve", reviewer.pk),
        ("confirm", second_reviewer.pk),
    ]
    history = text(client.get(admin_url("change", waiver)))
    assert "Add the end-use statement." in history and "Agreed." in history


def approve_post(waiver, **overrides):
    details = approve_details()
    data = {
        "version": waiver.version,
        "comment": "Fine.",
        "permit_number": "METI-2026-0042",
        "permit_date": details["permit_date"].isoformat(),
        "expires_on": details["expires_on"].isoformat(),
        "conditions": "Only for the prototype evaluation.",
    }
    data.update(overrides)
    return data


def test_a_missing_comment_or_a_past_expiry_is_shown_on_the_form_with_what_was_typed(
    reviewer_client, declared
):
    waiver = put(declared, status=S.UNDER_REVIEW)

    response = reviewer_client.post(action_url(waiver, "approve"), approve_post(waiver, comment=""))
    assert response.status_code == 200
    page = text(response)
    assert "Write a comment: it goes into the record." in page
    assert 'value="METI-2026-0042"' in page
    assert "Only for the prototype evaluation." in page

    yesterday = (tokyo_today() - timedelta(days=1)).isoformat()
    response = reviewer_client.post(
        action_url(waiver, "approve"),
        approve_post(waiver, expires_on=yesterday, comment="Looks fine."),
    )
    assert response.status_code == 200
    page = text(response)
    assert "The expiry date must be after today." in page
    assert f'value="{yesterday}"' in page
    assert "Looks fine." in page and 'value="METI-2026-0042"' in page
    waiver.refresh_from_db()
    assert waiver.status == S.UNDER_REVIEW
    assert not WaiverEvent.objects.filter(request=waiver, action="approve").exists()


def test_a_stale_version_shows_that_someone_else_changed_the_request(
    client, declared, reviewer, second_reviewer
):
    waiver = put(declared, status=S.UNDER_REVIEW)
    client.force_login(reviewer)
    seen = client.get(action_url(waiver, "approve")).context["form"]["version"].value()
    services.declare_no_conflict(actor=second_reviewer, request=waiver)
    services.waiver_transition(
        actor=second_reviewer,
        request=waiver,
        action="request_information",
        comment="Which satellite bus?",
        version=seen,
    )

    response = client.post(action_url(waiver, "approve"), approve_post(waiver, version=seen))

    assert response.status_code == 200
    assert "Someone else changed this request" in text(response)
    assert 'value="METI-2026-0042"' in text(response)
    waiver.refresh_from_db()
    assert waiver.status == S.INFORMATION_REQUESTED
    assert not WaiverEvent.objects.filter(request=waiver, action="approve").exists()


def test_a_reviewer_who_has_not_declared_is_prompted_before_any_action(
    reviewer_client, submitted, reviewer
):
    response = reviewer_client.get(action_url(submitted, "assign"))
    declare = admin_url("declare", submitted)
    assert response.status_code == 302
    assert response["Location"] == f"{declare}?next=assign"
    response = reviewer_client.post(
        action_url(submitted, "assign"), {"version": submitted.version, "reviewer": reviewer.pk}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED

    page = reviewer_client.get(f"{declare}?next=assign")
    assert page.status_code == 200
    assert submitted.firm.name in text(page)
    response = reviewer_client.post(declare, {"next": "assign"})  # the box not ticked
    assert response.status_code == 200
    assert "Tick the box to make the declaration." in text(response)
    assert not WaiverEvent.objects.filter(request=submitted, kind="no_conflict").exists()

    response = reviewer_client.post(
        declare, {"confirm": "on", "statement": "No ties.", "next": "assign"}
    )
    assert response["Location"] == action_url(submitted, "assign")
    event = WaiverEvent.objects.get(request=submitted, kind="no_conflict")
    assert (event.actor, event.comment) == (reviewer, "No ties.")


def test_a_reviewer_from_the_firm_cannot_declare(reviewer_client, submitted, reviewer):
    from tests.factories import MembershipFactory

    MembershipFactory(organization=submitted.firm, user=reviewer)
    response = reviewer_client.post(admin_url("declare", submitted), {"confirm": "on"})
    assert response.status_code == 200
    assert "another reviewer must act" in text(response)
    assert not WaiverEvent.objects.filter(request=submitted, kind="no_conflict").exists()


def test_reviewers_from_the_firm_are_not_offered_for_assignment(
    reviewer_client, declared, second_reviewer
):
    from tests.factories import MembershipFactory

    MembershipFactory(organization=declared.firm, user=second_reviewer)
    response = reviewer_client.get(action_url(declared, "assign"))
    assert second_reviewer not in response.context["form"].fields["reviewer"].queryset
    response = reviewer_client.post(
        action_url(declared, "assign"),
        {"version": declared.version, "reviewer": second_reviewer.pk},
    )
    assert response.status_code == 200
    declared.refresh_from_db()
    assert declared.status == S.SUBMITTED


def test_the_approving_reviewer_is_told_that_another_must_confirm(client, draft, reviewer):
    put(draft, status=S.UNDER_REVIEW)
    services.declare_no_conflict(actor=reviewer, request=draft)
    services.waiver_transition(
        actor=reviewer, request=draft, action="approve", comment="Fine.", **approve_details()
    )
    client.force_login(reviewer)
    response = client.get(action_url(draft, "confirm"), follow=True)
    assert any("A second reviewer must confirm" in m for m in messages_of(response))
    draft.refresh_from_db()
    response = client.post(
        action_url(draft, "confirm"), {"version": draft.version, "comment": "Self."}
    )
    assert "A second reviewer must confirm" in text(response)
    draft.refresh_from_db()
    assert draft.status == S.AWAITING_CONFIRMATION


def test_an_action_not_open_now_is_refused_with_a_message(reviewer_client, declared):
    response = reviewer_client.get(action_url(declared, "revoke"), follow=True)
    assert response.redirect_chain[-1][0] == admin_url("change", declared)
    assert any("is not possible" in message for message in messages_of(response))
    response = reviewer_client.post(
        action_url(declared, "revoke"), {"version": declared.version, "comment": "No."}
    )
    assert response.status_code == 200
    assert "cannot be changed this way" in text(response)
    assert reviewer_client.get(action_url(declared, "expire")).status_code == 404
    assert reviewer_client.get(action_url(declared, "submit")).status_code == 404


@pytest.mark.parametrize("who", ["operator", "staff"])
def test_staff_and_superusers_who_are_not_reviewers_cannot_act(client, declared, operator, who):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if who == "staff":
        user = UserFactory(is_staff=True)
        TOTP.activate(user, generate_totp_secret())
    else:
        user = operator
    client.force_login(user)
    data = {"version": declared.version, "reviewer": user.pk, "comment": "x"}
    assert client.post(action_url(declared, "assign"), data).status_code == 403
    assert client.get(action_url(declared, "assign")).status_code == 403
    assert client.post(admin_url("declare", declared), {"confirm": "on"}).status_code == 403
    if who == "operator":
        page = client.get(admin_url("change", declared))
        assert page.status_code == 200
        assert "Only export-control reviewers can act on requests." in text(page)
        assert action_url(declared, "assign") not in text(page)
    else:
        assert client.get(admin_url("change", declared)).status_code == 403
        assert client.get(reverse(CHANGELIST)).status_code == 403
    declared.refresh_from_db()
    assert declared.status == S.SUBMITTED
    assert not WaiverEvent.objects.filter(request=declared, actor=user).exists()


def test_a_reviewer_without_an_authenticator_is_kept_out_of_the_admin(client, regulator, draft):
    client.force_login(make_reviewer(regulator, mfa=False))
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_decided_requests_offer_only_revocation_when_approved(client, draft, reviewer):
    services.declare_no_conflict(actor=reviewer, request=draft)
    client.force_login(reviewer)
    put(draft, status=S.APPROVED, expires_on=tokyo_today() + timedelta(days=30))
    page = text(client.get(admin_url("change", draft)))
    assert action_url(draft, "revoke") in page
    assert action_url(draft, "approve") not in page and action_url(draft, "deny") not in page
    response = client.post(
        action_url(draft, "revoke"), {"version": draft.version, "comment": "Diverted."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.decision_reasons) == (S.REVOKED, "Diverted.")
    page = text(client.get(admin_url("change", draft)))
    assert "/act/" not in page
    assert "This request is decided and can no longer be changed." in page


def test_documents_are_listed_with_their_versions_and_download_links(
    reviewer_client, draft, officer, operator, client
):
    original = WaiverDocument.objects.get(request=draft)
    newer = services.document_add(
        actor=officer, request=draft, kind="technical", upload=pdf("v2.pdf"), replaces=original
    )
    put(draft, status=S.SUBMITTED)
    page = text(reviewer_client.get(admin_url("change", draft)))
    for document in (original, newer):
        assert f'href="{reverse("waivers:document", args=[document.pk])}"' in page
    assert "Replaced by “v2.pdf”" in page
    assert "Replaces “technical.pdf”" in page

    client.force_login(operator)  # operators see the list, not the files
    page = text(client.get(admin_url("change", draft)))
    assert "v2.pdf" in page
    assert reverse("waivers:document", args=[newer.pk]) not in page


def test_the_history_shows_each_field_change_with_its_old_and_new_value(
    reviewer_client, draft, officer
):
    services.waiver_update(actor=officer, request=draft, data={"end_user": "US Space Force SSC"})
    put(draft, status=S.SUBMITTED)
    page = text(reviewer_client.get(admin_url("change", draft)))
    assert "<code>end_user</code>: US Space Force → US Space Force SSC" in page
    assert officer.email in page


# --- The decision letter ---------------------------------------------------------------


def decide(waiver, reviewer, second_reviewer, *, deny=False):
    put(waiver, status=S.UNDER_REVIEW)
    for user in (reviewer, second_reviewer):
        services.declare_no_conflict(actor=user, request=waiver)
    if deny:
        return services.waiver_transition(
            actor=reviewer, request=waiver, action="deny", comment="The end user is unclear."
        )
    services.waiver_transition(
        actor=reviewer,
        request=waiver,
        action="approve",
        comment="Fine.",
        **approve_details(conditions="No re-export."),
    )
    return services.waiver_transition(
        actor=second_reviewer, request=waiver, action="confirm", comment="Agreed."
    )


def test_the_letter_of_an_approval_names_the_permit_and_both_reviewers(
    reviewer_client, draft, reviewer, second_reviewer
):
    reviewer.display_name, second_reviewer.display_name = "Sato Hanako", "Suzuki Jiro"
    reviewer.save(update_fields=["display_name"])
    second_reviewer.save(update_fields=["display_name"])
    waiver = decide(draft, reviewer, second_reviewer)

    response = reviewer_client.get(admin_url("letter", waiver))

    assert response.status_code == 200
    page = text(response)
    for fragment in (
        waiver.reference,
        waiver.firm.name_en,
        waiver.firm.corporate_number,
        "METI-2026-0001",
        "No re-export.",
        "Sato Hanako",
        "Suzuki Jiro",
        "Export authorization granted",
        "css/letter.css",
        "SAR payload design data",
    ):
        assert fragment in page, fragment
    assert 'id="header"' not in page  # no admin chrome
    change = text(reviewer_client.get(admin_url("change", waiver)))
    assert admin_url("letter", waiver) in change


def test_the_letter_of_a_denial_gives_the_reasons_in_the_viewers_language(
    client, draft, reviewer, second_reviewer
):
    waiver = decide(draft, reviewer, second_reviewer, deny=True)
    reviewer.preferred_language = "ja"
    reviewer.save(update_fields=["preferred_language"])
    client.force_login(reviewer)

    page = text(client.get(admin_url("letter", waiver)))

    assert '<html lang="ja">' in page
    assert "法人番号" in page  # "Corporate Number"
    assert "The end user is unclear." in page
    assert "METI-2026" not in page


@pytest.mark.parametrize("status", [S.DRAFT, S.UNDER_REVIEW, S.AWAITING_CONFIRMATION])
def test_there_is_no_letter_before_a_decision(reviewer_client, draft, status):
    put(draft, status=status)
    assert reviewer_client.get(admin_url("letter", draft)).status_code == 404
    with pytest.raises(ValueError):
        selectors.letter_context(draft)


# --- The audit trail as CSV ------------------------------------------------------------


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    body = response.content
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_audit_trail_exports_as_csv_for_excel_without_formulas(
    reviewer_client, declared, reviewer
):
    waiver = put(declared, status=S.UNDER_REVIEW)
    services.waiver_transition(
        actor=reviewer,
        request=waiver,
        action="request_information",
        comment='=HYPERLINK("http://evil.example","click")',
    )
    other = new_request()

    response = reviewer_client.post(
        reverse(CHANGELIST),
        {"action": "export_audit_csv", "_selected_action": [waiver.pk, other.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    body, rows = read_csv(response)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0][0] == "Reference"
    events = WaiverEvent.objects.filter(request__in=[waiver, other])
    assert len(rows) == 1 + events.count()
    request_information = next(row for row in rows if row[5] == "request_information")
    assert request_information[0] == waiver.reference
    assert request_information[3] == reviewer.email
    assert request_information[6:8] == ["under_review", "information_requested"]
    assert request_information[8] == '\'=HYPERLINK("http://evil.example","click")'
    assert request_information[2].endswith("Z") and "T" in request_information[2]
    assert {row[0] for row in rows[1:]} == {waiver.reference, other.reference}


def test_the_change_page_exports_one_requests_trail_and_japanese_survives(
    reviewer_client, firm, officer, agency
):
    firm.name_en, firm.name_ja = "", "翼航空宇宙株式会社"
    firm.save(update_fields=["name_en", "name_ja"])
    waiver = services.waiver_create(actor=officer, firm=firm, data=request_data(firm, agency))
    services.waiver_update(actor=officer, request=waiver, data={"end_user": "米国宇宙軍"})
    WaiverEvent.objects.create(request=waiver, kind="transition", action="expire", comment="-1")
    put(waiver, status=S.SUBMITTED)

    response = reviewer_client.get(admin_url("audit_csv", waiver))

    assert waiver.reference in response["Content-Disposition"]
    _, rows = read_csv(response)
    assert len(rows) == 4
    assert all(row[1] == "翼航空宇宙株式会社" for row in rows[1:])
    assert "米国宇宙軍" in rows[2][9]
    assert rows[3][3] == "system" and rows[3][8] == "'-1"


def test_neutralise_prefixes_every_formula_trigger():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports.neutralise(value) == "'" + value
    assert exports.neutralise("fine = good") == "fine = good"
    assert exports.neutralise(None) == ""


# --- Nothing is changed or deleted through the admin -----------------------------------


def test_even_a_superuser_can_neither_change_nor_delete_requests_or_events(client, draft, operator):
    client.force_login(operator)
    put(draft, status=S.SUBMITTED)
    event = WaiverEvent.objects.filter(request=draft).first()
    for model, obj in (("waiverrequest", draft), ("waiverevent", event)):
        change = reverse(f"admin:waivers_{model}_change", args=[obj.pk])
        delete = reverse(f"admin:waivers_{model}_delete", args=[obj.pk])
        add = reverse(f"admin:waivers_{model}_add")
        assert client.get(change).status_code == 200  # viewing is fine
        assert client.post(change, {"comment": "rewritten", "consignee": "x"}).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(delete).status_code == 403
        assert client.post(add, {}).status_code == 403
        changelist = reverse(f"admin:waivers_{model}_changelist")
        page = client.get(changelist)
        assert page.status_code == 200
        assert "delete_selected" not in text(page)
        response = client.post(
            changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        )
        assert response.status_code in (200, 302)
    assert WaiverRequest.objects.filter(pk=draft.pk).exists()
    event.refresh_from_db()
    assert event.comment == ""
