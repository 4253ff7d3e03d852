"""Splink as the reference engine on the same FEBRL data (issue 12, item 6).

    make bench-er                                  # crm_segments, then Splink, on FEBRL1-4
    .venv/bin/python bench/splink_reference.py     # Splink only, on the files already written

Runs Splink 5 (PyPI ``splink``, DuckDB backend) in its own virtualenv (``bench/out/splink-venv``,
created on first use: Splink's dependencies are not the project's) on the FEBRL files that
``bench/dedup_accuracy.py`` wrote into ``bench/out/dedup/<name>/crm_contacts.csv``, and scores
its clusters with the project's own scorer (``crm_segments.evaluate.dedup.score``) against the
same truth, so that both engines are measured by one evaluator on one input.

The Splink setup follows Splink's own FEBRL examples (a competent, documented configuration,
not tuned to the truth): name comparisons (Jaro-Winkler bands) on given and family name with
term-frequency adjustment on the family name, a date-of-birth comparison (exact / one
character / year), Levenshtein bands on the national id (soc_sec_id), the street address and
the postal code, exact city; blocking for prediction on (given name, family name), birth date,
national id, (postal code, family name) and (city, given name); u by random sampling (seed 1),
the prior from deterministic rules, m by expectation-maximisation on two blocking rules; pairs
with match probability >= 0.9 (``--threshold``) clustered by connected components.

Prints a Markdown table and writes bench/out/splink_reference.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
VENV = OUT / "splink-venv"
SPLINK = ["splink[duckdb]==5.0.0", "pandas"]
DATASETS = ("febrl1", "febrl2", "febrl3", "febrl4")
COLUMNS = (
    "first_name", "last_name", "birth_date", "national_id", "address_line", "city", "postal_code",
)  # fmt: skip


def ensure_venv() -> Path:
    """The virtualenv with Splink (created once)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *SPLINK], check=True)
    return python


def run_splink(name: str, threshold: float) -> dict[str, object]:
    """Inside the Splink virtualenv: link one data set, return record -> cluster and timings."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    rows = pd.read_csv(OUT / "dedup" / name / "crm_contacts.csv", dtype=str, keep_default_na=False)
    frame = pd.DataFrame(
        {
            "unique_id": rows["source_system"].str.lower() + ":" + rows["source_record_id"],
            **{c: rows[c].str.strip().str.lower().replace("", None) for c in COLUMNS},
        }
    )
    started = time.perf_counter()
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "birth_date",
                input_is_string=True,
                datetime_format="%Y%m%d",
                datetime_metrics=["year"],
                datetime_thresholds=[1],
            ),
            cl.LevenshteinAtThresholds("national_id", [1, 2]),
            cl.LevenshteinAtThresholds("address_line", [1, 3]),
            cl.LevenshteinAtThresholds("postal_code", [1]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("birth_date"),
            block_on("national_id"),
            block_on("postal_code", "last_name"),
            block_on("city", "first_name"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db_api.register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date"), block_on("national_id")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs, threshold_match_probability=threshold
    ).as_pandas_dataframe()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "clusters": dict(
            zip(clusters["unique_id"], clusters["cluster_id"].astype(str), strict=True)
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # run one data set in the venv
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(run_splink(args.inside, args.threshold)))
        return 0

    sys.path.insert(0, str(ROOT / "python"))
    from crm_segments.evaluate.dedup import read_truth, score, truth_file

    python = ensure_venv()
    ours = json.loads((OUT / "dedup_accuracy.json").read_text()) if (
        OUT / "dedup_accuracy.json").exists() else {"datasets": []}  # fmt: skip
    our_scores = {d["dataset"]: d.get("scores", {}) for d in ours["datasets"]}
    results = []
    for name in args.datasets:
        data = OUT / "dedup" / name
        if not (data / "crm_contacts.csv").exists():
            print(f"{name}: no {data}/crm_contacts.csv; run bench/dedup_accuracy.py first")
            return 2
        done = subprocess.run(
            [str(python), __file__, "--inside", name, "--threshold", str(args.threshold)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-4000:])
            return 1
        linked = json.loads(done.stdout.strip().splitlines()[-1])
        truth = read_truth(truth_file(data))
        predicted = {
            (key.split(":", 1)[0], key.split(":", 1)[1]): cluster
            for key, cluster in linked["clusters"].items()
        }
        scores = score(truth, predicted)
        results.append(
            {
                "dataset": name,
                "seconds": linked["seconds"],
                "splink": scores.as_dict(),
                "crm_segments": our_scores.get(name),
            }
        )
    print("\n| data set | engine | precision | recall | F1 | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        s = r["splink"]
        print(f"| {r['dataset']} | Splink 5 (DuckDB) | {s['precision']:.4f} | {s['recall']:.4f} "
              f"| {s['f1']:.4f} | {r['seconds']} |")  # fmt: skip
        o = r["crm_segments"]
        if o:
            print(f"| {r['dataset']} | crm_segments | {o['precision']:.4f} | {o['recall']:.4f} "
                  f"| {o['f1']:.4f} | |")  # fmt: skip
    (OUT / "splink_reference.json").write_text(json.dumps(results, indent=2))
    print("\nwritten to", OUT / "splink_reference.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
