"""Requests per second and latency of the main pages under gunicorn with production
settings, against the cheapest route the project serves through Django, in the same run.

Run from the project root (PostgreSQL and Redis must be running; wrk from Debian's
packages, and nginx for --instances 2):

    .venv/bin/python benchmarks/web.py                           # 10,000 opportunities
    .venv/bin/python benchmarks/web.py --opportunities 300000    # seeds for ~15 minutes once
    .venv/bin/python benchmarks/web.py --instances 2             # two gunicorns behind nginx
    .venv/bin/python benchmarks/web.py --only list --soak 600    # then a 10-minute soak

Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432), a role that
may create databases; BENCH_REDIS_URL (default redis://127.0.0.1:6379/14), a Redis
database the script may flush. The database kakehashi_bench_web_<N> is created and filled
with `seed_scale` on the first run for N opportunities and kept for the next runs.

Each scenario runs wrk (2 threads, --connections) against gunicorn (deploy/gunicorn.conf.py,
production settings, --workers per instance) on loopback, in --rounds slices of --duration
seconds, and every slice runs between two slices of the baseline: a shared machine's speed
drifts within minutes, and a share measured against the baseline just before and after it
compares like with like:

- baseline: /robots.txt, a plain Django view through the whole middleware stack;
- list: the public opportunity list over a mix of --urls distinct filter URLs (keyword in
  English or Japanese, technology area, deadline window, TRL, page), anonymous;
- detail: opportunity detail pages, a mix of published opportunities;
- directory: the capability directory with filters, as a signed-in agency user;
- api: the API's opportunity list, with filters and pages.

With --soak SECONDS, the list mix then runs at half the rate just measured for it (wrk
paces each connection), for that long; the line "soak:" gives the rate reached, the
errors, and all workers' resident memory in the first and in the last minute.

With --cache off the response cache is bypassed (PAGE_CACHE=off); by default it is on,
so the list figure is the cached one. Columns: requests/s, p50 and p99 latency (medians of
the slices), the worst slice's p99, non-2xx answers, and the share of the baseline: the
median over the slices of the slice's requests/s over its baseline's (the mean of the
baseline slices before and after it), then each slice's share. The peak RSS of any
gunicorn worker over the run is printed too. The last line is `ratio: X`, the list's
share.
"""

# The script starts local programs (gunicorn, nginx, wrk) with arguments it builds itself.
# ruff: noqa: S603, S607

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = str(BASE_DIR / ".venv" / "bin" / "python")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--opportunities", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per slice")
    parser.add_argument(
        "--rounds", type=int, default=3, help="slices per scenario, each between baselines"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per instance")
    parser.add_argument("--instances", type=int, default=1, choices=[1, 2])
    parser.add_argument("--urls", type=int, default=240, help="distinct list URLs in the mix")
    parser.add_argument("--cache", choices=["on", "off"], default="on")
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="SECONDS",
        help="then load the list mix at half its measured rate for this long",
    )
    return parser.parse_args()


# --- Setup ------------------------------------------------------------------------------

SECRET_KEY = "bench-" + "x" * 60


def bench_services() -> tuple[str, str]:
    """(PostgreSQL server URL, Redis database URL) of the benchmarks (see the docstring)."""
    return (
        os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    )


def bench_database(opportunities: int) -> str:
    return f"kakehashi_bench_web_{opportunities}"


def production_env(database_url: str, redis_url: str, *, cache: str, hosts: str) -> dict:
    """The environment of the production settings on the benchmark's services."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": hosts,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECURE_SSL_REDIRECT": "false",
        "PAGE_CACHE": cache,
        # The API's rate limits would answer 429 to a load generator on one address.
        "API_ANON_RATE": "100000000/minute",
        "API_USER_RATE": "100000000/minute",
    }


def ensure_database(server_url: str, name: str) -> bool:
    """True when the database had to be created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def vacuum(server_url: str, name: str) -> None:
    """VACUUM ANALYZE (quick when nothing changed): a migration that filled a column
    leaves the planner without its statistics and index-only scans without the
    visibility map until autovacuum comes by."""
    import psycopg

    with psycopg.connect(f"{server_url}/{name}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def database_memory(server_url: str, name: str) -> str:
    """The database's size beside PostgreSQL's own cache: a database larger than
    shared_buffers is read through the kernel's page cache, which a virtual machine may
    not keep (on the machine of the sixth series it dropped pages with most of its memory
    free, and the runs read from disk: see benchmarks/README.md)."""
    import psycopg

    with psycopg.connect(f"{server_url}/{name}", autocommit=True) as conn:
        size, buffers = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), "
            "current_setting('shared_buffers')"
        ).fetchone()
    return f"database {size}; PostgreSQL shared_buffers {buffers}"


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


SETUP = """
import json, random
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from apps.capabilities.models import Capability
from apps.opportunities.models import Opportunity
from apps.organizations.models import Membership, Organization
from apps.taxonomy.models import TechnologyArea
member = Membership.objects.filter(organization__kind="agency",
    organization__verification_status="verified").select_related("user").order_by("pk").first()
session = SessionStore()
session[SESSION_KEY] = str(member.user.pk)
session[BACKEND_SESSION_KEY] = "apps.accounts.backends.AuthenticationBackend"
session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
session.create()
ids = list(Opportunity.objects.filter(status="published").order_by("?")
    .values_list("pk", flat=True)[:400])
areas = list(TechnologyArea.objects.values_list("slug", flat=True))
print(json.dumps({"session": session.session_key, "ids": ids, "areas": areas}))
"""

WORDS = [
    "sar", "satellite", "hypersonic", "thermal", "gan", "swarm", "additive", "ai",
    "battery", "5g", "optical", "fpga", "imager", "maritime", "logistics",
    "衛星", "熱防護", "電池", "増幅器", "積層造形", "推論", "光通信", "前線",
]  # fmt: skip


def list_urls(rng: random.Random, areas: list[str], count: int, base: str) -> list[str]:
    """Distinct, realistic filter URLs: what people combine on the list page."""
    urls: set[str] = set()
    while len(urls) < count:
        params = []
        if rng.random() < 0.5:
            params.append(("q", rng.choice(WORDS)))
        if rng.random() < 0.5:
            params.append(("area", rng.choice(areas)))
        if rng.random() < 0.25:
            start = rng.choice(["2026-12-01", "2027-01-01", "2027-03-01"])
            params.append(("deadline_after", start))
        if rng.random() < 0.15:
            params.append(("trl", str(rng.randint(3, 8))))
        if rng.random() < 0.3:
            params.append(("page", str(rng.randint(2, 6))))
        from urllib.parse import urlencode

        urls.add(base + ("?" + urlencode(params) if params else ""))
    return sorted(urls)


LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path)
end
"""


SESSION_COOKIE = "__Host-sessionid"  # the production settings' name


def lua_script(
    paths: list[str], cookie: str | None, directory: Path, name: str, delay_ms: float = 0
) -> Path:
    quoted = ",".join('"' + p.replace('"', '\\"') + '"' for p in paths)
    text = LUA % quoted
    if delay_ms:  # paced: each connection waits this long before its next request
        text += f"\ndelay = function()\n  return {delay_ms:.1f}\nend\n"
    if cookie:
        text = f'wrk.headers["Cookie"] = "{SESSION_COOKIE}={cookie}"\n' + text
    path = directory / f"{name}.lua"
    path.write_text(text, encoding="utf-8")
    return path


# --- Running ----------------------------------------------------------------------------


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [GUNICORN, "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
        cwd=BASE_DIR,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)},
        start_new_session=True,
    )


def start_nginx(ports: list[int], listen: int, directory: Path) -> subprocess.Popen:
    upstream = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  upstream web {{
{upstream}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{listen};
    location / {{
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }}
  }}
}}
""",
        encoding="utf-8",
    )
    return subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-g", "daemon off;"],
        start_new_session=True,
    )


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


class RssSampler(threading.Thread):
    """The peak resident memory of any gunicorn worker (children of the masters)."""

    def __init__(self, masters: list[int]):
        super().__init__(daemon=True)
        self.masters = masters
        self.peak_kb = 0
        self.totals: list[tuple[float, int]] = []  # (time, all workers' RSS in kB)
        self.stop = threading.Event()

    def _children(self) -> list[int]:
        pids = []
        for master in self.masters:
            try:
                text = Path(f"/proc/{master}/task/{master}/children").read_text()
            except OSError:
                continue
            pids += [int(p) for p in text.split()]
        return pids

    def run(self):
        while not self.stop.wait(0.5):
            total = 0
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmRSS:\s+(\d+) kB", status)
                if match:
                    self.peak_kb = max(self.peak_kb, int(match.group(1)))
                    total += int(match.group(1))
            self.totals.append((time.monotonic(), total))

    def mean_total_mb(self, start: float, end: float) -> float:
        values = [kb for t, kb in self.totals if start <= t <= end]
        return sum(values) / len(values) / 1024 if values else float("nan")


def run_wrk(url: str, script: Path, args, duration: int | None = None) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{duration or args.duration}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": sum(int(n) for n in re.findall(r"\d+", sockets.group(1)))
        if sockets
        else 0,
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
    }


def warm_pass(base: str, paths: list[str], cookie: str | None) -> None:
    for path in paths:
        request = urllib.request.Request(base + path)  # noqa: S310 — loopback
        if cookie:
            request.add_header("Cookie", f"{SESSION_COOKIE}={cookie}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            if response.url != base + path:
                raise SystemExit(f"{path} answered with a redirect to {response.url}")


def run_rounds(base: str, scripts: dict, names: list[str], args) -> dict[str, list[dict]]:
    """Each scenario's slices, every one run between two slices of the baseline:
    B s1 B s2 B … per round, for --rounds rounds. A shared machine's speed drifts by tens
    of percent within minutes; a slice compared with the baseline just before and after
    it sees the same machine, and the rounds spread each scenario over the whole run.
    Returns the slices of each scenario and, under "baseline:<name>", the mean of the
    two baseline slices around each of them."""
    slices: dict[str, list[dict]] = {"baseline": []}
    before = run_wrk(base, scripts["baseline"], args)
    slices["baseline"].append(before)
    for _round in range(args.rounds):
        for name in names:
            result = run_wrk(base, scripts[name], args)
            after = run_wrk(base, scripts["baseline"], args)
            slices["baseline"].append(after)
            slices.setdefault(name, []).append(result)
            slices.setdefault("baseline:" + name, []).append(
                {"rps": (before["rps"] + after["rps"]) / 2}
            )
            before = after
    return slices


def summarize(runs: list[dict], beside: list[dict] | None) -> dict:
    """The median slice's figures; shares are each slice's rate over its baseline's."""
    shares = [r["rps"] / b["rps"] for r, b in zip(runs, beside, strict=True)] if beside else []
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50": statistics.median(r["p50"] for r in runs),
        "p99": statistics.median(r["p99"] for r in runs),
        "p99_max": max(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "shares": shares,
        "share": statistics.median(shares) if shares else None,
    }


def soak(base: str, paths: list[str], measured: dict, sampler, work: Path, args) -> dict:
    """The list mix at half the rate measured for it, paced by wrk (each connection waits
    between its requests), with the workers' memory sampled throughout."""
    target = measured["rps"] / 2
    # Each connection waits long enough that, even with answers taking no time at all,
    # the connections together send no more than the target rate.
    delay_ms = 1000 * args.connections / target
    script = lua_script(paths, None, work, "soak", delay_ms=delay_ms)
    start = time.monotonic()
    result = run_wrk(base, script, args, duration=args.soak)
    end = time.monotonic()
    window = min(60.0, args.soak / 4)
    rss_start = sampler.mean_total_mb(start, start + window)
    rss_end = sampler.mean_total_mb(end - window, end)
    return {
        **result,
        "seconds": args.soak,
        "target": target,
        "rss_start": rss_start,
        "rss_end": rss_end,
        "growth": rss_end / rss_start - 1,
    }


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    server_url, redis_url = bench_services()
    database = bench_database(args.opportunities)
    created = ensure_database(server_url, database)
    work = Path(tempfile.mkdtemp(prefix="kakehashi-web-"))
    local = {
        **os.environ,
        # The session made below for the directory is signed with the key the server uses.
        "SECRET_KEY": SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DATABASE_URL": f"{server_url}/{database}",
        "REDIS_URL": "",
        "DEBUG": "false",
    }
    manage(local, "migrate", "--noinput", "-v0")
    if created:
        manage(
            local,
            "seed_scale",
            f"--opportunities={args.opportunities}",
            f"--firms={max(200, args.opportunities // 15)}",
            f"--capabilities={max(1000, args.opportunities // 3)}",
        )
    # After seeding or new migrations: the planner's statistics and the visibility map
    # (index-only scans), as autovacuum would give a long-lived database.
    vacuum(server_url, database)
    import json

    facts = json.loads(manage(local, "shell", "-c", SETUP, capture=True).strip().splitlines()[-1])
    production = production_env(
        f"{server_url}/{database}", redis_url, cache=args.cache, hosts="127.0.0.1,localhost"
    )
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    manage(production, "collectstatic", "--noinput", "-v0")

    ports = [args.port + i for i in range(args.instances)]
    processes = [start_gunicorn(production, port, args.workers) for port in ports]
    front = ports[0]
    if args.instances > 1:
        front = args.port + 50
        processes.append(start_nginx(ports, front, work))
    try:
        base = f"http://127.0.0.1:{front}"
        wait_for(base + "/robots.txt")
        rng = random.Random(2026)  # noqa: S311 — a fixed URL mix, not a secret
        ids = facts["ids"]
        scenarios = {
            "baseline": (["/robots.txt"], None),
            "list": (list_urls(rng, facts["areas"], args.urls, "/opportunities/"), None),
            "detail": ([f"/opportunities/{pk}/" for pk in ids[:300]], None),
            "directory": (
                list_urls(rng, facts["areas"], 100, "/capabilities/"),
                facts["session"],
            ),
            "api": (
                [
                    u
                    for u in list_urls(rng, facts["areas"], 140, "/api/v1/opportunities/")
                    if "page=" not in u
                ][:100],  # the API answers 404 past the last page
                None,
            ),
        }
        sampler = RssSampler([p.pid for p in processes[: args.instances]])
        sampler.start()
        measured = {
            name: (paths, cookie)
            for name, (paths, cookie) in scenarios.items()
            if name != "baseline" and (not args.only or name in args.only)
        }
        scripts = {
            name: lua_script(paths, cookie, work, name)
            for name, (paths, cookie) in scenarios.items()
        }
        # One pass over each mix first: a check that every URL answers itself (not a
        # redirect to sign in, say), and a warm start (database buffers and, with the
        # cache on, the cached pages), so that what is measured is the steady state.
        for name, (paths, cookie) in scenarios.items():
            if name == "baseline" or name in measured:
                warm_pass(base, paths, cookie)
        slices = run_rounds(base, scripts, list(measured), args)
        results = {"baseline": summarize(slices["baseline"], None)}
        for name, (paths, _cookie) in measured.items():
            results[name] = summarize(slices[name], slices["baseline:" + name])
            results[name]["urls"] = len(paths)
        results["baseline"]["urls"] = 1
        soaked = None
        if args.soak and "list" in results:
            soaked = soak(base, scenarios["list"][0], results["list"], sampler, work, args)
        sampler.stop.set()
    finally:
        for process in processes:
            with_group = os.getpgid(process.pid)
            os.killpg(with_group, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    print(database_memory(server_url, database))
    print(
        f"{args.opportunities:,} opportunities; {args.instances} instance(s) x "
        f"{args.workers} workers; {args.connections} connections; cache {args.cache}; "
        f"{args.rounds} round(s) of {args.duration} s, each beside a baseline slice"
    )
    print(
        f"{'scenario':<10} {'urls':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'p99 max':>8} {'non-2xx':>8} {'share':>7}  shares by round"
    )
    for name, r in results.items():
        rounds = " ".join(f"{x:.1%}" for x in r["shares"])
        share = f"{r['share']:>7.1%}" if r["share"] is not None else f"{'':>7}"
        print(
            f"{name:<10} {r['urls']:>5} {r['rps']:>9.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
            f"{r['p99_max']:>8.1f} {r['errors']:>8} {share}  {rounds}"
        )
    print(f"peak worker RSS: {sampler.peak_kb / 1024:.0f} MB")
    if soaked:
        r = soaked
        print(
            f"soak: {r['seconds']} s of the list mix at {r['rps']:.1f} req/s (target "
            f"{r['target']:.1f}, half the measured maximum); p99 {r['p99']:.1f} ms; "
            f"{r['errors']} non-2xx, {r['socket_errors']} socket errors; all workers' RSS "
            f"{r['rss_start']:.0f} MB in the first minute, {r['rss_end']:.0f} MB in the last "
            f"({r['growth']:+.1%})"
        )
    if "list" in results:
        print(f"ratio: {results['list']['share']:.3f}")


if __name__ == "__main__":
    main()
