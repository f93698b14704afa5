"""How fast the daily digest reaches its recipients, against plain SMTP sending.

Run from the project root (PostgreSQL and Redis must be running):

    .venv/bin/python benchmarks/digests.py
    .venv/bin/python benchmarks/digests.py --subscribers 10000 --opportunities 500 --areas 10
    .venv/bin/python benchmarks/digests.py --subscribers 10000 --workers 1 2

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), a role that
may create databases, and BENCH_REDIS_URL (default redis://127.0.0.1:6379/15), a Redis
database the script may use and purge. The script sets DATABASE_URL and REDIS_URL itself
before django.setup(): it creates the database kakehashi_bench (--database; a leftover one
is dropped first), migrates it, and drops it at the end. Redis holds the sent-journal, as
in production; the task messages that digests_enqueue publishes there are purged, because
the script sends each block itself. Mail goes over SMTP to an aiosmtpd server that the
script starts on loopback and that only counts what it receives (aiosmtpd is in
requirements-dev.txt).

What is measured, first for --small subscribers (to show that memory stays flat), then
for --subscribers:

- digest: services.digests_enqueue(frequency="daily", as_of=AS_OF) (recipients, due
  check, Delivery rows, one task message per block), then services.deliveries_send() for
  every block of services.BLOCK_SIZE deliveries over one shared, already open SMTP
  connection — claim, items, render, send, journal, mark sent: the work the workers do,
  minus Celery's own overhead.
- baseline: as many messages as the larger digest run, each an EmailMultiAlternatives
  with the text, HTML and subject of a real digest (rendered once, beforehand), sent over
  the same kind of connection: no database, no templates.

Subscribers are members of firms of 20 with one published capability each, in one of
--areas leaf technology areas; the --opportunities opportunities, published two hours
before AS_OF, are spread evenly over the same areas, so each digest lists
opportunities / areas items (50 by default).

Columns: seconds, queries (cursor executions; BEGIN/COMMIT not counted) and peak RSS
(Linux; the high-water mark is reset before each run) come from one untraced pass; peak
MB is what tracemalloc saw at its peak in a second, identical pass, because tracemalloc
makes this code about 2.7 times slower (--no-tracemalloc skips those passes). The last
line is `ratio: X` = digest recipients per second / baseline messages per second, for
the --subscribers run.

With --workers 1 2, the same digests are instead enqueued as in production (one task
message per block of services.BLOCK_SIZE deliveries) and sent by real Celery worker
processes, first one, then two, each started with its own --hostname as if on its own
host. The table shows how many blocks each worker took (Celery's own statistics) and how
many recipients the SMTP server received more than once ("twice", which must be 0); the
last line is then `ratio: X` = the time with one worker / the time with the last count.

Duration on a 2-core machine: a few minutes for the defaults (1,000 + 10,000) with
--no-tracemalloc, about three times that with the traced passes.
"""

import argparse
import contextlib
import gc
import os
import socket
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 08:30 on Tuesday in Tokyo
FIRM_SIZE = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000, help="first run's size; 0 skips it")
    parser.add_argument("--opportunities", type=int, default=500)
    parser.add_argument("--areas", type=int, default=10, help="leaf areas shared by both")
    parser.add_argument("--database", default="kakehashi_bench")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the traced passes (peak MB)"
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of a one-delivery block"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        metavar="N",
        help="instead: send through N real Celery worker processes (each its own --hostname)",
    )
    args = parser.parse_args()
    if args.small >= args.subscribers:
        args.small = 0
    return args


# --- Services this script runs --------------------------------------------------------


class CountingHandler:
    """An SMTP server that accepts everything, keeps only counts and the last message."""

    def __init__(self):
        self.messages = 0
        self.bytes = 0
        self.last = b""
        self.recipients: dict[str, int] = {}

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        for address in envelope.rcpt_tos:
            self.recipients[address] = self.recipients.get(address, 0) + 1
        self.bytes += len(envelope.content)
        self.last = envelope.content
        return "250 2.0.0 Accepted"


def start_smtp_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler, port


def admin_connection(server_url: str):
    import psycopg

    return psycopg.connect(f"{server_url}/postgres", autocommit=True)


def recreate_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- Data -----------------------------------------------------------------------------


class Population:
    """Grows the subscriber base in steps; the opportunities are created once."""

    def __init__(self, *, opportunities: int, areas: int):
        from apps.organizations.models import Organization
        from apps.taxonomy.models import TechnologyArea

        leaves = TechnologyArea.objects.filter(children__isnull=True).order_by("path")
        self.areas = list(leaves[:areas])
        if len(self.areas) < areas:
            raise SystemExit(f"only {len(self.areas)} leaf areas exist")
        self.agency = Organization.objects.create(
            kind=Organization.Kind.AGENCY,
            name_en="Benchmark program office",
            country="US",
            verification_status=Organization.Verification.VERIFIED,
        )
        self.subscribers = 0
        self.firms = {}  # index -> firm of FIRM_SIZE subscribers
        self._create_opportunities(opportunities)

    def _create_opportunities(self, count: int) -> None:
        from apps.opportunities.models import Opportunity

        created = Opportunity.objects.bulk_create(
            Opportunity(
                organization=self.agency,
                reference_number=f"BENCH-{n:05d}",
                title_en=f"Benchmark opportunity {n}: a dual-use prototype",
                summary_en="A dual-use prototype sought from Japanese firms.",
                vehicle=Opportunity.Vehicle.OTA_PROTOTYPE,
                trl_min=4,
                trl_max=7,
                response_deadline=AS_OF + timedelta(days=20, hours=n % 48),
                status=Opportunity.Status.PUBLISHED,
                published_at=AS_OF - timedelta(hours=2) + timedelta(seconds=n),
            )
            for n in range(count)
        )
        through = Opportunity.areas.through
        through.objects.bulk_create(
            through(opportunity_id=o.pk, technologyarea_id=self.areas[n % len(self.areas)].pk)
            for n, o in enumerate(created)
        )

    def grow_to(self, total: int) -> None:
        from allauth.account.models import EmailAddress
        from django.contrib.auth.hashers import make_password
        from django.db import transaction

        from apps.accounts.models import User
        from apps.capabilities.models import Capability
        from apps.notifications.models import Subscription
        from apps.organizations.models import Membership, Organization

        first = self.subscribers
        if total <= first:
            return
        firms_needed = range(first // FIRM_SIZE, -(-total // FIRM_SIZE))  # ceil
        new_firms = [n for n in firms_needed if n not in self.firms]
        with transaction.atomic():
            firms = Organization.objects.bulk_create(
                Organization(
                    kind=Organization.Kind.FIRM,
                    name_en=f"Benchmark firm {n} K.K.",
                    verification_status=Organization.Verification.NOT_REQUIRED,
                )
                for n in new_firms
            )
            self.firms.update(zip(new_firms, firms, strict=True))
            capabilities = Capability.objects.bulk_create(
                Capability(
                    organization=firm,
                    title_en=f"Capability of firm {n}",
                    trl=5,
                    status=Capability.Status.PUBLISHED,
                    visibility=Capability.Visibility.PUBLIC,
                    published_at=AS_OF - timedelta(days=30),
                )
                for n, firm in zip(new_firms, firms, strict=True)
            )
            through = Capability.areas.through
            through.objects.bulk_create(
                through(capability_id=c.pk, technologyarea_id=self.areas[n % len(self.areas)].pk)
                for n, c in zip(new_firms, capabilities, strict=True)
            )
            unusable = make_password(None)
            users = User.objects.bulk_create(
                (
                    User(
                        email=f"subscriber{n:06d}@bench.example",
                        password=unusable,
                        display_name=f"Subscriber {n}",
                        terms_accepted_at=AS_OF - timedelta(days=30),
                    )
                    for n in range(first, total)
                ),
                batch_size=2000,
            )
            EmailAddress.objects.bulk_create(
                (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users),
                batch_size=2000,
            )
            Subscription.objects.bulk_create(
                (Subscription(user=u, frequency=Subscription.Frequency.DAILY) for u in users),
                batch_size=2000,
            )
            Membership.objects.bulk_create(
                (
                    Membership(user=u, organization=self.firms[n // FIRM_SIZE])
                    for n, u in enumerate(users, start=first)
                ),
                batch_size=2000,
            )
        self.subscribers = total


def forget_deliveries() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_deliveryitem, notifications_delivery RESTART IDENTITY"
        )


# --- Measuring ------------------------------------------------------------------------


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Measure:
    """Seconds, database queries and peak resident memory (Linux) of a block; peak memory
    traced by tracemalloc as well when `traced` (which slows Python down about 2.7 times
    here, so the seconds of a traced block are not reported)."""

    def __init__(self, *, traced: bool = False):
        self.traced = traced
        self.queries = QueryCounter()
        self.traced_mb = None
        self.rss_mb = None

    def __enter__(self):
        from django.db import connection

        gc.collect()
        reset_peak_rss()
        if self.traced:
            tracemalloc.start()
        self._wrapper = connection.execute_wrapper(self.queries)
        self._wrapper.__enter__()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self._wrapper.__exit__(*exc)
        if self.traced:
            self.traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        self.rss_mb = peak_rss_mb()
        return False


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets the process's peak resident set (VmHWM)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def discard_task_messages() -> None:
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)


def run_digest(expected: int, smtp: CountingHandler, *, traced: bool) -> Measure:
    from django.core.mail import get_connection

    from apps.notifications import services
    from apps.notifications.models import Delivery

    forget_deliveries()
    received = smtp.messages
    with Measure(traced=traced) as measure:
        created = services.digests_enqueue(frequency="daily", as_of=AS_OF)
        measure.enqueue_seconds = time.perf_counter() - measure.start
        ids = list(
            Delivery.objects.filter(status=Delivery.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        statuses = {}
        with get_connection() as mail:  # opened once, shared by every block
            for start in range(0, len(ids), services.BLOCK_SIZE):
                block = ids[start : start + services.BLOCK_SIZE]
                outcome = services.deliveries_send(delivery_ids=block, connection=mail)
                for status in outcome.values():
                    statuses[status] = statuses.get(status, 0) + 1
        del ids
    discard_task_messages()
    if created != expected or statuses != {"sent": expected}:
        raise SystemExit(f"expected {expected} digests sent, got {created} created, {statuses}")
    if smtp.messages - received != expected:
        raise SystemExit(f"the SMTP server received {smtp.messages - received} of {expected}")
    return measure


def run_baseline(count: int, smtp: CountingHandler, *, traced: bool) -> Measure:
    """The same number of messages of the same size, rendered once beforehand."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    sample = message_from_bytes(smtp.last, policy=default_policy)
    subject = str(sample["Subject"])
    text = sample.get_body(("plain",)).get_content()
    html = sample.get_body(("html",)).get_content()
    unsubscribe = str(sample["List-Unsubscribe"])
    received = smtp.messages
    with Measure(traced=traced) as measure, get_connection() as mail:
        for n in range(count):
            message = EmailMultiAlternatives(
                subject=subject,
                body=text,
                to=[f"subscriber{n:06d}@bench.example"],
                headers={
                    "Message-ID": f"<baseline-{n}@kakehashi.example>",
                    "List-Unsubscribe": unsubscribe,
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    "Auto-Submitted": "auto-generated",
                },
                connection=mail,
            )
            message.attach_alternative(html, "text/html")
            message.send()
    if smtp.messages - received != count:
        raise SystemExit(f"the SMTP server received {smtp.messages - received} of {count}")
    return measure


def start_workers(count: int, env: dict) -> list:
    """Celery worker processes as on separate hosts: each its own --hostname, one process
    each, all on the one Redis broker."""
    import subprocess

    celery = str(BASE_DIR / ".venv" / "bin" / "celery")
    return [
        subprocess.Popen(  # noqa: S603 — our own program, arguments built here
            [celery, "-A", "portal", "worker", f"--hostname=bench{n}@%h", "--concurrency=1",
             "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=BASE_DIR,
            env=env,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


def run_with_workers(count: int, expected: int, smtp: CountingHandler, env: dict) -> dict:
    """Enqueues the digests and lets `count` workers send them; returns the time, the
    blocks each worker took (from Celery's own statistics) and the recipients served
    more than once (from what the SMTP server received)."""
    from apps.notifications import services
    from apps.notifications.models import Delivery
    from portal.celery import app

    forget_deliveries()
    discard_task_messages()
    smtp.recipients.clear()
    workers = start_workers(count, env)
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=1) or []) < count:
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not answer within 60 s")
        received = smtp.messages
        start = time.perf_counter()
        created = services.digests_enqueue(frequency="daily", as_of=AS_OF)
        while smtp.messages - received < expected:
            if time.perf_counter() - start > 1800:
                raise SystemExit(f"{smtp.messages - received} of {expected} sent in 30 min")
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        stats = app.control.inspect(timeout=5).stats() or {}
        blocks = {
            name.split("@")[0]: info.get("total", {}).get(
                "apps.notifications.tasks.send_deliveries", 0
            )
            for name, info in sorted(stats.items())
        }
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    twice = sum(1 for n in smtp.recipients.values() if n > 1)
    if created != expected or sent != expected:
        raise SystemExit(f"expected {expected} digests, {created} created and {sent} sent")
    return {"seconds": seconds, "blocks": blocks, "twice": twice, "per_block": services.BLOCK_SIZE}


def show_queries_of_one_delivery() -> None:
    from django.core.mail import get_connection
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.notifications import services
    from apps.notifications.models import Delivery

    forget_deliveries()
    services.digests_enqueue(frequency="daily", as_of=AS_OF)
    discard_task_messages()
    delivery_id = Delivery.objects.order_by("pk").values_list("pk", flat=True).first()
    with get_connection() as mail, CaptureQueriesContext(connection) as captured:
        services.deliveries_send(delivery_ids=[delivery_id], connection=mail)
    print(f"\nqueries of one block of one delivery ({len(captured.captured_queries)}):")
    for n, query in enumerate(captured.captured_queries, start=1):
        print(f"{n:3}. {query['sql'][:160]}")
    print()


def main() -> None:
    args = parse_args()
    server_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    controller, smtp, port = start_smtp_server()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        DATABASE_URL=f"{server_url}/{args.database}",
        REDIS_URL=redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
    )
    sys.path.insert(0, str(BASE_DIR))
    recreate_database(server_url, args.database)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from portal.celery import app

        assert settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        app.conf.task_always_eager = False  # publish (then purge); the script sends itself
        call_command("migrate", verbosity=0, interactive=False)
        population = Population(opportunities=args.opportunities, areas=args.areas)
        if args.workers:
            population.grow_to(args.subscribers)
            runs = {
                n: run_with_workers(n, args.subscribers, smtp, dict(os.environ))
                for n in args.workers
            }
            print(f"\n{args.subscribers:,} digests through Celery workers on one Redis broker\n")
            print(
                f"{'workers':>8}{'seconds':>10}{'recipients/s':>14}{'twice':>7}  blocks per worker"
            )
            for n, run in runs.items():
                split = ", ".join(f"{name} {b}" for name, b in run["blocks"].items())
                print(
                    f"{n:>8}{run['seconds']:>10.1f}{args.subscribers / run['seconds']:>14.1f}"
                    f"{run['twice']:>7}  {split}"
                )
            first, last = runs[args.workers[0]], runs[args.workers[-1]]
            print(f"ratio: {first['seconds'] / last['seconds']:.3f}")
            return
        sizes = [n for n in (args.small, args.subscribers) if n]

        rows = []
        for size in sizes:
            population.grow_to(size)
            if args.show_queries and size == sizes[0]:
                show_queries_of_one_delivery()
            timed = run_digest(size, smtp, traced=False)
            if not args.no_tracemalloc:
                timed.traced_mb = run_digest(size, smtp, traced=True).traced_mb
            rows.append((f"digest {size:,}", size, timed))
            print(
                f"digest {size:,}: {timed.seconds:.1f} s "
                f"(of which enqueue {timed.enqueue_seconds:.1f} s)",
                file=sys.stderr,
            )
        size = args.subscribers
        mean_size = smtp.bytes / smtp.messages
        baseline = run_baseline(size, smtp, traced=False)
        if not args.no_tracemalloc:
            baseline.traced_mb = run_baseline(size, smtp, traced=True).traced_mb
        rows.append((f"baseline {size:,}", size, baseline))

        print(
            f"\n{args.opportunities} opportunities over {args.areas} areas "
            f"({args.opportunities // args.areas} items per digest), "
            f"mean message {mean_size / 1024:.1f} KiB, SMTP on loopback\n"
        )
        header = ("recipients", "seconds", "recipients/s", "queries", "q/recipient", "peak MB")
        print(f"{'run':<17}{''.join(f'{h:>13}' for h in header)}{'peak RSS MB':>13}")
        for name, count, measure in rows:
            traced = "—" if measure.traced_mb is None else f"{measure.traced_mb:.1f}"
            rss = "—" if measure.rss_mb is None else f"{measure.rss_mb:.0f}"
            print(
                f"{name:<17}{count:>13,}{measure.seconds:>13.1f}"
                f"{count / measure.seconds:>13.1f}{measure.queries.count:>13,}"
                f"{measure.queries.count / count:>13.1f}{traced:>13}{rss:>13}"
            )
        digest = rows[-2][2]
        ratio = (size / digest.seconds) / (size / baseline.seconds)
        print(f"ratio: {ratio:.3f}")
    finally:
        from django.db import connections

        connections.close_all()
        controller.stop()
        drop_database(server_url, args.database)


if __name__ == "__main__":
    main()
