"""Real backend server processes for the tests: ``python main.py serve`` on a test database.

A ``BackendServer`` writes its own server.toml (a free port on 127.0.0.1, a token secret
shared by every server of one database, optionally TLS), starts the server as a child process,
waits until ``/v1/health`` answers and can stop and start it again on the same port.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from core.remote.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.video_servers import wait_for

if TYPE_CHECKING:
    from tests.pg_cluster import PgCluster

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Wait until ``condition()`` holds; fail naming ``what`` when it does not in time."""
    try:
        return wait_for(condition, timeout)
    except AssertionError:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}") from None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def secret_file(directory: Path) -> Path:
    """The token secret every server of one test shares (made once per folder)."""
    path = directory / "token.secret"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path


class BackendServer:
    """One ``serve`` process on the database at ``pg_url``."""

    def __init__(
        self,
        pg_url: str,
        directory: Path,
        *,
        name: str = "a",
        tls: tuple[Path, Path] | None = None,
        extra_toml: str = "",
        token_minutes: float = 15.0,
    ) -> None:
        self.pg_url = pg_url
        self.directory = directory
        self.name = name
        self.port = free_port()
        self.tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.config = directory / f"server-{name}.toml"
        self.log_path = directory / f"server-{name}.log"
        self._process: subprocess.Popen[bytes] | None = None
        directory.mkdir(parents=True, exist_ok=True)
        tls_lines = f'tls_cert = "{tls[0]}"\ntls_key = "{tls[1]}"\n' if tls else ""
        self.config.write_text(
            f'instance = "test-{name}"\n'
            "[listen]\n"
            f'host = "127.0.0.1"\nport = {self.port}\n{tls_lines}'
            "[database]\n"
            f'url = "{pg_url}"\npool_size = 8\n'
            "[auth]\n"
            f'secret_file = "{secret_file(directory)}"\n'
            f"token_minutes = {token_minutes}\n"
            f"{extra_toml}",
            encoding="utf-8",
        )

    def start(self, timeout: float = 60.0) -> BackendServer:
        """Start the process and wait until it answers."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with self.log_path.open("ab") as out:
            self._process = subprocess.Popen(
                [sys.executable, str(ROOT / "main.py"), "serve", "--config", str(self.config)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._answers, timeout, f"the backend server {self.name} to answer")
        return self

    def _answers(self) -> bool:
        if self._process is not None and self._process.poll() is not None:
            raise AssertionError(
                f"the backend server {self.name} exited with {self._process.returncode}:\n"
                + self.log_path.read_text(errors="replace")[-3000:]
            )
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=1.0, verify=False).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the process (as SIGTERM from a service manager would)."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def kill(self) -> None:
        """End the process at once (a crash)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def log_text(self) -> str:
        """What the server printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def add_users(pg_url: str, users: Iterable[tuple[str, str, str, tuple[str, ...]]]) -> None:
    """Create accounts (name, password, role, districts; no districts = all) directly in the
    database, as ``main.py users add`` would."""
    from psycopg_pool import ConnectionPool

    from server.accounts import AccountStore
    from server.roles import Role
    from server.schema import migrate

    migrate(pg_url)
    with ConnectionPool(pg_url, min_size=1, max_size=2, open=True) as pool:
        store = AccountStore(pool)
        for name, password, role, districts in users:
            store.add(
                name,
                password,
                Role(role),
                districts=districts,
                all_districts=not districts,
                display_name=name.title(),
            )


def login(url: str, username: str, password: str) -> str:
    """A token for ``username``."""
    answer = httpx.post(
        f"{url}/v1/login",
        json={"username": username, "password": password},
        headers=HEADERS,
        verify=False,
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def bearer(token: str) -> dict[str, str]:
    """The headers of an authenticated call."""
    return {**HEADERS, "Authorization": f"Bearer {token}"}


@contextmanager
def served_database(
    pg_cluster: PgCluster,
    template: str,
    name: str,
    users: Iterable[tuple[str, str, str, tuple[str, ...]]],
    directory: Path,
) -> Iterator[BackendServer]:
    """A database ``name`` copied from the migrated ``template``, with ``users``, and one
    server on it; both gone afterwards (a module's shared server)."""
    url = pg_cluster.create_database(name, template=template)
    add_users(url, users)
    server = BackendServer(url, directory).start()
    try:
        yield server
    finally:
        server.stop()
        pg_cluster.drop_database(name)
