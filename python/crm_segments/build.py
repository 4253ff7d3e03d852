"""Running dbt in-process with live progress and a short end summary."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
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

from crm_segments.db import active_target, prepare_target, profiles_dir, target_config
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
    name: str = ""
    description: str = ""
    test_kind: str | None = None
    test_kwargs: dict[str, Any] = field(default_factory=dict)
    #: a few failing rows of a singular test, as text (attach_failure_details)
    details: list[str] = field(default_factory=list)

    @property
    def in_words(self) -> str:
        """A failing or warning test said as a data-quality finding (for humans and logs)."""
        return describe_test(self)


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


def profile_table(summaries: list[BuildSummary], top: int = 15) -> Table:
    """The ``top`` slowest nodes of the build's dbt invocations, and the time per resource type
    (node seconds summed over dbt's threads, so more than the wall clock when threads > 1)."""
    nodes = [n for summary in summaries for n in summary.nodes]
    per_type: Counter[str] = Counter()
    for node in nodes:
        per_type[node.resource_type] += node.seconds
    wall = sum(summary.seconds for summary in summaries)
    by_type = ", ".join(f"{kind} {seconds:,.0f}s" for kind, seconds in per_type.most_common())
    table = Table(
        title=f"slowest nodes of {len(nodes):,} ({wall:,.0f}s wall clock; {by_type})",
        title_justify="left",
    )
    table.add_column("seconds", justify="right")
    table.add_column("share", justify="right")
    table.add_column("node")
    total = sum(per_type.values()) or 1.0
    for node in sorted(nodes, key=lambda n: n.seconds, reverse=True)[:top]:
        table.add_row(f"{node.seconds:,.1f}", f"{node.seconds / total:.0%}", node.unique_id)
    return table


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


#: how many parse states `parse_kept` keeps (3.5 MB each for this project)
PARSE_CACHE_SIZE = 16


def target_path() -> Path:
    """dbt's target directory: ``DBT_TARGET_PATH``, else ``target`` in the project."""
    return project_dir() / os.environ.get("DBT_TARGET_PATH", "target")


def parse_key(args: list[str]) -> str:
    """What dbt compares before it reuses its saved parse (its "state check"): the project, the
    --vars and --target of the command line, the connection of the target in use (as
    profiles.yml renders it, db.target_config; its password left out, as dbt does) and dbt's
    version. A digest of them."""
    from dbt.version import __version__ as dbt_version

    options = {a: args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--vars", "--target")}
    target = active_target(options.get("--target"))
    connection = {k: v for k, v in target_config(target).items() if k != "password"}
    text = json.dumps(
        [str(project_dir()), str(profiles_dir()), options, target, connection, dbt_version],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@contextmanager
def parse_kept(key: str, target: Path | None = None) -> Iterator[None]:
    """Keep dbt's saved parse per setting (``parse_key``), not only the last one.

    dbt saves its parse in target/partial_parse.msgpack and reuses it when the next invocation
    has the same state (same --vars, connection, ...); any other state costs a full parse of
    the project (about 15 s here, against 2-4 s). So a build with other vars (a backtest, an
    as-of date) made the next ordinary build parse everything again. This keeps a copy per key
    in target/parse_cache (or ``CRM_SEGMENTS_PARSE_CACHE``) and puts the key's copy in place
    before dbt starts. dbt still checks the state and every file itself: a wrong copy costs a
    full parse, never a wrong manifest."""
    target = target or target_path()
    saved = target / "partial_parse.msgpack"
    marker = target / "partial_parse.key"
    cache = Path(os.environ.get("CRM_SEGMENTS_PARSE_CACHE") or target / "parse_cache")
    kept = cache / f"{key}.msgpack"
    try:
        # the marker names the key of the saved parse in place (and its time: a plain `dbt`
        # run since then may have replaced it)
        current = marker.read_text(encoding="utf-8") if marker.exists() else ""
        if current != _marker(key, saved) and kept.exists():
            target.mkdir(parents=True, exist_ok=True)
            _copy_atomically(kept, saved)
            marker.write_text(_marker(key, saved), encoding="utf-8")
            os.utime(kept)  # recently used: pruned last
    except OSError:
        pass  # another process pruned it: dbt parses in full, as without the cache
    before = saved.stat().st_mtime_ns if saved.exists() else None
    yield
    try:
        if saved.exists() and saved.stat().st_mtime_ns != before:  # dbt wrote a new parse
            cache.mkdir(parents=True, exist_ok=True)
            _copy_atomically(saved, kept)
            marker.write_text(_marker(key, saved), encoding="utf-8")
            newest_first = sorted(cache.glob("*.msgpack"), key=_mtime, reverse=True)
            for old in newest_first[PARSE_CACHE_SIZE:]:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _marker(key: str, saved: Path) -> str:
    return f"{key} {saved.stat().st_mtime_ns if saved.exists() else 0}"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _copy_atomically(source: Path, destination: Path) -> None:
    partial = destination.with_name(f".{destination.name}.{os.getpid()}")
    shutil.copyfile(source, partial)
    os.replace(partial, destination)


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
        disable=not show_progress or not console.is_terminal,
    )
    task = progress.add_task("dbt", total=None, command=command, current="parsing")
    running: dict[str, str] = {}
    # outside a terminal (CI, cron, a log file) the bar is off: one line per finished node
    plain = show_progress and not console.is_terminal
    finished = [0, 0]  # done, total
    errors: list[str] = []  # dbt's error messages (a failed run-operation has no node result)

    def callback(event: Any) -> None:
        # progress only; an exception here would silently fail the dbt run, so none escapes
        try:
            name = event.info.name
            if event.info.level == "error" and event.info.msg:
                errors.append(str(event.info.msg).strip())
            if name == "LogStartLine":
                progress.update(task, total=event.data.total)
                finished[1] = event.data.total
            elif name == "NodeStart":
                node = event.data.node_info
                running[node.unique_id] = node.node_name
                progress.update(task, current=", ".join(running.values()))
            elif name == "NodeFinished":
                node = event.data.node_info
                running.pop(node.unique_id, None)
                progress.update(task, advance=1, current=", ".join(running.values()))
                if plain:
                    finished[0] += 1
                    result = event.data.run_result
                    width = len(str(finished[1] or ""))
                    console.print(
                        f"[{finished[0]:>{width}}/{finished[1] or '?'}] "
                        f"{result.status.upper():<7} {node.resource_type} {node.node_name} "
                        f"({result.execution_time:.1f}s)",
                        highlight=False,
                        soft_wrap=True,
                    )
        except Exception:
            pass

    started = time.perf_counter()
    # the console is silenced (progress comes from the events); the file log is kept whole
    # (every SQL statement) unless dbt's own DBT_LOG_LEVEL_FILE says otherwise: writing those
    # debug lines is about a tenth of dbt's CPU time in a build of the demo. The level is passed
    # explicitly: left to its default, dbt's file log would follow --log-level none
    file_level = os.environ.get("DBT_LOG_LEVEL_FILE") or "debug"
    args = _dbt_args(
        command,
        target_name,
        [*(extra or []), "--log-level", "none", "--log-level-file", file_level],
    )
    with progress, parse_kept(parse_key(args)):
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
        summary.error = errors[-1] if errors else "dbt reported a failure; see logs/dbt.log"
    return summary


def _outcomes(result: Any) -> list[NodeOutcome]:
    """Per-node outcomes from dbt's RunExecutionResult (None when dbt failed before running)."""
    outcomes: list[NodeOutcome] = []
    for node_result in getattr(result, "results", None) or []:
        node = getattr(node_result, "node", None)
        if node is None:  # run-operation: no nodes
            continue
        metadata = getattr(node, "test_metadata", None)
        outcomes.append(
            NodeOutcome(
                unique_id=f"{node.resource_type} {node.name}",
                resource_type=str(node.resource_type),
                status=str(node_result.status),
                seconds=float(node_result.execution_time or 0.0),
                message=node_result.message or "",
                failures=node_result.failures,
                name=str(node.name),
                description=str(getattr(node, "description", "") or ""),
                test_kind=metadata.name if metadata is not None else None,
                test_kwargs=dict(metadata.kwargs) if metadata is not None else {},
            )
        )
    return outcomes


_REF = re.compile(r"ref\(['\"]([A-Za-z0-9_]+)['\"]\)")


def _model_of(kwargs: dict[str, Any]) -> str:
    match = _REF.search(str(kwargs.get("model", "")))
    return match.group(1) if match else "?"


def describe_test(node: NodeOutcome) -> str:
    """What a failing or warning test found, in words, e.g. ``stg_crm__campaigns.channel: 1 row
    with a value outside direct_mail, bill_insert, ...``."""
    n = node.failures if node.failures is not None else 0
    rows = f"{n:,} row{'s' if n != 1 else ''}"
    kwargs = node.test_kwargs
    where = f"{_model_of(kwargs)}.{kwargs.get('column_name', '')}".rstrip(".")
    kind = node.test_kind
    args = kwargs.get("arguments") if isinstance(kwargs.get("arguments"), dict) else kwargs
    if kind == "accepted_values":
        values = ", ".join(map(str, args.get("values", [])))
        return f"{where}: {rows} with a value outside the accepted list ({values})"
    if kind == "not_null":
        return f"{where}: {rows} without a value"
    if kind == "columns_accepted_values":
        columns = ", ".join(map(str, (args.get("values_by_column") or {}).keys()))
        values = f"{n:,} column value{'s' if n != 1 else ''}"
        return f"{where}: {values} outside the accepted lists ({columns})"
    if kind == "columns_not_null":
        columns = ", ".join(map(str, args.get("columns", [])))
        return f"{where}: {rows} without a value in one of {columns}"
    if kind == "unique":
        return f"{where}: {rows} with a duplicated value"
    if kind == "relationships":
        to = _REF.search(str(args.get("to", "")))
        target = f"{to.group(1) if to else args.get('to')}.{args.get('field', '')}"
        return f"{where}: {rows} whose value is not in {target}"
    return f"{node.name.replace('_', ' ')}: {rows}"


def attach_failure_details(summary: BuildSummary, conn: Any, schema: str, limit: int = 3) -> None:
    """Put the first rows that each warning or failing singular test stored (store_failures,
    schema ``dq_test_failures``) on its node, so the summary says what was found."""
    from psycopg import sql

    for node in [*summary.warned, *summary.failed]:
        if node.resource_type != "test" or node.test_kind is not None:
            continue
        exists = conn.execute(
            "select to_regclass(%s) is not null", (f'"{schema}"."{node.name}"',)
        ).fetchone()
        if not exists or not exists[0]:
            continue
        cur = conn.execute(
            sql.SQL("select * from {} limit %s").format(sql.Identifier(schema, node.name)),
            (limit,),
        )
        names = [c.name for c in cur.description or []]
        for row in cur.fetchall():
            node.details.append(", ".join(f"{n}={v}" for n, v in zip(names, row, strict=True)))


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
        console.print(f"[yellow]WARN[/] {node.in_words}", soft_wrap=True, highlight=False)
        for detail in node.details:
            console.print(f"     {detail}", soft_wrap=True, highlight=False)
    for node in summary.failed:
        text = node.in_words if node.resource_type == "test" else node.message
        console.print(f"[red]FAIL[/] {node.unique_id}: {text}", soft_wrap=True, highlight=False)
        for detail in node.details:
            console.print(f"     {detail}", soft_wrap=True, highlight=False)
    if summary.error:
        console.print(f"[red]ERROR[/] {summary.error}", soft_wrap=True)
    verdict = "[green]OK[/]" if summary.success else "[red]FAILED[/]"
    console.print(
        f"{verdict}: {len(summary.nodes)} nodes, {len(summary.warned)} warnings, "
        f"{len(summary.failed)} failures in {summary.seconds:.1f}s"
    )
