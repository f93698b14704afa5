"""Django's PostgreSQL backend, with health checks spared for connections that have just
answered.

With persistent connections (`CONN_MAX_AGE`) and `CONN_HEALTH_CHECKS`, Django asks the
server `SELECT 1` before the first query of every request, so that a connection the
server dropped while it sat idle is replaced instead of failing the request. On a busy
process that is one more round trip per request, to a connection that answered the
previous request a moment ago. Connection pools skip the check in that case (HikariCP's
"alive bypass window" is 500 ms); so does this backend: a connection that served a query
less than `HEALTH_CHECK_BYPASS` seconds ago, without an error since, is taken as alive.
A connection idle for longer is checked as before. A server that goes away within that
window fails one request per process, as it could right after a check; the connection is
then found unusable at the end of that request and replaced (Django's own handling).

Used as `ENGINE = "portal.postgresql"`; the settings put it in place of Django's
`django.db.backends.postgresql` for every PostgreSQL database.
"""

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_BYPASS = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    # time.monotonic() when a cursor was last handed out on the current connection.
    last_used = float("-inf")

    def connect(self):
        super().connect()
        self.last_used = float("-inf")  # a new connection has not served anything yet

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.last_used = time.monotonic()
        return cursor

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.errors_occurred
            and time.monotonic() - self.last_used < HEALTH_CHECK_BYPASS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
