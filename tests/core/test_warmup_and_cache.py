"""The master process's warm-up, and the Redis cache's reused clients."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.cache import RedisCache
from apps.core.warmup import warm


@pytest.mark.django_db
def test_the_warm_up_compiles_the_templates_without_touching_the_database():
    with CaptureQueriesContext(connection) as queries:
        compiled = warm()
    assert compiled > 200  # the project's templates and the admin's and allauth's
    assert len(queries) == 0


def test_the_redis_cache_reuses_its_client():
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("needs the Redis cache (REDIS_URL)")
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    cache.set("warm", 1)
    assert cache.get("warm") == 1
