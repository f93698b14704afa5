"""Reads of anonymous visitors' public pages go to a read replica when one is configured
(DATABASE_REPLICA_URL); every write, and every other read, goes to the primary.

Only pages that everyone sees alike read from the replica (apps.core.pagecache marks
them): a signed-in user who has just changed something reads the primary and sees the
change at once. A cached public page is keyed by the generation read from the same
replica as its rows, so the cache is exactly as fresh as the replica.
"""

import contextvars
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_reading_from_replica = contextvars.ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reads_from_replica():
    token = _reading_from_replica.set(replica_configured())
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


@contextmanager
def reads_from_primary():
    """For data kept beyond the request (per-process memos): never from a replica that
    may lag behind the change that made them be rebuilt."""
    token = _reading_from_replica.set(False)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reading_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
