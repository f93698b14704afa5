"""A response cache for public pages seen by anonymous visitors, invalidated exactly.

Why not Django's cache middleware: it keys on the URL and expires on a timer, so a page
may show an opportunity for minutes after it was closed. Here every cached page is keyed
by the generation of the content it shows (`ContentGeneration`), which the services
raise in the same transaction as the change. A request reads every generation in one
query of that small table, once (with the versions of apps.core.reference's per-process
data); a request that starts after a change commits reads the new number and renders
afresh. A page rendered while a change is committing may be stored under the old number,
which nobody reads any more. Pages whose rows depend on the clock (open opportunities
leave the list at their deadline, a countdown moves on) say until when they hold, and
are stored no longer than that.

Only anonymous visitors without a session or pending messages are served from the cache,
and only responses that set no cookie and used no CSRF token are stored, so nothing
personal is ever shared. Those requests read from the replica when there is one
(portal/db_router.py). `PAGE_CACHE = False` turns the cache off (the web benchmark measures
both ways). Responses carry `X-Page-Cache: hit` or `miss` for operators.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from apps.core.models import ContentGeneration
from apps.core.requestscope import RequestDict
from portal.db_router import reads_from_replica

HEADER = "X-Page-Cache"


def read_generations(alias: str) -> dict[str, int]:
    """Every generation, by name, in one query (in plain SQL: it is asked on every cached
    page) of a table of a few rows."""
    with connections[alias].cursor() as cursor:
        cursor.execute(_GENERATIONS_SQL)
        return dict(cursor.fetchall())


_GENERATIONS_SQL = f"SELECT name, value FROM {ContentGeneration._meta.db_table}"  # noqa: S608 — our own table

# The generations read in the current request (outside requests every look reads).
_request_generations = RequestDict("content-generations")


def generations() -> dict[str, int]:
    """Every generation by name (a name never raised is missing: generation 0), from the
    database the router gives for reads, so from the same one as the page's rows; read
    once per request and database: what a request shows is all of the generations it
    read first. Outside a request, read at every call."""
    alias = router.db_for_read(ContentGeneration)
    kept = _request_generations.get()
    if kept is None:
        return read_generations(alias)
    if alias not in kept:
        kept[alias] = read_generations(alias)
    return kept[alias]


def request_generation(request: HttpRequest, name: str) -> int:
    """The generation `name`, read once per request (the page cache may have read it
    already), even where the request was made without Django's request signals."""
    kept = request.__dict__.get("_content_generations")
    if kept is None:
        kept = request.__dict__["_content_generations"] = generations()
    return kept.get(name, 0)


def bump_generation(name: str) -> None:
    """Call inside the transaction that changes the content: the row lock it takes also
    orders concurrent changes."""
    if not ContentGeneration.objects.filter(name=name).update(value=F("value") + 1):
        ContentGeneration.objects.get_or_create(name=name, defaults={"value": 1})


def renew_generation(name: str) -> None:
    """Sets `name` to a new random number, for versions that must never be seen twice (a
    number set by a transaction that rolled back is not set again, as a counter's would
    be: apps.core.reference). Call inside the transaction that changes the data; the rest
    of the request reads the new number."""
    value = secrets.randbits(62)
    if not ContentGeneration.objects.filter(name=name).update(value=value):
        ContentGeneration.objects.get_or_create(name=name, defaults={"value": value})
    for kept in (_request_generations.get() or {}).values():
        kept[name] = value


def has_generations_table(using: str = "default") -> bool:
    """For post_migrate receivers, which may run before the table's own migration."""
    return ContentGeneration._meta.db_table in connections[using].introspection.table_names()


def bump_generation_after_migrate(name: str, using: str = "default") -> None:
    """For post_migrate receivers: data migrations write through historical models, which
    send no signals, so what they changed is new content too (once the table exists)."""
    if has_generations_table(using):
        bump_generation(name)


def _cacheable_request(request: HttpRequest) -> bool:
    if not getattr(settings, "PAGE_CACHE", True) or request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False  # signed in, or a session with something in it (messages, a form)
    if getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page holds a CSRF token: it belongs to one visitor
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _key(request: HttpRequest, name: str, generation: int) -> str:
    query = urlencode(sorted((k, v) for k, values in request.GET.lists() for v in values))
    raw = "\n".join(
        [
            settings.RELEASE,  # a new release's pages (and static file names) start afresh
            request.scheme,
            request.get_host(),  # feeds and calendars hold absolute links
            request.path,
            query,
            translation.get_language() or "",
        ]
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"page:{name}:{generation}:{digest}"


def _seconds_until(moment: datetime | None, cap: int) -> int:
    if moment is None:
        return cap
    return min(cap, int((moment - timezone.now()).total_seconds()))


def cache_anonymous_page(
    name: str,
    *,
    valid_until: Callable[[HttpRequest, HttpResponse], datetime | None] | None = None,
    max_seconds: int = 3600,
    params: frozenset[str] = frozenset(),
):
    """Serves a view's anonymous answers from the shared cache, keyed by the release, the
    scheme and host, the path, the sorted query string (of `params` only: a request with
    any other parameter is rendered and not stored), the language and the `name`
    generation. An answer is kept until
    the earliest of `valid_until(request, response)` and the moments the view listed in
    `request.page_changes_at` (when something it shows changes with the clock)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _cacheable_request(request) or not set(request.GET) <= params:
                # Only the parameters the page reads make a cached page: made-up ones
                # would each store a copy.
                return view(request, *args, **kwargs)
            with reads_from_replica():
                return _cached_response(request, view, args, kwargs)

        def _cached_response(request, view, args, kwargs):
            key = _key(request, name, request_generation(request, name))
            stored = cache.get(key)
            if stored is not None:
                stored[HEADER] = "hit"
                return stored
            response = view(request, *args, **kwargs)
            if _storable(request, response):
                moments = list(getattr(request, "page_changes_at", ()))
                if valid_until is not None:
                    moments.append(valid_until(request, response))
                seconds = _seconds_until(min(filter(None, moments), default=None), max_seconds)
                if seconds > 0:
                    response[HEADER] = "miss"
                    cache.set(key, response, seconds)
            return response

        return wrapped

    return decorator


def cached_data(
    name: str,
    request: HttpRequest,
    compute: Callable[[], object],
    *,
    until=None,
    params: frozenset[str] = frozenset(),
    stored: Callable[[object], object] = lambda value: value,
):
    """`compute()`, or the value it gave for the same request (release, scheme, host,
    path, sorted query string of `params` only, language) under the current `name`
    generation: for data that is the same for every viewer, such as the API's public
    lists, whose throttling and rendering still happen per request. A request with other
    parameters is computed and not stored, as in `cache_anonymous_page`. `stored(value)`
    is what is kept (and returned), when it is kept."""
    if not getattr(settings, "PAGE_CACHE", True) or not set(request.GET) <= params:
        return compute()
    key = "data:" + _key(request, name, request_generation(request, name))
    value = cache.get(key)
    if value is None:
        value = stored(compute())
        seconds = _seconds_until(until() if until else None, 3600)
        if seconds > 0:
            cache.set(key, value, seconds)
    return value
