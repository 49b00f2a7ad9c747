"""The database goes away under a running server: it answers 503 with a reason, says so on
/v1/health, and recovers by itself when the database is back, losing nothing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.commands import AddNote, ReportIncident
from core.remote.wire import command_to_json
from tests.backend_server import BackendServer, add_users, bearer, login, wait_until
from tests.pg_cluster import PgCluster

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


def test_the_server_answers_503_while_the_database_is_down_and_recovers(
    pg_url: str, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    add_users(pg_url, [("park", PASSWORD, "supervisor", ())])
    server = BackendServer(pg_url, tmp_path).start()
    try:
        token = login(server.url, "park", PASSWORD)
        headers = bearer(token)
        report = command_to_json(ReportIncident("F-FIRE", 37.5, 127.03, "11230"))
        answer = httpx.post(f"{server.url}/v1/commands", json=report, headers=headers)
        iid = answer.json()["records"][0]["subject"]
        note = command_to_json(AddNote(iid, "during the outage"))

        pg_cluster.stop()
        down = httpx.post(f"{server.url}/v1/commands", json=note, headers=headers, timeout=30)
        assert down.status_code == 503, down.text
        assert down.json()["error"] == "unavailable"
        assert "PostgreSQL" in down.json()["message"] and down.headers["Retry-After"]
        wait_until(
            lambda: httpx.get(f"{server.url}/v1/health").json()["database"] == "unavailable",
            15,
            "the health check to report the outage",
        )

        pg_cluster.start()

        def accepted() -> bool:
            again = httpx.post(f"{server.url}/v1/commands", json=note, headers=headers, timeout=30)
            return again.status_code == 200

        wait_until(accepted, 30, "the server to accept commands again")
        wait_until(
            lambda: httpx.get(f"{server.url}/v1/health").json()["database"] == "ok",
            15,
            "the health check to report the database back",
        )
        events = httpx.get(f"{server.url}/v1/incidents/{iid}/events", headers=headers).json()
        assert [e["type"] for e in events["records"]] == [
            "incident.reported",
            "incident.note_added",
        ]
    finally:
        if not pg_cluster.is_running:
            pg_cluster.start()
        server.stop()
