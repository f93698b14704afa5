from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from apps.taxonomy.models import TechnologyArea


def top_level_areas() -> QuerySet[TechnologyArea]:
    return TechnologyArea.objects.filter(parent__isnull=True)


def areas_tree() -> list[TechnologyArea]:
    """Every area in display order: depth first, each area straight after its parent, and
    siblings by sort order then English name. One query.

    The order is built in Python rather than by sorting on `path`, because databases
    collate "-" and "/" differently (and PostgreSQL's locales may ignore them), which
    would interleave subtrees such as "space/…" and "space-launch/…". Each area comes
    with its ancestors attached, so `full_name` costs no further query.
    """
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
    if slugs:
        paths.update(TechnologyArea.objects.filter(slug__in=slugs).values_list("path", flat=True))
    if not paths:
        return set()
    subtrees = Q()
    for path in paths:
        subtrees |= Q(path__startswith=path)
    return set(TechnologyArea.objects.filter(subtrees).values_list("pk", flat=True))


def area_choices() -> list[tuple[str, str]]:
    """(slug, indented name) for filter drop-downs, in tree order."""
    return [(area.slug, ("— " * area.depth) + area.name) for area in areas_tree()]
