"""Running dbt in-process with live progress and a short end summary."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from crm_segments.db import prepare_target, profiles_dir
from crm_segments.project import project_dir

#: dbt result statuses that make the run fail
FAILED = {"error", "fail", "runtime error"}


@dataclass
class NodeOutcome:
    """One finished dbt node."""

    unique_id: str
    resource_type: str
    status: str
    seconds: float
    message: str = ""
    failures: int | None = None


@dataclass
class BuildSummary:
    """What a dbt invocation did."""

    command: str
    target: str
    seconds: float
    success: bool
    nodes: list[NodeOutcome] = field(default_factory=list)
    error: str | None = None

    def counts(self) -> Counter[tuple[str, str]]:
        """(resource type, status) -> number of nodes."""
        return Counter((n.resource_type, n.status) for n in self.nodes)

    @property
    def failed(self) -> list[NodeOutcome]:
        """Nodes whose status failed the run."""
        return [n for n in self.nodes if n.status in FAILED]

    @property
    def warned(self) -> list[NodeOutcome]:
        """Tests that passed with a warning."""
        return [n for n in self.nodes if n.status == "warn"]


def _dbt_args(command: str, target: str, extra: list[str]) -> list[str]:
    return [
        command,
        "--project-dir",
        str(project_dir()),
        "--profiles-dir",
        str(profiles_dir()),
        "--target",
        target,
        *extra,
    ]


def run_dbt(
    command: str,
    extra: list[str] | None = None,
    *,
    target: str | None = None,
    console: Console | None = None,
    show_progress: bool = True,
) -> BuildSummary:
    """Run ``dbt <command>`` (build, run, test, seed, ...) with a progress bar.

    The embedded server is started when the target is ``embedded``. dbt's own console output is
    silenced (its log file stays in ``logs/``); progress comes from dbt's structured events.
    """
    from dbt.cli.main import dbtRunner

    console = console or Console(stderr=True)
    target_name = prepare_target(target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]dbt {task.fields[command]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        console=console,
        transient=True,
        disable=not show_progress,
    )
    task = progress.add_task("dbt", total=None, command=command, current="parsing")
    running: dict[str, str] = {}

    def callback(event: Any) -> None:
        # progress only; an exception here would silently fail the dbt run, so none escapes
        try:
            name = event.info.name
            if name == "LogStartLine":
                progress.update(task, total=event.data.total)
            elif name == "NodeStart":
                node = event.data.node_info
                running[node.unique_id] = node.node_name
                progress.update(task, current=", ".join(running.values()))
            elif name == "NodeFinished":
                running.pop(event.data.node_info.unique_id, None)
                progress.update(task, advance=1, current=", ".join(running.values()))
        except Exception:
            pass

    started = time.perf_counter()
    args = _dbt_args(command, target_name, [*(extra or []), "--log-level", "none"])
    with progress:
        result = dbtRunner(callbacks=[callback]).invoke(args)
    summary = BuildSummary(
        command=command,
        target=target_name,
        seconds=time.perf_counter() - started,
        success=bool(result.success),
        nodes=_outcomes(result.result),
        error=str(result.exception) if result.exception else None,
    )
    if summary.failed:
        summary.success = False
    if not summary.success and not summary.failed and not summary.error:
        summary.error = "dbt reported a failure; see logs/dbt.log"
    return summary


def _outcomes(result: Any) -> list[NodeOutcome]:
    """Per-node outcomes from dbt's RunExecutionResult (None when dbt failed before running)."""
    outcomes: list[NodeOutcome] = []
    for node_result in getattr(result, "results", None) or []:
        node = node_result.node
        outcomes.append(
            NodeOutcome(
                unique_id=f"{node.resource_type} {node.name}",
                resource_type=str(node.resource_type),
                status=str(node_result.status),
                seconds=float(node_result.execution_time or 0.0),
                message=node_result.message or "",
                failures=node_result.failures,
            )
        )
    return outcomes


def print_summary(summary: BuildSummary, console: Console | None = None) -> None:
    """The short end summary: nodes by type and status, warnings, failures with their names."""
    console = console or Console()
    counts = summary.counts()
    types = sorted({t for t, _ in counts})
    statuses = ["success", "pass", "warn", "error", "fail", "skipped"]
    table = Table(title=f"dbt {summary.command} on target '{summary.target}'", title_justify="left")
    table.add_column("resource")
    for status in statuses:
        table.add_column(status, justify="right")
    for rtype in types:
        table.add_row(rtype, *(str(counts.get((rtype, s), "")) for s in statuses))
    console.print(table)
    for node in summary.warned:
        console.print(f"[yellow]WARN[/] {node.unique_id}: {node.message}", soft_wrap=True)
    for node in summary.failed:
        console.print(f"[red]FAIL[/] {node.unique_id}: {node.message}", soft_wrap=True)
    if summary.error:
        console.print(f"[red]ERROR[/] {summary.error}", soft_wrap=True)
    verdict = "[green]OK[/]" if summary.success else "[red]FAILED[/]"
    console.print(
        f"{verdict}: {len(summary.nodes)} nodes, {len(summary.warned)} warnings, "
        f"{len(summary.failed)} failures in {summary.seconds:.1f}s"
    )
