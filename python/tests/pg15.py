"""A throw-away Debian PostgreSQL server for testing the `postgres` target (not embedded)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN_CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15)]
PASSWORD = "crm-test-password"


@dataclass(frozen=True)
class ExternalServer:
    """Connection facts of the server, as the `postgres` target's env vars."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    version: str

    def env(self, schema: str = "crm") -> dict[str, str]:
        """The environment variables profiles.example.yml's `postgres` target reads."""
        return {
            "CRM_SEGMENTS_TARGET": "postgres",
            "CRM_SEGMENTS_PG_HOST": self.host,
            "CRM_SEGMENTS_PG_PORT": str(self.port),
            "CRM_SEGMENTS_PG_USER": self.user,
            "CRM_SEGMENTS_PG_PASSWORD": self.password,
            "CRM_SEGMENTS_PG_DBNAME": self.dbname,
            "CRM_SEGMENTS_PG_SCHEMA": schema,
        }

    @property
    def url(self) -> str:
        """libpq URI."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"


def find_pg_bin() -> Path | None:
    """The bin directory of a Debian PostgreSQL installation, if any."""
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def external_server(bin_dir: Path) -> Iterator[ExternalServer]:
    """initdb + start a server on 127.0.0.1 with password auth; stop and delete it after."""
    as_root = os.geteuid() == 0
    # runuser lives in /usr/sbin, which a minimal PATH (cron, `env -i`) leaves out
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    prefix = [runuser or "runuser", "-u", "postgres", "--"] if as_root else []
    base = Path(tempfile.mkdtemp(prefix="crm_pg15_"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if as_root:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()

    def run(*args: str) -> str:
        return subprocess.run(
            [*prefix, *args], check=True, capture_output=True, text=True, timeout=120
        ).stdout

    pwfile = base / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if as_root:
        shutil.chown(pwfile, "postgres")
    run(
        str(bin_dir / "initdb"), "-D", str(data), "-U", "crm_admin", "--auth=scram-sha-256",
        f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C.UTF-8",
    )  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w",
        "start")  # fmt: skip
    version = run(str(bin_dir / "postgres"), "--version").strip()
    try:
        env = {**os.environ, "PGPASSWORD": PASSWORD}
        subprocess.run(
            [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "crm_admin",
             "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "create database crm_test"],
            check=True, capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        yield ExternalServer("127.0.0.1", port, "crm_admin", PASSWORD, "crm_test", version)
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
