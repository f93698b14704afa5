import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests.factories import AgencyFactory, MembershipFactory, OrganizationFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_QUEUE = f"kakehashi-tests-{os.getpid()}"


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip a test whose service is missing on a developer's machine; fail it under CI,
    where a missing service is a broken build, never a silently skipped test."""
    if available:
        return
    message = f"{name} is not available: {reason}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    require_service("Redis", bool(url), "REDIS_URL is not set")
    parsed = urlparse(url)
    require_service(
        "Redis", port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379), f"{url} refuses"
    )
    return url


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; no test may inherit another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request by a user who reads Japanese leaves Japanese active in the thread; each
    test starts in the default language, as each request in production does."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def firm(db):
    return OrganizationFactory()


@pytest.fixture
def firm_owner(firm):
    return MembershipFactory(organization=firm, role="owner").user


@pytest.fixture
def firm_member(firm):
    return MembershipFactory(organization=firm).user


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def operator(db):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        """Keeps what it receives; while `refuse` is set it answers 451 (try later)."""

        def __init__(self):
            super().__init__()
            self.messages = []
            self.refuse = False

        async def handle_DATA(self, server, session, envelope):
            if self.refuse:
                return "451 4.3.0 Try again later"
            return await super().handle_DATA(server, session, envelope)

        def handle_message(self, message):
            self.messages.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.host, inbox.port = "127.0.0.1", port
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


@pytest.fixture
def celery_worker_on_redis(redis_url):
    """A real Celery worker consuming from Redis, in a thread of the test process, on a
    queue of this test run's own so that no other worker takes the tests' tasks (one name
    for the whole run: Celery caches its routing after the first task)."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    queue = TEST_QUEUE
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue", "result_backend")
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=redis_url,
        task_default_queue=queue,
        result_backend=None,
    )
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)
