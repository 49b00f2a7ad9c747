"""The operations backend under load: fan-out latency and an offline workstation's catch-up.

Both run against real parts: a throw-away PostgreSQL cluster, two ``main.py serve`` processes
on it (as behind a load balancer), HTTP commands and WebSocket streams.

- **fan-out**: 20 simulated workstations, each sending 10 commands a second (200 a second in
  all, alternating between the two server processes) and each holding a stream. They run in
  four processes of their own (five each, on one event loop per process), so one
  workstation's wait for the interpreter is not counted as the server's. For every command,
  the time from just before it is sent to the moment each of the 20 streams has delivered
  its event (wall-clock nanoseconds, which every process reads alike); the 99th percentile
  over all (command, workstation) pairs.
- **catch-up**: a workstation's ``RemoteBackend`` is closed, an hour of that traffic (720,000
  command events) is appended behind its back, and it is opened again: the time until its
  folded state is the server's (what a screen seeds from). For reference, the time until its
  copy of the log holds every event, hash-checked, and a screen that was already following
  has been handed every one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.common import Result
from core.commands import AddNote, ReportIncident
from core.remote.wire import PROTOCOL_VERSION, command_to_json

CLIENTS = 20
PROCESSES = 4  # the workstations' processes, five workstations each
RATE_PER_CLIENT = 10.0  # commands per second
FANOUT_SECONDS = 30.0
OFFLINE_EVENTS = 720_000  # an hour at 200 commands a second
PASSWORD = "bench password 2026"
# Half the workstations are operators of one of these districts (their streams withhold the
# others' events, encoded once per view), half supervisors who see every district.
DISTRICTS = ("11230", "11220", "11240", "11250")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _headers(token: str) -> dict[str, str]:
    return {"Cityroom-Protocol": str(PROTOCOL_VERSION), "Authorization": f"Bearer {token}"}


class _Stations:
    """Some of the simulated workstations, in a process of their own: each holds a stream
    and sends its commands, all on one event loop. Times are CLOCK_REALTIME nanoseconds, which
    every process reads alike."""

    def __init__(
        self,
        first: int,
        count: int,
        urls: list[str],
        tokens: tuple[str, list[str]],
        incidents: list[str],
        pipe: Connection,
    ) -> None:
        self.indices = range(first, first + count)
        self.urls = urls
        self.token, self.stream_tokens = tokens  # commands: a supervisor's; streams: each's
        self.incidents = incidents
        self.pipe = pipe
        self.sent: dict[int, int] = {}
        self.answered: list[float] = []  # each command's round trip, ms
        self.failures = 0
        self.received: dict[int, dict[int, int]] = {i: {} for i in self.indices}

    async def run(self) -> None:
        sockets = {}
        for index in self.indices:
            ws = await websockets.connect(
                self._url(index).replace("http", "ws", 1) + "/v1/stream?after=0",
                additional_headers=_headers(self.stream_tokens[index]),
                max_size=None,
                compression=None,
            )
            await ws.recv()  # hello
            sockets[index] = ws
        readers = [asyncio.create_task(self._read(i, ws)) for i, ws in sockets.items()]
        self.pipe.send("open")
        start_ns, stop_ns = await asyncio.to_thread(self.pipe.recv)
        await asyncio.gather(*(self._send(i, start_ns, stop_ns) for i in self.indices))
        self.pipe.send((self.sent, self.answered, self.failures))
        every: set[int] = await asyncio.to_thread(self.pipe.recv)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            not every <= seen.keys() for seen in self.received.values()
        ):
            await asyncio.sleep(0.05)
        for task in readers:
            task.cancel()
        for ws in sockets.values():
            await ws.close()
        self.pipe.send(self.received)

    def _url(self, index: int) -> str:
        return self.urls[index % len(self.urls)]

    async def _read(self, index: int, ws: Any) -> None:
        seen = self.received[index]
        async for text in ws:
            now = time.time_ns()
            for record in json.loads(text).get("records", ()):
                seen[record["seq"]] = now

    async def _send(self, index: int, start_ns: int, stop_ns: int) -> None:
        rng = random.Random(index)
        period_ns = int(1e9 / RATE_PER_CLIENT)
        next_ns = start_ns + int(rng.random() * period_ns)
        client = await _Http.open(self._url(index), self.token)
        try:
            while next_ns < stop_ns:
                pause = (next_ns - time.time_ns()) / 1e9
                if pause > 0:
                    await asyncio.sleep(pause)
                body = command_to_json(AddNote(rng.choice(self.incidents), f"note from {index}"))
                started = time.time_ns()
                status, answer = await client.post("/v1/commands", body)
                if status == 200:
                    self.sent[answer["records"][0]["seq"]] = started
                    self.answered.append((time.time_ns() - started) / 1e6)
                else:
                    self.failures += 1
                next_ns += period_ns
        finally:
            await client.close()


class _Http:
    """A minimal HTTP/1.1 keep-alive client for the simulated workstations: on a real site
    each runs on a machine of its own, so here it should cost the server's machine as
    little as it can."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._head = ""

    @classmethod
    async def open(cls, url: str, token: str) -> _Http:
        host, port = url.split("://", 1)[1].rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        client = cls(reader, writer)
        client._head = (
            f"Host: {host}:{port}\r\nCityroom-Protocol: {PROTOCOL_VERSION}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        )
        return client

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode()
        self._writer.write(
            f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        head = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        length = 0
        for line in head.split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, json.loads(await self._reader.readexactly(length))

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def _stations_process(
    first: int,
    count: int,
    urls: list[str],
    tokens: tuple[str, list[str]],
    incidents: list[str],
    pipe: Connection,
) -> None:
    asyncio.run(_Stations(first, count, urls, tokens, incidents, pipe).run())


def fanout(urls: list[str], tokens: tuple[str, list[str]], incidents: list[str]) -> list[Result]:
    """Commands at 200 a second from 20 workstations; each command's event to all 20 (in
    full, or withheld for an operator of another district)."""
    context = multiprocessing.get_context("spawn")
    pipes: list[Connection] = []
    processes = []
    per = CLIENTS // PROCESSES
    for n in range(PROCESSES):
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_stations_process,
            args=(n * per, per, urls, tokens, incidents, theirs),
            daemon=True,
        )
        process.start()
        pipes.append(ours)
        processes.append(process)
    try:
        for pipe in pipes:
            if not pipe.poll(120) or pipe.recv() != "open":
                raise RuntimeError("the simulated workstations did not open their streams")
        start_ns = time.time_ns() + 500_000_000
        stop_ns = start_ns + int(FANOUT_SECONDS * 1e9)
        for pipe in pipes:
            pipe.send((start_ns, stop_ns))
        sent: dict[int, int] = {}
        answered: list[float] = []
        failures = 0
        for pipe in pipes:
            theirs_sent, theirs_answered, theirs_failed = pipe.recv()
            sent.update(theirs_sent)
            answered.extend(theirs_answered)
            failures += theirs_failed
        for pipe in pipes:
            pipe.send(set(sent))
        received: list[dict[int, int]] = []
        for pipe in pipes:
            received.extend(pipe.recv().values())
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
    latencies = [
        (seen[seq] - at) / 1e6 for seen in received for seq, at in sent.items() if seq in seen
    ]
    missing = len(sent) * CLIENTS - len(latencies)
    p99 = _percentile(latencies, 0.99)
    rate = len(sent) / FANOUT_SECONDS
    note = (
        f"{len(sent):,} commands ({rate:.0f}/s) through 2 server processes, "
        f"{CLIENTS} streams in {PROCESSES} processes (half of them operators of one of "
        f"{len(DISTRICTS)} districts); median "
        f"{statistics.median(latencies):.0f} ms, p99.9 {_percentile(latencies, 0.999):.0f} ms; "
        f"{missing} deliveries missing, {failures} failed commands; a command's own round "
        f"trip: median {statistics.median(answered):.0f} ms, p99 "
        f"{_percentile(answered, 0.99):.0f} ms"
    )
    return [
        Result(
            "backend fan-out, command to every client, p99",
            p99,
            "ms",
            "<= 200 ms",
            p99 <= 200 and missing == 0 and failures == 0 and rate >= 190,
            note,
        )
    ]


def _fill_an_hour(pg_url: str, incidents: list[str]) -> int:
    """Append an hour of command traffic behind every workstation's back."""
    from core.events import EventRecord, IncidentNoteAdded, NewEvent
    from server.pg_log import PgEventLog

    log = PgEventLog.open(pg_url)
    try:
        start = int(time.time() * 1000) - 3_600_000
        rng = random.Random(7)
        made = 0
        while made < OFFLINE_EVENTS:
            n = min(20_000, OFFLINE_EVENTS - made)
            batch = [
                IncidentNoteAdded(rng.choice(incidents), f"note {made + i}").to_new(
                    "server", "operator:bench", start + (made + i) * 5
                )
                for i in range(n)
            ]

            def these(
                _missed: list[EventRecord], chosen: list[NewEvent] = batch
            ) -> list[NewEvent]:
                return chosen

            log.append(these, after_seq=log.max_seq())
            made += n
        return log.max_seq()
    finally:
        log.close()


def catch_up(url: str, pg_url: str, incidents: list[str], folder: Path) -> list[Result]:
    """An hour offline, then the time to be current again, and until the copy is whole."""
    from core.eventlog import EventLog
    from core.remote.backend import RemoteBackend
    from tests.backend_server import login

    def open_workstation() -> RemoteBackend:
        return RemoteBackend(url, username="bench", password=PASSWORD, data_dir=folder)

    def wait(condition: Callable[[], bool], timeout: float, what: str) -> float:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not done after {timeout} s")
            time.sleep(0.01)
        return time.perf_counter()

    before = int(httpx.get(f"{url}/v1/health").json()["last_seq"])
    first = open_workstation()
    wait(lambda: first.snapshot().result().last_seq >= before, 120, "the first copy")
    first.close()
    last = _fill_an_hour(pg_url, incidents)
    started = time.perf_counter()
    again = open_workstation()
    delivered = [0]

    def screen(batch: list[Any]) -> None:
        delivered[0] = batch[-1].seq

    try:
        # What a screen opened at start-up does: seed from the copy's state, then follow.
        seed = again.snapshot().result()
        delivered[0] = seed.last_seq
        feed = again.subscribe(screen, after_seq=seed.last_seq)
        current = wait(
            lambda: again.snapshot().result().last_seq >= last, 600, "the workstation's state"
        )
        whole = wait(
            lambda: again.status().last_seq >= last and delivered[0] >= last,
            600,
            "the workstation's copy of the log",
        )
        feed.cancel()
        state = again.snapshot().result()
        replica = again.replica_path
    finally:
        again.close()
    token = login(url, "bench", PASSWORD)
    server = httpx.get(f"{url}/v1/incidents", headers=_headers(token), timeout=30).json()
    same = {i["id"]: i["version"] for i in server["incidents"]} == {
        i.id: i.version for i in state.incidents.values()
    }
    log = EventLog.open(replica, readonly=True)
    try:
        report = log.verify()
    finally:
        log.close()
    sound = report.ok and report.events == last
    seconds, filled = current - started, whole - started
    return [
        Result(
            "backend catch-up after an hour offline",
            seconds,
            "s",
            "<= 5 s",
            seconds <= 5 and same and sound,
            f"{last - seed.last_seq:,} events behind; time until the workstation's folded "
            "state (what a screen seeds from) is the server's: the server sends its state, "
            f"the copy of the log fills in behind it; state {'equal to' if same else 'NOT'} "
            "the server's",
        ),
        Result(
            "backend catch-up: copy of the log complete (reference, no target)",
            filled,
            "s",
            "reference",
            sound,
            f"until the SQLite copy holds all {last:,} events, every hash recomputed and "
            "checked, and a screen already following the old state has been handed every "
            f"event; chain {'verified' if sound else 'BROKEN'} afterwards",
        ),
    ]


def run() -> list[Result]:
    """Both backend benchmarks on one throw-away cluster."""
    from server.schema import migrate
    from tests.backend_server import BackendServer, add_users, login
    from tests.pg_cluster import PgCluster

    with (
        tempfile.TemporaryDirectory(prefix="cityroom-bench-pg-") as pg_folder,
        tempfile.TemporaryDirectory(prefix="cityroom-bench-") as folder,
    ):
        base = Path(folder)
        # Its own folder: the cluster runs as the postgres account when started as root.
        cluster = PgCluster(Path(pg_folder))
        cluster.start()
        servers: list[BackendServer] = []
        try:
            pg_url = cluster.create_database("bench")
            migrate(pg_url)
            operators = [(f"op{code}", PASSWORD, "operator", (code,)) for code in DISTRICTS]
            add_users(pg_url, [("bench", PASSWORD, "supervisor", ()), *operators])
            servers = [BackendServer(pg_url, base / "servers", name=name).start() for name in "ab"]
            token = login(servers[0].url, "bench", PASSWORD)
            views = [login(servers[0].url, name, PASSWORD) for name, *_ in operators]
            stream_tokens = [
                token if i % 2 == 0 else views[(i // 2) % len(views)] for i in range(CLIENTS)
            ]
            incidents = []
            with httpx.Client(base_url=servers[0].url, timeout=30) as client:
                headers = _headers(token)
                for n in range(50):
                    district = DISTRICTS[n % len(DISTRICTS)]
                    report = ReportIncident("F-FIRE", 37.5 + n / 1000, 127.0, district)
                    answer = client.post(
                        "/v1/commands", json=command_to_json(report), headers=headers
                    )
                    incidents.append(answer.json()["records"][0]["subject"])
            results = fanout([s.url for s in servers], (token, stream_tokens), incidents)
            results += catch_up(servers[0].url, pg_url, incidents, base / "workstation")
            return results
        finally:
            for server in servers:
                server.stop()
            cluster.stop()
