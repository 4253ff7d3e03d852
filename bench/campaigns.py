"""Campaign measurement and next best action (issue 13) on a built database: the figures of
BENCHMARKS.md section 4.

    .venv/bin/python bench/campaigns.py --pgdata bench/out/pgdata \\
        --truth bench/out/data-1000000/truth --run-results target/run_results.json

1. build time of the issue's models and tests, from the run_results.json of the full build
   (sum of node times, and the wall span from the first start to the last end);
2. uplift recovery: the share of campaigns with their own control group whose measured 95%
   interval contains the planted uplift (truth/campaign_effects.csv), and the pooled uplift
   against the truth;
3. the propensity backtest (`crm-segments evaluate nba --as-of D --json`) for each --as-of.

Uses the embedded server in --pgdata (started if needed, never the project's .pgdata unless
asked). Prints a Markdown block.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from build_profile import belongs_to  # bench/ is on sys.path when a bench script runs

ROOT = Path(__file__).resolve().parents[1]
#: the nodes of issue 13 (paths in the manifest's unique ids)
ISSUE_NODES = (
    "int_campaigns_classified",
    "int_campaign_participants_summarized",
    "int_campaign_persons_grouped",
    "int_nps_responses_resolved",
    "int_offers_parsed",
    "int_customer_propensity_cells",
    "int_offer_propensities_smoothed",
    "int_customer_offers_eligible",
    "int_customer_offers_scored",
    "campaign_performance",
    "campaign_performance_by_segment",
    "programme_performance",
    "nps_by_segment",
    "next_best_action",
    "offers",
)


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_segments.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def build_time(run_results: Path) -> dict[str, Any]:
    """Seconds of the issue's nodes (models, seed, their data and unit tests) in a build."""
    results = json.loads(run_results.read_text())["results"]
    # unique_id = <type>.<package>.<name>[.<hash>]; a unit test's name part is its model's
    mine = [r for r in results if belongs_to(r["unique_id"].split(".")[2], ISSUE_NODES)]
    spans = [t for r in mine for t in r.get("timing", []) if t.get("name") == "execute"]
    starts = [datetime.fromisoformat(t["started_at"].replace("Z", "+00:00")) for t in spans]
    ends = [datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00")) for t in spans]
    models = {
        r["unique_id"].split(".")[-1]: round(float(r["execution_time"]), 1)
        for r in mine
        if r["unique_id"].startswith(("model.", "seed."))
    }
    return {
        "nodes": len(mine),
        "node_seconds": round(sum(float(r["execution_time"]) for r in mine), 1),
        "model_seconds": round(sum(models.values()), 1),
        "wall_span_seconds": round((max(ends) - min(starts)).total_seconds(), 1) if spans else None,
        "models": dict(sorted(models.items(), key=lambda kv: -kv[1])),
    }


def uplift_recovery(url: str, truth_dir: Path) -> dict[str, Any]:
    """Coverage of the planted uplift by the measured intervals, and the pooled comparison."""
    import psycopg

    with (truth_dir / "campaign_effects.csv").open(newline="", encoding="utf-8") as handle:
        effects = {r["campaign_id"]: r for r in csv.DictReader(handle)}
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select campaign_id, treated_persons, control_persons, responded_persons, "
            "control_responded_persons, uplift, uplift_ci_low, uplift_ci_high, verdict, "
            "is_uplift_significant from marts.campaign_performance "
            "where control_source = 'campaign' and uplift is not null"
        ).fetchall()
        verdicts = dict(
            conn.execute("select verdict, count(*) from marts.campaign_performance group by 1")
        )
    rows = [r for r in rows if r[0] in effects]
    inside = [float(r[6]) <= float(effects[r[0]]["true_uplift"]) <= float(r[7]) for r in rows]
    nt = sum(r[1] for r in rows)
    nc = sum(r[2] for r in rows)
    pt, pc = sum(r[3] for r in rows) / nt, sum(r[4] for r in rows) / nc
    exp_t = sum(r[1] * float(effects[r[0]]["expected_treated_rate"]) for r in rows) / nt
    exp_c = sum(r[2] * float(effects[r[0]]["expected_control_rate"]) for r in rows) / nc
    se = (pt * (1 - pt) / nt + pc * (1 - pc) / nc) ** 0.5
    errors = [float(r[5]) - float(effects[r[0]]["true_uplift"]) for r in rows]
    return {
        "campaigns": len(rows),
        "covered": sum(inside),
        "coverage": sum(inside) / len(rows) if rows else None,
        "significant": sum(bool(r[9]) for r in rows),
        "mean_error": sum(errors) / len(errors) if errors else None,
        "pooled_measured": pt - pc,
        "pooled_truth": exp_t - exp_c,
        "pooled_se": se,
        "verdicts": verdicts,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pgdata", default=str(ROOT / "bench" / "out" / "pgdata"))
    parser.add_argument("--truth", required=True, help="the generator's truth folder")
    parser.add_argument("--run-results", help="run_results.json of the full build")
    parser.add_argument("--as-of", nargs="*", default=["2026-05-01"], help="backtest dates")
    args = parser.parse_args()
    env = {**os.environ, "CRM_SEGMENTS_PGDATA": args.pgdata, "CRM_SEGMENTS_TARGET": "embedded"}
    cli(["db", "start"], env)
    url = cli(["db", "url"], env).stdout.strip()
    figures: dict[str, Any] = {}
    if args.run_results:
        figures["build"] = build_time(Path(args.run_results))
    figures["uplift"] = uplift_recovery(url, Path(args.truth))
    figures["backtest"] = {}
    for as_of in args.as_of:
        done = cli(["evaluate", "nba", "--as-of", as_of, "--json"], env)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        figures["backtest"][as_of] = json.loads(done.stdout)
    print(json.dumps(figures, indent=2, default=str))
    u = figures["uplift"]
    print("\n| measure | figure |\n|---|---|")
    print(
        f"| planted uplift inside the measured 95% interval | {u['covered']} of {u['campaigns']} "
        f"campaigns ({u['coverage']:.0%}); {u['significant']} significant |"
    )
    print(
        f"| pooled uplift, measured vs truth | {u['pooled_measured']:.4f} vs "
        f"{u['pooled_truth']:.4f} (SE {u['pooled_se']:.4f}) |"
    )
    for as_of, r in figures["backtest"].items():
        m, b = r["model"], r["baseline"]
        print(
            f"| backtest as of {as_of}: {r['participations']:,} treated persons x campaigns, "
            f"{r['response_rate']:.1%} responded | AUC {m['auc']:.3f} vs {b['auc']:.3f}; "
            f"top-decile lift {m['top_decile_lift']:.2f} vs {b['top_decile_lift']:.2f} (build "
            f"{r['build_seconds']:.0f} s) |"
        )
    if "build" in figures:
        bt = figures["build"]
        print(
            f"| issue-13 nodes in the build | {bt['nodes']} nodes, {bt['node_seconds']} s of node "
            f"time ({bt['model_seconds']} s models), wall span {bt['wall_span_seconds']} s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
