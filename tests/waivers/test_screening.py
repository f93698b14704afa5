"""Restricted-party screening: names, the lists' files, the workflow's hold on approval,
clearing in the admin, and the import command."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from apps.core.errors import PermissionDeniedError, TransitionNotAllowed
from apps.waivers import screening, services
from apps.waivers.admin_screening import ScreeningMatchInline
from apps.waivers.models import ScreeningListEntry, ScreeningMatch, WaiverEvent, WaiverRequest
from apps.waivers.screening import MATCH_THRESHOLD, normalize_name, similarity
from tests.waivers.conftest import approve_details, make_reviewer, pdf, request_data

DATA = Path(__file__).parent / "data"
S = WaiverRequest.Status
Source = ScreeningListEntry.Source
LISTED = "Orion Dynamics Trading Co., Ltd."  # on the sample CSL (data/csl_sample.csv)
CSL_HEADER = (DATA / "csl_sample.csv").read_bytes().split(b"\n")[0] + b"\n"


# --- Fixtures and helpers -------------------------------------------------------------


def import_file(source, name, **kwargs):
    return screening.import_screening_list(source=source, path=DATA / name, **kwargs)


def meti_workbook(path, *, header=None, title_rows=2, rows=None):
    """An End User List workbook shaped like METI's: title rows, then the header."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "End User List"
    for number in range(title_rows):
        sheet.append([f"End User List (title line {number + 1})"])
    sheet.append(
        header
        or ["No.", "Country or Region", "Company or Organization", "Also Known As", "Type of WMD"]
    )
    for row in rows or [
        [1, "Iran", "Kestrel Aerospace Research Institute", "・KARI\n・Kestrel Aero RC", "Missile"],
        [2, "Pakistan", "Harrier Microwave Components Ltd.", None, "Nuclear"],
        ["", None, None, None, None],
        ["Note: the list is reviewed every year.", None, None, None, None],
    ]:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def csl(db):
    return import_file(Source.CSL, "csl_sample.csv")


def submit(request, officer):
    return services.waiver_transition(actor=officer, request=request, action="submit")


@pytest.fixture
def flagged(firm, officer, agency, csl):
    """A submitted request whose end user is a near miss of a listed party."""
    request = services.waiver_create(
        actor=officer,
        firm=firm,
        data=request_data(firm, agency, end_user="ORION DYNAMICS TRADING (HK) LIMITED"),
    )
    services.document_add(actor=officer, request=request, kind="technical", upload=pdf())
    return submit(request, officer)


def under_review(request, reviewer):
    services.declare_no_conflict(actor=reviewer, request=request)
    return services.waiver_transition(actor=reviewer, request=request, action="assign")


def approve(request, reviewer):
    return services.waiver_transition(
        actor=reviewer, request=request, action="approve", comment="Approved.", **approve_details()
    )


# --- Names ----------------------------------------------------------------------------


def test_full_width_and_half_width_spellings_normalise_alike():
    assert (
        normalize_name("ＯＲＩＯＮ　ＤＹＮＡＭＩＣＳ　ＣＯ．，ＬＴＤ．")
        == normalize_name("Orion Dynamics Co., Ltd.")
        == "orion dynamics"
    )
    assert normalize_name("ｵﾘｵﾝ電子") == normalize_name("オリオン電子") == "オリオン電子"


@pytest.mark.parametrize(
    "spelling",
    [
        "Orion Dynamics Inc.",
        "ORION DYNAMICS, LLC",
        "Orion Dynamics K.K.",
        "Orion Dynamics Corporation",
        "The Orion Dynamics Company Limited",
        "orion-dynamics",
    ],
)
def test_corporate_suffixes_case_and_punctuation_do_not_count(spelling):
    assert normalize_name(spelling) == "orion dynamics"


@pytest.mark.parametrize(
    "spelling", ["株式会社オリオン", "オリオン株式会社", "㈱オリオン", "有限会社 オリオン"]
)
def test_japanese_legal_forms_do_not_count(spelling):
    assert normalize_name(spelling) == "オリオン"


def test_a_name_that_is_only_a_legal_form_keeps_it():
    assert normalize_name("K.K.") == "kk"
    assert normalize_name("Limited") == "limited"


def test_a_near_miss_or_a_name_inside_another_matches_and_an_unrelated_one_does_not():
    assert similarity("Orion Dynamcs Trading", LISTED) >= MATCH_THRESHOLD
    assert similarity("Kestrel Aerospace Research Institute Tokyo Branch", "KARI") < (
        MATCH_THRESHOLD
    )
    assert (
        similarity("Kestrel Aerospace Research Institute Tokyo Branch", "Kestrel Aerospace")
        >= MATCH_THRESHOLD
    )
    assert similarity("US Space Force", LISTED) < MATCH_THRESHOLD
    assert similarity("Space Systems Program Office", "Kestrel Aerospace Research") < (
        MATCH_THRESHOLD
    )


# --- Reading and importing the lists --------------------------------------------------


def test_the_csl_import_reads_names_alternative_names_countries_and_numbers(csl):
    assert (csl.rows_read, csl.imported) == (5, 3)
    assert csl.skipped == [(5, "no name"), (6, "the same entry as row 2")]
    orion = ScreeningListEntry.objects.get(name=LISTED)
    assert orion.source == Source.CSL
    assert orion.alt_names == ["Orion Dynamics", "ODT Hong Kong"]
    assert orion.country == "HK"
    assert orion.list_name.startswith("Entity List (EL)")
    assert orion.source_reference == "3f2a9c01"  # no entity number: the CSL's id
    kestrel = ScreeningListEntry.objects.get(name="Kestrel Aerospace Research Institute")
    assert kestrel.country == "IR, AE"
    assert kestrel.alt_names == ["KARI", "Kestrel Aero Research Centre"]
    northwind = ScreeningListEntry.objects.get(name__startswith="Northwind")
    assert northwind.source_reference == "40001"
    assert northwind.normalized_name == "northwind precision instruments"


@pytest.mark.parametrize(
    "header",
    [
        ["No.", "Country or Region", "Company or Organization", "Also Known As", "Type of WMD"],
        ["No.", "国名、地域名", "企業名、組織名", "別名", "懸念区分"],
        ["No.", "Country or Region\n国名・地域名", "Company or Organization\n企業名・組織名"],
    ],
)
def test_the_meti_workbook_is_read_below_its_title_rows_in_either_language(tmp_path, db, header):
    path = meti_workbook(tmp_path / "end_user_list.xlsx", header=header, title_rows=3)
    result = screening.import_screening_list(source=Source.METI_END_USER, path=path)
    assert result.imported == 2
    assert result.skipped == [(8, "no name")]  # the note under the table
    kestrel = ScreeningListEntry.objects.get(source=Source.METI_END_USER, source_reference="1")
    assert kestrel.name == "Kestrel Aerospace Research Institute"
    assert kestrel.country == "Iran"
    if len(header) == 5:
        assert kestrel.alt_names == ["KARI", "Kestrel Aero RC"]
        assert kestrel.programs == "Missile"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_the_meti_csv_is_read_in_utf8_or_shift_jis(tmp_path, db, encoding):
    path = tmp_path / "end_user_list.csv"
    path.write_bytes((DATA / "meti_end_user.csv").read_text("utf-8").encode(encoding))
    result = screening.import_screening_list(source=Source.METI_END_USER, path=path)
    assert result.imported == 3
    entry = ScreeningListEntry.objects.get(source_reference="3")
    assert (entry.name, entry.alt_names, entry.country) == (
        "株式会社サンプル電子",
        ["Sample Denshi K.K."],
        "北朝鮮",
    )
    assert entry.normalized_names == ["サンプル電子", "sample denshi"]


def test_an_import_replaces_the_previous_entries_of_that_source_only(csl):
    import_file(Source.METI_END_USER, "meti_end_user.csv")
    meti_before = set(ScreeningListEntry.objects.filter(source=Source.METI_END_USER))

    result = import_file(Source.CSL, "csl_later.csv")

    assert (result.imported, result.removed, result.kept) == (2, 3, 0)
    assert sorted(ScreeningListEntry.objects.filter(source=Source.CSL).values_list("name")) == [
        ("Harrier Microwave Components Ltd.",),
        (LISTED,),
    ]
    assert set(ScreeningListEntry.objects.filter(source=Source.METI_END_USER)) == meti_before


BAD_FILES = [
    (Source.CSL, "csl_malformed.csv", "Row 4 has 6 columns where the header has 29"),
    (Source.CSL, "meti_end_user.csv", "not the Consolidated Screening List CSV"),
    (Source.METI_END_USER, "csl_sample.csv", "does not look like METI's End User List"),
]


@pytest.mark.parametrize("source, name, message", BAD_FILES)
def test_a_file_that_is_not_the_expected_format_is_refused_and_nothing_changes(
    csl, source, name, message
):
    before = list(ScreeningListEntry.objects.values_list("pk", "source", "name"))
    with pytest.raises(screening.ScreeningFileError, match=message):
        import_file(source, name)
    assert list(ScreeningListEntry.objects.values_list("pk", "source", "name")) == before


@pytest.mark.parametrize(
    "source, filename, content, message",
    [
        (Source.CSL, "list.xlsx", None, "spreadsheet"),
        (Source.METI_END_USER, "list.xlsx", b"PK\x03\x04 not really a workbook", "Excel file"),
        (Source.METI_END_USER, "list.xlsx", b"No.,Country", "not an Excel"),
        (Source.METI_END_USER, "list.xls", b"\xd0\xcf\x11\xe0", "save the file as .xlsx"),
        (Source.CSL, "list.csv", b"", "empty"),
        (Source.CSL, "list.csv", CSL_HEADER, "no entries"),
    ],
)
def test_unreadable_or_empty_files_are_refused(tmp_path, db, source, filename, content, message):
    path = tmp_path / filename
    if content is None:
        meti_workbook(path)
    else:
        path.write_bytes(content)
    with pytest.raises(screening.ScreeningFileError, match=message):
        screening.import_screening_list(source=source, path=path)
    assert not ScreeningListEntry.objects.exists()


# --- Screening in the workflow --------------------------------------------------------


def test_submitting_flags_a_near_miss_of_a_listed_end_user(flagged):
    match = ScreeningMatch.objects.get(request=flagged)
    assert match.field == ScreeningMatch.Field.END_USER
    assert match.screened_name == "ORION DYNAMICS TRADING (HK) LIMITED"
    assert (match.matched_name, match.source) == (LISTED, Source.CSL)
    assert match.score >= MATCH_THRESHOLD
    assert match.is_open
    event = WaiverEvent.objects.get(request=flagged, kind=WaiverEvent.Kind.SCREENED)
    assert "1 new possible restricted-party match." in event.comment
    assert event.changed_fields["new"][0]["listed_name"] == LISTED
    assert screening.uncleared_matches_exist(flagged)


def test_submitting_clean_parties_records_the_screening_with_no_match(draft, officer, csl):
    submit(draft, officer)
    assert not ScreeningMatch.objects.filter(request=draft).exists()
    event = WaiverEvent.objects.get(request=draft, kind=WaiverEvent.Kind.SCREENED)
    assert event.changed_fields["open"] == 0
    assert set(event.changed_fields["lists"]) == {Source.CSL}


def test_a_submission_before_any_list_is_imported_says_nothing_was_screened(draft, officer):
    submit(draft, officer)
    event = WaiverEvent.objects.get(request=draft, kind=WaiverEvent.Kind.SCREENED)
    assert "nothing was screened" in event.comment


def test_the_receiving_agency_and_consignee_are_screened_too(firm, officer, agency, csl):
    agency.name_ja = "ケストレル航空宇宙研究所"
    agency.name_en = "Kestrel Aerospace Research Institute"
    agency.save()
    request = services.waiver_create(
        actor=officer,
        firm=firm,
        data=request_data(firm, agency, consignee="Northwind Precision Instruments, L.L.C."),
    )
    services.document_add(actor=officer, request=request, kind="technical", upload=pdf())
    submit(request, officer)
    found = set(ScreeningMatch.objects.filter(request=request).values_list("field", "listed_name"))
    assert found == {
        ("receiving_agency", "Kestrel Aerospace Research Institute"),
        ("consignee", "Northwind Precision Instruments LLC"),
    }


def test_approval_is_refused_until_every_match_is_cleared(flagged, reviewer):
    under_review(flagged, reviewer)
    with pytest.raises(TransitionNotAllowed, match="Clear the possible restricted-party matches"):
        approve(flagged, reviewer)
    flagged.refresh_from_db()
    assert flagged.status == S.UNDER_REVIEW

    match = ScreeningMatch.objects.get(request=flagged)
    screening.clear_match(actor=reviewer, match=match, comment="Different firm: Osaka, JP.")
    assert not screening.uncleared_matches_exist(flagged)
    assert approve(flagged, reviewer).status == S.AWAITING_CONFIRMATION


def test_only_a_reviewer_who_declared_no_conflict_clears_a_match(flagged, officer, regulator):
    match = ScreeningMatch.objects.get(request=flagged)
    with pytest.raises(PermissionDeniedError, match="Only export-control reviewers"):
        screening.clear_match(actor=officer, match=match, comment="Not them.")
    reviewer = make_reviewer(regulator)
    with pytest.raises(PermissionDeniedError, match="no conflict of interest"):
        screening.clear_match(actor=reviewer, match=match, comment="Not them.")
    match.refresh_from_db()
    assert match.is_open and match.cleared_by is None


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_clearing_needs_a_comment(flagged, reviewer, comment):
    services.declare_no_conflict(actor=reviewer, request=flagged)
    match = ScreeningMatch.objects.get(request=flagged)
    with pytest.raises(TransitionNotAllowed, match="Write a comment"):
        screening.clear_match(actor=reviewer, match=match, comment=comment)
    match.refresh_from_db()
    assert match.is_open


def test_clearing_is_an_audit_event_and_cannot_be_repeated(flagged, reviewer):
    services.declare_no_conflict(actor=reviewer, request=flagged)
    match = ScreeningMatch.objects.get(request=flagged)
    screening.clear_match(actor=reviewer, match=match, comment="  Different firm: Osaka, JP. ")

    match.refresh_from_db()
    assert (match.cleared_by, match.clearing_comment) == (reviewer, "Different firm: Osaka, JP.")
    event = WaiverEvent.objects.get(request=flagged, kind=WaiverEvent.Kind.SCREENING_CLEARED)
    assert (event.actor, event.comment) == (reviewer, "Different firm: Osaka, JP.")
    assert event.changed_fields["matched_name"] == LISTED
    with pytest.raises(TransitionNotAllowed, match="already been cleared"):
        screening.clear_match(actor=reviewer, match=match, comment="Again.")


def ask_for_a_new_consignee(request, officer, reviewer, consignee):
    services.waiver_transition(
        actor=reviewer, request=request, action="request_information", comment="Consignee?"
    )
    services.waiver_update(actor=officer, request=request, data={"consignee": consignee})
    services.waiver_transition(actor=officer, request=request, action="resubmit")
    services.waiver_transition(actor=reviewer, request=request, action="assign")


def test_resubmission_keeps_cleared_matches_and_lapses_those_no_longer_found(
    flagged, officer, reviewer
):
    under_review(flagged, reviewer)
    orion = ScreeningMatch.objects.get(request=flagged)
    screening.clear_match(actor=reviewer, match=orion, comment="Different firm: Osaka, JP.")

    ask_for_a_new_consignee(flagged, officer, reviewer, "Northwind Precision Instruments")
    northwind = ScreeningMatch.objects.get(request=flagged, field="consignee")
    assert northwind.is_open
    with pytest.raises(TransitionNotAllowed, match="Clear the possible"):
        approve(flagged, reviewer)

    ask_for_a_new_consignee(flagged, officer, reviewer, "US Space Force")

    northwind.refresh_from_db()
    orion.refresh_from_db()
    assert northwind.lapsed_at is not None and not northwind.is_cleared
    assert orion.is_cleared and orion.lapsed_at is None
    assert ScreeningMatch.objects.filter(request=flagged).count() == 2  # nothing raised again
    assert approve(flagged, reviewer).status == S.AWAITING_CONFIRMATION


def test_an_import_screens_undecided_requests_again(officer, firm, agency):
    data = request_data(firm, agency, end_user="Harrier Microwave Components")
    submitted = services.waiver_create(actor=officer, firm=firm, data=data)
    services.document_add(actor=officer, request=submitted, kind="technical", upload=pdf())
    submit(submitted, officer)  # no list yet
    draft = services.waiver_create(actor=officer, firm=firm, data=data)

    result = import_file(Source.CSL, "csl_later.csv")

    assert (result.requests_screened, result.requests_with_new_matches) == (1, 1)
    match = ScreeningMatch.objects.get()
    assert (match.request, match.listed_name) == (submitted, "Harrier Microwave Components Ltd.")
    assert not ScreeningMatch.objects.filter(request=draft).exists()  # screened on submission
    events = WaiverEvent.objects.filter(request=submitted, kind=WaiverEvent.Kind.SCREENED)
    assert events.last().actor is None  # the system

    again = import_file(Source.CSL, "csl_later.csv")  # same list: nothing new, no event
    assert again.requests_with_new_matches == 0
    assert events.count() == 2
    assert ScreeningMatch.objects.count() == 1


def test_a_reimport_keeps_the_entry_a_match_names_and_the_match_reads_the_same(flagged):
    match = ScreeningMatch.objects.get(request=flagged)
    old_entry = match.entry

    result = import_file(Source.CSL, "csl_later.csv")

    assert result.kept == 1
    old_entry.refresh_from_db()
    assert old_entry.replaced_at is not None
    current = ScreeningListEntry.objects.get(name=LISTED, replaced_at__isnull=True)
    assert current.pk != old_entry.pk
    match.refresh_from_db()
    assert (match.entry, match.listed_name, match.is_open) == (old_entry, LISTED, True)
    assert ScreeningMatch.objects.filter(request=flagged).count() == 1  # the same finding

    ScreeningMatch.objects.filter(pk=match.pk).delete()  # as the retention purge does
    import_file(Source.CSL, "csl_later.csv")
    assert not ScreeningListEntry.objects.filter(pk=old_entry.pk).exists()


def test_decided_requests_are_not_screened_again(flagged, reviewer, second_reviewer):
    under_review(flagged, reviewer)
    services.waiver_transition(actor=reviewer, request=flagged, action="deny", comment="Listed.")
    result = import_file(Source.CSL, "csl_later.csv")
    assert result.requests_screened == 0


# --- The admin ------------------------------------------------------------------------


def clear_url(match):
    return reverse("admin:waivers_screeningmatch_clear", args=[match.pk])


def test_a_reviewer_with_mfa_clears_a_match_on_the_admin_page(client, flagged, reviewer):
    match = ScreeningMatch.objects.get(request=flagged)
    client.force_login(reviewer)
    page = client.get(clear_url(match))
    assert page.status_code == 200
    assert LISTED in page.content.decode()

    typed = "Different firm: its address is in Osaka."
    refused = client.post(clear_url(match), {"comment": typed})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "Declare that you have no conflict of interest" in body
    assert typed in body  # what was typed is kept

    services.declare_no_conflict(actor=reviewer, request=flagged)
    empty = client.post(clear_url(match), {"comment": "  "})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()

    done = client.post(clear_url(match), {"comment": typed, "next": "https://evil.example/"})
    assert done.status_code == 302
    assert done.url == reverse("admin:waivers_waiverrequest_change", args=[flagged.pk])
    match.refresh_from_db()
    assert (match.cleared_by, match.clearing_comment) == (reviewer, typed)


def test_the_clear_page_needs_a_csrf_token(flagged, reviewer):
    services.declare_no_conflict(actor=reviewer, request=flagged)
    match = ScreeningMatch.objects.get(request=flagged)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.post(clear_url(match), {"comment": "Not them."}).status_code == 403
    match.refresh_from_db()
    assert match.is_open


def test_the_clear_page_refuses_anyone_but_a_reviewer_with_mfa(
    client, flagged, officer, operator, regulator
):
    match = ScreeningMatch.objects.get(request=flagged)
    login = reverse("admin:login")
    assert client.post(clear_url(match), {"comment": "x"}).url.startswith(login)  # anonymous
    client.force_login(officer)  # a firm member
    assert client.post(clear_url(match), {"comment": "x"}).url.startswith(login)
    client.force_login(operator)  # staff with MFA, not a reviewer
    assert client.post(clear_url(match), {"comment": "x"}).status_code == 403
    client.force_login(make_reviewer(regulator, mfa=False))
    assert client.get(clear_url(match)).status_code == 302
    match.refresh_from_db()
    assert match.is_open


def test_the_inline_shows_the_matches_read_only_with_a_clear_link_for_reviewers(
    rf, flagged, reviewer, operator
):
    from django.contrib import admin

    inline = ScreeningMatchInline(WaiverRequest, admin.site)
    match = ScreeningMatch.objects.get(request=flagged)
    request = rf.get("/admin/")
    request.user = reviewer
    assert inline.has_view_permission(request, flagged)
    assert not inline.has_delete_permission(request, flagged)
    assert not inline.has_change_permission(request, flagged)
    assert "clear_link" in inline.get_fields(request, flagged)
    assert clear_url(match) in inline.clear_link(match)
    request.user = operator
    assert "clear_link" not in inline.get_fields(request, flagged)


def test_the_admin_offers_no_delete_for_entries_or_matches(rf, flagged, operator):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = operator
    for model in (ScreeningListEntry, ScreeningMatch):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request, None)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_add_permission(request)


def test_reviewers_search_the_entries_by_any_spelling_and_filter_by_source(client, csl, reviewer):
    import_file(Source.METI_END_USER, "meti_end_user.csv")
    client.force_login(reviewer)
    url = reverse("admin:waivers_screeninglistentry_changelist")
    found = client.get(url, {"q": "ＯＲＩＯＮ　ＤＹＮＡＭＩＣＳ"}).content.decode()
    assert "Orion Dynamics Trading" in found and "Northwind" not in found
    meti = client.get(url, {"source__exact": Source.METI_END_USER}).content.decode()
    assert "サンプル電子" in meti and "Northwind" not in meti


# --- The command ----------------------------------------------------------------------


def run(*args, verbosity=1):
    out = StringIO()
    call_command("import_screening_list", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def test_the_command_prints_what_it_read_imported_and_skipped(flagged, monkeypatch):
    monkeypatch.setattr(screening, "PROGRESS_EVERY", 2)
    output = run("--source", "csl", str(DATA / "csl_sample.csv"))
    assert "5 rows read, 3 entries imported, 2 skipped." in output
    assert "skipped row 5: no name" in output
    assert "skipped row 6: the same entry as row 2" in output
    assert "4 rows read…" in output  # progress
    assert "2 removed, 1 kept as replaced" in output
    assert "Screened 1 undecided request again: 0 got new possible matches." in output


def test_the_command_imports_the_meti_workbook(tmp_path, db):
    path = meti_workbook(tmp_path / "end_user_list.xlsx")
    output = run("--source", "meti-end-user", str(path))
    assert "METI End User List: 3 rows read, 2 entries imported, 1 skipped." in output
    assert ScreeningListEntry.objects.filter(source=Source.METI_END_USER).count() == 2


def test_the_command_refuses_a_bad_file_naming_the_problem(csl):
    with pytest.raises(CommandError, match=r"csl_malformed.csv was not imported: Row 4 has 6"):
        run("--source", "csl", str(DATA / "csl_malformed.csv"))
    with pytest.raises(CommandError, match="There is no file"):
        run("--source", "csl", str(DATA / "missing.csv"))
    assert ScreeningListEntry.objects.count() == 3


def test_the_command_only_takes_the_two_lists(db):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--source", "ofac", str(DATA / "csl_sample.csv"))


def test_a_match_raised_while_awaiting_confirmation_blocks_the_confirmation(
    officer, firm, agency, reviewer, second_reviewer
):
    data = request_data(firm, agency, end_user="Harrier Microwave Components")
    request = services.waiver_create(actor=officer, firm=firm, data=data)
    services.document_add(actor=officer, request=request, kind="technical", upload=pdf())
    submit(request, officer)  # no list yet: nothing flagged
    approve(under_review(request, reviewer), reviewer)
    import_file(Source.CSL, "csl_later.csv")  # now the end user is a possible match
    services.declare_no_conflict(actor=second_reviewer, request=request)

    with pytest.raises(TransitionNotAllowed, match="restricted-party matches"):
        services.waiver_transition(
            actor=second_reviewer, request=request, action="confirm", comment="Agreed."
        )
    assert WaiverRequest.objects.get(pk=request.pk).status == S.AWAITING_CONFIRMATION
