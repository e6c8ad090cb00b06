"""The benchmark of issue 11 (``make bench``): data, load, concurrency and soak runs, checked against the goals.

``python -m bench.run [--soak SECONDS] [--page-seconds S] [--skip-pg]``. Everything runs on 127.0.0.1 in a
temporary directory and a PostgreSQL database ``bench_<pid>`` that are removed at the end. Results go to
``bench/results/latest.json`` and ``bench/results/latest.md`` (the table that ``bench/RESULTS.md`` quotes).

Steps: start-up time; D1 on SQLite (``seed-demo --volume d1``); pages probed in-process (SQL queries,
bytes); the portal and a bare Flask hello world under gunicorn with the same settings; wrk at 10
connections per page, as a ratio to the hello world measured in the same run; search latency for one user;
8 × 100 concurrent registrations on SQLite; the same on PostgreSQL with D1, then D2 (the index × 100) for
search; last, the soak: 20 users with think time, 80 % pages, 15 % searches, 5 % writes, RSS sampled.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench-" + secrets.token_urlsafe(12)
MEDIATOR = "mediation.a@example.org"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# A Redis database of its own (the tests use 0, 3 and 5): emptied at the start and at the end of a run.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
# One secret for every server of the run: a session cookie signed by one is valid on the next.
SECRET_KEY = secrets.token_urlsafe(48)

GOALS = {"ratio": 0.20, "p95_ms": 50, "p99_ms": 150, "search_p95_ms": 20, "d2_search_ms": 1000, "write_p95_ms": 100,
         "rss_mb": 150, "startup_s": 3.0, "soak_growth": 0.10, "total_s": 15 * 60}


def log(message: str) -> None:
    """Progress on stderr, with the time since the start."""
    print(f"[{time.time() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


STARTED = time.time()


# --- environment ---------------------------------------------------------------------------------------


def machine() -> dict:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    import sqlite3

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(memory) / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "wrk": wrk.strip(), "load_average_at_start": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def portal_env(database_url: str, tmp: Path, page_cache: bool = True) -> dict:
    """Production settings, over plain HTTP on 127.0.0.1 (the cookies cannot be Secure there), with Redis for
    rate limits and the page cache as docs/deployment.md sets it up; ``page_cache=False`` renders every page."""
    env = dict(os.environ)
    env.update(QN_DATABASE_URL=database_url, QN_ENV="production", QN_SECRET_KEY=SECRET_KEY,
               QN_SESSION_COOKIE_SECURE="false", QN_REMEMBER_COOKIE_SECURE="false", QN_DEMO_PASSWORD=PASSWORD,
               QN_UPLOAD_FOLDER=str(tmp / "uploads"), PYTHONPATH=str(ROOT), QN_REDIS_URL=REDIS_URL,
               QN_PAGE_CACHE_SECONDS="30" if page_cache else "0")
    return env


def redis_database(flush: bool = False):
    """The Redis database the bench owns (rate limits and page cache of its servers), emptied when asked."""
    import redis

    store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        store.ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis does not answer at {REDIS_URL} ({error}): start it (apt-get install redis-server)") from None
    if flush:
        store.flushdb()
    return store


def run_json(args: list[str], env: dict, timeout: float = 900) -> dict:
    """Run a bench module that prints one JSON object on its last line."""
    done = subprocess.run([sys.executable, "-m", *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def qn(args: list[str], env: dict) -> float:
    """Run a ``qn-portal`` command; return its duration in seconds."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "qn-portal"), *args], env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def startup_time(env: dict, runs: int = 3) -> dict:
    """Seconds to import the portal and build the app with every plugin, in a fresh interpreter (median)."""
    code = ("import time; t, c = time.perf_counter(), time.process_time(); from qn_portal import create_app; "
            "create_app(); print(time.perf_counter() - t, time.process_time() - c)")
    timings, walls, cpus = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
        walls.append(time.perf_counter() - started)
        wall, cpu = out.strip().splitlines()[-1].split()
        timings.append(float(wall))
        cpus.append(float(cpu))
    # CPU time too: on a shared machine the wall time also counts the time spent waiting for a core.
    return {"create_app_s": round(statistics.median(timings), 2), "create_app_cpu_s": round(statistics.median(cpus), 2),
            "process_s": round(statistics.median(walls), 2)}


# --- servers --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(which: str, env: dict, workers: int, tmp: Path, recycle: bool = True):
    """A gunicorn server (``bench.server``) on a free port, stopped (SIGTERM, then its workers) at the end."""
    port = free_port()
    args = [sys.executable, "-m", "bench.server", which, str(port), str(workers)] + ([] if recycle else ["--no-recycle"])
    with open(tmp / f"{which}-{port}.log", "w") as output:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_ready(port, "/healthz" if which == "portal" else "/")
            wait_workers_booted(proc.pid, workers)
            yield port, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(port: int, path: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not ready")


def _children(master_pid: int) -> list[str]:
    try:
        return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []


def _cpu_ticks(pids: list[str]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_workers_booted(master_pid: int, workers: int, seconds: float = 90) -> None:
    """Wait until every worker exists and they have stopped using CPU (each builds its app when it boots):
    the first worker answers long before the others are ready, and a booting worker slows the measure."""
    deadline, last = time.time() + seconds, -1
    while time.time() < deadline:
        pids = _children(master_pid)
        ticks = _cpu_ticks(pids)
        if len(pids) >= workers and ticks == last:
            return
        last = ticks
        time.sleep(1)


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    sizes = []
    for pid in _children(master_pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
        sizes.append(round(kb / 1024, 1))
    return sizes


def cookies_of(response) -> dict:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def login(port: int, email: str) -> str:
    """Sign in through the form like a browser; return the Cookie header of the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/connexion")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = cookies_of(response)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    connection.request("POST", "/connexion", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"login failed: {response.status}")
    cookies.update(cookies_of(response))
    # A browser follows the redirection and keeps the cookie the first page sends back.
    connection.request("GET", response.getheader("Location"),
                       headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    response = connection.getresponse()
    response.read()
    cookies.update(cookies_of(response))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- measures -------------------------------------------------------------------------------------------


def wrk(port: int, path: str, seconds: float, connections: int, cookie: str = "", think_ms: float = 0) -> dict:
    """One wrk run with bench/report.lua; its figures in ms and per second."""
    env = dict(os.environ, BENCH_COOKIE=cookie, BENCH_THINK_MS=str(think_ms))
    threads = min(2, connections)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "10s",
                           "-s", str(ROOT / "bench" / "report.lua"), f"http://127.0.0.1:{port}{path}"],
                          env=env, capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    requests = max(raw["requests"], 1)
    return {"rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1), "requests": raw["requests"],
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "bytes_per_response": round(raw["bytes"] / requests), "errors": raw["status_errors"] + raw["socket_errors"]}


def load_run(port: int, hello_port: int, cookie: str, pages: list[dict], seconds: float) -> dict:
    """Each page at 10 connections after a one-second warm-up; the hello world before, midway and after."""
    hello = []

    def measure_hello():
        wrk(hello_port, "/", 1, 10)
        hello.append(wrk(hello_port, "/", seconds, 10))
        log(f"hello world: {hello[-1]['rps']} req/s")

    measure_hello()
    rows = []
    for index, page in enumerate(pages):
        if index == len(pages) // 2:
            measure_hello()
        wrk(port, page["url"], 2, 10, cookie)  # warm: every worker has rendered the page once
        figures = wrk(port, page["url"], seconds, 10, cookie)
        rows.append({**page, **figures})
        log(f"{page['name']}: {figures['rps']} req/s, p95 {figures['p95_ms']} ms")
    measure_hello()
    reference = statistics.mean(h["rps"] for h in hello)
    for row in rows:
        row["ratio"] = round(row["rps"] / reference, 4)
    return {"hello": hello, "hello_rps": round(reference, 1), "pages": rows}


def search_latency(port: int, cookie: str, pages: list[dict], seconds: float) -> list[dict]:
    """Each search alone (one connection): its latency without queueing behind other requests."""
    rows = []
    for page in pages:
        if page["kind"] == "search":
            wrk(port, page["url"], 1, 5, cookie)  # warm: every worker has run this search once
            figures = wrk(port, page["url"], seconds, 1, cookie)
            rows.append({"name": page["name"], "url": page["url"], **figures})
    return rows


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(records: list[tuple]) -> dict:
    """Per request name and per kind: count, 5xx, p50/p95/p99 in ms."""
    groups: dict[str, list] = {}
    for kind, name, status, latency, size in records:
        for key in (f"kind:{kind}", name, "all"):
            groups.setdefault(key, []).append((status, latency, size))
    out = {}
    for key, rows in groups.items():
        latencies = [latency * 1000 for status, latency, _ in rows if status]
        out[key] = {"count": len(rows), "server_errors": sum(1 for s, _, _ in rows if s >= 500 or s == 0),
                    "p50_ms": round(percentile(latencies, 0.50), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
                    "p99_ms": round(percentile(latencies, 0.99), 1)}
    return out


def soak(port: int, master_pid: int, plan: dict, seconds: float, think_ms: float) -> dict:
    """Mixed traffic of 20 users, each signed in with a session of their own, for ``seconds``; worker memory
    sampled every 5 s."""
    from bench.users import run_users

    samples: list[tuple[float, list[float]]] = []
    start = time.time()

    def tick():
        samples.append((round(time.time() - start, 1), worker_rss_mb(master_pid)))

    records = run_users(port, lambda: login(port, MEDIATOR), plan, seconds, users=20, processes=4, think_ms=think_ms,
                        on_tick=tick)
    tick()
    summary = summarise(records)
    # Growth: the workers' mean RSS at the end against after the first fifth (once caches are warm).
    warm = [s for t, s in samples if t >= seconds / 5 and s] or [s for _t, s in samples if s]
    first, last = statistics.mean(warm[0]), statistics.mean(samples[-1][1] or warm[-1])
    return {"seconds": seconds, "users": 20, "think_ms_mean": think_ms, "requests": len(records),
            "rps": round(len(records) / seconds, 1), "summary": summary, "rss_samples": samples,
            "rss_warm_mb": round(first, 1), "rss_end_mb": round(last, 1), "rss_growth": round(last / first - 1, 3),
            "rss_max_mb": max((max(s) for _t, s in samples if s), default=0)}


# --- PostgreSQL -----------------------------------------------------------------------------------------


@contextmanager
def postgres_database(name: str):
    """A fresh database on the local PostgreSQL (trust auth), dropped at the end."""
    import psycopg

    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_part(tmp: Path, d2_factor: int) -> dict:
    """D1 on PostgreSQL, the concurrency run there, then D2 for search."""
    out: dict = {}
    with postgres_database(f"bench_{os.getpid()}") as url:
        env = portal_env(url, tmp)
        out["upgrade_s"] = round(qn(["db", "upgrade"], env), 1)
        out["seed_d1_s"] = round(qn(["seed-demo", "--volume", "d1"], env), 1)
        log(f"PostgreSQL D1 seeded in {out['seed_d1_s']} s")
        out["concurrency"] = run_json(["bench.concurrency"], env)
        log(f"PostgreSQL concurrency: {out['concurrency']}")
        out["d1_searches"] = run_json(["bench.d2", "1"], env)
        out["d2"] = run_json(["bench.d2", str(d2_factor)], env, timeout=1800)
        log(f"D2: {out['d2']['entries']} entries, built in {out['d2']['timings']}")
    return out


# --- goals and report -----------------------------------------------------------------------------------


def check_goals(results: dict) -> list[dict]:
    """Every goal of the issue, pass or fail, with the measured figure."""
    goals = []

    def goal(name: str, measured, target: str, ok: bool):
        goals.append({"goal": name, "measured": measured, "target": target, "pass": bool(ok)})

    for row in results["load"]["pages"]:
        goal(f"throughput {row['name']} (10 connections)", f"{row['ratio']:.1%} of hello world",
             f">= {GOALS['ratio']:.0%}", row["ratio"] >= GOALS["ratio"])
    summary = results["soak"]["summary"]
    for row in results["load"]["pages"]:
        figures = summary.get(row["name"])
        if figures:
            goal(f"latency {row['name']} (20 users)", f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms",
                 f"p95 <= {GOALS['p95_ms']} ms, p99 <= {GOALS['p99_ms']} ms",
                 figures["p95_ms"] <= GOALS["p95_ms"] and figures["p99_ms"] <= GOALS["p99_ms"])
    for row in results["search_alone"]:
        goal(f"search D1 {row['name']} (one user)", f"p95 {row['p95_ms']} ms", f"<= {GOALS['search_p95_ms']} ms",
             row["p95_ms"] <= GOALS["search_p95_ms"])
    if "postgres" in results:
        worst = max(results["postgres"]["d2"]["searches"], key=lambda r: r["max_ms"])
        goal(f"every search D2 (D1 search index x {results['settings']['d2_factor']}, PostgreSQL)",
             f"slowest {worst['max_ms']} ms ({worst['q']!r}, {worst['who']})",
             f"<= {GOALS['d2_search_ms']} ms", worst["max_ms"] <= GOALS["d2_search_ms"])
    for name in ("write-registration", "write-resource"):
        figures = summary.get(name, {"p95_ms": float("nan"), "count": 0})
        goal(f"{name} (20 users)", f"p95 {figures['p95_ms']} ms over {figures['count']}",
             f"<= {GOALS['write_p95_ms']} ms", figures["p95_ms"] <= GOALS["write_p95_ms"])
    rss = max(results["rss_after_load_mb"] + [results["soak"]["rss_max_mb"]])
    goal("worker memory (RSS, max)", f"{rss} MB", f"<= {GOALS['rss_mb']} MB", rss <= GOALS["rss_mb"])
    goal("start-up with all plugins", f"{results['startup']['create_app_s']} s "
         f"(CPU {results['startup']['create_app_cpu_s']} s)", f"<= {GOALS['startup_s']} s",
         results["startup"]["create_app_s"] <= GOALS["startup_s"])
    for where in ("sqlite", "postgres"):
        run = results["concurrency_sqlite"] if where == "sqlite" else results.get("postgres", {}).get("concurrency")
        if run:
            goal(f"concurrency {where}: 8 x 100 for 300 seats",
                 f"{run['confirmed']} confirmed, {run['waitlisted']} waitlisted, {run['rows']} rows, "
                 f"{run['locked']} locked, {run['errors']} errors", "300 confirmed, 800 rows, 0 locked, 0 errors",
                 run["confirmed"] == 300 and run["rows"] == 800 and run["locked"] == 0 and run["errors"] == 0)
    soak_all = summary["all"]
    goal("soak: server errors", f"{soak_all['server_errors']} of {soak_all['count']}", "0",
         soak_all["server_errors"] == 0)
    pages = summary.get("kind:page", {})
    goal("soak: page latency held", f"p95 {pages.get('p95_ms')} ms, p99 {pages.get('p99_ms')} ms",
         f"p95 <= {GOALS['p95_ms']} ms, p99 <= {GOALS['p99_ms']} ms",
         pages.get("p95_ms", 1e9) <= GOALS["p95_ms"] and pages.get("p99_ms", 1e9) <= GOALS["p99_ms"])
    growth = results["soak"]["rss_growth"]
    goal("soak: memory growth", f"{growth:+.1%}", f"<= {GOALS['soak_growth']:.0%}", growth <= GOALS["soak_growth"])
    goal("whole benchmark duration", f"{results['total_s']:.0f} s", f"<= {GOALS['total_s']} s",
         results["total_s"] <= GOALS["total_s"])
    return goals


def table(results: dict) -> str:
    """The readable report (Markdown)."""
    m = results["machine"]
    lines = [f"Run of {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}, "
             f"Python {m['python']}, SQLite {m['sqlite']}, {m['wrk']}; load average at start "
             f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}; gunicorn {results['settings']['workers']} "
             f"sync workers. Whole run: {results['total_s']:.0f} s.", "",
             f"Hello world: {results['load']['hello_rps']} req/s (runs: "
             f"{', '.join(str(h['rps']) for h in results['load']['hello'])}).", "",
             "| page | req/s (10 conn.) | ratio | p50 / p95 / p99 ms (10 conn.) | p95 / p99 ms (20 users) | SQL | "
             "CPU ms rendered | bytes |",
             "|---|---:|---:|---|---|---:|---:|---:|"]
    summary = results["soak"]["summary"]
    for row in results["load"]["pages"]:
        soaked = summary.get(row["name"], {})
        lines.append(f"| {row['name']} | {row['rps']} | {row['ratio']:.1%} | {row['p50_ms']:.1f} / {row['p95_ms']:.1f} / "
                     f"{row['p99_ms']:.1f} | {soaked.get('p95_ms', '-')} / {soaked.get('p99_ms', '-')} | "
                     f"{row['queries']} | {row.get('cpu_ms', '-')} | {row['bytes']} |")
    lines += ["", "| goal | measured | target | |", "|---|---|---|---|"]
    lines += [f"| {g['goal']} | {g['measured']} | {g['target']} | {'PASS' if g['pass'] else 'FAIL'} |"
              for g in results["goals"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every step; write the JSON and the table; print the goals."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--soak", type=float, default=600, help="soak duration in seconds (600 in make bench)")
    parser.add_argument("--page-seconds", type=int, default=3, help="wrk duration per page")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: qn-portal serve's)")
    parser.add_argument("--think-ms", type=float, default=500, help="mean think time of a soak user")
    parser.add_argument("--d2-factor", type=int, default=100)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--only-pg", action="store_true", help="only PostgreSQL: D1, concurrency and D2 (make bench-d2)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    from qn_portal.serving import default_workers

    workers = args.workers or default_workers()
    results: dict = {"machine": machine(), "settings": {"workers": workers, "page_seconds": args.page_seconds,
                                                         "soak_seconds": args.soak, "think_ms": args.think_ms,
                                                         "d2_factor": args.d2_factor}}
    tmp = Path(tempfile.mkdtemp(prefix="qn-bench-"))
    redis_database(flush=True)
    if args.only_pg:
        try:
            results["postgres"] = postgres_part(tmp, args.d2_factor)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results["total_s"] = round(time.time() - STARTED, 1)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / f"d2-x{args.d2_factor}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
        print(json.dumps(results["postgres"], indent=1, ensure_ascii=False))
        return
    try:
        env = portal_env(f"sqlite:///{tmp / 'bench.db'}", tmp)
        results["startup"] = startup_time(env)
        log(f"start-up: {results['startup']}")
        results["sqlite"] = {"upgrade_s": round(qn(["db", "upgrade"], env), 1),
                             "seed_d1_s": round(qn(["seed-demo", "--volume", "d1"], env), 1)}
        log(f"SQLite D1 seeded in {results['sqlite']['seed_d1_s']} s")
        uncached = portal_env(f"sqlite:///{tmp / 'bench.db'}", tmp, page_cache=False)
        with server("hello", env, workers, tmp) as (hello_port, _hello_pid), \
                server("portal", env, workers, tmp) as (port, master):
            cookie = login(port, MEDIATOR)
            # In-process and without the page cache: what rendering each page costs (queries, CPU, bytes).
            plan = run_json(["bench.probe", cookie], uncached)
            bad = [p for p in plan["pages"] if p["status"] != 200]
            if bad:
                raise RuntimeError(f"pages not answering 200: {bad}")
            results["load"] = load_run(port, hello_port, cookie, plan["pages"], args.page_seconds)
            results["rss_after_load_mb"] = worker_rss_mb(master)
        # The searches themselves, not their cached pages: a server that renders every request.
        with server("portal", uncached, workers, tmp) as (port, master):
            cookie = login(port, MEDIATOR)
            results["search_alone"] = search_latency(port, cookie, plan["pages"], 2)
        results["concurrency_sqlite"] = run_json(["bench.concurrency"], env)
        log(f"SQLite concurrency: {results['concurrency_sqlite']}")
        if not args.skip_pg:
            results["postgres"] = postgres_part(tmp, args.d2_factor)
        with server("portal", env, workers, tmp, recycle=False) as (port, master):
            # Steady state, as in the load run: every worker has rendered every page once before the clock runs.
            cookie = login(port, MEDIATOR)
            for page in plan["pages"]:
                wrk(port, page["url"], 1, workers, cookie)
            log(f"soak: {args.soak} s")
            results["soak"] = soak(port, master, plan, args.soak, args.think_ms)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        redis_database(flush=True)
    results["total_s"] = round(time.time() - STARTED, 1)
    results["goals"] = check_goals(results)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    report = table(results)
    (out / "latest.md").write_text(report)
    print(report)
    failed = [g for g in results["goals"] if not g["pass"]]
    print(f"{len(results['goals']) - len(failed)} goals met, {len(failed)} missed.")


if __name__ == "__main__":
    main()
