"""Where a build's time goes: per-node seconds from `crm-segments build` output, by layer.

    .venv/bin/python bench/build_profile.py BUILD_LOG [--top 15] [--manifest target/manifest.json]

Reads the one-line-per-node progress that `crm-segments build` prints outside a terminal
(``[ 41/570] SUCCESS model stg_crm__subscriptions (108.5s)``), so it covers every dbt invocation
of a build (a first build on a database without a cluster model runs two, and
target/run_results.json keeps only the last). Prints Markdown: seconds per layer and resource
type (node time, summed over dbt's threads) and the slowest nodes.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(
    r"^\[\s*\d+/\s*\d+\]\s+(?P<status>[A-Z]+)\s+(?P<kind>model|test|seed|unit_test|snapshot|"
    r"operation)\s+(?P<name>\S+)\s+\((?P<seconds>[\d.]+)s\)"
)


def belongs_to(node_name: str, models: tuple[str, ...] | list[str]) -> bool:
    """A node of one of `models`: the model or seed itself, or a test named after it
    (``not_null_<model>_<column>``, ``assert_<model>_...``). Shared with bench/campaigns.py."""
    return any(
        node_name == m or f"_{m}_" in node_name or node_name.endswith(f"_{m}") for m in models
    )


def nodes_from_log(path: Path) -> list[tuple[str, str, str, float]]:
    """(kind, name, status, seconds) of every finished node in a build's output."""
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = LINE.match(line.strip())
        if match:
            out.append((match["kind"], match["name"], match["status"], float(match["seconds"])))
    return out


def layer_of(node: dict[str, Any]) -> str:
    """A manifest node's layer: models/<folder> of a model (models/staging, ...), else its
    resource type (seed, test, ...). Shared with bench/critical_path.py."""
    parts = Path(str(node.get("original_file_path", ""))).parts
    if node.get("resource_type") == "model" and parts[:1] == ("models",):
        return "/".join(parts[:2])
    return str(node.get("resource_type", "?"))


def layers(manifest: Path | None) -> dict[str, str]:
    """model name -> its layer (layer_of)."""
    if manifest is None or not manifest.exists():
        return {}
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {node["name"]: layer_of(node) for node in nodes if node["resource_type"] == "model"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="output of `crm-segments build` (not a terminal)")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--manifest", type=Path, default=ROOT / "target" / "manifest.json")
    parser.add_argument(
        "--nodes",
        nargs="+",
        help="also sum the nodes of these models (the models, seeds and their tests)",
    )
    args = parser.parse_args()

    nodes = nodes_from_log(args.log)
    if not nodes:
        raise SystemExit(f"no node lines in {args.log}")
    where = layers(args.manifest)
    by_layer: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for kind, name, _status, seconds in nodes:
        key = where.get(name, "models/?") if kind == "model" else kind
        by_layer[key][0] += 1
        by_layer[key][1] += seconds
    total = sum(seconds for *_, seconds in nodes)
    print(f"{len(nodes)} nodes, {total:,.0f} s of node time (summed over threads)\n")
    print("| layer / kind | nodes | seconds | share |\n|---|---:|---:|---:|")
    for key, (count, seconds) in sorted(by_layer.items(), key=lambda kv: -kv[1][1]):
        print(f"| {key} | {count:.0f} | {seconds:,.0f} | {seconds / total:.0%} |")
    print(f"\n| slowest {args.top} nodes | seconds |\n|---|---:|")
    for kind, name, _status, seconds in sorted(nodes, key=lambda n: -n[3])[: args.top]:
        print(f"| {kind} `{name}` | {seconds:,.1f} |")
    if args.nodes:
        # unit tests print their own name only, so they are not counted here
        mine = [n for n in nodes if belongs_to(n[1], args.nodes)]
        seconds = sum(n[3] for n in mine)
        models = sum(n[3] for n in mine if n[0] in ("model", "seed"))
        print(f"\nthe {len(args.nodes)} given models: {len(mine)} nodes, {seconds:,.0f} s of node "
              f"time, of which models and seeds {models:,.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
