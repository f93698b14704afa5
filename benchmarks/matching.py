"""How long matching one new opportunity against the capability catalogue takes, against
the cost of simply reading the candidate rows.

Run from the project root (PostgreSQL must be running):

    .venv/bin/python benchmarks/matching.py                       # 100,000 capabilities
    .venv/bin/python benchmarks/matching.py --capabilities 20000  # quicker

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), a role that
may create databases. The script uses the database kakehashi_bench_matching (--database):
it creates and migrates it if missing and fills it with `seed_scale` (idempotent, so a
second run reuses the data; --fresh starts over). It is kept for the next run.

What is measured, each the median of --repeat runs after one warm-up of each, the two
runs taking turns so that both see the same load on a shared machine:

- matching: apps.matching.selectors.matches_for_opportunity(opportunity, limit=50) for
  a new published opportunity in the two most popular technology areas (the hardest
  case: the most candidates): candidate capabilities and their areas, targeting,
  ranking every candidate in Python, the 50 firms shown with their reasons.
- baseline: one indexed query that reads the same candidate rows (capability id, firm,
  TRL, title) through the area index, and nothing else.

Also shown: the capabilities and firms behind the candidate rows, and how many
capabilities one more (untimed) matching call scored in full (keywords tokenised) rather
than only bounded.

The last line is `ratio: X` = matching time / baseline time (target: at most 3).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--capabilities", type=int, default=100_000)
    parser.add_argument("--firms", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="kakehashi_bench_matching")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    return parser.parse_args()


def ensure_database(server_url: str, name: str, *, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed_in_turns(functions: list, repeat: int) -> list[tuple[float, object]]:
    """(median seconds, last result) of each function, the functions called in turns."""
    for function in functions:
        function()  # warm-up: caches, plans
    times: list[list[float]] = [[] for _ in functions]
    results: list[object] = [None for _ in functions]
    for _ in range(repeat):
        for index, function in enumerate(functions):
            started = time.perf_counter()
            results[index] = function()
            times[index].append(time.perf_counter() - started)
    return [(statistics.median(t), result) for t, result in zip(times, results, strict=True)]


def scored_in_full(function) -> int:
    """How many capabilities one call of `function` scores with their keywords."""
    from apps.matching.scoring import OpportunityPoints

    keywords = OpportunityPoints.keywords
    calls = 0

    def counted(self, text):
        nonlocal calls
        calls += 1
        return keywords(self, text)

    OpportunityPoints.keywords = counted
    try:
        function()
    finally:
        OpportunityPoints.keywords = keywords
    return calls


def main() -> None:
    args = parse_args()
    server_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    ensure_database(server_url, args.database, fresh=args.fresh)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.local",
        DATABASE_URL=f"{server_url}/{args.database}",
        DEBUG="false",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.capabilities.models import Capability
    from apps.matching import selectors
    from apps.opportunities.models import Opportunity
    from apps.organizations.models import Organization
    from apps.taxonomy.selectors import area_with_descendants_ids

    call_command("migrate", verbosity=0)
    call_command(
        "seed_scale",
        opportunities=100,
        firms=args.firms,
        capabilities=args.capabilities,
        seed=1,
        stdout=sys.stderr,
    )

    through = Capability.areas.through
    popular = [
        row["technologyarea_id"]
        for row in through.objects.values("technologyarea_id")
        .annotate(n=django.db.models.Count("capability_id"))
        .order_by("-n")[:2]
    ]
    agency = Organization.objects.filter(kind=Organization.Kind.AGENCY).order_by("pk").first()
    opportunity, _ = Opportunity.objects.get_or_create(
        organization=agency,
        reference_number="BENCH-MATCH-1",
        defaults={
            "title_en": "Compact SAR payload for maritime awareness",
            "summary_en": "A new opportunity to match against the whole catalogue.",
            "vehicle": Opportunity.Vehicle.OTA_PROTOTYPE,
            "trl_min": 4,
            "trl_max": 7,
            "response_deadline": timezone.now() + timedelta(days=30),
            "status": Opportunity.Status.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    opportunity.areas.set(popular)

    area_ids = set()
    for area in opportunity.areas.all():
        area_ids |= set(area_with_descendants_ids(area))

    def matching():
        fresh = Opportunity.objects.get(pk=opportunity.pk)
        return selectors.matches_for_opportunity(fresh, limit=50)

    def baseline():
        return list(
            Capability.objects.filter(
                status=Capability.Status.PUBLISHED, areas__in=area_ids
            ).values_list("pk", "organization_id", "trl", "title_en")
        )

    (baseline_seconds, rows), (matching_seconds, matches) = timed_in_turns(
        [baseline, matching], args.repeat
    )
    with CaptureQueriesContext(connection) as queries:
        matching()

    capabilities = Capability.objects.count()
    if capabilities != args.capabilities:
        print(
            f"note: {args.database} holds {capabilities:,} capabilities, not "
            f"{args.capabilities:,} (seeding only adds): use another --database or --fresh",
            file=sys.stderr,
        )
    candidates = {(pk, firm_id) for pk, firm_id, _trl, _title in rows}
    firms = {firm_id for _pk, firm_id in candidates}
    print(
        f"capabilities: {capabilities:,}; candidate rows: {len(rows):,} "
        f"({len(candidates):,} capabilities of {len(firms):,} firms); "
        f"scored in full: {scored_in_full(matching):,}; firms shown: {len(matches)}"
    )
    print(f"{'run':<10} {'median ms':>10} {'queries':>8}")
    print(f"{'baseline':<10} {baseline_seconds * 1000:>10.1f} {1:>8}")
    print(f"{'matching':<10} {matching_seconds * 1000:>10.1f} {len(queries):>8}")
    print(f"ratio: {matching_seconds / baseline_seconds:.2f}")


if __name__ == "__main__":
    main()
