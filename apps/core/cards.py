"""The result cards of the busiest lists, rendered once and kept in the shared cache.

A card shows one row the same way to everyone who reads it in the same language and time
zone, so a list page renders only the cards nobody has asked for since the row last
changed, and reads the others in one cache round trip (which rows a page shows is still
read from the database on every request, never cached here). A list may read only the
keys of its rows (the id and what the card's clock depends on) and give `fetch` for the
whole rows: they are then read, in a second query, only for the cards to render, since
building model rows with their related agency or firm cost a list page more than any
other part of reading it.

Each card is keyed by a version of what it shows, which the caller reads in the same
request before the rows: for opportunities the page cache's content generation
(apps.core.pagecache), raised in the same transaction as any change to an opportunity,
its areas, its agency or the area tree. A request that starts after a change commits
reads the new version and renders afresh; a card rendered from the old rows while a
change commits is stored under the old version, which nobody reads any more. A card that
shows something of the clock (a countdown) says until when it holds, and that moment is
part of its key.

Without a shared cache (no Redis), Django's per-process memory cache keeps them, keyed
the same way.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from apps.core import readahead

# Old versions are never read again; a day bounds what they occupy until evicted.
TIMEOUT = 24 * 3600


def rendered_cards(
    rows: Sequence,
    template_name: str,
    *,
    name: str,
    version: object,
    holds_until: Callable[[object], datetime | None] | None = None,
    prepare: Callable[[list], Iterable] | None = None,
    fetch: Callable[[list], Iterable] | None = None,
    ahead: Iterable[str | None] = (),
) -> list[SafeString]:
    """The HTML of each row's card (in the order of `rows`), from `template_name`
    rendered with the row as `name` and nothing else (no request: a card shows nothing
    of who is looking).

    `version` names the state of everything a card shows (see the module docstring);
    `holds_until(row)` is when the row's card next reads differently with the clock
    alone; `prepare(rows)` attaches what only the cards need (e.g. area badges), and is
    called for the rows whose cards must be rendered only.

    With `fetch`, `rows` need only carry `pk` (and what `holds_until` reads):
    `fetch(pks)` gives the whole rows of the cards to render, in any order, read after
    `version` was (so never older than it). A row it no longer gives (it left the list in
    between) has no card on this page.

    `ahead`: cache keys the request will read later (its count, the navigation's),
    read in the same round trip as the cards (apps.core.readahead).
    """
    if not rows:
        return []
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone_name()
    scope = hashlib.blake2b(
        f"{template_name}|{version}|{language}|{zone}".encode(),
        digest_size=8,
    ).hexdigest()

    def key(row) -> str:
        moment = holds_until(row) if holds_until else None
        stamp = int(moment.timestamp()) if moment else ""
        return f"card:{scope}:{row.pk}:{stamp}"

    keys = {row.pk: key(row) for row in rows}
    found = readahead.get_many(keys.values(), ahead=ahead)
    missing = [row for row in rows if keys[row.pk] not in found]
    if missing and fetch is not None:
        whole = {row.pk: row for row in fetch([row.pk for row in missing])}
        missing = [whole[row.pk] for row in missing if row.pk in whole]
    if missing:
        if prepare:
            missing = list(prepare(missing))
        template = get_template(template_name)
        fresh = {keys[row.pk]: template.render({name: row}) for row in missing}
        cache.set_many(fresh, TIMEOUT)
        found.update(fresh)
    # Each card was rendered by the template engine, which escaped what it shows (a
    # SafeString as mark_safe makes of a string, without its check for lazy arguments).
    return [SafeString(found[keys[row.pk]]) for row in rows if keys[row.pk] in found]
