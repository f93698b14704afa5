import csv
import io
import logging

import pytest
from django.urls import reverse

from apps.insights.charts import BAR, HORIZONTAL_BAR, Chart, Series
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    OrganizationFactory,
    RegulatorFactory,
    UserFactory,
)
from tests.waivers.conftest import make_reviewer


def refusals(caplog):
    return [record for record in caplog.records if record.name == "apps.core.access"]


def test_agency_staff_see_only_their_agencys_opportunities(client, agency_data):
    client.force_login(agency_data.staff)
    response = client.get(reverse("insights:agency"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "OTA-A" in body and "OTA-B" in body
    assert "OTA-D" not in body  # agency 2's
    assert "OTA-E" not in body  # outside the window
    assert 'role="img"' in body
    assert "<style" not in body.split("<body", 1)[1]
    assert "<script" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]


@pytest.mark.parametrize("url_name", ["insights:agency", "insights:index"])
def test_a_firm_member_is_refused_and_the_refusal_logged(client, db, caplog, url_name):
    member = MembershipFactory(organization=OrganizationFactory()).user
    client.force_login(member)
    with caplog.at_level(logging.WARNING, logger="apps.core.access"):
        response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert len(refusals(caplog)) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("insights:review"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_agency_csv_is_the_charts_data_and_formula_safe(client, agency_data):
    agency_data.opportunities["A"].reference_number = "=HYPERLINK(1)"
    agency_data.opportunities["A"].save(update_fields=["reference_number"])
    client.force_login(agency_data.staff)
    response = client.get(reverse("insights:agency_csv", kwargs={"chart": "responses"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Opportunity", "Responses"]
    assert rows[1:] == [["OTA-F", "0"], ["'=HYPERLINK(1)", "2"], ["OTA-B", "1"]]


def test_an_unknown_chart_is_not_found(client, agency_data):
    client.force_login(agency_data.staff)
    response = client.get(reverse("insights:agency_csv", kwargs={"chart": "nothing"}))
    assert response.status_code == 404


def test_funnel_csv(client, agency_data):
    client.force_login(agency_data.staff)
    response = client.get(reverse("insights:agency_csv", kwargs={"chart": "funnel"}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["Matched firms", "5"],
        ["Responded", "3"],
        ["Invited to pitch", "2"],
        ["Selected", "1"],
    ]


def test_reviewers_and_operators_see_the_review_dashboard(client, review_data):
    reviewer = make_reviewer(RegulatorFactory())
    operator = UserFactory(is_staff=True, is_superuser=True)
    for user in (reviewer, operator):
        client.force_login(user)
        response = client.get(reverse("insights:review"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "39 days" in body and "78.5 days" in body
    response = client.get(reverse("insights:review_csv", kwargs={"chart": "service-level"}))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["1", "1", "1"]


def test_agency_staff_are_refused_the_review_dashboard(client, agency_data, caplog):
    client.force_login(agency_data.staff)
    with caplog.at_level(logging.WARNING, logger="apps.core.access"):
        response = client.get(reverse("insights:review_csv", kwargs={"chart": "service-level"}))
    assert response.status_code == 403
    assert len(refusals(caplog)) == 1


def test_the_landing_page_lists_the_dashboards_each_may_see(client, agency_data):
    client.force_login(agency_data.staff)
    body = client.get(reverse("insights:index")).content.decode()
    assert reverse("insights:agency") in body
    assert reverse("insights:review") not in body
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get(reverse("insights:index")).content.decode()
    assert reverse("insights:review") in body
    assert reverse("insights:agency") not in body


def test_the_dashboards_render_in_japanese(client, agency_data):
    client.force_login(agency_data.staff)
    response = client.get(reverse("insights:agency"), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200


def test_empty_dashboards_say_so(client, db):
    staff = MembershipFactory(organization=AgencyFactory())
    client.force_login(staff.user)
    body = client.get(reverse("insights:agency")).content.decode()
    assert "No responses yet." in body
    assert "<svg" not in body


# --- The chart helper -----------------------------------------------------------------


def test_a_chart_is_accessible_svg_without_inline_style_or_script():
    chart = Chart(
        slug="demo",
        title="Demo <title>",
        description="What it shows",
        label_heading="Label",
        labels=["a <b>", "b"],
        series=[Series("Count", (1, 2))],
        kind=HORIZONTAL_BAR,
    )
    svg = str(chart.svg)
    assert svg.startswith("<svg")
    assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert "<title" in svg and "Demo &lt;title&gt;" in svg
    assert "<desc" in svg and "What it shows" in svg
    assert "a &lt;b&gt;" in svg
    for refused in ("<style", "<script", "style=", "http://", "https://"):
        assert refused not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert chart.rows() == [("a <b>", [1]), ("b", [2])]


def test_a_chart_refuses_series_that_do_not_fit_its_labels():
    with pytest.raises(ValueError):
        Chart("x", "t", "d", "l", ["a", "b"], [Series("s", (1,))], kind=BAR)
