"""Two server processes on one PostgreSQL database and several clients: every client sees
every event exactly once and in order, whichever process it was appended through, and the
stream resumes from a sequence number."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from core.commands import AddNote, ReportIncident
from core.remote.wire import command_to_json
from tests.backend_server import BackendServer, add_users, bearer, login, wait_until

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[BackendServer, BackendServer]]:
    """Two processes on one database, as behind a load balancer."""
    add_users(pg_url, [("park", PASSWORD, "supervisor", ()), ("kim", PASSWORD, "operator", ())])
    first = BackendServer(pg_url, tmp_path, name="a").start()
    second = BackendServer(pg_url, tmp_path, name="b").start()
    yield first, second
    first.stop()
    second.stop()


class StreamReader:
    """A client of ``/v1/stream`` on a thread of its own, collecting what it receives."""

    def __init__(self, server: BackendServer, token: str, after: int = 0) -> None:
        ws_url = server.url.replace("http", "ws", 1) + f"/v1/stream?after={after}"
        self._stack = contextlib.ExitStack()
        self.connection: ClientConnection = self._stack.enter_context(
            connect(ws_url, additional_headers=bearer(token))
        )
        self.hello: dict[str, Any] = json.loads(self.connection.recv(timeout=10))
        self.records: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for text in self.connection:
                message = json.loads(text)
                if message["kind"] == "events":
                    self.records.extend(message["records"])
        except ConnectionClosed:
            pass
        self.closed_with = self.connection.close_code

    @property
    def seqs(self) -> list[int]:
        """The sequence numbers received, in order."""
        return [r["seq"] for r in self.records]

    def close(self) -> None:
        """Close the stream."""
        self._stack.close()
        self._thread.join(5)


def _submit(server: BackendServer, token: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = httpx.post(f"{server.url}/v1/commands", json=body, headers=bearer(token), timeout=10)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["records"])


def test_every_client_sees_every_event_once_in_order_across_processes(
    two_servers: tuple[BackendServer, BackendServer],
) -> None:
    first, second = two_servers
    token = login(first.url, "park", PASSWORD)
    assert login(second.url, "park", PASSWORD)  # one secret: either process's token works
    readers = [StreamReader(server, token) for server in (first, second, first, second)]
    report = command_to_json(ReportIncident("F-FIRE", 37.5, 127.03, "11230"))
    iid = _submit(first, token, report)[0]["subject"]
    # Commands through both processes, interleaved and concurrent.
    threads = []
    for server in (first, second):

        def send(target: BackendServer = server) -> None:
            for n in range(25):
                _submit(target, token, command_to_json(AddNote(iid, f"{target.name} {n}")))

        threads.append(threading.Thread(target=send))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    last = httpx.get(f"{second.url}/v1/health").json()["last_seq"]
    assert last == 51
    for reader in readers:
        wait_until(lambda r=reader: len(r.records) >= 51, 15, "every event on every stream")
        assert reader.seqs == list(range(1, 52))  # once each, in order, no gaps
    # The chain is one: each event links to the one before, whoever appended it.
    chain = readers[0].records
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(chain))
    assert [r["hash"] for r in readers[1].records] == [r["hash"] for r in chain]
    for reader in readers:
        reader.close()


def test_a_stream_resumes_after_a_sequence_number(
    two_servers: tuple[BackendServer, BackendServer],
) -> None:
    first, second = two_servers
    token = login(first.url, "park", PASSWORD)
    report = command_to_json(ReportIncident("F-FIRE", 37.5, 127.03, "11230"))
    iid = _submit(first, token, report)[0]["subject"]
    for n in range(9):
        _submit(second, token, command_to_json(AddNote(iid, f"note {n}")))
    reader = StreamReader(second, token, after=6)
    assert reader.hello["last_seq"] == 10
    wait_until(lambda: len(reader.records) >= 4, 10, "the backlog after 6")
    _submit(first, token, command_to_json(AddNote(iid, "live")))
    wait_until(lambda: len(reader.records) >= 5, 10, "the live event")
    assert reader.seqs == [7, 8, 9, 10, 11]
    reader.close()


def test_a_stream_refuses_older_workstations_and_bad_tokens(
    two_servers: tuple[BackendServer, BackendServer],
) -> None:
    first, _ = two_servers
    ws_url = first.url.replace("http", "ws", 1) + "/v1/stream"
    with connect(ws_url, additional_headers={"Cityroom-Protocol": "0"}) as older:
        message = json.loads(older.recv(timeout=10))
        assert message["error"] == "protocol" and "Update the workstation" in message["message"]
        with pytest.raises(ConnectionClosed):
            older.recv(timeout=10)
        assert older.close_code == 4426
    with connect(ws_url, additional_headers=bearer("not-a-token")) as forged:
        assert json.loads(forged.recv(timeout=10))["error"] == "unauthorized"
        with pytest.raises(ConnectionClosed):
            forged.recv(timeout=10)
        assert forged.close_code == 4401
