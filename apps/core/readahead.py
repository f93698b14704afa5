"""Cache reads that a request will make later, made in a round trip it makes already.

A list page reads its cards from the shared cache in one round trip; its count and the
navigation's "Insights" entry are each one more, later in the same request. The page
names those keys when it reads its cards (`get_many(keys, ahead=…)`); what was found for
them is kept until the end of the request and handed out once by `get(key)`, which
otherwise reads the cache as `cache.get` does. Outside a request nothing is kept.
"""

from collections.abc import Iterable

from django.core.cache import cache

from apps.core.requestscope import RequestDict

_MISSING = object()
# What was read ahead in the current request.
_ahead = RequestDict("cache-read-ahead")


def get_many(keys: Iterable[str], *, ahead: Iterable[str | None] = ()) -> dict:
    """`cache.get_many(keys)`, reading the `ahead` keys (None: nothing) in the same round
    trip for this request's later `get`s."""
    keys = list(keys)
    kept = _ahead.get()
    extra = [key for key in ahead if key] if kept is not None else []
    found = cache.get_many(keys + extra)
    for key in extra:
        kept[key] = found.get(key, _MISSING)
    return {key: found[key] for key in keys if key in found}


def get(key: str, default=None):
    """`cache.get(key, default)`, or what this request read ahead for it (once: a second
    look reads the cache again)."""
    kept = _ahead.get()
    if kept and key in kept:
        value = kept.pop(key)
        return default if value is _MISSING else value
    return cache.get(key, default)
