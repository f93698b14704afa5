import re
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from apps.taxonomy import selectors
from apps.taxonomy.models import TechnologyArea

TOP_LEVEL_SLUGS = {
    "advanced-computing",
    "advanced-conventional-weapons",
    "advanced-engineering-materials",
    "advanced-gas-turbine-engines",
    "advanced-manufacturing",
    "advanced-sensing-and-signature-management",
    "advanced-nuclear-energy",
    "artificial-intelligence",
    "autonomous-systems",
    "biotechnologies",
    "cbrn-mitigation",
    "communication-and-networking",
    "data-science-and-storage",
    "distributed-ledger",
    "energy-technologies",
    "human-machine-interfaces",
    "medical-and-public-health",
    "quantum-information-science",
    "semiconductors-and-microelectronics",
    "space-technologies",
}

# child slug -> parent slug
REQUIRED_SUB_AREAS = {
    "hypersonics": "advanced-conventional-weapons",
    "hypersonic-propulsion": "hypersonics",
    "thermal-protection-materials": "hypersonics",
    "hypersonic-guidance-navigation-and-control": "hypersonics",
    "hypersonic-test-and-evaluation": "hypersonics",
    "trusted-microelectronics": "semiconductors-and-microelectronics",
    "secure-design-and-supply-chain-assurance": "trusted-microelectronics",
    "radiation-hardened-electronics": "trusted-microelectronics",
    "advanced-packaging": "trusted-microelectronics",
    "additive-manufacturing": "advanced-manufacturing",
    "metal-additive-manufacturing": "additive-manufacturing",
    "polymer-and-composite-additive-manufacturing": "additive-manufacturing",
    "additive-manufacturing-qualification-and-inspection": "additive-manufacturing",
    "5g": "communication-and-networking",
    "open-ran": "5g",
    "private-and-tactical-5g": "5g",
    "spectrum-sharing": "5g",
    "mmwave-components": "5g",
    "unmanned-systems": "autonomous-systems",
    "unmanned-aerial-systems": "unmanned-systems",
    "unmanned-maritime-systems": "unmanned-systems",
    "unmanned-ground-vehicles": "unmanned-systems",
    "swarming-and-collaborative-autonomy": "unmanned-systems",
    "counter-uas": "unmanned-systems",
    "space-launch": "space-technologies",
    "satellites": "space-technologies",
    "space-situational-awareness": "space-technologies",
    "machine-learning": "artificial-intelligence",
    "computer-vision": "artificial-intelligence",
    "natural-language-processing": "artificial-intelligence",
    "trustworthy-ai": "artificial-intelligence",
    "edge-ai": "artificial-intelligence",
}

SLUG_FORMAT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def area(slug: str) -> TechnologyArea:
    return TechnologyArea.objects.get(slug=slug)


# The seeded taxonomy (0002_seed_areas)


@pytest.mark.django_db
def test_seeded_taxonomy_has_exactly_the_twenty_strategy_areas_at_top_level():
    slugs = list(selectors.top_level_areas().values_list("slug", flat=True))
    assert len(slugs) == 20
    assert set(slugs) == TOP_LEVEL_SLUGS


@pytest.mark.django_db
def test_top_level_areas_keep_the_strategys_order():
    names = [a.name_en for a in selectors.top_level_areas()]
    assert names[0] == "Advanced Computing"
    assert names[-1] == "Space Technologies"


@pytest.mark.django_db
def test_every_area_has_english_and_japanese_names_and_top_levels_have_descriptions():
    for technology_area in TechnologyArea.objects.all():
        assert technology_area.name_en.strip(), technology_area.slug
        assert technology_area.name_ja.strip(), technology_area.slug
        if technology_area.is_top_level:
            assert technology_area.description_en.strip(), technology_area.slug
            assert technology_area.description_ja.strip(), technology_area.slug


@pytest.mark.django_db
def test_japanese_names_are_japanese():
    expected = {
        "artificial-intelligence": "人工知能",
        "space-technologies": "宇宙技術",
        "semiconductors-and-microelectronics": "半導体・マイクロエレクトロニクス",
        "quantum-information-science": "量子情報科学",
    }
    for slug, name_ja in expected.items():
        assert area(slug).name_ja == name_ja
    for technology_area in TechnologyArea.objects.all():
        assert technology_area.name_ja != technology_area.name_en, technology_area.slug


@pytest.mark.django_db
def test_seed_migration_can_run_again_without_changing_anything():
    seed = import_module("apps.taxonomy.migrations.0002_seed_areas")
    state_apps = (
        MigrationExecutor(connection).loader.project_state(("taxonomy", "0002_seed_areas")).apps
    )
    fields = ("pk", "slug", "parent_id", "path", "depth", "sort_order", "name_en", "name_ja")
    before = sorted(TechnologyArea.objects.values_list(*fields))

    seed.seed_areas(state_apps, SimpleNamespace(connection=connection))

    assert sorted(TechnologyArea.objects.values_list(*fields)) == before


@pytest.mark.django_db
def test_slugs_are_lowercase_and_hyphenated():
    for slug in TechnologyArea.objects.values_list("slug", flat=True):
        assert SLUG_FORMAT.match(slug), slug


@pytest.mark.django_db
@pytest.mark.parametrize(("child", "parent"), sorted(REQUIRED_SUB_AREAS.items()))
def test_required_sub_area_sits_under_its_parent(child, parent):
    assert area(child).parent.slug == parent


@pytest.mark.django_db
def test_seeded_paths_and_depths_follow_the_parents():
    for technology_area in TechnologyArea.objects.select_related("parent"):
        parent = technology_area.parent
        if parent is None:
            assert technology_area.path == f"{technology_area.slug}/"
            assert technology_area.depth == 0
        else:
            assert technology_area.path == f"{parent.path}{technology_area.slug}/"
            assert technology_area.depth == parent.depth + 1


# Tree navigation


@pytest.mark.django_db
def test_get_descendants_includes_sub_sub_areas():
    weapons = area("advanced-conventional-weapons")
    slugs = set(weapons.get_descendants().values_list("slug", flat=True))
    assert {"advanced-conventional-weapons", "hypersonics", "thermal-protection-materials"} <= (
        slugs
    )
    assert "advanced-computing" not in slugs
    assert "advanced-conventional-weapons" not in set(
        weapons.get_descendants(include_self=False).values_list("slug", flat=True)
    )


@pytest.mark.django_db
def test_get_descendants_does_not_pick_up_areas_whose_slug_merely_starts_alike():
    sibling_like = TechnologyArea.objects.create(
        parent=area("space-technologies"),
        slug="satellites-services",
        name_en="Satellite Services",
        name_ja="衛星サービス",
    )
    assert sibling_like.path == "space-technologies/satellites-services/"
    assert sibling_like not in area("satellites").get_descendants()


@pytest.mark.django_db
def test_area_with_descendants_ids_includes_sub_sub_areas():
    ids = selectors.area_with_descendants_ids(["hypersonics"])
    expected = set(area("hypersonics").get_descendants().values_list("pk", flat=True))
    assert ids == expected
    assert area("hypersonic-propulsion").pk in ids
    assert area("advanced-conventional-weapons").pk not in ids

    from_top = selectors.area_with_descendants_ids([area("advanced-conventional-weapons")])
    assert area("hypersonic-test-and-evaluation").pk in from_top


@pytest.mark.django_db
def test_area_with_descendants_ids_accepts_mixed_input_and_ignores_unknown_slugs():
    ids = selectors.area_with_descendants_ids(["5g", area("space-launch"), "no-such-area"])
    assert area("open-ran").pk in ids
    assert area("space-launch").pk in ids
    assert area("satellites").pk not in ids
    assert selectors.area_with_descendants_ids("5g") == selectors.area_with_descendants_ids(["5g"])
    assert selectors.area_with_descendants_ids([]) == set()
    assert selectors.area_with_descendants_ids(["no-such-area"]) == set()


@pytest.mark.django_db
def test_full_name_joins_ancestors_and_self():
    assert area("satellites").full_name == "Space Technologies › Satellites"
    assert area("hypersonic-propulsion").full_name == (
        "Advanced Conventional Weapons Technologies › Hypersonics › "
        "Scramjet and Hypersonic Propulsion"
    )
    assert area("space-technologies").full_name == "Space Technologies"


@pytest.mark.django_db
def test_name_and_full_name_follow_the_active_language():
    satellites = area("satellites")
    with translation.override("ja"):
        assert satellites.name == "人工衛星"
        assert str(satellites) == "人工衛星"
        assert satellites.full_name == "宇宙技術 › 人工衛星"
    with translation.override("en"):
        assert satellites.name == "Satellites"
        assert str(satellites) == "Satellites"


def test_name_falls_back_to_the_other_language_when_empty():
    only_english = TechnologyArea(slug="x", name_en="Lasers", name_ja="")
    only_japanese = TechnologyArea(slug="y", name_en="", name_ja="レーザー")
    with translation.override("ja"):
        assert only_english.name == "Lasers"
    with translation.override("en"):
        assert only_japanese.name == "レーザー"


@pytest.mark.django_db
def test_areas_tree_is_one_query_with_parents_before_children(django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = selectors.areas_tree()
        full_names = [a.full_name for a in tree]  # ancestors come attached

    assert len(tree) == TechnologyArea.objects.count()
    position = {a.pk: index for index, a in enumerate(tree)}
    for technology_area in tree:
        if technology_area.parent_id is not None:
            assert position[technology_area.parent_id] < position[technology_area.pk]
    # Depth first: a subtree is contiguous, straight after its root.
    space = [a.slug for a in tree if a.path.startswith("space-technologies/")]
    start = position[area("space-technologies").pk]
    assert [a.slug for a in tree[start : start + len(space)]] == space
    assert "Space Technologies › Satellites" in full_names


# Structure is kept consistent


@pytest.mark.django_db
def test_save_computes_path_and_depth_from_the_parent():
    child = TechnologyArea(
        parent=area("satellites"), slug="cubesats", name_en="CubeSats", name_ja="キューブサット"
    )
    child.full_clean()
    child.save()
    assert child.path == "space-technologies/satellites/cubesats/"
    assert child.depth == 2


@pytest.mark.django_db
def test_moving_an_area_moves_its_sub_areas():
    hypersonics = area("hypersonics")
    hypersonics.parent = area("space-technologies")
    hypersonics.full_clean()
    hypersonics.save()

    propulsion = area("hypersonic-propulsion")
    assert propulsion.path == "space-technologies/hypersonics/hypersonic-propulsion/"
    assert propulsion.depth == 2
    assert area("hypersonic-propulsion").pk in selectors.area_with_descendants_ids(
        ["space-technologies"]
    )


@pytest.mark.django_db
def test_an_area_cannot_be_moved_under_its_own_sub_area():
    hypersonics = area("hypersonics")
    hypersonics.parent = area("thermal-protection-materials")
    with pytest.raises(ValidationError) as excinfo:
        hypersonics.full_clean()
    assert "parent" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        hypersonics.save()


@pytest.mark.django_db
def test_an_area_cannot_be_its_own_parent():
    hypersonics = area("hypersonics")
    hypersonics.parent = hypersonics
    with pytest.raises(ValidationError):
        hypersonics.full_clean()
    # The database refuses it too, whatever path the write takes.
    with pytest.raises(IntegrityError), transaction.atomic():
        TechnologyArea.objects.filter(pk=hypersonics.pk).update(parent_id=hypersonics.pk)
