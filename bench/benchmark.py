"""Benchmark: the API against the raw-SQL floor, at several sizes, on SQLite and
PostgreSQL. Prints figures (medians of interleaved rounds, and ratios); asserts
nothing. See docs/performance.md for how to read them.

    python bench/benchmark.py                          # 10k, 100k, 1M on both databases
    python bench/benchmark.py --sizes 10000 --databases sqlite --rounds 10 --bulk-sizes ""

Each (database, size) gets its own database, generated once with
`manage.py generate_events --seed 1` and kept (bench/.data/ for SQLite,
bench_<size> on PostgreSQL) so later runs skip the generation. What it measures:

1. the floor: the page (one country, one year, 50 events, location and actors
   nested) with hand-written SQL and orjson, in process (bench/floor_app.py);
2. the API's list endpoint for the same page, in process (django.test.Client), and
   its SQL query count;
3. both over HTTP: gunicorn with 2 workers, wrk on loopback (requests/s, p50, p99);
4. stats group_by=country,month over the whole table against the raw GROUP BY;
5. export (events/s, peak RSS of the process) and import (events/s) throughput, and
   the import's floor: the same rows loaded by the database alone (INSERT ... SELECT
   from the attached file on SQLite, binary COPY on PostgreSQL), without the change log;
   each --bulk-runs times in turn, their medians (from 1,000,000 events the import and
   its floor once, after the exports).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PYTHON = sys.executable
PG_URL = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# The same server for createdb and dropdb.
_PG = urlsplit(PG_URL)
PG_CLIENT = [
    *("-h", _PG.hostname or "127.0.0.1"),
    *("-p", str(_PG.port or 5432)),
    *("-U", _PG.username or "postgres"),
]
# The page the API returns with the floor's content: everything but sources.
FLOOR_FIELDS = (
    "id,dataset,external_id,title,summary,event_type,start_date,end_date,date_precision,"
    "ongoing,certainty,location,actors,created_at,updated_at"
)


def database_url(database: str, size: int) -> str:
    if database == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'bench-{size}.sqlite3'}"
    return f"{PG_URL}/bench_{size}"


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-" + "x" * 40,
        "DJANGO_THROTTLE_ANON": "",
        "DJANGO_THROTTLE_USER": "",
        # Keep connections across requests, as a production deployment does.
        "DATABASE_CONN_MAX_AGE": "600",
    }


def prepare(database: str, size: int) -> dict[str, str]:
    """The database for this size, generated on first use."""
    url = database_url(database, size)
    env = environment(url)
    if database == "postgresql":
        name = url.rsplit("/", 1)[1]
        exists = subprocess.run(
            [
                "psql",
                PG_URL + "/postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname='{name}'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            run(["createdb", *PG_CLIENT, name], env)
    run([PYTHON, "manage.py", "migrate", "-v0"], env)
    count = (
        run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "from timeline.models import Event; print(Event.objects.count())",
            ],
            env,
            capture_output=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    if int(count) != size:
        if int(count):
            sys.exit(f"{url} holds {count} events, not {size}: delete it and run again.")
        print(f"  generating {size:,} events in {database} ...", flush=True)
        started = time.perf_counter()
        run([PYTHON, "manage.py", "generate_events", "--count", str(size), "--seed", "1"], env)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    # Planner statistics, as a deployment's autovacuum (or a scheduled ANALYZE) keeps.
    run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; connection.cursor().execute('ANALYZE')",
        ],
        env,
    )
    return env


# -- in process (runs inside a worker: `benchmark.py --worker`) ---------------------------
def worker(rounds: int) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from floor_app import floor_page  # sets Django up

    from timeline.models import Event

    year = 2024
    # The smallest country with a full page (more than 50 events overlapping the year),
    # so every size serves a page of 50, as a front-end's map of one country asks.
    in_year = (
        Event.objects.filter(start_date__lte=f"{year}-12-31", end_date__gte=f"{year}-01-01")
        .values("country_code")
        .annotate(n=Count("id"))
        .filter(n__gt=50)
        .order_by("n", "country_code")
    )
    country = in_year[0]["country_code"]
    client = Client()
    url = f"/api/v1/events/?country={country}&date_from={year}&date_to={year}&fields={FLOOR_FIELDS}"
    full_url = f"/api/v1/events/?country={country}&date_from={year}&date_to={year}"
    stats_url = "/api/v1/events/stats/?group_by=country,month"

    def api(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]

    def raw_group_by_sql() -> None:
        month = (
            "strftime('%Y-%m', start_date)"
            if connection.vendor == "sqlite"
            else "date_trunc('month', start_date)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT country_code, {month}, COUNT(*) FROM timeline_event GROUP BY 1, 2 ORDER BY 1, 2"
            )
            cursor.fetchall()

    # The same page from both: check before timing.
    floor = json.loads(floor_page(country, year))["results"]
    listed = client.get(url + "&page_size=50").json()["results"]
    assert [e["id"] for e in floor] == [e["id"] for e in listed], "floor and API differ"

    # Django empties the query log when a request starts: keep it for the count.
    request_started.disconnect(reset_queries)
    with CaptureQueriesContext(connection) as queries:
        api(url)
    request_started.connect(reset_queries)
    query_count = len(queries.captured_queries)  # now: later requests empty the log
    timings: dict[str, list[float]] = {
        "floor": [],
        "api": [],
        "api_all_fields": [],
        "stats": [],
        "group_by": [],
    }
    jobs = {
        "floor": lambda: floor_page(country, year),
        "api": lambda: api(url),
        "api_all_fields": lambda: api(full_url),
    }
    for job in jobs.values():  # warm caches
        job()
    for _ in range(rounds):  # interleaved, so load from elsewhere hits all alike
        for name, job in jobs.items():
            started = time.perf_counter()
            job()
            timings[name].append(time.perf_counter() - started)
    for _ in range(max(3, rounds // 5)):
        for name, job in (("stats", lambda: api(stats_url)), ("group_by", raw_group_by_sql)):
            started = time.perf_counter()
            job()
            timings[name].append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "country": country,
                "page_events": len(floor),
                "queries": query_count,
                "timings_ms": {k: [t * 1000 for t in v] for k, v in timings.items()},
            }
        )
    )


def in_process(envs: dict[int, dict[str, str]], rounds: int, passes: int) -> dict[int, dict]:
    """Each size's in-process figures, its rounds run in passes that go from one size to
    the next in turn, so that the machine's drift falls on every size alike (the API at
    1M against the API at 10k is a target)."""
    figures: dict[int, dict] = {}
    for _ in range(passes):
        for size, env in envs.items():
            output = run(
                [PYTHON, __file__, "--worker", "--rounds", str(max(1, rounds // passes))],
                env,
                capture_output=True,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            if size in figures:
                for name, timings in result["timings_ms"].items():
                    figures[size]["timings_ms"][name].extend(timings)
            else:
                figures[size] = result
    for result in figures.values():
        timings = result.pop("timings_ms")
        result["medians_ms"] = {name: statistics.median(t) for name, t in timings.items()}
        result["rounds"] = len(timings["api"])
    return figures


# -- over HTTP ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url: str, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def latency(percent: str) -> float:
        value, unit = re.search(rf"{percent}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rps": rate, "p50_ms": latency("50"), "p99_ms": latency("99")}


def over_http(env: dict[str, str], country: str, seconds: int) -> dict:
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (make bench installs it)"}
    results = {}
    for name, app, path in (
        ("floor", "floor_app:application", f"/?country={country}&year=2024"),
        (
            "api",
            "config.wsgi:application",
            f"/api/v1/events/?country={country}&date_from=2024&date_to=2024&fields={FLOOR_FIELDS}",
        ),
    ):
        port = free_port()
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                app,
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--pythonpath",
                str(ROOT / "bench"),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            wrk(f"http://127.0.0.1:{port}{path}", 2)  # warm up
            results[name] = wrk(f"http://127.0.0.1:{port}{path}", seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return results


# -- bulk -----------------------------------------------------------------------------------
# Sizes from which the import and its floor run once, however many runs the export
# gets: at 1,000,000 events each takes minutes.
BULK_ONCE_FROM = 1_000_000


def bulk(env: dict[str, str], size: int, runs: int) -> dict:
    """Export every event as JSON Lines (events/s, peak RSS), import the export into an
    empty database of the same kind (events/s), and load the same rows by the database
    alone (the import's floor, events/s): ``runs`` times each, in turn, and the median
    of each figure (the largest of each peak RSS). From BULK_ONCE_FROM events the import
    and the floor run once, after the last export, so that the exports run back to
    back: in a run that had them after the first export, the two exports after them
    were the slower ones (SQLite 49,400 and 46,700 events/s against 57,000, PostgreSQL
    37,200 and 34,700 against 52,800); back to back, in the next run, 51,700-56,700 and
    34,300-37,400."""
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        for n in range(runs):
            figures = export_once(env, path)
            if size < BULK_ONCE_FROM or n == runs - 1:
                figures |= import_once(env, path, figures["exported"], Path(folder))
                figures |= floor_once(env, size, Path(folder))
            for name, value in figures.items():
                samples.setdefault(name, []).append(value)
    result: dict = {"exported": samples.pop("exported")[0]}
    for name, values in samples.items():
        result[name] = max(values) if name.endswith("_rss_mb") else statistics.median(values)
        result[f"{name}_runs"] = values
    return result


def timed_command(env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """Seconds ``manage.py`` command ``args`` takes, timed inside its process (the
    command's work, not Python's start nor the import of the command's modules, which
    moves with what Django's start imports), and the peak RSS (MB) of that process and
    of its largest child process (0 if none)."""
    script = (
        "import io, resource, time\n"
        "from django.core.management import call_command, load_command_class\n"
        f"load_command_class('timeline', {args[0]!r})\n"
        "t = time.perf_counter()\n"
        f"call_command(*{list(args)!r}, stdout=io.StringIO())\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = run([PYTHON, "manage.py", "shell", "-c", script], env, capture_output=True).stdout
    seconds, rss_kb, children_rss_kb = out.strip().splitlines()[-1].split()
    return float(seconds), int(rss_kb) / 1024, int(children_rss_kb) / 1024


def export_once(env: dict[str, str], path: Path) -> dict:
    """The export of every event as JSON Lines into ``path``."""
    seconds, rss_mb, readers_rss_mb = timed_command(
        env, "export_events", "--format", "jsonl", "-o", str(path)
    )
    exported = sum(1 for _ in path.open())
    return {
        "exported": exported,
        "export_events_per_s": exported / seconds,
        "export_peak_rss_mb": rss_mb,
        # The largest reader process's (SQLite's export forks them; 0 if none).
        "export_reader_rss_mb": readers_rss_mb,
    }


def import_once(env: dict[str, str], path: Path, exported: int, folder: Path) -> dict:
    """The import of the export at ``path`` into an empty database of the same kind."""
    target = empty_database(env, folder)
    seconds, rss_mb, checker_rss_mb = timed_command(
        target, "import_events", str(path), "--format", "jsonl"
    )
    _drop(target)
    return {
        "import_events_per_s": exported / seconds,
        "import_peak_rss_mb": rss_mb,
        # The process that reads and checks the rows (import_events --processes 2).
        "import_checker_rss_mb": checker_rss_mb,
    }


def floor_once(env: dict[str, str], size: int, folder: Path) -> dict:
    """The import's floor: the same rows, as the database holds them, loaded into an
    empty database of the same schema in one transaction by the database alone. In a
    process of its own: a forked process starts with its parent's RSS as its peak, and
    the SQLite page cache would have been this one's for the next sizes."""
    target = empty_database(env, folder)
    out = run(
        [PYTHON, __file__, "--floor-load", env["DATABASE_URL"], target["DATABASE_URL"], folder],
        env,
        capture_output=True,
    ).stdout
    _drop(target)
    return {"import_floor_events_per_s": size / float(out.strip().splitlines()[-1])}


def _drop(target: dict[str, str]) -> None:
    if not target["DATABASE_URL"].startswith("sqlite"):
        subprocess.run(["dropdb", *PG_CLIENT, "bench_import"], check=True)


def empty_database(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A new, migrated database of the same kind as env's (replacing the last one); on
    PostgreSQL, after a CHECKPOINT (the user must be allowed one)."""
    if env["DATABASE_URL"].startswith("sqlite"):
        path = folder / "import.sqlite3"
        path.unlink(missing_ok=True)
        target = environment(f"sqlite:///{path}")
    else:
        target = environment(f"{PG_URL}/bench_import")
        # Left by a run that stopped half-way, if any (quietly: no NOTICE when there is none).
        subprocess.run(
            ["dropdb", *PG_CLIENT, "--if-exists", "bench_import"],
            check=True,
            env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        )
        subprocess.run(["createdb", *PG_CLIENT, "bench_import"], check=True)
    run([PYTHON, "manage.py", "migrate", "-v0"], target)
    if not target["DATABASE_URL"].startswith("sqlite"):
        # Whatever the last load left to write out is written now, not during the next.
        run(["psql", target["DATABASE_URL"], "-qc", "CHECKPOINT"], target)
    return target


# The tables an import writes, parents first; the change log aside (the floor keeps none).
FLOOR_TABLES = (
    "timeline_location",
    "timeline_actor",
    "timeline_source",
    "timeline_event",
    "timeline_eventactor",
    "timeline_eventsource",
)


def floor_load_sqlite(source_url: str, target_url: str) -> float:
    """Seconds to copy FLOOR_TABLES from the source file into the empty target, in one
    transaction (INSERT ... SELECT from the attached source), foreign keys checked at
    commit as Django's connections do, with the import's page cache."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from timeline.bulk.importing.writing import SQLITE_IMPORT_CACHE_KIB

    source = source_url.removeprefix("sqlite:///")
    con = sqlite3.connect(target_url.removeprefix("sqlite:///"), isolation_level=None)
    con.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("ATTACH DATABASE ? AS source", (source,))
    started = time.perf_counter()
    con.execute("BEGIN")
    for table in FLOOR_TABLES:
        columns = ", ".join(
            f'"{row[1]}"' for row in con.execute(f"PRAGMA main.table_info({table})")
        )
        con.execute(
            f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table} ORDER BY id"
        )
    con.execute("COMMIT")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def floor_load_postgresql(source_url: str, target_url: str, folder: Path) -> float:
    """Seconds to COPY (binary) FLOOR_TABLES, dumped from the source beforehand, into the
    empty target in one transaction; its foreign keys (deferred) checked at commit."""
    import psycopg

    files = {}
    with psycopg.connect(source_url) as source, source.cursor() as cursor:
        for table in FLOOR_TABLES:
            files[table] = folder / f"{table}.copy"
            copying = cursor.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)")
            with open(files[table], "wb") as out, copying as copy:
                for data in copy:
                    out.write(data)
    with psycopg.connect(target_url) as target, target.cursor() as cursor:
        started = time.perf_counter()
        for table in FLOOR_TABLES:
            copying = cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)")
            with copying as copy, open(files[table], "rb") as data:
                while block := data.read(1 << 20):
                    copy.write(block)
        target.commit()
        seconds = time.perf_counter() - started
    for path in files.values():
        path.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--passes", type=int, default=5, help="In-process rounds run in this many passes."
    )
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument(
        "--bulk-sizes",
        default="10000,100000,1000000",
        help="Sizes to measure export and import at ('' for none).",
    )
    parser.add_argument(
        "--bulk-runs",
        type=_positive,
        default=3,
        help="Runs of each export, import and import floor, in turn (the import and its "
        f"floor once from {BULK_ONCE_FROM:,} events).",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor-load", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.rounds)
        return
    if args.floor_load:
        source, target, folder = args.floor_load
        if source.startswith("sqlite"):
            print(floor_load_sqlite(source, target))
        else:
            print(floor_load_postgresql(source, target, Path(folder)))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    report: dict[str, dict[int, dict]] = {}
    for database in args.databases.split(","):
        envs = {size: prepare(database, size) for size in sizes}
        print(f"== {database}: in process, {args.passes} passes over the sizes", flush=True)
        measured = in_process(envs, args.rounds, args.passes)
        for size, env in envs.items():
            print(f"== {database}, {size:,} events", flush=True)
            figures = measured[size]
            figures["http"] = over_http(env, figures["country"], args.http_seconds)
            if str(size) in args.bulk_sizes.split(","):
                figures["bulk"] = bulk(env, size, args.bulk_runs)
            report.setdefault(database, {})[size] = figures
            print(json.dumps(figures), flush=True)
    print_report(report, sizes)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number from 1, not {text!r}")
    return int(text)


def print_report(report: dict[str, dict[int, dict]], sizes: list[int]) -> None:
    print("\nIn process, medians (ms); ratios to the floor at the same size")
    print(
        f"{'database':<11}{'events':>10}{'floor':>9}{'api':>9}{'ratio':>7}{'queries':>8}"
        f"{'+sources':>10}{'stats':>9}{'GROUP BY':>10}{'ratio':>7}"
    )
    for database, by_size in report.items():
        for size in sizes:
            f = by_size[size]
            m = f["medians_ms"]
            print(
                f"{database:<11}{size:>10,}{m['floor']:>9.2f}{m['api']:>9.2f}{m['api'] / m['floor']:>7.2f}"
                f"{f['queries']:>8}{m['api_all_fields']:>10.2f}{m['stats']:>9.1f}{m['group_by']:>10.1f}"
                f"{m['stats'] / m['group_by']:>7.2f}"
            )
        first, last = (
            by_size[sizes[0]]["medians_ms"]["api"],
            by_size[sizes[-1]]["medians_ms"]["api"],
        )
        print(f"{'':<11}api at {sizes[-1]:,} / at {sizes[0]:,}: {last / first:.2f}")
    print("\nOver HTTP (gunicorn, 2 workers; wrk, 1 thread, 4 connections)")
    for database, by_size in report.items():
        for size in sizes:
            http = by_size[size]["http"]
            if "skipped" in http:
                print(f"{database:<11}{size:>10,}  {http['skipped']}")
                continue
            floor, api = http["floor"], http["api"]
            print(
                f"{database:<11}{size:>10,}  floor {floor['rps']:7.0f} req/s p50 {floor['p50_ms']:6.2f} "
                f"p99 {floor['p99_ms']:6.2f} ms | api {api['rps']:7.0f} req/s p50 {api['p50_ms']:6.2f} "
                f"p99 {api['p99_ms']:6.2f} ms | floor/api {floor['rps'] / api['rps']:.2f}"
            )
    print("\nBulk: medians of the runs (slowest-fastest; n runs); peak RSS the largest")
    for database, by_size in report.items():
        for size in sizes:
            b = by_size[size].get("bulk")
            if b:
                print(
                    f"{database:<11}{size:>10,}  export {_spread(b, 'export_events_per_s')}"
                    f" (peak RSS {b['export_peak_rss_mb']:.0f} MB, readers"
                    f" {b['export_reader_rss_mb']:.0f} MB)\n{'':<23}import"
                    f" {_spread(b, 'import_events_per_s')} (peak RSS"
                    f" {b['import_peak_rss_mb']:.0f} MB, checker {b['import_checker_rss_mb']:.0f}"
                    f" MB)\n{'':<23}floor load {_spread(b, 'import_floor_events_per_s')},"
                    " import's time / floor's"
                    f" {b['import_floor_events_per_s'] / b['import_events_per_s']:.2f}"
                )


def _spread(figures: dict, name: str) -> str:
    runs = figures[f"{name}_runs"]
    counted = f"{len(runs)} run{'s' if len(runs) > 1 else ''}"
    return f"{figures[name]:,.0f} events/s ({min(runs):,.0f}-{max(runs):,.0f}; {counted})"


if __name__ == "__main__":
    main()
