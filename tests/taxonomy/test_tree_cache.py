"""The area tree is kept between requests and rebuilt as soon as an area changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.taxonomy.models import TechnologyArea
from apps.taxonomy.selectors import area_choices, areas_tree

pytestmark = pytest.mark.django_db


def test_the_tree_is_read_once_then_kept():
    areas_tree()
    with CaptureQueriesContext(connection) as queries:
        tree = areas_tree()
    assert len(queries) == 0
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
