"""The sent-journal: where a worker writes down, the moment the SMTP server has accepted a
message, that the delivery is sent.

A block of deliveries is marked sent in the database with one statement once the whole
block has gone out (services.deliveries_send). Between the SMTP server's "250 OK" and that
statement, the journal is the record: a worker that dies mid-block leaves its rows in
"sending", and whoever claims them again first asks the journal which ones were already
accepted, marks those sent and sends only the rest.

With Redis configured (every mode but zero-setup), the journal is one Redis key per
accepted message, written with one round trip on loopback; the database sees a batch
statement per block instead of one UPDATE per recipient. Without Redis, the journal is
the database itself: each accepted message's row is marked sent at once.

A key names the delivery's id *and* its creation time, so a database restored or
recreated (ids start again at 1) never meets a stale entry; entries are deleted once the
block is marked sent in the database, and expire after a week whatever happens.
"""

import functools
import json
import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

TTL_SECONDS = 7 * 24 * 3600


class DatabaseJournal:
    """No Redis: the database row is the journal, marked sent message by message."""

    def record(self, delivery, message_id: str, sent_at: datetime) -> None:
        from apps.notifications.models import Delivery

        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=sent_at, message_id=message_id
        )

    def lookup(self, deliveries) -> dict[int, tuple[str, datetime]]:
        return {}  # a row marked sent is never claimed again

    def forget(self, deliveries) -> None:
        pass


class RedisJournal:
    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self.fallback = DatabaseJournal()

    def key(self, delivery) -> str:
        return f"{self.prefix}:delivery-sent:{delivery.pk}:{delivery.created_at.timestamp():.6f}"

    def record(self, delivery, message_id: str, sent_at: datetime) -> None:
        value = json.dumps({"message_id": message_id, "sent_at": sent_at.isoformat()})
        try:
            self.client.set(self.key(delivery), value, ex=TTL_SECONDS)
        except Exception:  # Redis unreachable: the database will do, one row at a time
            logger.warning(
                "sent-journal unavailable; marking delivery %s sent in the database",
                delivery.pk,
                exc_info=True,
            )
            self.fallback.record(delivery, message_id, sent_at)

    def lookup(self, deliveries) -> dict[int, tuple[str, datetime]]:
        deliveries = list(deliveries)
        if not deliveries:
            return {}
        values = self.client.mget([self.key(d) for d in deliveries])
        found = {}
        for delivery, value in zip(deliveries, values, strict=True):
            if value is not None:
                data = json.loads(value)
                found[delivery.pk] = (
                    data["message_id"],
                    parse_datetime(data["sent_at"]) or timezone.now(),
                )
        return found

    def forget(self, deliveries) -> None:
        keys = [self.key(d) for d in deliveries]
        if keys:
            try:
                self.client.delete(*keys)
            except Exception:  # they expire anyway
                logger.warning("could not clear %s sent-journal entries", len(keys), exc_info=True)


@functools.lru_cache(maxsize=4)
def _redis_journal(url: str, prefix: str) -> RedisJournal:
    return RedisJournal(url, prefix)


def journal() -> RedisJournal | DatabaseJournal:
    if settings.REDIS_URL:
        prefix = settings.CACHES["default"].get("KEY_PREFIX") or "kakehashi"
        return _redis_journal(settings.REDIS_URL, prefix)
    return DatabaseJournal()
