"""Django's Redis cache, building one redis client per connection pool rather than one per
operation: redis-py's client sets up its table of some 170 response callbacks in its
constructor, which cost more than the GET it was built for on a cached page.

It does not check keys against memcached's limits (250 characters, no spaces or control
characters), which Django's backends do for every key to warn of code that would break
on memcached: Redis takes any key, and a list page reads some twenty (its cards) per
request."""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        if index not in clients:
            clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return clients[index]


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def validate_key(self, key):
        pass
