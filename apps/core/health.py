"""Health probes used by /healthz. Each returns None when healthy or a short reason."""

import contextlib

from django.conf import settings
from django.db import connections


def check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return exc.__class__.__name__
    return None


def check_redis() -> str | None:
    """Pings the broker and cache when REDIS_URL is configured; without it there is none."""
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:
        return exc.__class__.__name__
    finally:
        with contextlib.suppress(Exception):  # closing a failed client may fail too
            client.close()
    return None
