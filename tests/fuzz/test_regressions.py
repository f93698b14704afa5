"""One focused test per weakness the fuzz suite found, each with the input that found it."""

import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import SavedSearch
from apps.opportunities.models import Opportunity
from tests.fuzz.support import post
from tests.fuzz.test_forms import opportunity_data, waiver_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["opportunities:list", "opportunities:feed", "opportunities:calendar", "api:opportunity-list"],
)
def test_a_deadline_filter_on_the_last_day_there_is_keeps_every_row(client, world, name):
    world.opportunity  # noqa: B018
    response = client.get(reverse(name), {"deadline_before": "9999-12-31"})
    assert response.status_code == 200
    if name == "api:opportunity-list":
        assert json.loads(response.content)["count"] == 1


def test_the_firm_search_of_targeting_ignores_nul_characters(client, world):
    client.force_login(world.agency_staff)
    url = reverse("opportunities:target", args=[world.opportunity.pk])
    response = client.get(url, {"q": "Tsubasa\x00"})
    assert response.status_code == 200
    assert "Tsubasa Aerospace K.K." in response.content.decode()


@pytest.mark.parametrize("next_url", ["!", "dashboard", "admin:index", "javascript:alert(1)"])
def test_a_join_decision_goes_back_only_to_a_path_of_this_site(client, world, next_url):
    client.force_login(world.firm_owner)
    url = reverse("organizations:join_request_decide", args=[world.join_request.pk])
    response = client.post(url, {"decision": "approve", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == world.firm.get_absolute_url()


def test_a_join_decision_still_returns_to_the_page_it_came_from(client, world):
    client.force_login(world.firm_owner)
    url = reverse("organizations:join_request_decide", args=[world.join_request.pk])
    response = client.post(url, {"decision": "decline", "next": "/dashboard/"})
    assert response["Location"] == "/dashboard/"


@pytest.mark.parametrize("version", ["²", "٣", "9" * 5000, "-1", "1.0"])
def test_a_version_that_is_no_version_is_refused_as_stale(client, world, version):
    client.force_login(world.firm_owner)
    url = reverse("waivers:edit", args=[world.waiver.pk])
    response = post(client, url, {**waiver_data(world), "version": version})
    assert response.status_code == 400
    assert "Reload it to see what changed" in response.content.decode()


def test_a_saved_search_too_long_once_encoded_is_refused_with_a_message(client, world):
    client.force_login(world.firm_owner)
    query = "q=" + "語" * 990  # 992 characters typed, 8,912 once percent-encoded
    response = client.post(
        reverse("notifications:saved_search_create"), {"name": "SAR", "query": query}
    )
    assert response.status_code == 302
    assert not SavedSearch.objects.exists()
    assert "too long to save" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_saved_search_is_stored_as_it_is_encoded(client, world):
    client.force_login(world.firm_owner)
    client.post(
        reverse("notifications:saved_search_create"),
        {"name": "衛星", "query": "q=衛星&area=satellites"},
    )
    assert SavedSearch.objects.get().query == "q=%E8%A1%9B%E6%98%9F&area=satellites"


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T23:59"])
def test_a_deadline_past_any_plausible_year_is_refused(client, world, deadline):
    world.agency.time_zone = "America/New_York"  # 9999-12-31 23:59 here is year 10000 in UTC
    world.agency.save(update_fields=["time_zone"])
    client.force_login(world.agency_staff)
    data = {**opportunity_data(world), "response_deadline": deadline}
    response = post(client, reverse("opportunities:create"), data)
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2999." in response.content.decode()
    assert client.get(reverse("opportunities:agency_dashboard")).status_code == 200


def test_control_characters_typed_into_a_title_do_not_reach_the_feed(client, world):
    client.force_login(world.agency_staff)
    data = {**opportunity_data(world), "title_en": "SAR\x0b payloads\x1b[31m"}
    assert post(client, reverse("opportunities:create"), data).status_code == 302
    opportunity = Opportunity.objects.get(title_en__startswith="SAR")
    assert opportunity.title_en == "SAR payloads[31m"
    Opportunity.objects.filter(pk=opportunity.pk).update(
        status=Opportunity.Status.PUBLISHED, published_at=timezone.now()
    )
    assert client.get(reverse("opportunities:feed")).status_code == 200


def test_rows_holding_control_characters_still_give_a_feed(client, world):
    Opportunity.objects.filter(pk=world.opportunity.pk).update(title_en="Vertical\x0btab")
    response = client.get(reverse("opportunities:feed"))
    assert response.status_code == 200
    assert b"<title>Verticaltab</title>" in response.content


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("notifications:settings", []),
        ("organizations:onboarding_pitch", ["firm"]),
        ("waivers:create", []),
        ("opportunities:create", []),
    ],
)
def test_a_post_without_any_field_is_answered_with_the_forms_errors(client, world, name, args):
    """A POST is validated even when it carries nothing, rather than taken for a GET."""
    user = world.agency_staff if name == "opportunities:create" else world.firm_owner
    client.force_login(user)
    response = client.post(reverse(name, args=[getattr(world, a).pk for a in args]), {})
    content = response.content.decode()
    if response.status_code == 302:  # every field of the pitch is optional: saved
        assert name == "organizations:onboarding_pitch"
    else:
        assert 'class="form-errors"' in content


def test_the_capability_export_defuses_formulas_in_firm_names(client, world):
    world.capability  # noqa: B018
    world.firm.name_en = '=HYPERLINK("http://evil.example","x")'
    world.firm.save(update_fields=["name_en"])
    client.force_login(world.agency_staff)
    content = client.get(reverse("capabilities:export")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content


def test_the_api_answers_json_for_an_id_that_is_not_a_number(client, world):
    response = client.get("/api/v1/opportunities/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_api_schema_describes_errors_and_top_level_areas(client):
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/json").content)
    listing = schema["paths"]["/api/v1/opportunities/"]["get"]["responses"]
    assert {"200", "400", "404", "429"} <= set(listing)
    parent = schema["components"]["schemas"]["TechnologyArea"]["properties"]["parent"]
    assert parent["nullable"] is True
    deadline = next(
        p
        for p in schema["paths"]["/api/v1/opportunities/"]["get"]["parameters"]
        if p["name"] == "deadline_before"
    )
    assert "UTC" in deadline["description"]


def test_an_opportunity_due_in_a_year_is_still_accepted(client, world):
    client.force_login(world.agency_staff)
    deadline = (timezone.now() + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M")
    data = {**opportunity_data(world), "response_deadline": deadline}
    assert post(client, reverse("opportunities:create"), data).status_code == 302


def test_a_page_of_text_is_not_taken_as_a_search(client, world):
    """Every word is a condition of the query: 20,000 of them took the SQLite fallback
    minutes to build. The keywords box takes 200 characters."""
    world.opportunity  # noqa: B018
    query = {"q": "radar " * 20_000}
    page = client.get(reverse("opportunities:list"), query)
    assert page.status_code == 200
    assert "at most 200 characters" in page.content.decode()
    api = client.get(reverse("api:opportunity-list"), query)
    assert api.status_code == 400
    assert "q" in json.loads(api.content)
    directory = client.get(reverse("capabilities:directory"), query)
    assert directory.status_code == 200


def test_a_long_search_uses_its_first_words(db):
    from apps.core.search import MAX_QUERY_TOKENS, filter_by_search

    words = [f"word{n}x" for n in range(MAX_QUERY_TOKENS + 8)]
    queryset = filter_by_search(Opportunity.objects.all(), " ".join(words))
    sql = str(queryset.query)
    assert words[MAX_QUERY_TOKENS - 1] in sql
    assert words[MAX_QUERY_TOKENS] not in sql


@pytest.mark.parametrize("field", ["firms", "areas"])
def test_targeting_refuses_ids_no_column_holds(client, world, field):
    """SQLite raised OverflowError on such a number inside IN (…)."""
    client.force_login(world.agency_staff)
    url = reverse("opportunities:target", args=[world.opportunity.pk])
    data = {"on_behalf_of": str(world.agency.pk), field: ["99999999999999999999"]}
    response = post(client, url, data)
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()


def test_the_capability_form_refuses_area_ids_no_column_holds(client, world):
    from tests.fuzz.test_forms import capability_data

    client.force_login(world.firm_owner)
    data = {**capability_data(world), "areas": ["-9223372036854775809"]}
    response = post(client, reverse("capabilities:create"), data)
    assert response.status_code == 200
    assert "is not a valid value" in response.content.decode()


def test_the_firm_search_of_targeting_takes_a_page_of_text(client, world):
    """SQLite refuses LIKE patterns past 50,000 characters; a name is at most 200."""
    client.force_login(world.agency_staff)
    url = reverse("opportunities:target", args=[world.opportunity.pk])
    response = client.get(url, {"q": "%_" * 40_000})
    assert response.status_code == 200
    assert len(response.content) < 200_000  # the query is not echoed back whole


def test_an_invitation_link_with_a_nul_character_is_not_found(client, world):
    """PostgreSQL refuses NUL in text: the lookup of such a token was a server error."""
    client.force_login(world.newcomer)
    assert client.get("/organizations/invitations/abc%00def/").status_code == 404
