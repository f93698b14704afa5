"""The list's count heading is kept between requests (apps.core.pagination): it must
read right whenever a deadline passes, and be counted again only when a deadline of
one of the rows it counted passes (or after an edit), not whenever any deadline does."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.opportunities.models import Opportunity
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = "/opportunities/"
API = "/api/v1/opportunities/"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    # The counts are kept in the shared cache; whole pages are not kept here (the page
    # cache's expiry is Redis's own clock, which the tests do not move).
    settings.PAGE_CACHE = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """Moves the clock every module reads (django.utils.timezone.now) forward."""
    start = timezone.now()
    state = {"now": start}
    real_now = timezone.now

    def now():
        return state["now"]

    monkeypatch.setattr(timezone, "now", now)

    def move(**delta):
        state["now"] = start + timedelta(**delta)

    move.start = start
    move.real_now = real_now
    return move


@pytest.fixture
def research(clock):
    """Three open research calls (1, 2 and 3 hours left), and a prototype call closing in
    5 minutes that the research filter leaves out."""
    rows = [
        OpportunityFactory(
            vehicle=Opportunity.Vehicle.OTA_RESEARCH,
            reference_number=f"R{hours}",
            response_deadline=clock.start + timedelta(hours=hours),
        )
        for hours in (1, 2, 3)
    ]
    OpportunityFactory(
        vehicle=Opportunity.Vehicle.OTA_PROTOTYPE,
        reference_number="P",
        response_deadline=clock.start + timedelta(minutes=5),
    )
    return rows


def heading(client, url, monkeypatch, **params):
    """The count heading of a one-row page (so that the count is needed), and how many
    counting queries the request made."""
    monkeypatch.setattr("apps.opportunities.views.PAGE_SIZE", 1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    counting = sum("COUNT(" in q["sql"] for q in queries.captured_queries)
    title = response.content.decode().split('id="results-title"', 1)[1].split("</h2>", 1)[0]
    return title.split(">", 1)[1].strip(), counting


def test_the_count_is_kept_past_a_deadline_it_does_not_count(client, research, clock, monkeypatch):
    assert heading(client, LIST, monkeypatch, vehicle="ota_research") == ("3 opportunities", 1)
    clock(minutes=10)  # the prototype call has closed: not one of these
    assert heading(client, LIST, monkeypatch, vehicle="ota_research") == ("3 opportunities", 0)


def test_the_count_is_read_again_when_one_of_its_rows_closes(client, research, clock, monkeypatch):
    assert heading(client, LIST, monkeypatch, vehicle="ota_research")[0] == "3 opportunities"
    clock(hours=1, seconds=1)
    assert heading(client, LIST, monkeypatch, vehicle="ota_research") == ("2 opportunities", 1)
    clock(hours=2, seconds=1)
    # One row left: the first page holds the whole list, counted without a count.
    assert heading(client, LIST, monkeypatch, vehicle="ota_research") == ("1 opportunity", 0)


def test_a_capped_count_holds_until_a_row_it_counted_closes(client, clock, monkeypatch):
    """The count stops at its cap (floor 3 here): it is read from the rows that close
    last, so it reads "more than 3" for as long as more than three remain, however many
    of the earlier ones close meanwhile."""
    from apps.core import pagination

    monkeypatch.setattr(
        pagination.CappedPaginator.__init__,
        "__kwdefaults__",
        {**pagination.CappedPaginator.__init__.__kwdefaults__, "floor": 3, "lookahead": 0},
    )
    for hours in range(1, 7):
        OpportunityFactory(response_deadline=clock.start + timedelta(hours=hours))
    assert heading(client, LIST, monkeypatch) == ("More than 3 opportunities", 1)
    clock(hours=2, seconds=1)  # 4 left: still more than 3, and not counted again
    assert heading(client, LIST, monkeypatch) == ("More than 3 opportunities", 0)
    clock(hours=3, seconds=1)  # one of the 4 latest (3 h) has closed: 3 left
    assert heading(client, LIST, monkeypatch) == ("3 opportunities", 1)


def test_closed_ones_are_not_counted_again_when_a_deadline_passes(client, clock, monkeypatch):
    for n in range(3):
        OpportunityFactory(status=Opportunity.Status.CLOSED, reference_number=f"C{n}")
    OpportunityFactory(response_deadline=clock.start + timedelta(minutes=5))
    assert heading(client, LIST, monkeypatch, status="closed") == ("3 opportunities", 1)
    clock(minutes=10)
    assert heading(client, LIST, monkeypatch, status="closed") == ("3 opportunities", 0)
    # "Open and past" keeps the one that closed: nothing leaves it with the clock either.
    assert heading(client, LIST, monkeypatch, status="any")[0] == "4 opportunities"


def test_the_api_count_follows_the_same_clock(client, research, clock):
    def count():
        data = client.get(API, {"vehicle": "ota_research", "page_size": 1}).json()
        return data["count"], data["count_is_capped"]

    assert count() == (3, False)
    clock(minutes=10)
    assert count() == (3, False)
    clock(hours=1, seconds=1)
    assert count() == (2, False)


def test_a_kept_count_of_a_keyword_search_reads_right_at_every_moment(client, clock, monkeypatch):
    """With keywords the capped count is read from whichever rows the search gives first
    (sorting every match would cost more than counting): it holds until the first of
    those closes, and the heading is right at every moment."""
    from apps.core import pagination

    monkeypatch.setattr(
        pagination.CappedPaginator.__init__,
        "__kwdefaults__",
        {**pagination.CappedPaginator.__init__.__kwdefaults__, "floor": 3, "lookahead": 0},
    )
    for hours in (5, 1, 6, 2, 4, 3):  # rows stored out of deadline order
        OpportunityFactory(
            title_en="Hypersonic glide body", response_deadline=clock.start + timedelta(hours=hours)
        )
    OpportunityFactory(title_en="Small satellite bus")
    expected = {0: "More than 3", 1: "More than 3", 2: "More than 3", 3: "3", 4: "2", 5: "1"}
    counted = 0
    for gone, shown in expected.items():
        clock(hours=gone, seconds=1 if gone else 0)
        title, counting = heading(client, LIST, monkeypatch, q="hypersonic")
        assert title.startswith(shown + " opportunit"), (gone, title)
        counted += counting
    assert counted < len(expected)  # kept for at least one of those moments
