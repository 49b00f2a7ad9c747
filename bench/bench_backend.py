"""The operations backend under load: fan-out latency and an offline workstation's catch-up.

Both run against real parts: a throw-away PostgreSQL cluster, two ``main.py serve`` processes
on it (as behind a load balancer), HTTP commands and WebSocket streams.

- **fan-out**: 20 simulated workstations, each sending 10 commands a second (200 a second in
  all, alternating between the two server processes) and each holding a stream. For every
  command, the time from just before it is sent to the moment each of the 20 streams has
  delivered its event; the 99th percentile over all (command, workstation) pairs.
- **catch-up**: a workstation's ``RemoteBackend`` is closed, an hour of that traffic (720,000
  command events) is appended behind its back, and it is opened again: the time until its
  replica holds (and has folded) every event.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.common import Result
from core.commands import AddNote, ReportIncident
from core.remote.wire import command_to_json

CLIENTS = 20
RATE_PER_CLIENT = 10.0  # commands per second
FANOUT_SECONDS = 30.0
OFFLINE_EVENTS = 720_000  # an hour at 200 commands a second
PASSWORD = "bench password 2026"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Streams:
    """Every simulated workstation's stream, in one event loop on a thread of its own."""

    def __init__(self, urls: list[str], token: str) -> None:
        self.received: list[dict[int, float]] = [{} for _ in urls]
        self._urls = urls
        self._token = token
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the streams did not open")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    async def _main(self) -> None:
        headers = {"Cityroom-Protocol": "1", "Authorization": f"Bearer {self._token}"}
        sockets = []
        for url in self._urls:
            ws = await websockets.connect(
                url.replace("http", "ws", 1) + "/v1/stream?after=0",
                additional_headers=headers,
                max_size=None,
                compression=None,
            )
            await ws.recv()  # hello
            sockets.append(ws)
        self._ready.set()
        readers = [asyncio.create_task(self._read(i, ws)) for i, ws in enumerate(sockets)]
        while not self._stop.is_set():
            await asyncio.sleep(0.1)
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()

    async def _read(self, index: int, ws: Any) -> None:
        seen = self.received[index]
        async for text in ws:
            now = time.time()
            for record in json.loads(text).get("records", ()):
                seen[record["seq"]] = now


def fanout(urls: list[str], token: str, incidents: list[str]) -> list[Result]:
    """Commands at 200 a second from 20 workstations; each command's event to all 20."""
    streams = _Streams([urls[i % len(urls)] for i in range(CLIENTS)], token)
    streams.start()
    sent: dict[int, float] = {}
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + FANOUT_SECONDS

    def workstation(index: int) -> None:
        rng = random.Random(index)
        period = 1.0 / RATE_PER_CLIENT
        next_at = time.monotonic() + rng.random() * period
        with httpx.Client(base_url=urls[index % len(urls)], timeout=30) as client:
            headers = {"Cityroom-Protocol": "1", "Authorization": f"Bearer {token}"}
            while next_at < stop_at:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                body = command_to_json(AddNote(rng.choice(incidents), f"note from {index}"))
                started = time.time()
                answer = client.post("/v1/commands", json=body, headers=headers)
                if answer.status_code != 200:
                    with lock:
                        failures[0] += 1
                else:
                    with lock:
                        sent[answer.json()["records"][0]["seq"]] = started
                next_at += period

    threads = [threading.Thread(target=workstation, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        not set(sent) <= set(seen) for seen in streams.received
    ):
        time.sleep(0.1)
    streams.stop()
    latencies = [
        (seen[seq] - at) * 1000
        for seen in streams.received
        for seq, at in sent.items()
        if seq in seen
    ]
    missing = len(sent) * CLIENTS - len(latencies)
    p99 = _percentile(latencies, 0.99)
    rate = len(sent) / FANOUT_SECONDS
    note = (
        f"{len(sent):,} commands ({rate:.0f}/s) through 2 server processes, "
        f"{CLIENTS} streams; median {statistics.median(latencies):.0f} ms, "
        f"p99.9 {_percentile(latencies, 0.999):.0f} ms; "
        f"{missing} deliveries missing, {failures[0]} failed commands"
    )
    return [
        Result(
            "backend fan-out, command to every client, p99",
            p99,
            "ms",
            "<= 200 ms",
            p99 <= 200 and missing == 0 and failures[0] == 0 and rate >= 190,
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
    """An hour offline, then the time to be current again."""
    from core.remote.backend import RemoteBackend

    def open_workstation() -> RemoteBackend:
        return RemoteBackend(url, username="bench", password=PASSWORD, data_dir=folder)

    def wait_current(backend: RemoteBackend, seq: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while backend.snapshot().result().last_seq < seq:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not current after {timeout} s: {backend.status()}")
            time.sleep(0.02)

    before = int(httpx.get(f"{url}/v1/health").json()["last_seq"])
    first = open_workstation()
    wait_current(first, before, 120)
    first.close()
    last = _fill_an_hour(pg_url, incidents)
    started = time.perf_counter()
    again = open_workstation()
    try:
        wait_current(again, last, 600)
        seconds = time.perf_counter() - started
    finally:
        again.close()
    return [
        Result(
            "backend catch-up after an hour offline",
            seconds,
            "s",
            "<= 5 s",
            seconds <= 5,
            f"{last - before:,} events into the workstation's replica (SQLite, every "
            "link checked) and folded",
        )
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
            add_users(pg_url, [("bench", PASSWORD, "supervisor", ())])
            servers = [BackendServer(pg_url, base / "servers", name=name).start() for name in "ab"]
            token = login(servers[0].url, "bench", PASSWORD)
            incidents = []
            with httpx.Client(base_url=servers[0].url, timeout=30) as client:
                headers = {"Cityroom-Protocol": "1", "Authorization": f"Bearer {token}"}
                for n in range(50):
                    report = ReportIncident("F-FIRE", 37.5 + n / 1000, 127.0, "11230")
                    answer = client.post(
                        "/v1/commands", json=command_to_json(report), headers=headers
                    )
                    incidents.append(answer.json()["records"][0]["subject"])
            results = fanout([s.url for s in servers], token, incidents)
            results += catch_up(servers[0].url, pg_url, incidents, base / "workstation")
            return results
        finally:
            for server in servers:
                server.stop()
            cluster.stop()
