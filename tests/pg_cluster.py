"""A throw-away PostgreSQL cluster for the tests: its own data folder, a free port on
127.0.0.1, trust authentication on loopback and settings for speed, not durability."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg

SETUP_HINT = "Install PostgreSQL and PostGIS with 'make setup' (tools/setup_system.sh)."
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


class PgClusterError(RuntimeError):
    """The test cluster cannot be created or started."""


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/*/bin that has initdb, or the one on PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: _version_key(p.parent.parent.name),
    )
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("initdb")
    if on_path is not None:
        return Path(on_path).resolve().parent
    raise PgClusterError(f"PostgreSQL's initdb was not found. {SETUP_HINT}")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """A PostgreSQL cluster in ``directory`` (created on the first ``start``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.data = self.directory / "data"
        self.socket_dir = self.directory / "run"
        self.log_file = self.directory / "postgres.log"
        self.bin_dir = find_bin_dir()
        self.port = _free_port()
        # initdb and postgres refuse to run as root: run them as the postgres account.
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as error:
                raise PgClusterError(
                    f"running as root, but there is no 'postgres' account to run PostgreSQL "
                    f"as. {SETUP_HINT}"
                ) from error
            self._as_user = ["runuser", "-u", "postgres", "--"]

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Create the cluster if needed and start it (same port every time)."""
        if not (self.data / "PG_VERSION").exists():
            self._init()
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(self.data),
            "-l",
            str(self.log_file),
            "-o",
            f"-p {self.port} -k {self.socket_dir}",
        )

    def stop(self) -> None:
        """Stop at once (fast shutdown: clients are disconnected)."""
        if self.is_running:
            self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", "fast", "-D", str(self.data))

    def restart(self) -> None:
        """Stop and start again on the same port: the database went away and came back."""
        self.stop()
        self.start()

    @property
    def is_running(self) -> bool:
        """Whether the server process of this cluster is up."""
        if not (self.data / "PG_VERSION").exists():
            return False
        result = subprocess.run(
            [*self._as_user, str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data)],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0

    # -- databases -----------------------------------------------------------------------

    def url(self, name: str) -> str:
        """The URL of database ``name`` (user postgres, trust authentication)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` when given) and return its URL."""
        statement = f'CREATE DATABASE "{name}"'
        if template is not None:
            statement += f' TEMPLATE "{template}"'
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting whoever is still connected."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- helpers -------------------------------------------------------------------------

    def _init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self._as_user:
            postgres = pwd.getpwnam("postgres")
            for path in (self.directory, self.socket_dir):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# Throw-away test cluster: speed over durability.\n")
            for key, value in _SETTINGS.items():
                conf.write(f"{key} = {value}\n")

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin_dir / program), *args]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as error:
            raise PgClusterError(f"cannot run {program}: {error}. {SETUP_HINT}") from error
        if result.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            raise PgClusterError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}"
                f"{result.stderr}\n{log}"
            )
