import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.throttling import AnonRateThrottle

from apps.opportunities import filters, selectors
from apps.opportunities.models import Opportunity
from tests.factories import AgencyFactory, UserFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

FILTER_NAMES = {
    "q",
    "area",
    "agency",
    "status",
    "deadline_after",
    "deadline_before",
    "trl",
    "vehicle",
    "foreign_participation",
    "ordering",
}
FIELDS = {
    "id",
    "url",
    "api_url",
    "reference_number",
    "title_en",
    "title_ja",
    "summary_en",
    "summary_ja",
    "description_en",
    "description_ja",
    "vehicle",
    "areas",
    "trl_min",
    "trl_max",
    "funding_min",
    "funding_max",
    "currency",
    "response_deadline",
    "question_deadline",
    "place_of_performance",
    "foreign_participation",
    "export_authorization_required",
    "status",
    "published_at",
    "agency",
}
LIST = "/api/v1/opportunities/"


@pytest.fixture
def catalogue():
    now = timezone.now()
    agency = AgencyFactory(name_en="Space Systems Command", name_ja="宇宙システム軍団")
    satellite = OpportunityFactory(
        organization=agency,
        areas=["satellites"],
        title_en="Small satellite bus",
        title_ja="小型衛星バス",
        vehicle=Opportunity.Vehicle.OTA_PROTOTYPE,
        foreign_participation=Opportunity.ForeignParticipation.ALLOWED,
        trl_min=5,
        trl_max=7,
        funding_min=100000,
        funding_max=2000000,
        response_deadline=now + timedelta(days=20),
        published_at=now - timedelta(days=1),
        points_of_contact="Jane Doe, jane@example.mil",
    )
    hypersonic = OpportunityFactory(
        areas=["hypersonics"],
        title_en="Hypersonic thermal protection",
        vehicle=Opportunity.Vehicle.OTA_RESEARCH,
        trl_min=2,
        trl_max=4,
        response_deadline=now + timedelta(days=40),
        published_at=now - timedelta(days=3),
    )
    launch = OpportunityFactory(
        organization=agency,
        areas=["space-technologies"],
        title_en="Responsive launch integration",
        response_deadline=now + timedelta(days=60),
        published_at=now - timedelta(days=2),
    )
    closed = OpportunityFactory(
        areas=["space-technologies"],
        title_en="Ground station antennas",
        status=Opportunity.Status.CLOSED,
        published_at=now - timedelta(days=5),
    )
    draft = OpportunityFactory(status=Opportunity.Status.DRAFT)
    cancelled = OpportunityFactory(status=Opportunity.Status.CANCELLED)
    return {
        "agency": agency,
        "satellite": satellite,
        "hypersonic": hypersonic,
        "launch": launch,
        "closed": closed,
        "draft": draft,
        "cancelled": cancelled,
    }


def api_ids(client, query: str) -> list[int]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_schema_is_valid_openapi_and_lists_every_filter():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/opportunities/"]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert names >= FILTER_NAMES | {"page"}
    assert set(schema["paths"]) >= {
        "/api/v1/opportunities/",
        "/api/v1/opportunities/{id}/",
        "/api/v1/technology-areas/",
    }
    properties = schema["components"]["schemas"]["Opportunity"]["properties"]
    assert set(properties) == FIELDS


def test_schema_endpoint_answers_openapi_json(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    validate_schema(response.json())


def test_opportunity_list_shows_open_ones_soonest_first(client, catalogue):
    response = client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [
        catalogue["satellite"].pk,
        catalogue["hypersonic"].pk,
        catalogue["launch"].pk,
    ]


def test_opportunity_detail_has_the_documented_fields_only(client, catalogue):
    satellite = catalogue["satellite"]
    response = client.get(f"{LIST}{satellite.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == FIELDS
    assert data["url"] == f"http://testserver/opportunities/{satellite.pk}/"
    assert data["api_url"] == f"http://testserver/api/v1/opportunities/{satellite.pk}/"
    assert data["title_ja"] == "小型衛星バス"
    assert data["areas"] == ["satellites"]
    assert data["agency"] == {
        "id": satellite.organization_id,
        "name_en": "Space Systems Command",
        "name_ja": "宇宙システム軍団",
    }
    assert data["funding_max"] == "2000000"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", data["response_deadline"])
    assert data["question_deadline"].endswith("Z")
    assert data["published_at"].endswith("Z")
    assert "Jane Doe" not in response.content.decode()


def test_deadlines_stay_in_utc_whatever_the_viewers_time_zone(client, catalogue):
    client.force_login(UserFactory(time_zone="Asia/Tokyo"))

    data = client.get(f"{LIST}{catalogue['satellite'].pk}/").json()

    assert data["response_deadline"].endswith("Z")
    assert data["response_deadline"].startswith(
        catalogue["satellite"].response_deadline.strftime("%Y-%m-%dT%H:%M:%S")
    )


def test_closed_opportunity_detail_is_public(client, catalogue):
    assert client.get(f"{LIST}{catalogue['closed'].pk}/").status_code == 200


@pytest.mark.parametrize("name", ["draft", "cancelled"])
def test_drafts_and_cancelled_opportunities_are_not_in_the_api(client, catalogue, name):
    hidden = catalogue[name]

    assert client.get(f"{LIST}{hidden.pk}/").status_code == 404
    assert hidden.pk not in api_ids(client, "status=any")


def test_invalid_filter_values_answer_400_with_the_errors(client, catalogue):
    response = client.get(LIST, {"trl": "12", "area": "no-such-area"})

    assert response.status_code == 400
    assert set(response.json()) == {"trl", "area"}


def test_technology_areas_are_listed_with_their_parents(client):
    response = client.get("/api/v1/technology-areas/")

    assert response.status_code == 200
    areas = {row["slug"]: row for row in response.json()}
    assert areas["space-technologies"]["parent"] is None
    assert areas["space-technologies"]["depth"] == 0
    assert areas["satellites"] == {
        "slug": "satellites",
        "name_en": areas["satellites"]["name_en"],
        "name_ja": areas["satellites"]["name_ja"],
        "parent": "space-technologies",
        "depth": 1,
        "path": "space-technologies/satellites/",
    }


def _feed_ids(client, query: str) -> list[int]:
    response = client.get(f"{reverse('opportunities:feed')}?{query}")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own output, in a test)
    ids = []
    for entry in root.findall("{http://www.w3.org/2005/Atom}entry"):
        href = entry.find("{http://www.w3.org/2005/Atom}link").get("href")
        ids.append(int(re.search(r"/opportunities/(\d+)/$", href).group(1)))
    return ids


def _calendar_ids(client, query: str) -> list[int]:
    response = client.get(f"{reverse('opportunities:calendar')}?{query}")
    assert response.status_code == 200
    cal = icalendar.Calendar.from_ical(response.content)
    ids = []
    for event in cal.walk("VEVENT"):
        match = re.fullmatch(r"opportunity-(\d+)-response@kakehashi", str(event["UID"]))
        if match:
            ids.append(int(match.group(1)))
    return ids


def test_the_same_query_string_gives_the_same_opportunities_everywhere(client, catalogue):
    agency = catalogue["agency"]
    in_three_weeks = (timezone.now() + timedelta(days=21)).date().isoformat()
    queries = [
        "",
        "area=space-technologies",
        "area=hypersonics",
        "q=%E8%A1%9B%E6%98%9F",  # 衛星
        "q=satellite",
        "q=satellite&ordering=relevance&status=any",
        f"agency={agency.pk}",
        "status=any&ordering=newest",
        "status=closed",
        f"deadline_before={in_three_weeks}",
        f"deadline_after={in_three_weeks}&ordering=newest",
        "trl=3",
        "vehicle=ota_research",
        "foreign_participation=allowed",
        "area=space-technologies&trl=6&status=any",
    ]
    seen = set()
    for query in queries:
        _filterset, queryset = filters.filtered_opportunities(
            QueryDict(query), selectors.opportunities_public()
        )
        expected = list(queryset.values_list("pk", flat=True))
        assert _feed_ids(client, query) == expected, query
        assert _calendar_ids(client, query) == expected, query
        assert api_ids(client, query) == expected, query
        seen.add(tuple(expected))
    assert len(seen) >= 6  # the queries really filter, they do not all agree on nothing


def test_anonymous_reads_are_throttled(client, catalogue, monkeypatch):
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"}
    )

    statuses = [client.get(LIST).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/technology-areas/").status_code == 429
    response = client.get(LIST)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_page_size(client, django_assert_max_num_queries):
    url = f"{LIST}?area=space-technologies"
    OpportunityFactory.create_batch(3)
    few = _count_queries(client, url)

    OpportunityFactory.create_batch(22, areas=["satellites", "space-technologies"])
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.json()["results"]) == 25
    # The page-cache generation, the capped count, the page, its areas, and the API's
    # sessions and throttling around them.
    assert few <= 7


def test_technology_areas_take_one_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert client.get("/api/v1/technology-areas/").status_code == 200
