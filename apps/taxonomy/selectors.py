from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet

from apps.core.reference import NormalChoices, PerLanguage, VersionedMemo
from apps.taxonomy.models import TechnologyArea


def top_level_areas() -> QuerySet[TechnologyArea]:
    return TechnologyArea.objects.filter(parent__isnull=True)


# The tree changes only when an administrator edits it, and every filter form reads it:
# kept per process, rebuilt after any area is saved or deleted (apps.taxonomy.signals).
_tree = VersionedMemo("taxonomy:areas-tree")


def forget_areas_tree() -> None:
    _tree.forget()


def forget_areas_tree_after_migrate(using: str = "default") -> None:
    _tree.forget_after_migrate(using)


def areas_tree() -> list[TechnologyArea]:
    """Every area in display order: depth first, each area straight after its parent, and
    siblings by sort order then English name. One query when the tree changed, none
    otherwise (apps.core.reference); callers must not change the areas they get.

    The order is built in Python rather than by sorting on `path`, because databases
    collate "-" and "/" differently (and PostgreSQL's locales may ignore them), which
    would interleave subtrees such as "space/…" and "space-launch/…". Each area comes
    with its ancestors attached, so `full_name` costs no further query.
    """
    return _tree.get(_build_areas_tree)


def _build_areas_tree() -> list[TechnologyArea]:
    areas = list(TechnologyArea.objects.order_by("sort_order", "name_en", "pk"))
    children: dict[int | None, list[TechnologyArea]] = defaultdict(list)
    for area in areas:
        children[area.parent_id].append(area)

    ordered: list[TechnologyArea] = []

    def visit(area: TechnologyArea, ancestors: list[TechnologyArea]) -> None:
        area._prefetched_ancestors = ancestors
        ordered.append(area)
        for child in children.get(area.pk, ()):
            visit(child, [*ancestors, area])

    for root in children.get(None, ()):
        visit(root, [])
    return ordered


def area_with_descendants_ids(
    slugs_or_areas: str | TechnologyArea | Iterable[str | TechnologyArea],
) -> set[int]:
    """The ids of the given areas and of all their sub-areas at any depth, for filters
    where an area includes its sub-areas. Accepts slugs, areas, or a mix; unknown slugs
    are ignored, so the result may be empty."""
    if isinstance(slugs_or_areas, str | TechnologyArea):
        slugs_or_areas = [slugs_or_areas]
    paths: set[str] = set()
    slugs: set[str] = set()
    for item in slugs_or_areas:
        if isinstance(item, TechnologyArea):
            if item.path:  # an unsaved area has no subtree (and "" would match them all)
                paths.add(item.path)
        elif item:
            slugs.add(item)
    tree = areas_tree()
    if slugs:
        paths.update(area.path for area in tree if area.slug in slugs)
    if not paths:
        return set()
    return {area.pk for area in tree if area.path.startswith(tuple(paths))}


_choices = PerLanguage()


def area_choices() -> NormalChoices:
    """(slug, indented name) for filter drop-downs, in tree order: the same choices for
    as long as the tree and the language are the same (apps.core.reference.PerLanguage);
    callers must not change them."""
    return _choices.get(
        areas_tree(),
        lambda tree: NormalChoices((a.slug, ("— " * a.depth) + a.name) for a in tree),
    )


def attach_area_badges(rows) -> list:
    """The rows (of one model with an `areas` many-to-many) with `badge_areas` set: their
    areas in tree order, from the cached tree and one query of id pairs, so a page reads
    and builds no area row."""
    rows = list(rows)
    if not rows:
        return rows
    model = type(rows[0])
    through = model.areas.through
    owner = f"{model._meta.model_name}_id"
    position = {area.pk: (index, area) for index, area in enumerate(areas_tree())}
    pairs = through.objects.filter(**{f"{owner}__in": [row.pk for row in rows]}).values_list(
        owner, "technologyarea_id"
    )
    found: dict[int, list] = {}
    for row_id, area_id in pairs:
        if area_id in position:
            found.setdefault(row_id, []).append(position[area_id])
    for row in rows:
        row.badge_areas = [area for _, area in sorted(found.get(row.pk, ()))]
    return rows
