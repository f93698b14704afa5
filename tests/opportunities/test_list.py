"""The public list's filters, alone and combined, and its query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core.search import uses_full_text
from apps.opportunities.models import Opportunity
from apps.taxonomy.models import TechnologyArea
from tests.factories import AgencyFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def shown_refs(response) -> list[str]:
    """The reference numbers of the page's rows, in order (the page holds their keys)."""
    assert response.status_code == 200
    pks = [row.pk for row in response.context["page"].object_list]
    numbers = dict(Opportunity.objects.filter(pk__in=pks).values_list("pk", "reference_number"))
    return [numbers[pk] for pk in pks]


def refs(client, **params):
    return set(shown_refs(client.get(reverse("opportunities:list"), params)))


@pytest.fixture
def catalogue(db):
    now = timezone.now()
    diu = AgencyFactory(name_en="DIU")
    afrl = AgencyFactory(name_en="AFRL")
    return {
        "diu": diu,
        "afrl": afrl,
        "sar": OpportunityFactory(
            organization=diu,
            reference_number="SAR",
            title_ja="小型衛星レーダ",
            areas=["satellites"],
            trl_min=5,
            trl_max=8,
            response_deadline=now + timedelta(days=5),
            vehicle="ota_prototype",
            foreign_participation="allowed",
        ),
        "hyp": OpportunityFactory(
            organization=afrl,
            reference_number="HYP",
            title_en="Hypersonic materials",
            areas=["hypersonics"],
            trl_min=2,
            trl_max=4,
            response_deadline=now + timedelta(days=40),
            vehicle="ota_research",
        ),
        "am": OpportunityFactory(
            organization=diu,
            reference_number="AM",
            title_en="Metal printing",
            areas=["additive-manufacturing"],
            trl_min=4,
            trl_max=6,
            response_deadline=now + timedelta(days=90),
            vehicle="ota_prototype",
            foreign_participation="not_allowed",
        ),
        "closed": OpportunityFactory(
            organization=diu, reference_number="OLD", areas=["satellites"], status="closed"
        ),
        "draft": OpportunityFactory(
            organization=diu, reference_number="DRAFT", areas=["satellites"], status="draft"
        ),
    }


def test_default_shows_open_opportunities_only(client, catalogue):
    assert refs(client) == {"SAR", "HYP", "AM"}
    assert refs(client, status="any") == {"SAR", "HYP", "AM", "OLD"}
    assert refs(client, status="closed") == {"OLD"}


def test_each_filter(client, catalogue):
    assert refs(client, area="space-technologies") == {"SAR"}
    assert refs(client, area="advanced-conventional-weapons") == {"HYP"}
    assert refs(client, agency=catalogue["afrl"].pk) == {"HYP"}
    assert refs(client, trl=3) == {"HYP"}
    assert refs(client, vehicle="ota_research") == {"HYP"}
    assert refs(client, foreign_participation="not_allowed") == {"AM"}
    soon = (timezone.now() + timedelta(days=10)).date().isoformat()
    assert refs(client, deadline_before=soon) == {"SAR"}
    assert refs(client, deadline_after=soon) == {"HYP", "AM"}
    assert refs(client, q="hypersonic") == {"HYP"}
    assert refs(client, q="衛星") == {"SAR"}


def test_an_area_filters_every_status_with_or_without_keywords(client, catalogue):
    """Without keywords the areas are matched on their own column, which the list's order
    index carries; with keywords, in the search vector beside the words."""
    assert refs(client, area="satellites", status="any") == {"SAR", "OLD"}
    assert refs(client, area="satellites", status="closed") == {"OLD"}
    assert refs(client, area="satellites", q="衛星") == {"SAR"}
    assert refs(client, area="satellites", q="hypersonic") == set()
    catalogue["hyp"].areas.set(TechnologyArea.objects.filter(slug="satellites"))
    assert refs(client, area="satellites") == {"SAR", "HYP"}
    assert refs(client, area="hypersonics") == set()
    TechnologyArea.objects.get(slug="satellites").opportunities.clear()  # from the area's side
    assert refs(client, area="satellites", status="any") == set()


@pytest.mark.skipif(not uses_full_text(), reason="the areas' column is PostgreSQL's")
def test_the_areas_column_holds_each_opportunitys_area_lexemes(catalogue):
    def lexemes(opportunity):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tsvector_to_array(area_vector) FROM opportunities_opportunity "
                "WHERE id = %s",
                [opportunity.pk],
            )
            return sorted(cursor.fetchone()[0])

    sar = catalogue["sar"]
    assert lexemes(sar) == [f"area:{TechnologyArea.objects.get(slug='satellites').pk}"]
    sar.areas.set(TechnologyArea.objects.filter(slug__in=["hypersonics", "satellites"]))
    assert lexemes(sar) == sorted(f"area:{pk}" for pk in sar.areas.values_list("pk", flat=True))


def test_combined_filters(client, catalogue):
    assert refs(client, agency=catalogue["diu"].pk, vehicle="ota_prototype", trl=5) == {"SAR", "AM"}
    assert refs(client, agency=catalogue["diu"].pk, area="additive-manufacturing", trl=5) == {"AM"}
    assert refs(client, agency=catalogue["afrl"].pk, area="satellites") == set()


def test_ordering(client, catalogue):
    response = client.get(reverse("opportunities:list"), {"ordering": "deadline"})
    assert shown_refs(response) == [
        "SAR",
        "HYP",
        "AM",
    ]


def test_older_relevance_links_give_the_deadline_order(client, catalogue):
    for days in (70, 20):
        OpportunityFactory(
            reference_number=f"SAT{days}",
            title_en="Satellite bus",
            response_deadline=timezone.now() + timedelta(days=days),
        )
    params = {"q": "satellite", "ordering": "relevance"}
    response = client.get(reverse("opportunities:list"), params)
    assert shown_refs(response) == [
        "SAT20",
        "SAT70",
    ]
    assert 'value="relevance"' not in response.content.decode()  # no longer offered


def test_bad_filter_values_give_a_clear_empty_result(client, catalogue):
    response = client.get(
        reverse("opportunities:list"), {"trl": "twelve", "deadline_after": "soon"}
    )
    assert response.status_code == 200
    assert "No opportunity matches these filters." in response.content.decode()


def test_filter_state_is_in_the_url_of_feeds_and_pages(client, catalogue):
    content = client.get(reverse("opportunities:list"), {"area": "satellites"}).content.decode()
    assert "feed.atom?area=satellites" in content
    assert "calendar.ics?area=satellites" in content


def test_list_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries):
    for _ in range(2):
        OpportunityFactory(areas=["satellites", "space-launch"])
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("opportunities:list"))
    for _ in range(18):
        OpportunityFactory(areas=["satellites", "hypersonics"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("opportunities:list"))
    assert len(response.context["page"].object_list) == 20
