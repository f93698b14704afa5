"""The PostgreSQL backend (portal/postgresql/base.py): a persistent connection that has
just answered is not asked `SELECT 1` again before the next request; one idle for longer
is, and a connection the server dropped is replaced. On a real server: the connection
is dropped with pg_terminate_backend."""

import time

import pytest
from django.db import OperationalError, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

from portal.postgresql.base import HEALTH_CHECK_BYPASS, DatabaseWrapper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend"),
]


def counting(wrapper_class):
    class Counting(wrapper_class):
        checks = 0

        def is_usable(self):
            self.checks += 1
            return super().is_usable()

    return Counting


@pytest.fixture
def persistent():
    """Opens second connections to the test database, set up as production sets its own
    (under the default alias, which connection signal receivers look up); closed after
    the test."""
    opened = []

    def open_with(wrapper_class=DatabaseWrapper):
        settings = {**connection.settings_dict, "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
        opened.append(counting(wrapper_class)(settings))
        return opened[-1]

    yield open_with
    for db in opened:
        db.close()


def request(db) -> int:
    """One request as Django runs it: the connection's state is checked when the request
    starts and ends (close_old_connections); in between, one query. Returns the server
    process that answered."""
    db.close_if_unusable_or_obsolete()
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        db.close_if_unusable_or_obsolete()


def drop(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.05)  # the server closes the socket


def test_the_settings_use_this_backend_for_postgresql():
    assert connection.settings_dict["ENGINE"] == "portal.postgresql"
    assert isinstance(connections["default"], DatabaseWrapper)


def test_back_to_back_requests_are_not_health_checked_each_time(persistent):
    ours, django = persistent(DatabaseWrapper), persistent(DjangoWrapper)
    for db in (ours, django):
        pids = {request(db) for _ in range(5)}
        assert len(pids) == 1  # one persistent connection throughout
    assert ours.checks == 0
    assert django.checks == 4  # a round trip before every request but the first


def test_a_connection_idle_past_the_window_is_checked_and_replaced_when_dropped(persistent):
    db = persistent()
    first = request(db)
    drop(first)
    time.sleep(HEALTH_CHECK_BYPASS + 0.1)
    second = request(db)  # no error: the check found the connection gone
    assert second != first
    assert db.checks == 1


def test_a_connection_dropped_within_the_window_fails_one_request_then_is_replaced(persistent):
    db = persistent()
    first = request(db)
    drop(first)
    with pytest.raises(OperationalError):
        request(db)
    # The failed request's end found the connection unusable and closed it.
    assert db.connection is None
    assert request(db) != first
