"""A worker killed in the middle of a 500-recipient digest, and a new one started: every
recipient ends with exactly one e-mail.

Real processes throughout: `celery -A portal worker` subprocesses on Redis (settings in
crash_settings.py), the committed test database on PostgreSQL, and an SMTP server on
loopback (aiosmtpd). The outbox sweep (deliveries_redispatch) is run by hand every second
with the clock moved on, as celery beat runs it every minute.

Where the kill lands is chosen, not left to chance: the SMTP server holds the DATA of
message KILL_AFTER + 1 and the worker is killed while it waits for the reply. The 500
deliveries are one block (services.BLOCK_SIZE): all claimed ("sending") and their items
recorded, KILL_AFTER messages accepted and written to the sent-journal, none yet marked
sent in the database, one SMTP transaction open. The new worker must send the other
350 and only mark the first 150. The one duplicate the design allows (services.py,
module docstring: the server accepted the message, the worker died before the journal
recorded it) cannot happen here, so the test asserts exactly one e-mail per recipient.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications import services
from apps.notifications.models import Delivery, DeliveryItem, Subscription
from apps.organizations.models import Membership
from tests.capabilities.factories import CapabilityFactory
from tests.conftest import TEST_QUEUE
from tests.factories import OrganizationFactory
from tests.notifications.conftest import AS_OF, published

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.services,
    pytest.mark.slow,
]

RECIPIENTS = 500
KILL_AFTER = 150  # messages accepted before the first worker is killed sending the next
SENT_TIMEOUT = 120


def create_recipients(count: int) -> list[User]:
    """Verified firm members with a daily digest, in a firm with a published capability
    in "satellites" (default time zone Asia/Tokyo: 08:30 local at AS_OF, so due)."""
    from allauth.account.models import EmailAddress

    firm = OrganizationFactory()
    CapabilityFactory(organization=firm, areas=["satellites"])
    users = User.objects.bulk_create(
        User(
            email=f"recipient{n:03d}@crash.example",
            password="!",  # unusable; nobody logs in
            display_name=f"Recipient {n}",
            terms_accepted_at=timezone.now(),
            terms_version=settings.TERMS_VERSION,
        )
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    Subscription.objects.bulk_create(
        Subscription(user=user, frequency=Subscription.Frequency.DAILY) for user in users
    )
    Membership.objects.bulk_create(Membership(user=user, organization=firm) for user in users)
    return users


def database_url() -> str:
    """The test database (not the one DATABASE_URL names), for the worker subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


def start_worker(env: dict, log_path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "-Q",
                TEST_QUEUE,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # warm shutdown: finishes the task in hand
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def forget_queue(app, queue: str) -> None:
    """Drops what is left of the test's queue in Redis: waiting messages (the sweep's
    re-dispatches that found their row already sent) and the message the killed worker
    took and never acknowledged, which Redis would otherwise hand back after the
    visibility timeout (an hour) to a queue nobody consumes."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge(queue)
        client = channel.client
        for tag, raw in client.hgetall(channel.unacked_key).items():
            if json.loads(raw)[2] == queue:
                client.hdel(channel.unacked_key, tag)
                client.zrem(channel.unacked_index_key, tag)


def hold_next_message(inbox, after: int) -> tuple[threading.Event, threading.Event]:
    """Makes the SMTP server hold the DATA of message number `after` + 1, storing nothing
    and answering nothing until released. Returns (held, release)."""
    held, release = threading.Event(), threading.Event()
    accept = inbox.handle_DATA

    async def handle_DATA(server, session, envelope):
        if len(inbox.messages) >= after and not held.is_set():
            held.set()
            while not release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"  # to a client that is gone by now
        return await accept(server, session, envelope)

    inbox.handle_DATA = handle_DATA  # looked up by each new SMTP session
    return held, release


def wait_for(predicate, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def tail(path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def test_killing_the_worker_mid_digest_and_starting_another_sends_each_recipient_one_email(
    redis_url, smtp_server, tmp_path, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the workers are other processes sharing the test database")
    from portal.celery import app

    settings.NOTIFICATIONS_STALE_SENDING = 2  # the sweep runs here, in the test process
    users = create_recipients(RECIPIENTS)
    published(title_en="SAR constellation", areas=["satellites"])
    emails = {user.email for user in users}

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.crash_settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "CRASH_TEST_QUEUE": TEST_QUEUE,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "workers.log"
    saved = {
        key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=TEST_QUEUE)
    workers = []
    release_message = threading.Event()
    try:
        forget_queue(app, TEST_QUEUE)  # nothing left over from earlier tests of this run
        held_message, release_message = hold_next_message(smtp_server, after=KILL_AFTER)
        workers.append(start_worker(env, log_path))
        assert services.digests_enqueue(frequency="daily", as_of=AS_OF) == RECIPIENTS

        held = wait_for(held_message.is_set, timeout=60)
        assert held, f"the first worker sent {len(smtp_server.messages)}\n{tail(log_path)}"
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        release_message.set()
        assert len(smtp_server.messages) == KILL_AFTER
        # The block was claimed whole and its items recorded before the first message;
        # the sent-journal, not yet the rows, knows which messages the server accepted.
        assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == RECIPIENTS
        assert DeliveryItem.objects.count() == RECIPIENTS
        accepted = services.sent_journal().lookup(Delivery.objects.all())
        assert len(accepted) == KILL_AFTER

        workers.append(start_worker(env, log_path))

        def all_sent():
            services.deliveries_redispatch(now=timezone.now() + timedelta(seconds=5))
            return Delivery.objects.filter(status=Delivery.Status.SENT).count() == RECIPIENTS

        assert wait_for(all_sent, timeout=SENT_TIMEOUT, interval=1.0), (
            f"{Delivery.objects.filter(status=Delivery.Status.SENT).count()} of {RECIPIENTS}"
            f" sent\n{tail(log_path)}"
        )
    finally:
        release_message.set()
        for process in workers:
            stop_worker(process)
        forget_queue(app, TEST_QUEUE)
        app.conf.update(saved)

    per_recipient = Counter(message["To"] for message in smtp_server.messages)
    assert set(per_recipient) == emails
    assert {email: n for email, n in per_recipient.items() if n != 1} == {}
    assert len({message["Message-ID"] for message in smtp_server.messages}) == RECIPIENTS
    # Those the journal listed were marked sent with their original Message-ID, unsent.
    for delivery in Delivery.objects.filter(pk__in=accepted):
        assert delivery.message_id == accepted[delivery.pk][0]
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}  # claimed twice
    assert DeliveryItem.objects.count() == RECIPIENTS  # found again, not recorded twice
