"""Benchmark: the dbt phone standardization against Google's libphonenumber.

    .venv/bin/python bench/phone_agreement.py                 # 10,000 numbers
    .venv/bin/python bench/phone_agreement.py --numbers 50000 --seed 7

Writes deterministic messy numbers for Romania, Russia/Kazakhstan and China
(``crm_segments.evaluate.phone_oracle.messy_numbers``), loads them as raw ``crm_contacts`` into the
bench's own embedded PostgreSQL (bench/out/pgdata-phone, never the project's .pgdata), builds
``+int_contacts_standardized`` (dbt writes to bench/out/phone) and compares E.164, validity,
type and country with the PyPI package ``phonenumbers`` (a development dependency).

Prints the agreement rates and the disagreement classes as a Markdown table, each class with
its explanation, and writes bench/out/phone_agreement.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from crm_segments import db
from crm_segments.evaluate import phone_oracle

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    pgdata = OUT / "pgdata-phone"
    os.environ.update({"CRM_SEGMENTS_PGDATA": str(pgdata), "CRM_SEGMENTS_TARGET": "embedded"})
    if not (ROOT / "profiles.yml").exists():
        (ROOT / "profiles.yml").write_text((ROOT / "profiles.example.yml").read_text())
    started = time.perf_counter()
    cases = phone_oracle.messy_numbers(args.numbers, args.seed)
    status = db.start_embedded(pgdata)
    os.environ.update(db.embedded_env(status))
    try:
        rows = phone_oracle.standardize(cases, OUT / "phone", status.url)
    except (RuntimeError, subprocess.SubprocessError) as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        db.stop_embedded(pgdata)
    result = phone_oracle.compare(cases, rows)
    figures = {
        "numbers": args.numbers,
        "seed": args.seed,
        **result.as_dict(),
        "explanations": {k: phone_oracle.EXPLAINED.get(k) for k in result.classes},
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = OUT / "phone_agreement.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print("\n## Phone standardization vs libphonenumber\n")
    print(phone_oracle.markdown(result))
    print()
    for label in result.classes:
        print(f"- **{label}**: {phone_oracle.EXPLAINED.get(label, 'UNEXPLAINED')}")
    print(f"\nwritten to {out}")
    return 0 if all(k in phone_oracle.EXPLAINED for k in result.classes) else 1


if __name__ == "__main__":
    sys.exit(main())
