"""The web processes' gunicorn settings (deploy/gunicorn.conf.py): how a worker leaves."""

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"

# gunicorn's own exit path for a worker (Arbiter.spawn_worker): the hook runs in the
# `finally` while the worker's SystemExit propagates.
LEAVING = textwrap.dedent(
    """
    import atexit, runpy, sys
    import django
    django.setup()
    conf = runpy.run_path(sys.argv[1])
    atexit.register(lambda: print(" and torn down", end=""))
    print("served", end="")  # still in the buffer: no newline, stdout is a pipe
    try:
        sys.exit(int(sys.argv[2]))
    except SystemExit:
        raise
    finally:
        conf["worker_exit"](None, None)
    """
)


@pytest.mark.parametrize("status", [0, 3])
def test_a_leaving_worker_keeps_its_exit_status_and_output_but_skips_the_teardown(status):
    result = subprocess.run(
        [sys.executable, "-c", LEAVING, str(CONF), str(status)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The master reads the status (3 = could not boot: it stops); nothing printed is lost.
    assert result.returncode == status, result.stderr
    assert result.stdout == "served"  # the interpreter's teardown (atexit) never ran


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_retired_workers_are_replaced_and_every_request_is_answered(tmp_path):
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_MAX_REQUESTS": "3",
        "GUNICORN_CMD_ARGS": "--max-requests-jitter 0",
        "GUNICORN_LOG_LEVEL": "info",
    }
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(CONF), "portal.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start:\n" + log.read_text())
                time.sleep(0.2)
        statuses = []
        for _ in range(10):
            url = f"http://127.0.0.1:{port}/robots.txt"
            with urllib.request.urlopen(url, timeout=30) as response:
                statuses.append(response.status)
        assert statuses == [200] * 10
        assert server.poll() is None  # the master is still serving
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    # The first worker and the replacements of the three retired after 3 requests each.
    assert text.count("Booting worker") >= 4, text
