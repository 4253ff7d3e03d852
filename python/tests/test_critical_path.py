"""bench/critical_path.py: the build graph's edges and the longest chain, on a small graph."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_tool() -> ModuleType:
    # as when a bench script runs: bench/ on the path (critical_path imports build_profile)
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    path = ROOT / "bench" / "critical_path.py"
    spec = importlib.util.spec_from_file_location("critical_path", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tests_block_children_and_the_longest_chain_wins() -> None:
    tool = load_tool()
    # a -> b -> d, a -> c -> d; a test of a, a test of b, a relationships test of b and c
    manifest = {
        "model.p.a": {"depends_on": {"nodes": []}},
        "model.p.b": {"depends_on": {"nodes": ["model.p.a"]}},
        "model.p.c": {"depends_on": {"nodes": ["model.p.a"]}},
        "model.p.d": {"depends_on": {"nodes": ["model.p.b", "model.p.c"]}},
        "test.p.unique_a": {"depends_on": {"nodes": ["model.p.a"]}},
        "test.p.unique_b": {"depends_on": {"nodes": ["model.p.b"]}},
        "test.p.rel_b_c": {"depends_on": {"nodes": ["model.p.b", "model.p.c"]}},
        "unit_test.p.d.t": {"depends_on": {"nodes": ["model.p.d"]}},
    }
    durations = {
        "model.p.a": 1.0,
        "model.p.b": 2.0,
        "model.p.c": 5.0,
        "model.p.d": 1.0,
        "test.p.unique_a": 3.0,
        "test.p.unique_b": 0.5,
        "test.p.rel_b_c": 4.0,
        "unit_test.p.d.t": 0.25,
    }
    parents = tool.build_parents(manifest, durations)
    # the test of a blocks b and c; the test of b blocks d; the test of b and c blocks d (d
    # descends from both), not b or c
    assert parents["model.p.b"] == {"model.p.a", "test.p.unique_a"}
    assert parents["model.p.c"] == {"model.p.a", "test.p.unique_a"}
    assert "test.p.rel_b_c" in parents["model.p.d"] and "test.p.unique_b" in parents["model.p.d"]
    # the unit test runs before d, after d's parents (and their tests)
    assert "unit_test.p.d.t" in parents["model.p.d"]
    assert {"model.p.b", "model.p.c"} <= parents["unit_test.p.d.t"]
    length, chain = tool.critical_path(durations, parents)
    # a (1) -> its test (3) -> c (5) -> the test of b and c (4) -> d's unit test (0.25) -> d (1)
    assert chain == [
        "model.p.a",
        "test.p.unique_a",
        "model.p.c",
        "test.p.rel_b_c",
        "unit_test.p.d.t",
        "model.p.d",
    ]
    assert length == 14.25


def test_a_test_of_two_nodes_blocks_what_descends_from_both() -> None:
    tool = load_tool()
    # a -> x -> d and b -> y -> d: d is no child of a or b, but descends from both
    manifest = {
        "model.p.a": {"depends_on": {"nodes": []}},
        "model.p.b": {"depends_on": {"nodes": []}},
        "model.p.x": {"depends_on": {"nodes": ["model.p.a"]}},
        "model.p.y": {"depends_on": {"nodes": ["model.p.b"]}},
        "model.p.d": {"depends_on": {"nodes": ["model.p.x", "model.p.y"]}},
        "test.p.rel_a_b": {"depends_on": {"nodes": ["model.p.a", "model.p.b"]}},
    }
    durations = {uid: 1.0 for uid in manifest}
    parents = tool.build_parents(manifest, durations)
    assert "test.p.rel_a_b" in parents["model.p.d"]
    assert "test.p.rel_a_b" not in parents["model.p.x"]
    assert "test.p.rel_a_b" not in parents["model.p.y"]


def test_the_schedule_check_counts_a_node_started_before_its_parent_ended() -> None:
    tool = load_tool()
    parents = {"model.p.a": set(), "model.p.b": {"model.p.a"}, "model.p.c": {"model.p.a"}}
    # b starts when a ends (within the clock's slack), c one second before a ends
    spans = {"model.p.a": (0.0, 10.0), "model.p.b": (9.99, 12.0), "model.p.c": (9.0, 11.0)}
    assert tool.schedule_violations(spans, parents) == 1


def test_a_layer_is_the_models_folder_or_the_resource_type() -> None:
    load_tool()
    from build_profile import layer_of

    model = {"resource_type": "model", "original_file_path": "models/marts/dq/dq_scorecard.sql"}
    assert layer_of(model) == "models/marts"
    assert layer_of({"resource_type": "test", "original_file_path": "tests/x.sql"}) == "test"
