"""Reference data that every filter form reads and that changes only by an
administrator's hand (the area tree, the verified agencies), kept per process.

Each process keeps the value it last built together with the version it was built for;
the current version lives in the shared cache and is replaced whenever the data change
(the owners' signal receivers call `forget`), so every web process rebuilds on its next
look after an edit. A look costs one small cache read instead of a query and the models
it would build; within a request, the versions of every memo are read together at the
first look and kept until the request ends (a page looks at the area tree several
times). Callers must not change what they get.
"""

import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.utils.translation import get_language

from portal.db_router import reads_from_primary

_memos: list["VersionedMemo"] = []
# The versions read in the current request (None outside requests: every look reads).
_request_versions: ContextVar[dict | None] = ContextVar("reference_versions", default=None)


def _request_started(**kwargs) -> None:
    _request_versions.set({})


def _request_finished(**kwargs) -> None:
    _request_versions.set(None)


request_started.connect(_request_started, dispatch_uid="reference-versions-start")
request_finished.connect(_request_finished, dispatch_uid="reference-versions-end")


class VersionedMemo:
    def __init__(self, key: str):
        self.key = key
        self._version = None
        self._value = None
        _memos.append(self)

    def forget(self) -> None:
        version = uuid.uuid4().hex
        cache.set(self.key, version, None)
        versions = _request_versions.get()
        if versions is not None:
            versions[self.key] = version

    def _current_version(self):
        versions = _request_versions.get()
        if versions is None:
            return cache.get(self.key)
        if self.key not in versions:
            keys = [memo.key for memo in _memos]
            found = cache.get_many(keys)
            versions.update({key: found.get(key) for key in keys})
        return versions[self.key]

    def get(self, build: Callable[[], object]):
        version = self._current_version()
        if version is None:
            cache.add(self.key, uuid.uuid4().hex, None)
            version = cache.get(self.key)
            versions = _request_versions.get()
            if versions is not None:
                versions[self.key] = version
        if version is None:  # no cache to tell when the data change: keep nothing
            return build()
        if version != self._version:
            with reads_from_primary():  # a lagging replica would be kept until the next edit
                self._value = build()
            self._version = version
        return self._value


class PerLanguage:
    """What is made from a memo's value for each language (e.g. a filter's choices with
    their names in it), kept for as long as that value is the same object: the same list
    for every request until the data change, which FastSelect's kept options rely on.
    Callers must not change what they get."""

    def __init__(self):
        self._kept: dict[str, tuple[object, object]] = {}

    def get(self, source, build: Callable[[object], object]):
        language = get_language() or ""
        kept = self._kept.get(language)
        if kept is None or kept[0] is not source:
            kept = self._kept[language] = (source, build(source))
        return kept[1]
