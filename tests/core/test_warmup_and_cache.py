"""The master process's warm-up, and the Redis cache's reused clients."""

import warnings

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


def test_the_redis_cache_takes_keys_memcached_would_refuse_without_a_warning(redis_url):
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        pytest.skip("needs the Redis cache (REDIS_URL)")
    long_key = "card opportunity " + "x" * 300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.set_many({long_key: "a", "tab\tkey": "b"})
        assert cache.get_many([long_key, "tab\tkey"]) == {long_key: "a", "tab\tkey": "b"}


WARM_IN_A_FRESH_PROCESS = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
from apps.core.warmup import warm
warm()
print(json.dumps({
    "modules": sorted(sys.modules),
    "reverse_languages": sorted(get_resolver()._reverse_dict),
    "caches": [c["BACKEND"] for c in settings.CACHES.values()],
}))
"""


def test_the_warm_up_leaves_nothing_for_a_workers_first_request_to_import():
    """What a forked worker would otherwise import or build on its first request (about
    0.09 s on a list page): the lazily imported modules, and the URL resolver's reverse
    lookups in each language."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-c", WARM_IN_A_FRESH_PROCESS],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    modules = set(found["modules"])
    assert {
        "django.template.context_processors",
        "django.contrib.messages.storage.fallback",
        "django.conf.locale.ja.formats",
    } <= modules
    if any("redis" in backend.lower() for backend in found["caches"]):
        assert "redis" in modules
    assert {"en", "ja"} <= set(found["reverse_languages"])
