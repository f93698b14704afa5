"""Paging without counting every row.

An exact `COUNT(*)` reads every matching row on every request: over 300,000
opportunities that is most of a page's database time, for a number nobody needs exactly
once it is in the thousands. `CappedPaginator` counts at most a little past the page
being shown (at least `floor` rows, and `lookahead` pages beyond the requested one), so
the count is exact for small results and "more than N" for large ones, and the cost of a
page no longer grows with the table.

Given a `count_key`, the count is also kept in the shared cache under it: the caller
names in the key everything the rows depend on (the filters and the version of the
content, as the opportunity list does with the page cache's generation). When rows also
leave the list with the clock alone (an open opportunity whose deadline passes), the
caller names that moment's field as `leaves_at`, and the count is kept until the first of
the rows it counted leaves: an exact count counted them all; a capped one ("more than
1,000") counted 1,001 of them, and there are more than 1,000 for as long as those are
there. Which 1,001 does not matter to the count, but does to how long it holds: the
latest (`count_from_latest`) when the rows come in that order from an index anyway (the
list's order index, read backwards), for a count that holds for months; otherwise
whichever the database reads first, since sorting every match would cost more than the
count, for one that holds for hours (1,001 rows with deadlines over a year are about
nine hours apart). A count kept only until the next deadline of any row (every few
minutes at 300,000 opportunities) was read again for every list whenever one passed.
"""

import hashlib
from functools import partial

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core import readahead


def list_count_key(name: str, request, *scope) -> str:
    """A `count_key` for a list page: its filters (the query string without `page`, sorted)
    and `scope`, everything else the rows depend on (a content generation, what the viewer
    may see)."""
    filters = sorted((k, v) for k, values in request.GET.lists() if k != "page" for v in values)
    digest = hashlib.blake2b(repr((scope, filters)).encode(), digest_size=12).hexdigest()
    return f"{name}:{digest}"


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list,
        per_page,
        *,
        floor: int = 1000,
        lookahead: int = 10,
        count_key: str | None = None,
        leaves_at: str | None = None,
        count_from_latest: bool = False,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.floor = floor
        self.lookahead = lookahead
        self.count_key = count_key
        self.leaves_at = leaves_at
        self.count_from_latest = count_from_latest
        self._wanted = 1

    def _limit(self) -> int:
        return max(self.floor, (self._wanted + self.lookahead) * self.per_page)

    def _remember(self, number) -> None:
        try:
            self._wanted = max(1, min(int(number), 10**6))
        except (TypeError, ValueError):
            self._wanted = 1

    def get_page(self, number):
        self._remember(number)
        try:
            first = int(number) == 1
        except (TypeError, ValueError):
            first = True  # Django's get_page shows the first page for a non-number
        if first:
            return self.page(1)  # without validating it against a count first
        return super().get_page(number)

    def page(self, number):
        self._remember(number)
        try:
            first = int(number) == 1  # anything else is validated as Django does
        except (TypeError, ValueError):
            first = False
        if first and "_counted" not in self.__dict__ and self.allow_empty_first_page:
            # The first page is read before anything is counted, with one row more than it
            # shows: when that row is missing, the page is the whole list and no count is
            # needed (most searches); otherwise the count comes when it is asked for.
            whole = self.per_page + self.orphans
            rows = list(self.object_list[: whole + 1])
            if len(rows) <= whole:
                self.__dict__["_counted"] = (len(rows), False)
                return self._get_page(rows, 1, self)
            return self._get_page(rows[: self.per_page], 1, self)
        return super().page(number)

    def _count_cache_key(self) -> str | None:
        return f"count:{self.count_key}:{self._limit()}" if self.count_key else None

    @property
    def unread_count_key(self) -> str | None:
        """The key of the kept count while it has not been read: a page reads it ahead
        with its cards (apps.core.readahead)."""
        return None if "_counted" in self.__dict__ else self._count_cache_key()

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        limit = self._limit()
        key = self._count_cache_key()
        if key:
            kept = readahead.get(key)
            # The moment it holds until is kept with it and checked here, not only left to
            # the cache's expiry: the clock decides, even a clock set apart from the cache's.
            if kept is not None and (kept[1] is None or timezone.now() < kept[1]):
                return kept[0]
        queryset = self.object_list
        until = None
        if hasattr(queryset, "values") and self.leaves_at:
            # SELECT COUNT(*), MIN(moment) FROM (SELECT moment … [ORDER BY moment DESC]
            # LIMIT n): the rows counted, and when the first of them leaves.
            field = self.leaves_at
            order = [f"-{field}"] if self.count_from_latest else []
            rows = queryset.order_by(*order).values(field)[: limit + 1]
            counted_rows = rows.aggregate(found=Count("*"), first_leaves=Min(field))
            found, until = counted_rows["found"], counted_rows["first_leaves"]
        elif hasattr(queryset, "values"):
            # SELECT COUNT(*) FROM (SELECT id … LIMIT n): stops reading at the cap.
            found = queryset.order_by().values("pk")[: limit + 1].count()
        else:
            found = len(queryset[: limit + 1])
        counted = (min(found, limit), found > limit)
        if key:
            seconds = 3600
            if until is not None:
                seconds = min(seconds, int((until - timezone.now()).total_seconds()))
            if seconds > 0:
                cache.set(key, (counted, until), seconds)
        return counted

    @cached_property
    def count(self) -> int:
        """The number of rows, or the cap when there are more (see `capped`)."""
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """True when there are more rows than `count`."""
        return self._counted[1]


class CappedPageNumberPagination(PageNumberPagination):
    """The API's pages, with the same capped count: `count` is exact unless
    `count_is_capped` is true, in which case there are more than `count` results."""

    django_paginator_class = CappedPaginator

    def paginate_queryset(self, queryset, request, view=None):
        # A view may keep its counts as the list pages do: `count_kept(request)` gives
        # CappedPaginator's `count_key`, `leaves_at` and `count_from_latest`.
        kept = getattr(view, "count_kept", None)
        if kept is not None:
            self.django_paginator_class = partial(CappedPaginator, **kept(request))
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_is_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_capped"] = {
            "type": "boolean",
            "description": "True when there are more results than `count`: the count stops "
            "a little past the requested page rather than counting every row.",
        }
        response["required"] = [*response.get("required", []), "count_is_capped"]
        return response
