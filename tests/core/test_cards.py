"""The result cards kept in the shared cache (apps/core/cards.py) and the counts kept with
them (apps/core/pagination.py): a list reads a card it has shown before instead of
rendering it, and never shows a card or a count from before a change that has committed,
nor one the clock has moved past. The page cache is off here, so every request renders
its page; signed-in users are never served stored pages anyway."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.capabilities import views as capability_views
from apps.capabilities.models import Capability
from apps.core import readahead
from apps.core.cards import rendered_cards
from apps.opportunities import services
from apps.opportunities import views as opportunity_views
from apps.opportunities.models import Opportunity
from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import attach_area_badges
from tests.capabilities.factories import CapabilityFactory
from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = "/opportunities/"
DIRECTORY = "/capabilities/"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE = False


def cards(response) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip()
        for card in re.findall(r'<li class="card result">(.*?)</li>', html, re.S)
    ]


def heading(response) -> str:
    found = re.search(r'<h2 id="results-title"[^>]*>(.*?)</h2>', response.content.decode(), re.S)
    return found.group(1).strip()


def move_clock(monkeypatch, by: timedelta) -> None:
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + by)


# --- Opportunity cards ------------------------------------------------------------------


def test_a_card_shown_before_is_read_not_rendered_again(client):
    OpportunityFactory.create_batch(3, areas=["space-technologies"])
    first = client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(LIST)
    assert cards(second) == cards(first)
    assert len(cards(second)) == 3
    assert "Space" in cards(second)[0]
    # The area badges come with the stored cards: the page no longer reads them, nor
    # what the cards show of the rows and their agencies (only the rows' keys).
    assert not any("opportunity_areas" in q["sql"] for q in queries.captured_queries)
    assert not any(reads_card_columns(q["sql"]) for q in queries.captured_queries)


def reads_card_columns(sql: str) -> bool:
    return "title_en" in sql or "name_en" in sql or "organizations_organization" in sql


def test_only_the_cards_not_kept_read_their_rows():
    """A card whose row left the list between the page's keys and its whole rows (an edit
    committing in between) is left out, not shown from nothing."""
    kept, fresh, gone = OpportunityFactory.create_batch(3)
    version = uuid.uuid4().hex  # no card from another test run
    asked = []

    def fetch(pks):
        asked.append(sorted(pks))
        return Opportunity.objects.filter(pk__in=pks).exclude(pk=gone.pk)

    def render(rows):
        return rendered_cards(
            rows,
            "opportunities/includes/card.html",
            name="opportunity",
            version=version,
            prepare=attach_area_badges,
            fetch=fetch,
        )

    keys = Opportunity.objects.order_by("pk").values_list("pk", named=True)
    render([k for k in keys if k.pk == kept.pk])
    html = render(list(keys))
    assert asked == [[kept.pk], sorted([fresh.pk, gone.pk])]  # the kept card is not read
    assert len(html) == 2
    assert kept.title_en in html[0] and fresh.title_en in html[1]


def test_an_amended_opportunity_shows_its_new_card_at_once(client):
    opportunity = OpportunityFactory(title_en="Glide body test")
    staff = MembershipFactory(organization=opportunity.organization, role="owner").user
    assert "Glide body test" in cards(client.get(LIST))[0]
    services.opportunity_update(
        opportunity=opportunity, actor=staff, reason="Clearer title", title_en="Glide body trial"
    )
    assert "Glide body trial" in cards(client.get(LIST))[0]


def test_a_renamed_agency_or_area_shows_on_every_card_at_once(client):
    agency = AgencyFactory(name_en="Space Development Office")
    OpportunityFactory.create_batch(2, organization=agency, areas=["space-technologies"])
    before = cards(client.get(LIST))
    assert all("Space Development Office" in card for card in before)

    agency.name_en = "Space Systems Office"
    agency.save()
    area = TechnologyArea.objects.get(slug="space-technologies")
    area.name_en = "Space systems and launch"
    area.save()

    after = cards(client.get(LIST))
    assert all("Space Systems Office" in card for card in after)
    assert all("Space systems and launch" in card for card in after)


def test_each_language_and_time_zone_has_its_own_cards(client):
    OpportunityFactory(
        title_en="Optical link terminal",
        title_ja="光通信端末",
        response_deadline=timezone.now() + timedelta(days=40),
    )
    assert "Optical link terminal" in cards(client.get(LIST))[0]

    client.cookies.load({"django_language": "ja"})
    assert "光通信端末" in cards(client.get(LIST))[0]

    reader = UserFactory(preferred_language="en", time_zone="America/New_York")
    client.force_login(reader)
    card = cards(client.get(LIST))[0]
    assert "Optical link terminal" in card
    assert re.search(r"\bE[SD]T\b", card), card  # the reader's own zone


def test_the_countdown_on_a_card_moves_with_the_clock(client, monkeypatch):
    OpportunityFactory(response_deadline=timezone.now() + timedelta(days=3, hours=5))
    assert "3 days left" in cards(client.get(LIST))[0]
    move_clock(monkeypatch, timedelta(days=1))
    assert "2 days left" in cards(client.get(LIST))[0]
    move_clock(monkeypatch, timedelta(days=4))  # past the deadline
    assert cards(client.get(LIST)) == []
    assert "passed" in cards(client.get(LIST + "?status=any"))[0]


# --- Counts -----------------------------------------------------------------------------


def test_the_count_follows_publishing_and_deadlines(client, monkeypatch):
    monkeypatch.setattr(opportunity_views, "PAGE_SIZE", 1)  # so that the page counts
    agency = AgencyFactory()
    OpportunityFactory.create_batch(2, organization=agency)
    OpportunityFactory(organization=agency, response_deadline=timezone.now() + timedelta(hours=2))
    assert heading(client.get(LIST)) == "3 opportunities"
    assert heading(client.get(LIST)) == "3 opportunities"  # the kept count

    OpportunityFactory(organization=agency)
    assert heading(client.get(LIST)) == "4 opportunities"

    move_clock(monkeypatch, timedelta(hours=3))  # one leaves the open ones
    assert heading(client.get(LIST)) == "3 opportunities"
    assert heading(client.get(LIST + "?status=any")) == "4 opportunities"


def test_the_api_keeps_its_count_and_follows_publishing_and_deadlines(client, monkeypatch):
    from apps.core.pagination import CappedPageNumberPagination

    monkeypatch.setattr(CappedPageNumberPagination, "page_size", 1)  # so that a page counts
    agency = AgencyFactory()
    OpportunityFactory.create_batch(2, organization=agency)
    OpportunityFactory(organization=agency, response_deadline=timezone.now() + timedelta(hours=2))
    api = "/api/v1/opportunities/?trl=5"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            data = client.get(api).json()
        counted = any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        return data["count"], counted

    assert count() == (3, True)
    assert count() == (3, False)  # kept: no counting query
    OpportunityFactory(organization=agency)
    assert count() == (4, True)
    move_clock(monkeypatch, timedelta(hours=3))  # one leaves the open ones
    assert count() == (3, True)


def test_each_viewer_gets_the_count_of_what_they_may_see(client, monkeypatch):
    monkeypatch.setattr(capability_views, "PAGE_SIZE", 1)
    firm = OrganizationFactory()
    CapabilityFactory.create_batch(2)
    CapabilityFactory(visibility=Capability.Visibility.AGENCIES)
    CapabilityFactory(organization=firm, status=Capability.Status.DRAFT, published_at=None)

    assert heading(client.get(DIRECTORY + "?trl_min=1")) == "2 capabilities"
    client.force_login(MembershipFactory(organization=AgencyFactory()).user)
    assert heading(client.get(DIRECTORY + "?trl_min=1")) == "3 capabilities"
    client.force_login(MembershipFactory(organization=firm).user)
    assert heading(client.get(DIRECTORY + "?trl_min=1")) == "3 capabilities"  # its draft

    CapabilityFactory(organization=firm)  # published: everyone's count changes at once
    client.logout()
    assert heading(client.get(DIRECTORY + "?trl_min=1")) == "3 capabilities"


class CacheReads:
    """Counts the shared cache's round trips of the reads made through
    apps.core.readahead (cards, counts, the navigation's entry), still made for real."""

    def __init__(self, real):
        self.real = real
        self.calls: list[str] = []

    def get(self, *args, **kwargs):
        self.calls.append("get")
        return self.real.get(*args, **kwargs)

    def get_many(self, *args, **kwargs):
        self.calls.append("get_many")
        return self.real.get_many(*args, **kwargs)


def test_a_list_reads_its_count_and_navigation_with_its_cards(client, monkeypatch):
    monkeypatch.setattr(opportunity_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(capability_views, "PAGE_SIZE", 2)
    OpportunityFactory.create_batch(3)
    CapabilityFactory.create_batch(3)
    reads = CacheReads(readahead.cache)
    monkeypatch.setattr(readahead, "cache", reads)
    client.force_login(MembershipFactory(organization=AgencyFactory()).user)
    for url, count in ((LIST, "3 opportunities"), (DIRECTORY, "3 capabilities")):
        client.get(url)  # cards, count and the navigation's answer kept
        reads.calls.clear()
        response = client.get(url)
        assert heading(response) == count
        assert len(cards(response)) == 2
        assert reads.calls == ["get_many"], url  # one round trip for all three


def test_what_was_read_ahead_is_handed_out_once_and_only_in_a_request(monkeypatch):
    reads = CacheReads(readahead.cache)
    monkeypatch.setattr(readahead, "cache", reads)
    readahead.cache.real.set_many({"ahead-test:card": "card", "ahead-test:count": 7})
    token = readahead._ahead.set({})  # as between Django's request signals
    try:
        found = readahead.get_many(["ahead-test:card"], ahead=["ahead-test:count", None])
        assert found == {"ahead-test:card": "card"}
        assert readahead.get("ahead-test:count") == 7
        assert readahead.get("ahead-test:gone", "default") == "default"
        assert reads.calls == ["get_many", "get"]  # only the key not read ahead
        readahead.cache.real.set("ahead-test:count", 8)
        assert readahead.get("ahead-test:count") == 8  # a second look reads again
    finally:
        readahead._ahead.reset(token)
    readahead.get_many([], ahead=["ahead-test:count"])
    reads.calls.clear()
    assert readahead.get("ahead-test:count") == 8
    assert reads.calls == ["get"]  # outside a request nothing was kept


# --- Capability cards -------------------------------------------------------------------


def test_a_capability_card_follows_its_capability_firm_and_areas(client):
    firm = OrganizationFactory(name_en="Sakura Optics")
    capability = CapabilityFactory(
        organization=firm, title_en="Laser terminal", areas=["artificial-intelligence"]
    )
    first = cards(client.get(DIRECTORY))[0]
    assert "Laser terminal" in first
    assert "Sakura Optics" in first

    capability.title_en = "Laser communication terminal"
    capability.save()
    firm.name_en = "Sakura Photonics"
    firm.save()
    capability.areas.set(TechnologyArea.objects.filter(slug="space-technologies"))

    card = cards(client.get(DIRECTORY))[0]
    assert "Laser communication terminal" in card
    assert "Sakura Photonics" in card
    space = TechnologyArea.objects.get(slug="space-technologies").name_en
    assert space in card


def test_a_capability_card_shown_before_is_read_not_rendered_again(client):
    CapabilityFactory.create_batch(3)
    first = client.get(DIRECTORY)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(DIRECTORY)
    assert cards(second) == cards(first)
    assert len(cards(second)) == 3
    assert not any("capability_areas" in q["sql"] for q in queries.captured_queries)
    assert not any(reads_card_columns(q["sql"]) for q in queries.captured_queries)
