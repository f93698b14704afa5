"""The area tree is kept between requests and rebuilt as soon as an area changes."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core import pagecache
from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import area_choices, areas_tree

pytestmark = pytest.mark.django_db


def test_the_tree_is_read_once_then_kept():
    areas_tree()
    with CaptureQueriesContext(connection) as queries:
        tree = areas_tree()
    # Only the versions are read (outside a request, at every look; a request reads them
    # once, with its page's content generations): no area row is read again.
    assert len(queries) == 1
    assert "technologyarea" not in queries.captured_queries[0]["sql"]
    assert areas_tree() is tree
    first = TechnologyArea.objects.filter(parent=None).order_by("sort_order", "name_en").first()
    assert tree[0].slug == first.slug


def test_a_renamed_or_added_area_shows_at_once():
    areas_tree()
    area = TechnologyArea.objects.get(slug="satellites")
    area.name_en = "Satellites and constellations"
    area.save()
    assert ("satellites", "— Satellites and constellations") in area_choices()

    TechnologyArea.objects.create(
        parent=area, slug="cubesats", name_en="CubeSats", name_ja="キューブサット"
    )
    assert "cubesats" in [a.slug for a in areas_tree()]

    TechnologyArea.objects.get(slug="cubesats").delete()
    assert "cubesats" not in [a.slug for a in areas_tree()]


def names() -> list[str]:
    return [area.name_en for area in areas_tree()]


def rename(slug: str, name: str) -> None:
    area = TechnologyArea.objects.get(slug=slug)
    area.name_en = name
    area.save()


def test_a_change_rolled_back_is_never_taken_for_a_later_one():
    """The version a rolled-back change set is never set again, so the tree built from
    that change is never taken for the tree of a later one."""
    areas_tree()
    with pytest.raises(RuntimeError), transaction.atomic():
        rename("satellites", "Rolled back")
        assert "Rolled back" in names()  # the transaction reads its own change
        raise RuntimeError
    rename("satellites", "Committed")
    assert "Committed" in names()
    assert "Rolled back" not in names()


def test_a_request_that_changes_an_area_reads_the_changed_tree_after():
    token = pagecache._request_generations.set({})  # as between Django's request signals
    try:
        areas_tree()  # the request has read the versions
        rename("satellites", "Renamed in this request")
        assert "Renamed in this request" in names()
    finally:
        pagecache._request_generations.reset(token)


def test_a_request_reads_the_versions_once():
    token = pagecache._request_generations.set({})
    try:
        areas_tree()
        with CaptureQueriesContext(connection) as queries:
            areas_tree()
            area_choices()
        assert len(queries) == 0
    finally:
        pagecache._request_generations.reset(token)
