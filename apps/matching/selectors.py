"""Reads that match capabilities with opportunities.

Candidates are found in the database, with the technology-area tree's paths: an area
overlaps another when one is the other or lies below it, so candidates are the rows whose
area path is an ancestor of (or equal to) one of the given paths, or starts with one of
them (matches_for_opportunity() picks those areas from the taxonomy in Python and filters
on their ids). Only those candidates are loaded, as plain values, and scored in Python by
``apps.matching.scoring``. Every function here issues a fixed number of queries whatever
the number of firms, capabilities and opportunities involved.
"""

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from apps.capabilities.models import Capability
from apps.matching.scoring import (
    FULL_NAME_SEPARATOR,
    Area,
    CapabilityFacts,
    Match,
    OpportunityFacts,
    OpportunityPoints,
    ancestor_paths,
    keywords_from,
    score,
    text_tokens,
)
from apps.opportunities import permissions as opportunity_permissions
from apps.opportunities.models import Opportunity, Target
from apps.opportunities.selectors import opportunities_public
from apps.organizations.models import Organization
from apps.taxonomy.models import TechnologyArea

# A digest run calls matches_for_firms() with at most this many firms at a time: the
# firms' ids go into IN lists and their capabilities are held in memory meanwhile.
FIRM_BATCH_SIZE = 500

OPPORTUNITY_TEXT_FIELDS = (
    "title_en",
    "title_ja",
    "summary_en",
    "summary_ja",
    "description_en",
    "description_ja",
)


@dataclass(frozen=True)
class CapabilityRef:
    """The capability a match was scored on, without loading the model."""

    id: int
    title_en: str
    title_ja: str

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("ja"):
            return self.title_ja or self.title_en
        return self.title_en or self.title_ja

    def get_absolute_url(self) -> str:
        return reverse("capabilities:detail", args=[self.id])

    def __str__(self) -> str:
        return self.title


@dataclass(frozen=True)
class FirmMatch:
    """A firm matched with an opportunity: its best capability, that capability's match,
    and how many of its published capabilities match at all."""

    firm: Organization
    capability: CapabilityRef
    match: Match
    capability_count: int = 1

    @property
    def score(self) -> int:
        return self.match.score

    @property
    def reasons(self):
        return self.match.reasons


@dataclass(frozen=True)
class Recommendation:
    """An open opportunity recommended to a firm, through its best-matching capability."""

    opportunity: Opportunity
    capability: CapabilityRef
    match: Match

    @property
    def score(self) -> int:
        return self.match.score

    @property
    def reasons(self):
        return self.match.reasons


# Facts --------------------------------------------------------------------------------


def area_index() -> dict[str, Area]:
    """Every technology area by path, with its full names in both languages. One query;
    the taxonomy is small (a few dozen rows)."""
    return _taxonomy()[0]


def _taxonomy() -> tuple[dict[str, Area], dict[int, str]]:
    """area_index() and every area's path by id, in area_index()'s one query."""
    names: dict[str, tuple[str, str]] = {}
    paths: dict[int, str] = {}
    for pk, path, name_en, name_ja in TechnologyArea.objects.values_list(
        "pk", "path", "name_en", "name_ja"
    ):
        names[path] = (name_en, name_ja)
        paths[pk] = path
    index: dict[str, Area] = {}
    for path in names:
        chain = [names[prefix] for prefix in ancestor_paths(path) if prefix in names]
        index[path] = Area(
            path=path,
            full_name_en=FULL_NAME_SEPARATOR.join(en or ja for en, ja in chain),
            full_name_ja=FULL_NAME_SEPARATOR.join(ja or en for en, ja in chain),
        )
    return index, paths


def _area(areas: dict[str, Area], path: str) -> Area:
    return areas.get(path) or Area(path=path)


def capability_facts_for(
    capability: Capability, *, areas: dict[str, Area] | None = None
) -> CapabilityFacts:
    """Facts of a capability instance; its areas should be prefetched. Pass `areas`
    (from area_index()) when building many facts, to spare its query."""
    areas = area_index() if areas is None else areas
    return CapabilityFacts(
        areas=tuple(_area(areas, a.path) for a in capability.areas.all()),
        trl=capability.trl,
        keywords=keywords_from(capability.keywords),
    )


def opportunity_facts_for(
    opportunity: Opportunity, *, targeted: bool = False, areas: dict[str, Area] | None = None
) -> OpportunityFacts:
    """Facts of an opportunity instance (its areas should be prefetched), as seen by a
    firm it is targeted at or not."""
    return _opportunity_facts(
        opportunity,
        [a.path for a in opportunity.areas.all()],
        area_index() if areas is None else areas,
        targeted=targeted,
    )


def _opportunity_facts(
    opportunity, paths: Iterable[str], areas: dict[str, Area], *, targeted: bool = False
) -> OpportunityFacts:
    """From an Opportunity or a dict of its values."""

    def value(name: str):
        return opportunity[name] if isinstance(opportunity, dict) else getattr(opportunity, name)

    return OpportunityFacts(
        areas=tuple(_area(areas, path) for path in sorted(set(paths))),
        trl_min=value("trl_min"),
        trl_max=value("trl_max"),
        tokens=text_tokens(*(value(name) for name in OPPORTUNITY_TEXT_FIELDS)),
        targeted=targeted,
    )


def _overlap_q(paths: Iterable[str], field: str = "technologyarea__path") -> Q | None:
    """Rows whose area overlaps one of `paths`: one of them or an ancestor (path__in), or
    below one of them (path__startswith). None when there is no path."""
    paths = sorted(set(paths))
    if not paths:
        return None
    lookup = Q(**{f"{field}__in": sorted({a for path in paths for a in ancestor_paths(path)})})
    for path in paths:
        lookup |= Q(**{f"{field}__startswith": path})
    return lookup


def _capability_ranking(capability: CapabilityRef, match: Match) -> tuple:
    return (-match.score, capability.title_en or capability.title_ja, capability.id)


@dataclass
class _Candidate:
    """A published capability as loaded from its area rows (one row per area)."""

    ref: CapabilityRef
    firm_id: int
    firm_name: str
    trl: int
    keywords: str
    paths: set[str]

    def facts(self, areas: dict[str, Area]) -> CapabilityFacts:
        return CapabilityFacts(
            areas=tuple(_area(areas, path) for path in sorted(self.paths)),
            trl=self.trl,
            keywords=keywords_from(self.keywords),
        )


def _candidates(area_rows: QuerySet) -> dict[int, _Candidate]:
    """Capabilities from a queryset of Capability.areas.through rows: one query."""
    candidates: dict[int, _Candidate] = {}
    for (
        cap_id,
        path,
        firm_id,
        trl,
        keywords,
        title_en,
        title_ja,
        name_en,
        name_ja,
    ) in area_rows.filter(capability__status=Capability.Status.PUBLISHED).values_list(
        "capability_id",
        "technologyarea__path",
        "capability__organization_id",
        "capability__trl",
        "capability__keywords",
        "capability__title_en",
        "capability__title_ja",
        "capability__organization__name_en",
        "capability__organization__name_ja",
    ):
        candidate = candidates.get(cap_id)
        if candidate is None:
            candidate = candidates[cap_id] = _Candidate(
                ref=CapabilityRef(id=cap_id, title_en=title_en, title_ja=title_ja),
                firm_id=firm_id,
                firm_name=name_en or name_ja,
                trl=trl,
                keywords=keywords,
                paths=set(),
            )
        candidate.paths.add(path)
    return candidates


# One opportunity, every firm ------------------------------------------------------------

# The candidate rows of matches_for_opportunity(), one per capability and overlapping area.
_CANDIDATE_COLUMNS = (
    "capability_id",
    "technologyarea_id",
    "capability__organization_id",
    "capability__trl",
    "capability__keywords",
    "capability__title_en",
    "capability__title_ja",
    "capability__organization__name_en",
    "capability__organization__name_ja",
)


def matches_for_opportunity(opportunity: Opportunity, limit: int = 50) -> list[FirmMatch]:
    """Firms whose published capabilities match the opportunity, best first (score, then
    firm name, then id), each with its best capability and that capability's reasons, and
    how many of its published capabilities match.

    At most six queries, however many capabilities there are: the opportunity's areas
    (none when prefetched), the taxonomy, the candidate capabilities' overlapping areas
    with their fields, the opportunity's targeting, the firms reached through targeted
    areas (only when an area is targeted), and the `limit` firms shown.

    Candidates are ranked with OpportunityPoints, scoring in full only those that can be
    a shown firm's best (_best_capabilities); the matches shown come from
    scoring.score(), so their reasons are exactly those of the capability's facts.
    """
    opportunity_paths = {area.path for area in opportunity.areas.all()}
    if not opportunity_paths:
        return []
    areas, paths_by_id = _taxonomy()
    seen = _opportunity_facts(opportunity, opportunity_paths, areas)
    points = OpportunityPoints(seen)
    overlapping = sorted(pk for pk, path in paths_by_id.items() if points.area(path))
    if not overlapping:
        return []

    # By capability id: its first row, and the paths of its overlapping areas (one shared
    # tuple per area for the many capabilities in one area: no object per candidate).
    rows: dict[int, tuple] = {}
    paths: dict[int, tuple[str, ...]] = {}
    alone = {pk: (paths_by_id[pk],) for pk in overlapping}
    for row in (
        Capability.areas.through.objects.filter(
            technologyarea_id__in=overlapping, capability__status=Capability.Status.PUBLISHED
        )
        .order_by()
        .values_list(*_CANDIDATE_COLUMNS)
    ):
        cap_id, area_id = row[0], row[1]
        if cap_id in rows:
            paths[cap_id] += alone[area_id]
        else:
            rows[cap_id] = row
            paths[cap_id] = alone[area_id]
    if not rows:
        return []
    targeted_firms = _firms_reached(opportunity, Q(technologyarea_id__in=overlapping))
    best = _best_capabilities(rows, paths, points, targeted_firms, limit)

    shown = [(rows[cap_id], count) for cap_id, count in best]
    firms = Organization.objects.in_bulk([firm_id for (_, _, firm_id, *_), _count in shown])
    seen_targeted = replace(seen, targeted=True)
    matches = []
    for (cap_id, _, firm_id, trl, keywords, title_en, title_ja, _, _), count in shown:
        if firm_id not in firms:
            continue
        facts = CapabilityFacts(
            areas=tuple(_area(areas, path) for path in sorted(paths[cap_id])),
            trl=trl,
            keywords=keywords_from(keywords),
        )
        matches.append(
            FirmMatch(
                firm=firms[firm_id],
                capability=CapabilityRef(id=cap_id, title_en=title_en, title_ja=title_ja),
                match=score(facts, seen_targeted if firm_id in targeted_firms else seen),
                capability_count=count,
            )
        )
    return matches


def _best_capabilities(
    rows: dict[int, tuple],
    paths: dict[int, tuple[str, ...]],
    points: OpportunityPoints,
    targeted_firms: set[int],
    limit: int,
) -> list[tuple[int, int]]:
    """The best capability of each of the `limit` best firms, best first, as (capability
    id, the firm's number of candidates); `rows` and `paths` hold the candidates by
    capability id (their first row of _CANDIDATE_COLUMNS, the paths of their overlapping
    areas). Every candidate shares an area with the opportunity, so every one counts.

    The result is that of scoring every candidate in full and ranking the firms by
    (-score, firm name, firm id), a firm's capabilities by (-score, title, id) as
    _capability_ranking() does. Scoring in full means tokenising keywords, the costly
    part, so each candidate c is first bounded without it:

        floor(c) = OpportunityPoints.base(...) <= score(c)
                 <= floor(c) + OpportunityPoints.keyword_bound(...) = ceiling(c)

    A firm is known to reach the best floor of its candidates, or the best full score of
    those scored so far if higher. Rank the firms by (-known, name, id) and call K the
    `limit`-th key: at least `limit` firms rank at K or better by their true scores, so
    every firm shown does. If c is the best capability of a firm shown, then
    (-ceiling(c), name, id) <= (-score(c), name, id) <= K.

    So candidates are scored in full from the highest ceiling down, skipping any beyond K
    by its ceiling, and K is tightened by the full scores as they come; the walk ends at
    the first ceiling below K's score. The candidates scored include the best capability
    of every firm shown (and, for every firm that sets K, one as good as it is known to
    be), so ranking the firms by them alone gives the same firms, in the same order, with
    the same best capabilities. Ties fall to names and ids as in the full ranking: nothing
    is cut at a score alone.
    """
    floors: dict[int, int] = {}
    counts: dict[int, int] = defaultdict(int)
    known: dict[int, int] = {}  # firm id -> a score it reaches for sure
    firm_names: dict[int, str] = {}
    for cap_id, (_, _, firm_id, trl, _, _, _, name_en, name_ja) in rows.items():
        floor = points.base(paths[cap_id], trl, targeted=firm_id in targeted_firms)
        if floor is None:
            continue
        floors[cap_id] = floor
        counts[firm_id] += 1
        if floor > known.get(firm_id, -1):
            known[firm_id] = floor
        firm_names[firm_id] = name_en or name_ja

    best: dict[int, tuple] = {}  # firm id -> (-score, title, id) of its best scored capability

    def score_in_full(cap_id: int) -> int:
        _, _, firm_id, _, keywords, title_en, title_ja, _, _ = rows[cap_id]
        full = floors[cap_id] + points.keywords(keywords)
        ranking = (-full, title_en or title_ja, cap_id)
        if firm_id not in best or ranking < best[firm_id]:
            best[firm_id] = ranking
        return full

    if 0 < limit < len(known):

        def firm_key(firm_id: int) -> tuple:
            return (-known[firm_id], firm_names[firm_id], firm_id)

        top = heapq.nsmallest(limit, map(firm_key, known))  # the `limit` best keys: K last
        by_ceiling: dict[int, list[int]] = defaultdict(list)
        for cap_id, floor in floors.items():
            # keyword_bound() only for the candidates that could reach K with any keywords
            if floor + OpportunityPoints.MAX_KEYWORD_POINTS >= -top[-1][0]:
                _, _, _, _, keywords, _, _, _, _ = rows[cap_id]
                by_ceiling[floor + points.keyword_bound(keywords)].append(cap_id)
        for ceiling in sorted(by_ceiling, reverse=True):
            bar = top[-1]
            if ceiling < -bar[0]:
                break
            improved: set[int] = set()
            for cap_id in by_ceiling[ceiling]:
                _, _, firm_id, _, _, _, _, _, _ = rows[cap_id]
                if (-ceiling, firm_names[firm_id], firm_id) > bar:
                    continue
                full = score_in_full(cap_id)
                if full > known[firm_id]:
                    known[firm_id] = full
                    improved.add(firm_id)
            if improved:
                keys = {key[2]: key for key in top}
                keys.update((firm_id, firm_key(firm_id)) for firm_id in improved)
                top = heapq.nsmallest(limit, keys.values())
    else:
        for cap_id in floors:
            score_in_full(cap_id)

    ranked = sorted(best, key=lambda pk: (best[pk][0], firm_names[pk], pk))[:limit]
    return [(best[pk][2], counts[pk]) for pk in ranked]


def _firms_reached(opportunity: Opportunity, overlap: Q) -> set[int]:
    """Firms the opportunity is targeted at, directly or through an area that is (an
    ancestor of) an area of one of their published capabilities (as
    opportunities.selectors.targets_reaching), among the candidate firms: those with a
    published capability in an area that `overlap` (on Capability.areas.through) selects."""
    reached: set[int] = set()
    area_paths: set[str] = set()
    for firm_id, area_path in (
        Target.objects.filter(opportunity=opportunity)
        .order_by()
        .values_list("firm_id", "area__path")
    ):
        if firm_id:
            reached.add(firm_id)
        elif area_path:
            area_paths.add(area_path)
    if area_paths:
        under_targeted_areas = Q()
        for path in sorted(area_paths):
            under_targeted_areas |= Q(technologyarea__path__startswith=path)
        candidate_firms = (
            Capability.areas.through.objects.filter(capability__status=Capability.Status.PUBLISHED)
            .filter(overlap)
            .values("capability__organization_id")
        )
        reached.update(
            Capability.areas.through.objects.filter(
                under_targeted_areas,
                capability__status=Capability.Status.PUBLISHED,
                capability__organization_id__in=candidate_firms,
            )
            .values_list("capability__organization_id", flat=True)
            .distinct()
        )
    return reached


# Firms × opportunities ------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    capability: CapabilityRef
    match: Match


def _best_pairs(
    firm_ids: Iterable[int], opportunity_ids
) -> tuple[dict[tuple[int, int], _Pair], dict[int, dict]]:
    """The best match of each (firm, opportunity) pair that matches at all, and the
    matched opportunities' rows. `opportunity_ids` is anything `pk__in` accepts: a list
    of ids or a queryset (then a subquery). Five queries at most."""
    firm_ids = sorted(set(firm_ids))
    if not firm_ids:
        return {}, {}

    capabilities = _candidates(
        Capability.areas.through.objects.filter(capability__organization_id__in=firm_ids)
    )
    firm_paths: dict[int, set[str]] = defaultdict(set)
    for candidate in capabilities.values():
        firm_paths[candidate.firm_id] |= candidate.paths
    all_paths = set().union(*firm_paths.values()) if firm_paths else set()
    overlap = _overlap_q(all_paths)
    if overlap is None:
        return {}, {}

    opportunity_paths: dict[int, set[str]] = defaultdict(set)
    for opportunity_id, path in (
        Opportunity.areas.through.objects.filter(opportunity_id__in=opportunity_ids)
        .filter(overlap)
        .values_list("opportunity_id", "technologyarea__path")
    ):
        opportunity_paths[opportunity_id].add(path)
    if not opportunity_paths:
        return {}, {}
    candidate_ids = sorted(opportunity_paths)
    opportunities = {
        row["id"]: row
        for row in Opportunity.objects.filter(pk__in=candidate_ids)
        .order_by()
        .values("id", "trl_min", "trl_max", "response_deadline", *OPPORTUNITY_TEXT_FIELDS)
    }

    # Targeting, with the semantics of opportunities.selectors.targets_reaching() but for
    # every firm at once: a firm directly, or an area at or above one of its areas.
    reach_paths = {firm_id: _ancestors_of(paths) for firm_id, paths in firm_paths.items()}
    direct: dict[int, set[int]] = defaultdict(set)
    by_area: dict[int, set[str]] = defaultdict(set)
    for opportunity_id, firm_id, area_path in (
        Target.objects.filter(
            Q(firm_id__in=firm_ids) | Q(area__path__in=sorted(_ancestors_of(all_paths))),
            opportunity_id__in=candidate_ids,
        )
        .order_by()
        .values_list("opportunity_id", "firm_id", "area__path")
    ):
        if firm_id:
            direct[opportunity_id].add(firm_id)
        elif area_path:
            by_area[opportunity_id].add(area_path)

    def is_targeted(firm_id: int, opportunity_id: int) -> bool:
        return firm_id in direct[opportunity_id] or bool(
            by_area[opportunity_id] & reach_paths.get(firm_id, set())
        )

    areas = area_index()
    seen: dict[tuple[int, bool], OpportunityFacts] = {}
    for opportunity_id, row in opportunities.items():
        facts = _opportunity_facts(row, opportunity_paths[opportunity_id], areas)
        seen[opportunity_id, False] = facts
        seen[opportunity_id, True] = replace(facts, targeted=True)

    # Opportunities by the paths of their areas and of those areas' ancestors, so that a
    # capability meets only the opportunities it overlaps.
    at: dict[str, set[int]] = defaultdict(set)
    at_or_below: dict[str, set[int]] = defaultdict(set)
    for opportunity_id in opportunities:
        for path in opportunity_paths[opportunity_id]:
            at[path].add(opportunity_id)
            for prefix in ancestor_paths(path):
                at_or_below[prefix].add(opportunity_id)

    best: dict[tuple[int, int], _Pair] = {}
    for cap_id in sorted(capabilities):
        candidate = capabilities[cap_id]
        firm_id = candidate.firm_id
        facts = candidate.facts(areas)
        overlapping: set[int] = set()
        for path in candidate.paths:
            overlapping |= at_or_below.get(path, set())
            for prefix in ancestor_paths(path, include_self=False):
                overlapping |= at.get(prefix, set())
        for opportunity_id in sorted(overlapping):
            match = score(facts, seen[opportunity_id, is_targeted(firm_id, opportunity_id)])
            if match is None:
                continue
            key = (firm_id, opportunity_id)
            current = best.get(key)
            if current is None or _capability_ranking(candidate.ref, match) < _capability_ranking(
                current.capability, current.match
            ):
                best[key] = _Pair(capability=candidate.ref, match=match)
    return best, opportunities


def _ancestors_of(paths: Iterable[str]) -> set[str]:
    return {prefix for path in paths for prefix in ancestor_paths(path)}


def matches_for_firms(firm_ids: Iterable[int], opportunity_ids) -> dict[tuple[int, int], Match]:
    """{(firm_id, opportunity_id): Match} for every pair that matches (each firm at its
    best published capability), in five queries at most however many firms and
    opportunities. `opportunity_ids` is a list of ids or a queryset of opportunities.

    For many recipients, call it FIRM_BATCH_SIZE firms at a time (matches_in_batches).
    Opportunities are scored as given: choosing them (published, in the period) is the
    caller's business."""
    best, _rows = _best_pairs(firm_ids, opportunity_ids)
    return {key: pair.match for key, pair in best.items()}


def matches_in_batches(
    firm_ids: Iterable[int], opportunity_ids, batch_size: int = FIRM_BATCH_SIZE
) -> Iterator[dict[tuple[int, int], Match]]:
    """matches_for_firms() over `batch_size` firms at a time (e.g. a digest for 10,000
    recipients' firms: 20 batches of five queries each). Pass a list of opportunity ids,
    not a queryset, so it is not re-evaluated for every batch."""
    firm_ids = sorted(set(firm_ids))
    for start in range(0, len(firm_ids), batch_size):
        yield matches_for_firms(firm_ids[start : start + batch_size], opportunity_ids)


# Recommendations ------------------------------------------------------------------------


def open_opportunities() -> QuerySet[Opportunity]:
    """Published opportunities still taking responses."""
    return opportunities_public().filter(
        status=Opportunity.Status.PUBLISHED, response_deadline__gt=timezone.now()
    )


def recommendations_for_firms(
    firm_ids: Iterable[int], limit: int = 10
) -> dict[int, list[Recommendation]]:
    """For each firm, the open opportunities its published capabilities match, best first
    (score, then the soonest deadline, then id), at most `limit`. Seven queries."""
    firm_ids = sorted(set(firm_ids))
    best, rows = _best_pairs(firm_ids, open_opportunities().values("pk"))
    ranked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for firm_id, opportunity_id in best:
        ranked[firm_id].append((firm_id, opportunity_id))
    for keys in ranked.values():
        keys.sort(key=lambda k: (-best[k].match.score, rows[k[1]]["response_deadline"], k[1]))
        del keys[limit:]
    wanted = sorted({opportunity_id for keys in ranked.values() for _f, opportunity_id in keys})
    opportunities = (
        {o.pk: o for o in opportunities_public().filter(pk__in=wanted)} if wanted else {}
    )
    return {
        firm_id: [
            Recommendation(
                opportunity=opportunities[key[1]],
                capability=best[key].capability,
                match=best[key].match,
            )
            for key in ranked.get(firm_id, [])
            if key[1] in opportunities
        ]
        for firm_id in firm_ids
    }


def recommendations_for_firm(firm: Organization, limit: int = 10) -> list[Recommendation]:
    return recommendations_for_firms([firm.pk], limit=limit)[firm.pk]


def recommendations_for_user(user, limit: int = 10) -> list[dict]:
    """For each firm of the user: {"firm": ..., "recommended": [Recommendation, ...]}, in
    the order of opportunities.selectors.firm_dashboard(). A fixed number of queries
    whatever the number of firms."""
    firms = opportunity_permissions.firms_of(user)
    if not firms:
        return []
    recommended = recommendations_for_firms([firm.pk for firm in firms], limit=limit)
    return [{"firm": firm, "recommended": recommended.get(firm.pk, [])} for firm in firms]
