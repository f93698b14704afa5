"""Every public filter (query-string driven list, feed, calendar, directory, export, inbox)
answers hostile query strings without a server error and without reflecting markup."""

import json

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import strategies as fz
from tests.fuzz.support import (
    assert_no_server_error,
    assert_not_rendered,
    get,
    post,
    rolled_back,
    sign_in,
)

pytestmark = pytest.mark.django_db

AREAS = ["space-technologies", "artificial-intelligence", "hypersonics", "satellites"]


def _param(valid: list[str]) -> st.SearchStrategy:
    return st.sampled_from(valid) | fz.hostile_text


OPPORTUNITY_PARAMETERS = {
    "q": fz.hostile_text,
    "area": _param(AREAS),
    "agency": fz.number_strings | fz.hostile_text,
    "status": _param(["published", "closed", "awarded", "any", "draft", "cancelled"]),
    "deadline_after": fz.date_strings,
    "deadline_before": fz.date_strings,
    "trl": fz.number_strings,
    "vehicle": _param(["ota_research", "ota_prototype", "follow_on", "other"]),
    "foreign_participation": _param(["allowed", "with_authorization", "not_allowed"]),
    "ordering": _param(["deadline", "newest", "relevance"]),
    "page": fz.number_strings,
}
opportunity_queries = st.fixed_dictionaries({}, optional=OPPORTUNITY_PARAMETERS)

CAPABILITY_PARAMETERS = {
    "q": fz.hostile_text,
    "area": _param(AREAS),
    "trl_min": fz.number_strings,
    "trl_max": fz.number_strings,
    "prefecture": _param(["13", "27", "47", "00"]),
    "dual_use": _param(["true", "false", "", "1", "unknown"]),
    "export_control": _param(["not_listed", "listed", "unknown"]),
    "ordering": _param(["relevance", "newest", "trl_desc", "trl"]),
    "page": fz.number_strings,
}
capability_queries = st.fixed_dictionaries({}, optional=CAPABILITY_PARAMETERS)

OPPORTUNITY_FILTER_URLS = ["opportunities:list", "opportunities:feed", "opportunities:calendar"]


@pytest.mark.parametrize("name", OPPORTUNITY_FILTER_URLS)
@given(query=opportunity_queries, tag=fz.marker_tags)
@example(query={"deadline_before": "9999-12-31"}, tag="boundary")
@example(query={"deadline_after": "9999-12-31", "deadline_before": "0001-01-01"}, tag="bounds")
@example(query={"q": "\x00", "page": "9" * 5000}, tag="nulbyte")
def test_opportunity_filters_never_fail(client, world, name, query, tag):
    world.opportunity  # noqa: B018 - a row for the filters to keep or drop
    query = {**query, "q": query.get("q", "") + fz.markup_marker(tag)}
    with rolled_back():
        response = get(client, reverse(name), query)
    assert_not_rendered(response, tag)


@pytest.mark.parametrize("name", OPPORTUNITY_FILTER_URLS)
@given(query=st.dictionaries(st.sampled_from(list(OPPORTUNITY_PARAMETERS)), fz.raw_query_bytes))
def test_opportunity_filters_take_raw_bytes(client, world, name, query):
    world.opportunity  # noqa: B018
    with rolled_back():
        response = get(client, reverse(name), query_string=fz.raw_query(query))
    assert_no_server_error(response)


@given(query=opportunity_queries)
@example(query={"deadline_before": "9999-12-31"})
@example(query={"agency": "99999999999999999999"})
@example(query={"trl": "1e309"})
def test_api_filters_answer_200_or_400(client, world, query):
    world.opportunity  # noqa: B018
    with rolled_back():
        response = get(client, reverse("api:opportunity-list"), query)
    assert response.status_code in (200, 400, 404), response.content[:500]
    body = json.loads(response.content)
    if response.status_code == 200:
        assert {"count", "results"} <= set(body)
    elif response.status_code == 400:
        assert isinstance(body, dict) and body  # the filter form's errors, by field
        assert set(body) <= set(OPPORTUNITY_PARAMETERS)


@pytest.mark.parametrize("viewer", ["anonymous", "agency"])
@given(query=capability_queries, tag=fz.marker_tags)
@example(query={"trl_min": "NaN", "trl_max": "1e309"}, tag="numbers")
def test_directory_filters_never_fail(client, world, viewer, query, tag):
    world.capability  # noqa: B018
    if viewer == "agency":
        sign_in(client, world.agency_staff)
    query = {**query, "q": query.get("q", "") + fz.markup_marker(tag)}
    with rolled_back():
        response = get(client, reverse("capabilities:directory"), query)
    assert_not_rendered(response, tag)


@given(query=capability_queries)
def test_capability_export_filters_never_fail(client, world, query):
    world.capability  # noqa: B018
    sign_in(client, world.agency_staff)
    with rolled_back():
        response = get(client, reverse("capabilities:export"), query)
    assert_no_server_error(response)
    assert response.status_code == 200


@given(query=st.dictionaries(st.sampled_from(list(CAPABILITY_PARAMETERS)), fz.raw_query_bytes))
def test_directory_takes_raw_bytes(client, world, query):
    world.capability  # noqa: B018
    with rolled_back():
        response = get(client, reverse("capabilities:directory"), query_string=fz.raw_query(query))
    assert_no_server_error(response)


@given(status=fz.hostile_text, page=fz.number_strings, tag=fz.marker_tags)
def test_response_inbox_filters_never_fail(client, world, status, page, tag):
    world.response  # noqa: B018 - a response in the inbox
    sign_in(client, world.agency_staff)
    url = reverse("opportunities:inbox", args=[world.opportunity.pk])
    with rolled_back():
        response = get(client, url, {"status": status + fz.markup_marker(tag), "page": page})
    assert_not_rendered(response, tag)
    assert response.status_code == 200


@given(status=fz.hostile_text, page=fz.number_strings, tag=fz.marker_tags)
def test_waiver_list_filters_never_fail(client, world, status, page, tag):
    world.waiver  # noqa: B018 - a request in the list
    sign_in(client, world.firm_owner)
    with rolled_back():
        response = get(
            client,
            reverse("waivers:list"),
            {"status": status + fz.markup_marker(tag), "page": page},
        )
    assert_not_rendered(response, tag)
    assert response.status_code == 200


@given(q=fz.hostile_text, firms=st.lists(fz.number_strings | fz.hostile_text, max_size=3))
@example(q="\x00", firms=[])
@example(q="Tsubasa\x00", firms=["²"])
def test_targeting_firm_search_never_fails(client, world, q, firms):
    sign_in(client, world.agency_staff)
    url = reverse("opportunities:target", args=[world.opportunity.pk])
    with rolled_back():
        response = get(client, url, {"q": q, "firm": firms})
    assert_no_server_error(response)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("waivers:create", ["opportunity", "response", "capability", "firm"]),
        ("opportunities:create", ["agency"]),
        ("capabilities:create", ["firm"]),
        ("organizations:create", ["kind"]),
        ("organizations:onboarding", ["register"]),
    ],
)
@given(data=st.data())
def test_prefilled_forms_take_any_query(client, world, name, keys, data):
    user = world.agency_staff if name == "opportunities:create" else world.firm_owner
    sign_in(client, user)
    query = data.draw(
        st.fixed_dictionaries(
            {}, optional={key: fz.number_strings | fz.hostile_text for key in keys}
        )
    )
    with rolled_back():
        response = get(client, reverse(name), query)
    assert_no_server_error(response)


@given(next_url=fz.hostile_text | fz.html_payloads, language=fz.hostile_text)
@example(next_url="javascript:alert(1)", language="ja")
@example(next_url="//evil.example/", language="en")
@example(next_url="http://testserver/opportunities/", language="ja")
def test_language_switch_never_fails_nor_redirects_away(client, next_url, language):
    with rolled_back():
        response = post(client, reverse("set_language"), {"next": next_url, "language": language})
    assert_no_server_error(response)
    location = response.get("Location", "/")
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}), location
