import pytest
from django.db import connection
from django.urls import reverse

from apps.capabilities.models import Capability
from apps.core.search import uses_full_text
from apps.taxonomy.models import TechnologyArea
from tests.capabilities.factories import CapabilityFactory
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def titles(client, **params):
    return set(ordered_titles(client, **params))


@pytest.fixture
def catalogue(db):
    tokyo = OrganizationFactory(prefecture="13")
    kyoto = OrganizationFactory(prefecture="26")
    return {
        "sar": CapabilityFactory(
            organization=tokyo,
            title_en="SAR payload",
            title_ja="合成開口レーダ衛星",
            areas=["satellites"],
            trl=7,
            keywords="SAR, 小型衛星",
        ),
        "launch": CapabilityFactory(
            organization=tokyo, title_en="Small launcher", areas=["space-launch"], trl=4
        ),
        "gan": CapabilityFactory(
            organization=kyoto,
            title_en="Rad-hard GaN",
            title_ja="耐放射線パワー半導体",
            areas=["trusted-microelectronics"],
            trl=6,
            is_dual_use=False,
            civil_application_en="",
        ),
        "ai": CapabilityFactory(
            organization=kyoto,
            title_en="",
            title_ja="画像認識AI",
            summary_en="",
            summary_ja="エッジで動く画像認識",
            areas=["artificial-intelligence"],
            trl=5,
        ),
    }


def test_area_filter_includes_sub_areas(client, catalogue):
    assert titles(client, area="space-technologies") == {"SAR payload", "Small launcher"}
    assert titles(client, area="satellites") == {"SAR payload"}


def test_trl_range(client, catalogue):
    assert titles(client, trl_min=5, trl_max=6) == {"Rad-hard GaN", "画像認識AI"}


def test_prefecture_and_dual_use(client, catalogue):
    assert titles(client, prefecture="26") == {"Rad-hard GaN", "画像認識AI"}
    assert titles(client, dual_use="false") == {"Rad-hard GaN"}


def test_keyword_search_in_english_and_across_widths(client, catalogue):
    assert titles(client, q="sar") == {"SAR payload"}
    assert titles(client, q="ＳＡＲ") == {"SAR payload"}  # full-width letters


def test_japanese_words_are_found_inside_japanese_text(client, catalogue):
    assert titles(client, q="衛星") == {"SAR payload"}
    assert titles(client, q="画像認識") == {"画像認識AI"}
    assert titles(client, q="半導体") == {"Rad-hard GaN"}
    assert titles(client, q="認識") == {"画像認識AI"}


def test_one_character_japanese_query(client, catalogue):
    assert "画像認識AI" in titles(client, q="像")


def test_no_match_shows_an_empty_state(client, catalogue):
    response = client.get(reverse("capabilities:directory"), {"q": "nonexistentword"})
    assert "No capability matches these filters." in response.content.decode()


def test_invalid_filter_values_do_not_crash(client, catalogue):
    response = client.get(
        reverse("capabilities:directory"), {"trl_min": "abc", "area": "no-such-area"}
    )
    assert response.status_code == 200


def test_filters_are_kept_in_pagination_links(client, catalogue):
    for n in range(25):
        CapabilityFactory(title_en=f"Extra {n}", areas=["satellites"])
    content = client.get(reverse("capabilities:directory"), {"area": "satellites"}).content.decode()
    assert "area=satellites&amp;page=2" in content


def test_directory_query_count_does_not_grow_with_page_size(
    client, django_assert_max_num_queries, agency_staff
):
    client.force_login(agency_staff)
    for n in range(3):
        CapabilityFactory(title_en=f"Few {n}", areas=["satellites", "space-launch"])
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("capabilities:directory"))
    for n in range(17):
        CapabilityFactory(title_en=f"Many {n}", areas=["satellites", "hypersonics"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("capabilities:directory"))
    assert len(response.context["page"].object_list) == 20


def ordered_titles(client, **params):
    """The titles of the page's rows, in order (the page holds their keys)."""
    response = client.get(reverse("capabilities:directory"), params)
    assert response.status_code == 200
    pks = [row.pk for row in response.context["page"].object_list]
    found = {c.pk: c.title_en or c.title_ja for c in Capability.objects.filter(pk__in=pks)}
    return [found[pk] for pk in pks]


def test_a_keyword_search_lists_newest_first_and_older_relevance_links_still_work(
    client, catalogue
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.capabilities.models import Capability

    now = timezone.now()
    for days, title in [(30, "Old SAR mast"), (1, "New SAR buoy"), (10, "Mid SAR drone")]:
        CapabilityFactory(title_en=title, keywords="SAR")
        Capability.objects.filter(title_en=title).update(published_at=now - timedelta(days=days))
    Capability.objects.filter(title_en="SAR payload").update(published_at=now - timedelta(days=60))
    expected = ["New SAR buoy", "Mid SAR drone", "Old SAR mast", "SAR payload"]
    assert ordered_titles(client, q="sar") == expected
    # Links and saved searches made when the list offered "Relevance" give the same order.
    assert ordered_titles(client, q="sar", ordering="relevance") == expected
    assert ordered_titles(client, q="sar", ordering="trl")[-1] == "SAR payload"  # TRL 7
    # The drop-down no longer offers an order that is not one.
    content = client.get(reverse("capabilities:directory"), {"q": "sar"}).content.decode()
    assert 'value="relevance"' not in content
    assert '<option value="newest">' in content or '<option value="newest" selected>' in content


def test_an_area_filters_alone_with_keywords_and_in_every_order(client, catalogue):
    """Without keywords, newest first, the areas are matched on their own column, which
    the directory's order index carries; with keywords or another order, in the search
    vector beside the words. Either way the same rows."""
    assert titles(client, area="space-technologies") == {"SAR payload", "Small launcher"}
    assert titles(client, area="space-technologies", ordering="trl") == {
        "SAR payload",
        "Small launcher",
    }
    assert titles(client, area="space-technologies", q="sar") == {"SAR payload"}
    assert titles(client, area="space-technologies", q="GaN") == set()
    catalogue["gan"].areas.set(TechnologyArea.objects.filter(slug="satellites"))
    assert titles(client, area="satellites") == {"SAR payload", "Rad-hard GaN"}
    assert titles(client, area="trusted-microelectronics") == set()
    TechnologyArea.objects.get(slug="satellites").capabilities.clear()  # from the area's side
    assert titles(client, area="satellites") == set()
    assert titles(client, area="satellites", ordering="trl_desc") == set()


@pytest.mark.skipif(not uses_full_text(), reason="the areas' column is PostgreSQL's")
def test_the_areas_column_holds_each_capabilitys_area_lexemes(catalogue):
    def lexemes(capability):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tsvector_to_array(area_vector) FROM capabilities_capability WHERE id = %s",
                [capability.pk],
            )
            return sorted(cursor.fetchone()[0])

    sar = catalogue["sar"]
    assert lexemes(sar) == [f"area:{TechnologyArea.objects.get(slug='satellites').pk}"]
    sar.areas.set(TechnologyArea.objects.filter(slug__in=["hypersonics", "satellites"]))
    assert lexemes(sar) == sorted(f"area:{pk}" for pk in sar.areas.values_list("pk", flat=True))
