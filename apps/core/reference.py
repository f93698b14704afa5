"""Reference data that every filter form reads and that changes only by an
administrator's hand (the area tree, the verified agencies), kept per process.

Each process keeps the value it last built together with the version it was built for;
the current version lives in the shared cache and is replaced whenever the data change
(the owners' signal receivers call `forget`), so every web process rebuilds on its next
look after an edit. A look costs one small cache read instead of a query and the models
it would build. Callers must not change what they get.
"""

import uuid
from collections.abc import Callable

from django.core.cache import cache

from portal.db_router import reads_from_primary


class VersionedMemo:
    def __init__(self, key: str):
        self.key = key
        self._version = None
        self._value = None

    def forget(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, None)

    def get(self, build: Callable[[], object]):
        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, uuid.uuid4().hex, None)
            version = cache.get(self.key)
        if version is None:  # no cache to tell when the data change: keep nothing
            return build()
        if version != self._version:
            with reads_from_primary():  # a lagging replica would be kept until the next edit
                self._value = build()
            self._version = version
        return self._value
