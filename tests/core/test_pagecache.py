"""The response cache of public pages (apps/core/pagecache.py): anonymous visitors get a
stored page until what it shows changes, and never a page from before a change that has
committed; signed-in users always get their own."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.core import pagecache
from apps.opportunities import services
from apps.opportunities.models import Question
from tests.factories import MembershipFactory, OrganizationFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

LIST = "/opportunities/"


@pytest.fixture
def opportunity():
    return OpportunityFactory(title_en="Hypersonic glide body test")


@pytest.fixture
def staff(opportunity):
    return MembershipFactory(organization=opportunity.organization, role="owner").user


def stored_page_ttl() -> int:
    """Seconds the one stored list page has left, read from Redis itself."""
    if not hasattr(cache, "_cache") or not hasattr(cache._cache, "get_client"):
        pytest.skip("needs the Redis cache (REDIS_URL)")
    redis = cache._cache.get_client()
    keys = redis.keys("*page:opportunities*")
    assert len(keys) == 1
    return redis.ttl(keys[0])


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.get(pagecache.HEADER)


def test_a_second_anonymous_visit_is_served_from_the_cache(client, opportunity):
    first, state = get(client, LIST)
    assert state == "miss"
    second, state = get(client, LIST)
    assert state == "hit"
    assert second.content == first.content
    assert "Hypersonic glide body test" in second.content.decode()


def test_publishing_amending_and_closing_show_at_once(client, opportunity, staff):
    get(client, LIST)
    draft = OpportunityFactory(
        organization=opportunity.organization, title_en="Satellite bus", status="draft"
    )
    assert "Satellite bus" not in get(client, LIST)[0].content.decode()

    services.opportunity_transition(opportunity=draft, actor=staff, to="published")
    page, state = get(client, LIST)
    assert state == "miss"
    assert "Satellite bus" in page.content.decode()

    services.opportunity_update(
        opportunity=draft, actor=staff, reason="Clearer title", title_en="Small satellite bus"
    )
    assert "Small satellite bus" in get(client, LIST)[0].content.decode()
    detail = reverse("opportunities:detail", args=[draft.pk])
    assert "Small satellite bus" in get(client, detail)[0].content.decode()
    assert get(client, detail)[1] == "hit"

    services.opportunity_transition(opportunity=draft, actor=staff, to="closed")
    assert "Small satellite bus" not in get(client, LIST)[0].content.decode()
    assert (
        "Small satellite bus" not in get(client, reverse("opportunities:feed"))[0].content.decode()
    )


def test_a_change_that_rolls_back_keeps_the_cached_page_valid(client, opportunity, staff):
    get(client, LIST)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.opportunity_transition(opportunity=opportunity, actor=staff, to="closed")
        raise RuntimeError
    page, state = get(client, LIST)
    assert state == "hit"
    assert "Hypersonic glide body test" in page.content.decode()


def test_a_question_answered_in_public_shows_on_the_detail_page(client, opportunity, staff):
    url = reverse("opportunities:detail", args=[opportunity.pk])
    get(client, url)
    firm = OrganizationFactory()
    question = Question.objects.create(
        opportunity=opportunity,
        organization=firm,
        asked_by=MembershipFactory(organization=firm).user,
        text="Is a ground test enough?",
    )
    services.question_answer(
        question=question, actor=staff, answer="A ground test is enough.", is_public=True
    )
    page, state = get(client, url)
    assert state == "miss"
    assert "A ground test is enough." in page.content.decode()


def test_signed_in_users_never_get_a_stored_page(client, opportunity, staff):
    get(client, LIST)
    client.force_login(staff)
    page, state = get(client, LIST)
    assert state is None
    assert "Sign out" in page.content.decode()
    detail, state = get(client, reverse("opportunities:detail", args=[opportunity.pk]))
    assert state is None
    assert "Manage" in detail.content.decode()


def test_a_visitor_with_a_session_or_messages_is_not_served_from_the_cache(opportunity):
    get(Client(), LIST)
    for cookies in ({"sessionid": "x"}, {"messages": "x"}):
        browser = Client()
        browser.cookies.load(cookies)
        assert get(browser, LIST)[1] is None


def test_each_language_has_its_own_page(client, opportunity):
    get(client, LIST)
    client.cookies.load({"django_language": "ja"})
    page, state = get(client, LIST)
    assert state == "miss"
    assert '<html lang="ja">' in page.content.decode()


def test_a_page_is_kept_no_longer_than_until_the_next_deadline(client, opportunity):
    soon = OpportunityFactory(
        organization=opportunity.organization,
        title_en="Closing in a moment",
        response_deadline=timezone.now() + timedelta(seconds=2),
    )
    assert "Closing in a moment" in get(client, LIST)[0].content.decode()
    assert 0 < stored_page_ttl() <= 2
    assert soon.response_deadline > timezone.now()


def test_the_countdown_limits_how_long_a_page_is_kept(client, opportunity):
    OpportunityFactory(
        organization=opportunity.organization,
        response_deadline=timezone.now() + timedelta(days=3, minutes=10),
    )
    get(client, LIST)
    assert 0 < stored_page_ttl() <= 10 * 60  # "3 days left" becomes "2 days left"


def test_the_cache_can_be_switched_off(client, opportunity, settings):
    settings.PAGE_CACHE = False
    get(client, LIST)
    assert get(client, LIST)[1] is None


@pytest.mark.parametrize(
    "remaining",
    [
        timedelta(days=9, hours=5),
        timedelta(days=6, hours=23, minutes=59),
        timedelta(days=2, hours=3, minutes=7),
        timedelta(days=1, seconds=30),
        timedelta(hours=5, minutes=42),
        timedelta(minutes=12),
    ],
)
def test_the_countdown_reads_the_same_until_the_moment_the_cache_is_told(monkeypatch, remaining):
    from apps.core.templatetags import portal_tags

    now = timezone.now()
    moment = now + remaining

    def countdown_at(instant):
        monkeypatch.setattr(portal_tags.timezone, "now", lambda: instant)
        text = str(portal_tags.deadline(moment))
        return text.split("</time>", 1)[1]

    changes = portal_tags.countdown_changes_at(moment, now)
    assert now < changes <= moment
    shown = countdown_at(now)
    assert countdown_at(changes - timedelta(seconds=1)) == shown
    assert countdown_at(changes + timedelta(seconds=1)) != shown


def test_made_up_parameters_are_rendered_but_never_stored(client, opportunity):
    assert get(client, LIST + "?utm_source=x")[1] is None
    assert get(client, LIST + "?utm_source=x")[1] is None
    assert get(client, LIST + "?q=glide")[1] == "miss"
    detail = reverse("opportunities:detail", args=[opportunity.pk])
    assert get(client, detail + "?ref=mail")[1] is None


def test_each_host_has_its_own_feed(client, opportunity, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.example"]
    feed = reverse("opportunities:feed")
    get(client, feed)
    other, state = get(client.__class__(HTTP_HOST="portal.example"), feed)
    assert state == "miss"
    assert "http://portal.example/" in other.content.decode()


def test_an_area_cleared_from_its_own_side_leaves_the_filter(client):
    from apps.taxonomy.models import TechnologyArea

    OpportunityFactory(title_en="Glide body", areas=["hypersonics"])
    assert "Glide body" in get(client, LIST + "?area=hypersonics")[0].content.decode()
    TechnologyArea.objects.get(slug="hypersonics").opportunities.clear()
    assert "Glide body" not in get(client, LIST + "?area=hypersonics")[0].content.decode()


def test_the_api_list_data_is_stored_only_for_its_own_parameters(client, opportunity):
    if not hasattr(cache, "_cache") or not hasattr(cache._cache, "get_client"):
        pytest.skip("needs the Redis cache (REDIS_URL)")
    redis = cache._cache.get_client()
    assert client.get("/api/v1/opportunities/?utm_source=x").status_code == 200
    assert not redis.keys("*data:page:opportunities*")
    assert client.get("/api/v1/opportunities/?q=glide").status_code == 200
    assert len(redis.keys("*data:page:opportunities*")) == 1


def test_an_api_list_reads_the_generation_once_and_serves_what_a_change_shows(
    client, opportunity, staff
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/api/v1/opportunities/?q=glide"
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url).json()
    generation_reads = [q for q in queries.captured_queries if "contentgeneration" in q["sql"]]
    assert len(generation_reads) == 1  # the stored data and the kept count share it
    assert first["results"][0]["title_en"] == "Hypersonic glide body test"
    services.opportunity_update(
        opportunity=opportunity, actor=staff, reason="Clearer", title_en="Glide body flight"
    )
    assert client.get(url).json()["results"][0]["title_en"] == "Glide body flight"
