"""gunicorn settings for the web processes (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi`).
Every value can be overridden from the environment; the defaults suit one host."""

import logging
import multiprocessing
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Django views are CPU-bound between short database waits: about two processes per core.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once): a
# bounded lifetime keeps memory flat whatever a library might leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
preload_app = True  # import Django once; workers share the pages copy-on-write
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The runtime control socket (gunicornc) is not used; every instance on a host would
# otherwise share its one default path.
control_socket_disable = True


def when_ready(server):
    """Compile templates and load translations once in the master: workers forked from it
    (and their replacements after max_requests) start warm. See apps/core/warmup.py."""
    from apps.core.warmup import warm

    server.log.info("warmed up: %d templates compiled", warm())


def worker_exit(server, worker):
    """A worker leaving (retired after max_requests, or stopped) closes its connections,
    flushes its output and ends at once, with the exit status it was leaving with.

    Without this, the interpreter would tear itself down first: freeing every object
    inherited from the master writes to each shared page (copy-on-write), which took
    0.6 s of CPU per retirement on a 2-core host, while the master had not yet started
    its replacement. That showed as the slowest 1 % of requests under load."""
    from django.db import connections

    leaving = sys.exc_info()[1]  # gunicorn calls this while the worker's exit propagates
    code = leaving.code if isinstance(leaving, SystemExit) else 1
    try:
        connections.close_all()
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))
