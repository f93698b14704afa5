"""What a block of deliveries says: their items, decided and recorded together.

`record_items()` takes up to a block of claimed deliveries (services.BLOCK_SIZE) and
returns the items of each, in a fixed number of queries whatever the block's size: the
opportunities that are new to any of them are read once, and the recipients'
subscriptions, areas, firms, matches, saved searches and follows are each read with one
query for the whole block (saved searches: one query per distinct search). Each
recipient's choice is then made in Python over those rows, with exactly the rules of a
digest:

- new: opportunities published or amended since the recipient's last digest (a first
  digest looks back a week), still published and open at `as_of`, in the recipient's
  areas (their subscription's, else their firm's published capabilities', sub-areas
  included) with the match reasons, or among the new results of a saved search;
- deadline: opportunities they follow whose deadline falls in the next 7 days.

Items are recorded once (unique per recipient, opportunity and period); a delivery
claimed again after a crash finds its items and says the same thing.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Exists, Max, OuterRef, Q
from django.http import QueryDict
from django.utils import translation

from apps.capabilities import services as capability_services
from apps.capabilities.models import Capability, Exposure
from apps.core.bulk import bulk_set
from apps.notifications import periods
from apps.notifications.models import Delivery, DeliveryItem, SavedSearch, Subscription
from apps.opportunities.filters import filtered_opportunities
from apps.opportunities.models import Amendment, Follow, Opportunity
from apps.opportunities.selectors import opportunities_public
from apps.organizations.models import Membership
from apps.taxonomy.selectors import areas_tree

DEADLINE_WINDOW = timedelta(days=7)


@dataclass(slots=True)
class Item:
    """One line of an e-mail: a DeliveryItem's content, light enough to build by the
    tens of thousands per block."""

    delivery_id: int
    recipient_id: int
    period: str
    opportunity: Opportunity
    section: str = "new"
    reasons: list[str] = field(default_factory=list)

    @property
    def opportunity_id(self) -> int:
        return self.opportunity.pk


def record_items(deliveries: list[Delivery]) -> dict[int, list[Item]]:
    """{delivery id: its items, in the order the e-mail lists them}. Call it in a
    transaction, with the deliveries claimed."""
    by_delivery: dict[int, list[Item]] = {d.pk: [] for d in deliveries}
    if not deliveries:
        return by_delivery
    existing = (
        DeliveryItem.objects.filter(delivery__in=deliveries)
        .select_related("opportunity", "opportunity__organization")
        .order_by("pk")
    )
    for row in existing:
        by_delivery[row.delivery_id].append(
            Item(
                row.delivery_id,
                row.recipient_id,
                row.period,
                row.opportunity,
                row.section,
                row.reasons,
            )
        )
    todo = [d for d in deliveries if not by_delivery[d.pk]]
    new_items = _alert_items([d for d in todo if d.kind == Delivery.Kind.ALERT])
    new_items += _digest_items([d for d in todo if d.kind == Delivery.Kind.DIGEST])
    _insert(new_items)
    for item in new_items:
        by_delivery[item.delivery_id].append(item)
    return by_delivery


def _insert(items: list[Item]) -> None:
    """Records the items; a block's tens of thousands in one statement. On PostgreSQL the
    rows go as six arrays (unnest), which costs a fraction of building as many model
    instances for bulk_create; elsewhere bulk_create does it."""
    if not items:
        return
    if connection.vendor != "postgresql":
        DeliveryItem.objects.bulk_create(
            [
                DeliveryItem(
                    delivery_id=i.delivery_id,
                    recipient_id=i.recipient_id,
                    opportunity=i.opportunity,
                    period=i.period,
                    section=i.section,
                    reasons=i.reasons,
                )
                for i in items
            ],
            ignore_conflicts=True,
        )
        return
    meta = DeliveryItem._meta
    columns = [
        meta.get_field(name).column
        for name in ("delivery", "recipient", "opportunity", "period", "section", "reasons")
    ]
    reasons_json: dict[int, str] = {}  # many items share one list of reasons

    def encoded(reasons: list[str]) -> str:
        key = id(reasons)
        if key not in reasons_json:
            reasons_json[key] = json.dumps(reasons, ensure_ascii=False)
        return reasons_json[key]

    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "  # noqa: S608 — names from the model
        f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        "SELECT d, r, o, p, s, j::jsonb FROM unnest("
        "%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[]"
        ") AS t(d, r, o, p, s, j) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                [i.delivery_id for i in items],
                [i.recipient_id for i in items],
                [i.opportunity.pk for i in items],
                [i.period for i in items],
                [i.section for i in items],
                [encoded(i.reasons) for i in items],
            ],
        )


def _alert_items(deliveries: list[Delivery]) -> list[Item]:
    if not deliveries:
        return []
    wanted = {d.payload.get("opportunity_id") for d in deliveries}
    opportunities = {o.pk: o for o in opportunities_public().filter(pk__in=wanted - {None})}
    return [
        Item(
            delivery.pk,
            delivery.recipient_id,
            delivery.period,
            opportunities[delivery.payload["opportunity_id"]],
            delivery.payload.get("reason", "alert"),
            [delivery.payload.get("text", "")],
        )
        for delivery in deliveries
        if delivery.payload.get("opportunity_id") in opportunities
    ]


# --- Digests ----------------------------------------------------------------------------


@dataclass
class _Fresh:
    """The opportunities new to at least one delivery of the block (soonest deadline
    first), with what is needed to tell, per delivery, whether each is new to it."""

    opportunities: list[Opportunity]
    amended_at: dict[int, list[datetime]]
    area_ids: dict[int, frozenset[int]]
    _by_window: dict[tuple, list[Opportunity]] = field(default_factory=dict)

    def for_delivery(self, delivery: Delivery) -> list[Opportunity]:
        """Published or amended in (since, as_of] and open at as_of. Deliveries of one
        run share their window, so each window is worked out once."""
        since, as_of = delivery.since, delivery.as_of
        if (since, as_of) not in self._by_window:
            self._by_window[since, as_of] = [
                o
                for o in self.opportunities
                if o.response_deadline > as_of
                and (
                    (o.published_at and since < o.published_at <= as_of)
                    or any(since < at <= as_of for at in self.amended_at.get(o.pk, ()))
                )
            ]
        return self._by_window[since, as_of]


def _digest_items(deliveries: list[Delivery]) -> list[Item]:
    """Recipients who share a window, areas, firms and language share the work too: the
    choice and the reasons are cached by what they depend on."""
    if not deliveries:
        return []
    user_ids = {d.recipient_id for d in deliveries}
    _set_since(deliveries)
    subscriptions = {
        s.user_id: s
        for s in Subscription.objects.filter(user_id__in=user_ids).prefetch_related("areas")
    }
    areas_of = _recipient_areas(user_ids, subscriptions)
    fresh = _fresh_opportunities(deliveries)
    firms_of = _firms_of(user_ids)
    matches = _best_matches(fresh, areas_of, firms_of)
    search_hits = _saved_search_hits(user_ids, fresh)
    followed = _followed_deadlines(deliveries, subscriptions)

    in_areas: dict[tuple, list[Opportunity]] = {}
    explained: dict[tuple, list[str]] = {}
    items: list[Item] = []
    matched_firms: dict[date, list[tuple[int, None]]] = defaultdict(list)
    for delivery in deliveries:
        user = delivery.recipient
        language = user.preferred_language or "en"
        area_ids = areas_of.get(user.pk, frozenset())
        firms = firms_of.get(user.pk, ())
        window = fresh.for_delivery(delivery)
        key = (delivery.since, delivery.as_of, area_ids)
        if key not in in_areas:
            in_areas[key] = [o for o in window if fresh.area_ids[o.pk] & area_ids]
        reasons: dict[int, list[str]] = {}
        for opportunity in in_areas[key]:
            found = matches.get(firms, {}).get(opportunity.pk)
            why = (language, firms, area_ids, opportunity.pk)
            if why not in explained:
                with translation.override(language):
                    if found is not None:
                        explained[why] = [found[1].render()]
                    else:
                        names = [a.name for a in opportunity.areas.all() if a.pk in area_ids]
                        explained[why] = [", ".join(names)]
            reasons[opportunity.pk] = explained[why]
            if found is not None:  # listed for the match of that firm's capabilities
                matched_firms[delivery.as_of.astimezone(UTC).date()].append((found[0], None))
        searches = search_hits.get(user.pk, [])
        for name, hits in searches:
            for opportunity in window:
                if opportunity.id in hits:
                    reasons[opportunity.id] = [*reasons.get(opportunity.id, []), f"“{name}”"]
        chosen = window if searches else in_areas[key]  # either way, soonest deadline first
        items += [
            Item(delivery.pk, user.pk, delivery.period, o, "new", reasons[o.id])
            for o in chosen
            if o.id in reasons
        ]
        items += [
            Item(delivery.pk, user.pk, delivery.period, o, "deadline", [])
            for o in followed.get(user.pk, [])
            if delivery.as_of < o.response_deadline <= delivery.as_of + DEADLINE_WINDOW
            and o.pk not in reasons
        ]
    for day, hits in matched_firms.items():
        capability_services.exposures_record(kind=Exposure.Kind.DIGEST, hits=hits, day=day)
    return items


def _set_since(deliveries: list[Delivery]) -> None:
    """Each digest covers what changed since the recipient's previous digest (sent, or
    found with nothing new); a first digest catches up on the last week. One query per
    distinct `as_of` in the block (normally one), and one to record `since`."""
    by_as_of: dict[datetime, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_as_of[delivery.as_of].append(delivery)
    for as_of, group in by_as_of.items():
        previous = dict(
            Delivery.objects.filter(
                recipient_id__in={d.recipient_id for d in group},
                kind=Delivery.Kind.DIGEST,
                status__in=[Delivery.Status.SENT, Delivery.Status.EMPTY],
                as_of__lt=as_of,
            )
            .values("recipient_id")
            .annotate(last=Max("as_of"))
            .values_list("recipient_id", "last")
        )
        for delivery in group:
            delivery.since = previous.get(delivery.recipient_id) or (
                as_of - periods.default_window("weekly")
            )
    bulk_set(Delivery, deliveries, ["since"])


def _recipient_areas(user_ids, subscriptions) -> dict[int, frozenset[int]]:
    """{user id: the ids of the areas their digest follows, sub-areas included}: those
    chosen in their subscription, else those of their firms' published capabilities."""
    tree = areas_tree()
    paths = {area.pk: area.path for area in tree}

    subtrees: dict[frozenset[int], frozenset[int]] = {}

    def with_descendants(area_ids: Iterable[int]) -> frozenset[int]:
        chosen = frozenset(area_ids)
        if chosen not in subtrees:
            prefixes = tuple(paths[pk] for pk in chosen if paths.get(pk))
            subtrees[chosen] = frozenset(
                area.pk for area in tree if prefixes and area.path.startswith(prefixes)
            )
        return subtrees[chosen]

    result: dict[int, frozenset[int]] = {}
    by_firm_areas = []
    for user_id in user_ids:
        subscription = subscriptions.get(user_id)
        chosen = [a.pk for a in subscription.areas.all()] if subscription else []
        if chosen:
            result[user_id] = with_descendants(chosen)
        else:
            by_firm_areas.append(user_id)
    if by_firm_areas:
        firm_areas: dict[int, set[int]] = defaultdict(set)
        rows = (
            Capability.areas.through.objects.filter(
                capability__status=Capability.Status.PUBLISHED,
                capability__organization__memberships__user_id__in=by_firm_areas,
            )
            .values_list("capability__organization__memberships__user_id", "technologyarea_id")
            .distinct()
        )
        for user_id, area_id in rows:
            firm_areas[user_id].add(area_id)
        for user_id in by_firm_areas:
            result[user_id] = with_descendants(firm_areas.get(user_id, ()))
    return result


def _fresh_opportunities(deliveries: list[Delivery]) -> _Fresh:
    since = min(d.since for d in deliveries)
    latest = max(d.as_of for d in deliveries)
    earliest = min(d.as_of for d in deliveries)
    amended = Amendment.objects.filter(
        opportunity=OuterRef("pk"), created_at__gt=since, created_at__lte=latest
    )
    opportunities = list(
        opportunities_public()
        .filter(
            Q(published_at__gt=since, published_at__lte=latest) | Exists(amended),
            status=Opportunity.Status.PUBLISHED,
            response_deadline__gt=earliest,
        )
        .order_by("response_deadline", "pk")
    )
    amended_at: dict[int, list[datetime]] = defaultdict(list)
    rows = Amendment.objects.filter(
        opportunity__in=[o.pk for o in opportunities], created_at__gt=since, created_at__lte=latest
    ).values_list("opportunity_id", "created_at")
    for opportunity_id, created_at in rows if opportunities else ():
        amended_at[opportunity_id].append(created_at)
    area_ids = {o.pk: frozenset(a.pk for a in o.areas.all()) for o in opportunities}
    return _Fresh(opportunities, amended_at, area_ids)


def _firms_of(user_ids) -> dict[int, tuple[int, ...]]:
    firms: dict[int, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(user_id__in=user_ids, organization__kind="firm").values_list(
        "user_id", "organization_id"
    )
    for user_id, firm_id in rows:
        firms[user_id].append(firm_id)
    return {user_id: tuple(sorted(ids)) for user_id, ids in firms.items()}


def _best_matches(fresh: _Fresh, areas_of, firms_of) -> dict[tuple, dict]:
    """{firms: {opportunity id: (the firm whose capabilities match it best, that match)}}
    for the opportunities in anyone's areas, scored in the database for the whole block."""
    from apps.matching.selectors import matches_in_batches

    followed_areas = frozenset().union(*areas_of.values())
    in_areas = [o.pk for o in fresh.opportunities if fresh.area_ids[o.pk] & followed_areas]
    firm_ids = {firm_id for firms in firms_of.values() for firm_id in firms}
    if not in_areas or not firm_ids:
        return {}
    by_firm: dict[int, dict] = defaultdict(dict)
    for batch in matches_in_batches(firm_ids, in_areas):
        for (firm_id, opportunity_id), match in batch.items():
            by_firm[firm_id][opportunity_id] = match
    best: dict[tuple, dict] = {}
    for firms in set(firms_of.values()):
        mine: dict = {}
        for firm_id in firms:
            for opportunity_id, match in by_firm.get(firm_id, {}).items():
                if opportunity_id not in mine or match.score > mine[opportunity_id][1].score:
                    mine[opportunity_id] = (firm_id, match)
        best[firms] = mine
    return best


def _saved_search_hits(user_ids, fresh: _Fresh) -> dict[int, list[tuple[str, set[int]]]]:
    """{user id: [(search name, ids of the fresh opportunities it finds)]}: one query for
    the searches, then one per distinct filter in the block."""
    searches = list(
        SavedSearch.objects.filter(user_id__in=user_ids, notify=True).order_by("name", "pk")
    )
    if not searches or not fresh.opportunities:
        return {}
    candidates = Opportunity.objects.filter(pk__in=[o.pk for o in fresh.opportunities])
    found: dict[str, set[int]] = {}
    hits: dict[int, list[tuple[str, set[int]]]] = defaultdict(list)
    for search in searches:
        if search.query not in found:
            _filters, results = filtered_opportunities(QueryDict(search.query), candidates)
            found[search.query] = set(results.values_list("pk", flat=True))
        hits[search.user_id].append((search.name, found[search.query]))
    return hits


def _followed_deadlines(deliveries, subscriptions) -> dict[int, list[Opportunity]]:
    """{user id: opportunities they follow that close within a week of some `as_of` of
    the block}, soonest first; each delivery keeps those in its own window."""
    wanted = {
        d.recipient_id
        for d in deliveries
        if (s := subscriptions.get(d.recipient_id)) is None or s.include_followed_deadlines
    }
    if not wanted:
        return {}
    earliest = min(d.as_of for d in deliveries)
    latest = max(d.as_of for d in deliveries)
    follows = list(
        Follow.objects.filter(
            user_id__in=wanted,
            opportunity__status=Opportunity.Status.PUBLISHED,
            opportunity__response_deadline__gt=earliest,
            opportunity__response_deadline__lte=latest + DEADLINE_WINDOW,
        ).values_list("user_id", "opportunity_id")
    )
    if not follows:
        return {}
    opportunities = {
        o.pk: o for o in opportunities_public().filter(pk__in={pk for _u, pk in follows})
    }
    result: dict[int, list[Opportunity]] = defaultdict(list)
    for user_id, opportunity_id in follows:
        if opportunity_id in opportunities:
            result[user_id].append(opportunities[opportunity_id])
    for followed in result.values():
        followed.sort(key=lambda o: (o.response_deadline, o.pk))
    return result


def recipient_area_ids(user, subscription: Subscription) -> set[int]:
    """The areas one recipient's digest follows (see _recipient_areas)."""
    return set(_recipient_areas([user.pk], {user.pk: subscription}).get(user.pk, ()))
