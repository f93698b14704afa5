"""Instructions the web process executes per request for the main pages, against the
cheapest Django route and, with --against, against another revision of the code: counted
under Valgrind, a figure that does not move with the load of a shared machine, where
web.py's requests per second move by tens of percent between runs.

Run from the project root, after web.py has created its database for that size (it
reuses kakehashi_bench_web_<N>); needs Valgrind (Debian package `valgrind`):

    .venv/bin/python benchmarks/instructions.py                           # 10,000
    .venv/bin/python benchmarks/instructions.py --opportunities 300000
    .venv/bin/python benchmarks/instructions.py --only list --against 9371f79

--against REV checks REV out into a temporary git worktree (its translations compiled
and static files collected there) and counts the same scenarios with its code, on the
same database.

Each scenario is the same URL mix as web.py's (the list's 240 filter URLs, the signed-in
directory, detail pages, the API list; the baseline /robots.txt), requested in-process
through Django's full handler and middleware with the production settings, PostgreSQL and
Redis (response cache off: what a request costs when it is not kept). A child process
warms up (one pass over the mix), then requests the mix R times; it runs under
`valgrind --tool=cachegrind --cache-sim=no` twice, with two values of R, after a first
pass that fills the shared caches; the difference of the two instruction totals divided
by the difference of the requests made is the count per request (start-up and warm-up
cancel out). PYTHONHASHSEED is fixed, so that repeated runs count alike.

What it leaves out: the kernel's work for the process (its system calls, the round trips
to PostgreSQL and Redis), the database's and Redis's own work and the HTTP server's, so
its multiples are not web.py's shares (a list request costs the web process about 11 x the
baseline's instructions but 16 x its CPU time); web.py measures all of it, noisily.
Columns: million instructions per request, as a multiple of the baseline's, and with
--against the other revision's count and this code's as a share of it. The last line is
`ratio: X`, the list's instructions over the baseline's.
"""

# The script starts Valgrind and Python with arguments it builds itself.
# ruff: noqa: S603, S607

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import web  # the same services, settings and URL mixes

BASE_DIR = Path(__file__).resolve().parent.parent
PY = str(BASE_DIR / ".venv" / "bin" / "python")
SCENARIOS = ["baseline", "list", "directory", "detail", "api"]

CHILD = """
import json, os, random, sys
sys.path.insert(0, "benchmarks")
import django
django.setup()
from django.test import Client
import web
from apps.opportunities.models import Opportunity
from apps.organizations.models import Membership
from apps.taxonomy.models import TechnologyArea

scenario, repeat = sys.argv[1], int(sys.argv[2])
areas = list(TechnologyArea.objects.values_list("slug", flat=True))
rng = random.Random(2026)  # as web.py: the same URL mixes
mixes = {
    "baseline": ["/robots.txt"] * 20,
    "list": web.list_urls(rng, areas, 240, "/opportunities/"),
    "directory": web.list_urls(rng, areas, 100, "/capabilities/"),
    "api": [u for u in web.list_urls(rng, areas, 140, "/api/v1/opportunities/")
            if "page=" not in u][:100],
}
ids = Opportunity.objects.filter(status="published").order_by("pk").values_list("pk", flat=True)
mixes["detail"] = [f"/opportunities/{pk}/" for pk in ids[:300]]
client = Client()
if scenario == "directory":
    member = (Membership.objects.filter(organization__kind="agency",
              organization__verification_status="verified").order_by("pk").first())
    client.force_login(member.user)
paths = mixes[scenario]
for path in paths:  # warm-up, and a check that each answers itself
    status = client.get(path).status_code
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
for _ in range(repeat):
    for path in paths:
        client.get(path)
print(json.dumps({"requests": repeat * len(paths)}))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument("--only", nargs="*", choices=SCENARIOS[1:], help="these scenarios")
    parser.add_argument("--against", metavar="REV", help="also count this git revision")
    return parser.parse_args()


def checkout(revision: str, directory: Path, env: dict) -> Path:
    """REV in a worktree, ready for the production settings."""
    tree = directory / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), revision],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
    )
    for command in (["compilemessages", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "manage.py", *command], cwd=tree, env=env, check=True)
    return tree


def per_request(env: dict, names: list[str], code: Path, label: str) -> dict[str, float]:
    counts = {}
    for name in names:
        # A first pass without Valgrind fills the shared caches (cards, counts), so that
        # both counted runs' warm-ups find them filled alike.
        subprocess.run(
            [PY, "-c", CHILD, name, "0"], cwd=code, env=env, check=True, stdout=subprocess.DEVNULL
        )
        low, low_requests = count(env, name, 1, code)
        high, high_requests = count(env, name, 3, code)
        counts[name] = (high - low) / (high_requests - low_requests)
        print(f"  {label} {name}: {counts[name] / 1e6:.2f} M instructions", file=sys.stderr)
    return counts


def count(env: dict, scenario: str, repeat: int, code: Path) -> tuple[int, int]:
    """(instructions, requests made after the warm-up) of one child under Valgrind."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            PY,
            "-c",
            CHILD,
            scenario,
            str(repeat),
        ],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{scenario}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    refs = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    requests = json.loads(result.stdout.strip().splitlines()[-1])["requests"]
    return int(refs.group(1).replace(",", "")), requests


def main() -> None:
    args = parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("Valgrind is needed: apt-get install valgrind")
    server_url, redis_url = web.bench_services()
    database_url = f"{server_url}/{web.bench_database(args.opportunities)}"
    env = {
        **web.production_env(database_url, redis_url, cache="off", hosts="testserver"),
        "PYTHONHASHSEED": "0",
    }
    names = ["baseline"] + [s for s in SCENARIOS[1:] if not args.only or s in args.only]
    here = per_request(env, names, BASE_DIR, "this code:")
    there = {}
    if args.against:
        with tempfile.TemporaryDirectory(prefix="kakehashi-rev-") as directory:
            try:
                tree = checkout(args.against, Path(directory), env)
                there = per_request(env, names, tree, f"{args.against}:")
            finally:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(Path(directory) / "tree")],
                    cwd=BASE_DIR,
                    check=False,
                    capture_output=True,
                )
    baseline = here["baseline"]
    print(
        f"{args.opportunities:,} opportunities; in-process, response cache off; "
        "user-space instructions of the web process (Valgrind)"
    )
    header = f"{'scenario':<10} {'M instr/req':>12} {'x baseline':>11}"
    if there:
        header += f" {args.against:>12} {'share of it':>12}"
    print(header)
    for name, value in here.items():
        line = f"{name:<10} {value / 1e6:>12.2f} {value / baseline:>11.1f}"
        if there:
            line += f" {there[name] / 1e6:>12.2f} {value / there[name]:>12.1%}"
        print(line)
    if "list" in here:
        print(f"ratio: {here['list'] / baseline:.2f}")


if __name__ == "__main__":
    main()
