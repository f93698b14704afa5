"""Each dashboard number against a hand count (tests/insights/conftest.py says how)."""

from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from apps.insights import selectors
from apps.opportunities.models import Opportunity
from apps.waivers.models import WaiverRequest

WS = WaiverRequest.Status


def test_opportunities_by_area_count_sub_areas_under_their_top_level_area(agency_data):
    since = selectors.window_start()
    data = selectors.opportunities_by_area_and_status([agency_data.agency.pk], since=since)
    assert data.counts == {
        ("space-technologies/", Opportunity.Status.PUBLISHED): 2,  # A (satellites), B
        ("artificial-intelligence/", Opportunity.Status.PUBLISHED): 1,  # F
        ("artificial-intelligence/", Opportunity.Status.DRAFT): 1,  # C
    }
    assert sorted(path for path, _en, _ja in data.areas) == [
        "artificial-intelligence/",
        "space-technologies/",
    ]


def test_responses_and_days_to_first_response_per_opportunity(agency_data):
    rows = selectors.newest_opportunities_figures(
        [agency_data.agency.pk], since=selectors.window_start()
    )
    figures = {
        row["reference_number"]: (row["response_count"], row["days_to_first_response"])
        for row in rows
    }
    assert set(figures) == {"OTA-A", "OTA-B", "OTA-F"}  # newest first: F, A, B
    assert [row["reference_number"] for row in rows] == ["OTA-F", "OTA-A", "OTA-B"]
    assert figures["OTA-A"][0] == 2
    assert figures["OTA-A"][1] == pytest.approx(2.0, abs=1e-6)
    assert figures["OTA-B"][0] == 1
    assert figures["OTA-B"][1] == pytest.approx(4.0, abs=1e-6)
    assert figures["OTA-F"] == (0, None)


def test_median_time_to_first_response_is_over_answered_opportunities(agency_data):
    summary = selectors.first_response_summary(
        [agency_data.agency.pk], since=selectors.window_start()
    )
    assert summary.opportunities == 3  # A, B, F
    assert summary.answered == 2  # A after 2 days, B after 4
    assert summary.median_days == pytest.approx(3.0, abs=1e-6)


def test_funnel_from_match_to_selection(agency_data):
    funnel = selectors.funnel([agency_data.agency.pk], since=selectors.window_start())
    assert funnel == selectors.Funnel(matched=5, responded=3, invited=2, selected=1)


def test_another_agencys_data_never_count(agency_data):
    other = [agency_data.other_agency.pk]
    since = selectors.window_start()
    assert selectors.funnel(other, since=since) == selectors.Funnel(
        matched=2, responded=1, invited=1, selected=1
    )  # D ↔ F1, F2; F1's response, selected
    assert selectors.export_gate(other, since=since) == selectors.ExportGate(
        responses=1, controlled=0, released=0
    )  # D does not require an export authorization


def test_export_gate_holds_controlled_attachments_without_an_authorization_in_effect(
    agency_data,
):
    gate = selectors.export_gate([agency_data.agency.pk], since=selectors.window_start())
    # F1's brief on A is held (its authorization expired; another awaits acknowledgement
    # of its conditions); F2's is released; F3's on B has nothing to hold.
    assert gate == selectors.ExportGate(responses=3, controlled=2, released=1)
    assert gate.held == 1
    assert gate.uncontrolled == 1


def test_export_gate_agrees_with_the_gate_itself(agency_data):
    from apps.waivers import services

    a = agency_data.opportunities["A"]
    released = {
        name: services.waiver_in_effect_exists(
            firm_id=response.organization_id,
            agency_id=a.organization_id,
            opportunity_id=a.pk,
            response_id=response.pk,
        )
        for name, response in agency_data.responses.items()
        if response.opportunity_id == a.pk
    }
    assert released == {"A-F1": False, "A-F2": True}


def test_status_entries_by_month_count_transitions_into_each_state(review_data):
    entries = selectors.status_entries_by_month()
    totals = Counter()
    for (_month, status), count in entries.items():
        totals[status] += count
    assert totals == {
        WS.SUBMITTED: 4,  # R1, R2, R3, R4 (R5's is too old)
        WS.UNDER_REVIEW: 1,
        WS.AWAITING_CONFIRMATION: 1,
        WS.APPROVED: 2,  # R1, R3
        WS.DENIED: 2,  # R2, R4
        WS.RETURNED: 1,
        WS.RESUBMITTED: 1,
    }
    r3_submitted = review_data.now - timezone.timedelta(days=100)
    month = timezone.localtime(r3_submitted, selectors.TOKYO).date().replace(day=1)
    assert entries[(month, WS.SUBMITTED)] >= 1
    assert set(month for month, _status in entries) <= set(selectors.recent_months())


def test_days_to_decision_median_and_90th_percentile(review_data):
    times = selectors.decision_times()
    assert times.decisions == 4
    assert times.median_days == pytest.approx(39.0, abs=1e-6)
    assert times.p90_days == pytest.approx(78.5, abs=1e-6)
    assert sum(1 for values in times.by_month.values() if values[0] is not None) >= 1


def test_service_level_against_the_target(review_data, settings):
    settings.WAIVER_SLA_DAYS = 90
    settings.WAIVER_REMINDER_DAYS = 14
    level = selectors.service_level()
    assert (level.held, level.overdue, level.due_soon, level.on_track) == (3, 1, 1, 1)


def test_decisions_by_classification(review_data):
    assert selectors.decisions_by_classification() == {
        ("listed", "confirm"): 2,  # R1, R3
        ("listed", "deny"): 1,  # R4
        ("not_listed", "deny"): 1,  # R2
    }


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([20, 38, 40, 95], 0.5, 39.0),
        ([20, 38, 40, 95], 0.9, 78.5),
        ([1, 2, 3, 4, 5], 0.5, 3.0),
        ([5, 1], 0.25, 2.0),
    ],
)
def test_the_python_percentile_interpolates_as_percentile_cont(values, fraction, expected):
    assert selectors.percentile(values, fraction) == expected


def test_the_python_fallback_gives_the_databases_answer(review_data, monkeypatch):
    taken = selectors.decisions(since=selectors.months_start())
    in_database = selectors.percentiles(taken, "days_to_decision", (0.5, 0.9))
    monkeypatch.setattr(selectors, "_uses_postgresql", lambda: False)
    in_python = selectors.percentiles(taken, "days_to_decision", (0.5, 0.9))
    assert in_python == pytest.approx(in_database)
    if connection.vendor == "postgresql":
        assert in_database == pytest.approx([39.0, 78.5])
