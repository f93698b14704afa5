import datetime
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.opportunities.models import Opportunity
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DETAIL = re.compile(r"^http://testserver/opportunities/(\d+)/$")


def parse_atom(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own output, in a test)
    assert root.tag == f"{ATOM}feed"
    return root


def entry_ids(root: ET.Element) -> list[int]:
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        match = DETAIL.match(entry.findtext(f"{ATOM}id"))
        assert match, entry.findtext(f"{ATOM}id")
        ids.append(int(match.group(1)))
    return ids


def parse_calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def response_event_ids(cal: icalendar.Calendar) -> list[int]:
    ids = []
    for event in cal.walk("VEVENT"):
        match = re.fullmatch(r"opportunity-(\d+)-response@kakehashi", str(event["UID"]))
        if match:
            ids.append(int(match.group(1)))
    return ids


@pytest.fixture
def catalogue():
    now = timezone.now()
    satellite = OpportunityFactory(
        areas=["satellites"],
        title_en="Small satellite bus for LEO constellations",
        title_ja="低軌道コンステレーション向け小型衛星バス",
        summary_en="A radiation-tolerant bus <for> 50 kg satellites.",
        summary_ja="50kg級衛星向けの耐放射線バス。",
        response_deadline=now + timedelta(days=20, hours=3),
        question_deadline=now + timedelta(days=10),
    )
    hypersonic = OpportunityFactory(
        areas=["hypersonics"],
        title_en="Hypersonic glide body thermal protection",
        response_deadline=now + timedelta(days=40),
        question_deadline=None,
    )
    closed = OpportunityFactory(
        areas=["space-technologies"],
        title_en="Ground station antennas",
        status=Opportunity.Status.CLOSED,
    )
    draft = OpportunityFactory(title_en="Draft launch services", status=Opportunity.Status.DRAFT)
    cancelled = OpportunityFactory(
        title_en="Cancelled launch services", status=Opportunity.Status.CANCELLED
    )
    return {
        "satellite": satellite,
        "hypersonic": hypersonic,
        "closed": closed,
        "draft": draft,
        "cancelled": cancelled,
    }


def test_atom_feed_lists_open_opportunities_soonest_first(client, catalogue):
    root = parse_atom(client.get(reverse("opportunities:feed")))

    assert entry_ids(root) == [catalogue["satellite"].pk, catalogue["hypersonic"].pk]
    assert root.findtext(f"{ATOM}title") == "Kakehashi opportunities"
    assert root.findtext(f"{ATOM}subtitle")
    assert root.findtext(f"{ATOM}id")
    assert root.findtext(f"{ATOM}updated")
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Kakehashi"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == "http://testserver/opportunities/feed.atom"
    alternate = root.find(f"{ATOM}link[@rel='alternate']")
    assert alternate.get("href") == "http://testserver/opportunities/"


def test_atom_entry_carries_link_author_categories_and_deadline(client, catalogue):
    satellite = catalogue["satellite"]
    root = parse_atom(client.get(reverse("opportunities:feed"), {"area": "satellites"}))

    (entry,) = root.findall(f"{ATOM}entry")
    url = f"http://testserver/opportunities/{satellite.pk}/"
    assert entry.findtext(f"{ATOM}id") == url
    assert entry.find(f"{ATOM}link").get("href") == url
    assert entry.findtext(f"{ATOM}title") == "Small satellite bus for LEO constellations"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == satellite.organization.name_en
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Satellites"]
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    deadline = satellite.response_deadline.astimezone(datetime.UTC)
    assert f"Responses are due by {deadline:%Y-%m-%d %H:%M} UTC." in summary.text
    # The summary is HTML: the text inside it is escaped.
    assert "&lt;for&gt;" in summary.text


def test_atom_feed_speaks_the_requesting_language_with_fallback(client, catalogue):
    root = parse_atom(client.get(reverse("opportunities:feed"), HTTP_ACCEPT_LANGUAGE="ja"))

    titles = [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]
    assert titles == [
        "低軌道コンステレーション向け小型衛星バス",
        "Hypersonic glide body thermal protection",  # no Japanese title: English
    ]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"


def test_area_filter_includes_sub_areas_and_excludes_others(client, catalogue):
    root = parse_atom(client.get(reverse("opportunities:feed"), {"area": "space-technologies"}))

    assert entry_ids(root) == [catalogue["satellite"].pk]
    alternate = root.find(f"{ATOM}link[@rel='alternate']")
    assert alternate.get("href") == "http://testserver/opportunities/?area=space-technologies"


def test_japanese_keyword_search_filters_the_feed(client, catalogue):
    root = parse_atom(client.get(reverse("opportunities:feed"), {"q": "衛星"}))

    assert entry_ids(root) == [catalogue["satellite"].pk]


def test_status_filter_reaches_past_opportunities_but_never_drafts(client, catalogue):
    closed = parse_atom(client.get(reverse("opportunities:feed"), {"status": "closed"}))
    every = parse_atom(client.get(reverse("opportunities:feed"), {"status": "any"}))

    assert entry_ids(closed) == [catalogue["closed"].pk]
    assert set(entry_ids(every)) == {
        catalogue["satellite"].pk,
        catalogue["hypersonic"].pk,
        catalogue["closed"].pk,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"area": "no-such-area"},
        {"trl": "eleven"},
        {"trl": "12"},
        {"deadline_after": "2025-13-45"},
        {"agency": "999999"},
        {"agency": "abc"},
        {"status": "draft"},
        {"vehicle": "grant"},
        {"ordering": "random"},
    ],
)
def test_bad_filter_values_give_an_empty_valid_feed_and_calendar(client, catalogue, params):
    root = parse_atom(client.get(reverse("opportunities:feed"), params))
    cal = parse_calendar(client.get(reverse("opportunities:calendar"), params))

    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated")
    assert cal.walk("VEVENT") == []
    assert str(cal["VERSION"]) == "2.0"


def test_feed_is_limited_to_its_most_pressing_entries(client, monkeypatch):
    from apps.opportunities import feeds

    assert feeds.FEED_LIMIT == 100
    first, second, _third = OpportunityFactory.create_batch(3)
    monkeypatch.setattr(feeds, "FEED_LIMIT", 2)

    root = parse_atom(client.get(reverse("opportunities:feed")))

    assert entry_ids(root) == [first.pk, second.pk]


def test_calendar_has_one_event_per_deadline_in_utc(client, catalogue):
    satellite, hypersonic = catalogue["satellite"], catalogue["hypersonic"]
    response = client.get(reverse("opportunities:calendar"))
    cal = parse_calendar(response)

    assert response["Content-Disposition"] == 'inline; filename="kakehashi-opportunities.ics"'
    assert str(cal["PRODID"]) == "-//Kakehashi//Opportunity deadlines//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "Kakehashi opportunity deadlines"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in response.content
    events = {str(event["UID"]): event for event in cal.walk("VEVENT")}
    assert set(events) == {
        f"opportunity-{satellite.pk}-response@kakehashi",
        f"opportunity-{satellite.pk}-questions@kakehashi",
        f"opportunity-{hypersonic.pk}-response@kakehashi",
    }
    response_event = events[f"opportunity-{satellite.pk}-response@kakehashi"]
    start = response_event.decoded("DTSTART")
    assert start == satellite.response_deadline.replace(microsecond=0)
    assert start.utcoffset() == timedelta(0)
    assert response_event.decoded("DURATION") == timedelta(0)
    assert "DTEND" not in response_event
    assert response_event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    assert str(response_event["URL"]) == f"http://testserver/opportunities/{satellite.pk}/"
    assert str(response_event["SUMMARY"]) == (
        "Response deadline: Small satellite bus for LEO constellations"
    )
    description = str(response_event["DESCRIPTION"])
    assert satellite.organization.name_en in description
    assert f"http://testserver/opportunities/{satellite.pk}/" in description
    question_event = events[f"opportunity-{satellite.pk}-questions@kakehashi"]
    assert question_event.decoded("DTSTART") == satellite.question_deadline.replace(microsecond=0)
    assert str(question_event["SUMMARY"]).startswith("Question deadline: ")
    # Every line of the raw text ends with CRLF and is folded at 75 octets (RFC 5545 3.1).
    lines = response.content.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert all(len(line) <= 75 for line in lines)
    assert b"Z\r\n" in response.content  # UTC date-times ("…T…Z"), no floating times


def test_calendar_answers_head_requests_of_calendar_applications(client, catalogue):
    response = client.head(reverse("opportunities:calendar"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def test_calendar_honours_the_list_filters(client, catalogue):
    in_space = parse_calendar(
        client.get(reverse("opportunities:calendar"), {"area": "space-technologies"})
    )
    in_japanese = parse_calendar(client.get(reverse("opportunities:calendar"), {"q": "衛星"}))
    closed = parse_calendar(client.get(reverse("opportunities:calendar"), {"status": "closed"}))

    assert response_event_ids(in_space) == [catalogue["satellite"].pk]
    assert response_event_ids(in_japanese) == [catalogue["satellite"].pk]
    assert response_event_ids(closed) == [catalogue["closed"].pk]


def test_calendar_in_japanese(client, catalogue):
    cal = parse_calendar(client.get(reverse("opportunities:calendar"), HTTP_ACCEPT_LANGUAGE="ja"))

    summaries = [str(event["SUMMARY"]) for event in cal.walk("VEVENT")]
    assert any("低軌道コンステレーション向け小型衛星バス" in s for s in summaries)


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["opportunities:feed", "opportunities:calendar"])
def test_feed_queries_do_not_grow_with_entries(client, django_assert_max_num_queries, name):
    url = reverse(name) + "?area=space-technologies"
    OpportunityFactory.create_batch(3)
    few = _count_queries(client, url)

    OpportunityFactory.create_batch(22, areas=["satellites", "space-technologies"])
    with django_assert_max_num_queries(few):
        client.get(url)
    assert few <= 6
