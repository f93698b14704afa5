"""How long the dashboards take on production-sized data, against an ordinary page of the
same run: the opportunity list, signed in (which the page cache does not serve).

Run from the project root (PostgreSQL must be running):

    .venv/bin/python benchmarks/dashboards.py                         # 100,000 opportunities
    .venv/bin/python benchmarks/dashboards.py --opportunities 20000   # quicker

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), a role that
may create databases. The script uses the database kakehashi_bench_dashboards
(--database): it creates and migrates it if missing and fills it with `seed_scale`
(idempotent: a second run reuses the data; --fresh starts over).

Each page is fetched in-process with Django's test client as the user who may see it
(the first seeded agency's member, the first intermediary's member, a superuser for the
reviewers' dashboard), the median of --repeat runs after a warm-up, the pages taking
turns so that all see the same load on a shared machine. Printed: the median time, the
queries of one fetch, and the ratio to the baseline page. The last line is
`ratio: X` = the slowest dashboard's time / the baseline's.
"""

import argparse
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.matching import ensure_database, timed_in_turns  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--capabilities", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="kakehashi_bench_dashboards")
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    return parser.parse_args()


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
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.organizations.models import Organization, Partnership

    call_command("migrate", verbosity=0)
    call_command(
        "seed_scale",
        opportunities=args.opportunities,
        firms=args.firms,
        capabilities=args.capabilities,
        seed=1,
        stdout=sys.stderr,
    )

    def member_of(kind: str) -> tuple[User, Organization]:
        organization = (
            Organization.objects.filter(kind=kind, verification_status="verified")
            .order_by("pk")
            .first()
        )
        return organization.memberships.order_by("pk").first().user, organization

    agency_user, _agency = member_of(Organization.Kind.AGENCY)
    intermediary_user, intermediary = member_of(Organization.Kind.INTERMEDIARY)
    operator, _ = User.objects.get_or_create(
        email="bench-operator@kakehashi.example",
        defaults={"is_staff": True, "is_superuser": True, "display_name": "Bench operator"},
    )

    def client_for(user) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client

    pages = [
        ("baseline: opportunity list", client_for(agency_user), "/opportunities/?q=sensor"),
        ("agency dashboard", client_for(agency_user), "/insights/agency/"),
        ("reviewers' dashboard", client_for(operator), "/insights/review/"),
        (
            "intermediary dashboard",
            client_for(intermediary_user),
            f"/insights/intermediary/{intermediary.pk}/",
        ),
    ]

    def fetch(client, url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return run

    timed = timed_in_turns([fetch(client, url) for _name, client, url in pages], args.repeat)
    queries = []
    for _name, client, url in pages:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured))

    partners = Partnership.objects.filter(intermediary=intermediary).count()
    print(
        f"data: {args.opportunities:,} opportunities, {args.capabilities:,} capabilities, "
        f"{args.firms:,} firms; the intermediary's network: {partners:,} partners"
    )
    baseline = timed[0][0]
    print(f"{'page':<26} {'median ms':>10} {'queries':>8} {'× baseline':>11}")
    for (name, _client, _url), (seconds, _result), count in zip(pages, timed, queries, strict=True):
        print(f"{name:<26} {seconds * 1000:>10.1f} {count:>8} {seconds / baseline:>11.2f}")
    slowest = max(seconds for seconds, _result in timed[1:])
    print(f"ratio: {slowest / baseline:.2f}")


if __name__ == "__main__":
    main()
