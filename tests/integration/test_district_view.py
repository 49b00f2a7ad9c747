"""An operator's workstation receives its districts' events in full and the others' withheld.

A real server on a real PostgreSQL; a supervisor reports incidents in two districts over the
API (some before the operator's workstation connects, so they come as its backlog, some while
it is connected, so they come live); the operator works in one of them.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.city import load_city
from core.commands import AddNote, ReportIncident
from core.eventlog import EventLog
from core.events import CameraViewed, is_withheld
from core.headless import log_verify
from core.notices import NoticeBoard
from core.remote.backend import LinkState, RemoteBackend
from core.remote.wire import command_to_json, new_event_to_json
from tests.backend_server import (
    BackendServer,
    bearer,
    login,
    served_database,
    wait_until,
)
from tests.cli import cityroom
from tests.pg_cluster import PgCluster

PASSWORD = "correct horse battery"
MINE, OTHER = "11230", "11220"  # Gangnam (the operator's), Seocho
SECRET = "plate 12가3456"
USERS = [
    ("park", PASSWORD, "operator", (MINE,)),
    ("lee", PASSWORD, "supervisor", ()),
]


@pytest.fixture(scope="module")
def server(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServer]:
    folder = tmp_path_factory.mktemp("server")
    with served_database(pg_cluster, pg_template, "cityroom_district_view", USERS, folder) as s:
        yield s


class Supervisor:
    """The supervisor's calls to the API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.headers = bearer(login(url, "lee", PASSWORD))

    def command(self, command: Any) -> list[dict[str, Any]]:
        answer = httpx.post(
            f"{self.url}/v1/commands",
            json=command_to_json(command),
            headers=self.headers,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        records: list[dict[str, Any]] = answer.json()["records"]
        return records

    def report(self, district: str, summary: str) -> tuple[str, list[int]]:
        """Report an incident with a note carrying a secret; its id and its events."""
        (reported,) = self.command(ReportIncident("P-ASL", 37.5, 127.0, district, summary=summary))
        incident = reported["subject"]
        (note,) = self.command(AddNote(incident, f"{summary}: {SECRET}"))
        return incident, [reported["seq"], note["seq"]]

    def view_camera(self, district: str) -> int:
        city = load_city("lite")
        camera = next(c.id for c in city.cameras if c.district_code == district)
        fact = CameraViewed(camera, "incident").to_new("workstation", "lee")
        answer = httpx.post(
            f"{self.url}/v1/events",
            json={"events": [new_event_to_json(fact)]},
            headers=self.headers,
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["records"][0]["seq"])


def open_station(server: BackendServer, data_dir: Path) -> RemoteBackend:
    backend = RemoteBackend(
        server.url, username="park", password=PASSWORD, data_dir=data_dir, notices=NoticeBoard()
    )
    backend.ready.result(10)
    wait_until(lambda: backend.status().state is LinkState.ONLINE, 10, "park online")
    return backend


def replica_rows(path: Path) -> list[tuple[int, str, str]]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT seq, type, payload FROM events ORDER BY seq").fetchall()
    finally:
        db.close()
    return [(int(s), str(t), str(p)) for s, t, p in rows]


def test_other_districts_events_reach_the_replica_withheld(
    server: BackendServer, tmp_path: Path
) -> None:
    boss = Supervisor(server.url)
    mine_before, mine_before_seqs = boss.report(MINE, "backlog mine")
    other_before, other_before_seqs = boss.report(OTHER, "backlog other")
    other_camera_seq = boss.view_camera(OTHER)
    station = open_station(server, tmp_path / "park")
    try:
        mine_live, mine_live_seqs = boss.report(MINE, "live mine")
        other_live, other_live_seqs = boss.report(OTHER, "live other")
        last = other_live_seqs[-1]
        wait_until(
            lambda: station.stats().result(5).last_seq >= last, 10, "the live events to arrive"
        )
        state = station.snapshot().result(5)
        assert mine_before in state.incidents and mine_live in state.incidents
        assert other_before not in state.incidents and other_live not in state.incidents

        rows = {
            seq: (type_, payload) for seq, type_, payload in replica_rows(station.replica_path)
        }
        hidden = [*other_before_seqs, other_camera_seq, *other_live_seqs]
        for seq in hidden:
            assert rows[seq] == ("log.withheld", "{}"), seq
        for seq in [*mine_before_seqs, *mine_live_seqs]:
            assert rows[seq][0] != "log.withheld"
        texts = " ".join(payload for _, payload in rows.values())
        assert "live mine" in texts and "backlog mine" in texts
        assert "other" not in texts  # nothing of Seocho's incidents is at this desk

        # What the operator sees of an incident: only its own district's, by id.
        (mine_event,) = station.events_at([mine_live_seqs[0]]).result(5)
        assert not is_withheld(mine_event) and mine_event.subject == mine_live
    finally:
        station.close()

    # The replica's chain is whole: every link checked, the withheld ones' contents aside.
    log = EventLog.open(station.replica_path, readonly=True)
    try:
        report = log.verify()
    finally:
        log.close()
    assert report.ok and report.withheld >= len(hidden)
    out = io.StringIO()
    assert log_verify(str(station.replica_path), out=out) == 0
    assert f"{report.withheld} of another district's held as links only" in out.getvalue()
    # The desk's tools read the replica as it is: the hand-over report lists the operator's
    # incidents and nothing of the others'.
    html = tmp_path / "handover.html"
    done = cityroom(
        "handover", "--db", str(station.replica_path), "--out", str(html), "--language", "en"
    )
    assert done.returncode == 0, done.stderr
    text = html.read_text(encoding="utf-8")
    assert mine_live in text and "live mine" in text
    assert other_live not in text and "other" not in text


def test_the_api_reads_only_the_accounts_districts(server: BackendServer) -> None:
    boss = Supervisor(server.url)
    other, other_seqs = boss.report(OTHER, "api other")
    mine, mine_seqs = boss.report(MINE, "api mine")
    park = bearer(login(server.url, "park", PASSWORD))

    refused = httpx.get(f"{server.url}/v1/incidents/{other}/events", headers=park, timeout=5)
    assert refused.status_code == 403
    assert OTHER in refused.json()["message"] and "set-role park" in refused.json()["message"]
    allowed = httpx.get(f"{server.url}/v1/incidents/{mine}/events", headers=park, timeout=5)
    assert allowed.status_code == 200 and len(allowed.json()["records"]) == 2

    page = httpx.get(
        f"{server.url}/v1/events",
        params={"after": other_seqs[0] - 1, "limit": 4},
        headers=park,
        timeout=5,
    ).json()["records"]
    by_seq = {r["seq"]: r for r in page}
    for seq in other_seqs:
        assert by_seq[seq]["withheld"] is True and "payload" not in by_seq[seq]
    for seq in mine_seqs:
        assert "api mine" in by_seq[seq]["payload"]
    picked = httpx.get(
        f"{server.url}/v1/events/at", params={"seq": other_seqs}, headers=park, timeout=5
    ).json()["records"]
    assert [r.get("withheld") for r in picked] == [True, True]

    listed = httpx.get(f"{server.url}/v1/incidents", headers=park, timeout=5).json()
    ids = {i["id"] for i in listed["incidents"]}
    assert mine in ids and other not in ids
    # A supervisor sees every district in full.
    full = httpx.get(
        f"{server.url}/v1/events/at", params={"seq": other_seqs}, headers=boss.headers, timeout=5
    ).json()["records"]
    assert all("withheld" not in r for r in full)


def test_a_changed_district_list_brings_a_replica_of_the_new_view(
    server: BackendServer, tmp_path: Path
) -> None:
    from psycopg_pool import ConnectionPool

    from server.accounts import AccountStore
    from server.roles import Role

    boss = Supervisor(server.url)
    other, _ = boss.report(OTHER, "seen after the change")
    station = open_station(server, tmp_path / "park")
    first_replica = station.replica_path
    try:
        assert other not in station.snapshot().result(5).incidents
        with ConnectionPool(server.pg_url, min_size=1, max_size=1, open=True) as pool:
            AccountStore(pool).set_role("park", Role.OPERATOR, districts=[MINE, OTHER])
        try:
            # The open stream notices within seconds; the link signs in again and copies
            # the log as the new view sees it, into a replica of its own.
            wait_until(
                lambda: station.replica_path != first_replica, 15, "a replica of the new view"
            )
            wait_until(
                lambda: other in station.snapshot().result(5).incidents,
                15,
                "the other district's incident to arrive in full",
            )
        finally:
            with ConnectionPool(server.pg_url, min_size=1, max_size=1, open=True) as pool:
                AccountStore(pool).set_role("park", Role.OPERATOR, districts=[MINE])
    finally:
        station.close()
    assert first_replica.exists()  # the old view's copy is kept, not deleted
