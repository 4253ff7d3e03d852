"""What bounds a build's wall time: its critical path and its work, from dbt's run results.

    .venv/bin/python bench/critical_path.py RUN_RESULTS [--manifest MANIFEST] [--threads 2]

On a machine with `threads` cores running dbt with as many threads, one dbt invocation cannot
take less than the larger of two figures, whatever the scheduling:

- its **critical path**: the longest chain of nodes that must run one after the other (a model
  after its parents, and, in `dbt build`, after every test whose tested nodes it all descends
  from), each at the time it took in this run;
- its **work**: the node time summed over all nodes, divided by the threads.

A phase can only shorten the wall time as far as the other bound allows: cutting nodes off the
critical path does not help once the work dominates, and vice versa. Prints Markdown: the
invocation's wall time, both bounds, the idle thread time, and the critical path node by node
with the layer of each (from the manifest).

RUN_RESULTS is dbt's target/run_results.json (one invocation; `crm-segments build` may run
several, and the file keeps the last), MANIFEST the manifest.json of the same invocation (by
default the one beside RUN_RESULTS).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from build_profile import layer_of  # bench/ is on sys.path when a bench script runs


def _seconds(timing: list[dict[str, str]]) -> tuple[float, float] | None:
    """(start, end) of the execute phase as POSIX seconds, or None when it did not run."""
    for phase in timing:
        if phase["name"] == "execute" and phase.get("started_at") and phase.get("completed_at"):
            start = datetime.fromisoformat(phase["started_at"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(phase["completed_at"].replace("Z", "+00:00"))
            return start.timestamp(), end.timestamp()
    return None


def build_parents(
    manifest_nodes: Mapping[str, Mapping[str, object]], executed: Iterable[str]
) -> dict[str, set[str]]:
    """Each executed node's parents among the executed nodes, as `dbt build` orders them: the
    nodes it depends on, and the tests that block it. A test blocks every node that descends
    from all the nodes it tests (for a test of one node: everything downstream of that node; a
    relationships test of two nodes blocks only what descends from both)."""
    done = set(executed)

    def depends_on(uid: str) -> set[str]:
        node = manifest_nodes.get(uid, {})
        deps = node.get("depends_on", {})
        nodes = deps.get("nodes", []) if isinstance(deps, dict) else []
        return {d for d in nodes if d in done}

    parents = {uid: depends_on(uid) for uid in done}
    # a unit test runs before the model it tests, after that model's parents
    for uid in [u for u in done if u.startswith("unit_test.")]:
        for model in parents[uid]:
            parents[uid] = set(depends_on(model))
            parents[model].add(uid)
    ancestors: dict[str, set[str]] = {}

    def ancestors_of(uid: str) -> set[str]:
        if uid not in ancestors:
            found: set[str] = set()
            for up in parents[uid]:
                found |= {up} | ancestors_of(up)
            ancestors[uid] = found
        return ancestors[uid]

    # dbt's rule (dbt.compilation.Linker.add_test_edges): a test blocks every node that
    # descends from all the nodes the test depends on (ancestors taken before the test edges)
    tests = {uid: set(parents[uid]) for uid in done if uid.startswith("test.")}
    for uid in done:
        ancestors_of(uid)
    for test, tested in tests.items():
        if not tested:
            continue
        for uid in done:
            if uid in tests or uid in tested:
                continue
            if tested <= ancestors[uid]:
                parents[uid].add(test)
    return parents


def critical_path(
    durations: Mapping[str, float], parents: Mapping[str, set[str]]
) -> tuple[float, list[str]]:
    """The longest chain by summed duration (parents before children): its length and its
    nodes, first to last."""
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}

    def visit(uid: str) -> float:
        if uid not in finish:
            best, best_parent = 0.0, None
            for up in parents.get(uid, ()):
                if up in durations and visit(up) > best:
                    best, best_parent = finish[up], up
            finish[uid] = best + durations[uid]
            via[uid] = best_parent
        return finish[uid]

    for uid in durations:
        visit(uid)
    last = max(finish, key=lambda uid: finish[uid])
    chain: list[str] = []
    node: str | None = last
    while node is not None:
        chain.append(node)
        node = via[node]
    return finish[last], chain[::-1]


def schedule_violations(
    spans: Mapping[str, tuple[float, float]], parents: Mapping[str, set[str]], slack: float = 0.05
) -> int:
    """How many (node, parent) edges the run broke: the node started before the parent ended
    (by more than `slack` seconds of clock resolution). 0 when the graph is dbt's."""
    return sum(
        1
        for uid, (start, _) in spans.items()
        for up in parents.get(uid, ())
        if up in spans and spans[up][1] > start + slack
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_results", type=Path)
    parser.add_argument("--manifest", type=Path, help="default: manifest.json beside RUN_RESULTS")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=0, help="list only the N longest path nodes")
    args = parser.parse_args()

    results = json.loads(args.run_results.read_text())["results"]
    manifest_path = args.manifest or args.run_results.with_name("manifest.json")
    manifest = json.loads(manifest_path.read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}

    spans = {r["unique_id"]: _seconds(r["timing"]) for r in results}
    spans = {uid: span for uid, span in spans.items() if span is not None}
    if not spans:
        raise SystemExit(f"no executed node in {args.run_results}")
    durations = {uid: end - start for uid, (start, end) in spans.items()}
    wall = max(end for _, end in spans.values()) - min(start for start, _ in spans.values())
    work = sum(durations.values())
    parents = build_parents(nodes, durations)
    length, chain = critical_path(durations, parents)

    print(f"{len(durations)} nodes; dbt's wall time from the first node's start to the last "
          f"node's end: {wall:,.0f} s\n")  # fmt: skip
    print("| bound | seconds |\n|---|---:|")
    print(f"| critical path ({len(chain)} nodes) | {length:,.0f} |")
    print(f"| work: {work:,.0f} s of node time / {args.threads} threads | "
          f"{work / args.threads:,.0f} |")  # fmt: skip
    print(f"| idle thread time ({args.threads} x wall - node time) | "
          f"{args.threads * wall - work:,.0f} |")  # fmt: skip
    edges = sum(len(ups) for ups in parents.values())
    broken = schedule_violations(spans, parents)
    print(f"\nschedule check: {broken} of {edges:,} edges broken (a node started before a "
          "parent it waits for had ended; 0 when the graph is dbt's)")  # fmt: skip

    by_layer: dict[str, float] = {}
    for uid in chain:
        key = layer_of(nodes.get(uid, {}))
        by_layer[key] = by_layer.get(key, 0.0) + durations[uid]
    print("\n| critical path by layer | seconds |\n|---|---:|")
    for key, seconds in sorted(by_layer.items(), key=lambda kv: -kv[1]):
        print(f"| {key} | {seconds:,.0f} |")

    listed = chain
    if args.top:
        keep = set(sorted(chain, key=lambda uid: -durations[uid])[: args.top])
        listed = [uid for uid in chain if uid in keep]
    print("\n| critical path, first to last | layer | seconds |\n|---|---|---:|")
    for uid in listed:
        name = uid.split(".", 2)[-1]
        print(f"| {uid.split('.')[0]} `{name}` | {layer_of(nodes.get(uid, {}))} | "
              f"{durations[uid]:,.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
