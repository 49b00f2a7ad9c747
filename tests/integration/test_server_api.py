"""The backend's HTTP API against a real server process on a real PostgreSQL database:
logins, commands, conflicts, roles, districts, protocol versions and the audit trail."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.commands import AddNote, ReportIncident
from core.events import CameraViewed
from core.remote.wire import PROTOCOL_VERSION, command_to_json, new_event_to_json
from tests.backend_server import HEADERS, BackendServer, add_users, bearer, login
from tests.pg_cluster import PgCluster

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def module_db(pg_cluster: PgCluster, pg_template: str) -> str:
    """One database for the module's server."""
    url = pg_cluster.create_database(f"api_{next(_numbers)}", template=pg_template)
    add_users(
        url,
        [
            ("kim", PASSWORD, "operator", ("11230",)),  # Gangnam-gu only
            ("lee", PASSWORD, "operator", ("11230",)),
            ("park", PASSWORD, "supervisor", ()),
            ("audit", PASSWORD, "auditor", ()),
            ("liaison", PASSWORD, "liaison", ()),
            ("throttled", PASSWORD, "operator", ()),
            ("kwon", PASSWORD, "operator", ()),
        ],
    )
    return url


@pytest.fixture(scope="module")
def server(module_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendServer]:
    """One server process for the module."""
    running = BackendServer(module_db, tmp_path_factory.mktemp("server")).start()
    yield running
    running.stop()


def _call(server: BackendServer, method: str, path: str, token: str | None, **kw: Any) -> Any:
    headers = bearer(token) if token else dict(HEADERS)
    return httpx.request(method, f"{server.url}{path}", headers=headers, timeout=10, **kw)


def _report(server: BackendServer, token: str, district: str = "11230") -> dict[str, Any]:
    body = command_to_json(ReportIncident("F-FIRE", 37.4979, 127.0276, district, summary="fire"))
    answer = _call(server, "POST", "/v1/commands", token, json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["records"][0])


def test_health_needs_no_login_and_names_the_log(server: BackendServer) -> None:
    answer = httpx.get(f"{server.url}/v1/health", timeout=5).json()
    assert answer["status"] == "ok" and answer["database"] == "ok"
    assert answer["protocol"] == PROTOCOL_VERSION and len(answer["log_id"]) >= 32
    assert answer["leader"] in (True, False, None)  # None: this server runs no central duty


def test_a_command_is_decided_and_a_stale_one_is_a_conflict(server: BackendServer) -> None:
    kim, lee = login(server.url, "kim", PASSWORD), login(server.url, "lee", PASSWORD)
    reported = _report(server, kim)
    iid = reported["subject"]
    assert reported["actor"] == "operator:kim"
    seen = reported["seq"]  # both operators saw the incident as reported
    ack = {"command": "Acknowledge", "fields": {"incident_id": iid}, "expected_version": seen}
    assert _call(server, "POST", "/v1/commands", kim, json=ack).status_code == 200
    note = command_to_json(AddNote(iid, "lee's note"))
    stale = _call(server, "POST", "/v1/commands", lee, json=note | {"expected_version": seen})
    assert stale.status_code == 409, stale.text
    body = stale.json()
    assert body["error"] == "conflict"
    assert "acknowledged by operator:kim" in body["message"]
    assert body["incident"]["status"] == "acknowledged"
    assert body["current_version"] == body["incident"]["version"] > seen
    # Nothing of the loser's was written: the incident's events are the report and the ack.
    events = _call(server, "GET", f"/v1/incidents/{iid}/events", lee).json()["records"]
    assert [e["type"] for e in events] == ["incident.reported", "incident.acknowledged"]
    # Acknowledging twice breaks the lifecycle: a rejection with its parts.
    again = _call(server, "POST", "/v1/commands", lee, json=ack | {"expected_version": None})
    assert again.status_code == 422 and again.json()["error"] == "rejected"
    assert again.json()["incident_id"] == iid


def test_a_retried_command_is_applied_once(server: BackendServer) -> None:
    kim = login(server.url, "kim", PASSWORD)
    iid = _report(server, kim)["subject"]
    body = command_to_json(AddNote(iid, "once")) | {"client_ref": "retry-1"}
    first = _call(server, "POST", "/v1/commands", kim, json=body).json()["records"]
    second = _call(server, "POST", "/v1/commands", kim, json=body).json()["records"]
    assert first == second
    events = _call(server, "GET", f"/v1/incidents/{iid}/events", kim).json()["records"]
    assert sum(e["type"] == "incident.note_added" for e in events) == 1


def test_roles_and_districts_are_enforced(server: BackendServer) -> None:
    kim, auditor = login(server.url, "kim", PASSWORD), login(server.url, "audit", PASSWORD)
    park, liaison = login(server.url, "park", PASSWORD), login(server.url, "liaison", PASSWORD)
    # An operator acts only in its districts; a supervisor anywhere.
    outside = command_to_json(ReportIncident("F-FIRE", 37.57, 126.98, "11010"))
    refused = _call(server, "POST", "/v1/commands", kim, json=outside)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert _call(server, "POST", "/v1/commands", park, json=outside).status_code == 200
    # An auditor reads but never acts; a liaison may add notes only.
    iid = _report(server, park)["subject"]
    assert _call(server, "GET", "/v1/incidents", auditor).status_code == 200
    ack = {"command": "Acknowledge", "fields": {"incident_id": iid}}
    assert _call(server, "POST", "/v1/commands", auditor, json=ack).status_code == 403
    assert _call(server, "POST", "/v1/commands", liaison, json=ack).status_code == 403
    note = command_to_json(AddNote(iid, "from the police desk"))
    assert _call(server, "POST", "/v1/commands", liaison, json=note).status_code == 200
    # Cameras: an operator may open one in its districts, not elsewhere.
    inside = _camera_in(server, kim, 37.4979, 127.0276)
    view = CameraViewed(inside, "incident response").to_new("workstation", "whoever")
    ok = _call(server, "POST", "/v1/events", kim, json={"events": [new_event_to_json(view)]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["records"][0]["actor"] == "operator:kim"  # not what the body claimed
    elsewhere = _camera_in(server, park, 37.5665, 126.9780)  # Jung-gu / Jongno-gu
    view = CameraViewed(elsewhere, "incident response").to_new("workstation", "kim")
    denied = _call(server, "POST", "/v1/events", kim, json={"events": [new_event_to_json(view)]})
    assert (denied.status_code == 403 and elsewhere in denied.json()["message"]) or "district" in (
        denied.json()["message"]
    )


def _camera_in(server: BackendServer, token: str, lat: float, lon: float) -> str:
    answer = _call(server, "GET", "/v1/cameras/nearest", token, params={"lat": lat, "lon": lon})
    assert answer.status_code == 200, answer.text
    cameras = answer.json()["cameras"]
    assert cameras, "no camera found"
    return str(cameras[0]["id"])


def test_nearby_cameras_are_limited_to_the_operators_districts(server: BackendServer) -> None:
    kim, park = login(server.url, "kim", PASSWORD), login(server.url, "park", PASSWORD)
    params = {"lat": 37.5172, "lon": 127.0473, "radius_m": 5000}  # near the Gangnam border
    everyone = _call(server, "GET", "/v1/cameras/within", park, params=params).json()["cameras"]
    mine = _call(server, "GET", "/v1/cameras/within", kim, params=params).json()["cameras"]
    assert {c["district_code"] for c in mine} == {"11230"}
    assert len({c["district_code"] for c in everyone}) > 1
    distances = [c["distance_m"] for c in everyone]
    assert distances == sorted(distances) and distances[-1] <= 5000


def test_bad_requests_get_reasons(server: BackendServer) -> None:
    kim = login(server.url, "kim", PASSWORD)
    unknown = _call(server, "POST", "/v1/commands", kim, json={"command": "Nuke", "fields": {}})
    assert (
        unknown.status_code == 422
        and "command: Input should be 'Acknowledge'" in unknown.json()["message"]
    )
    typed = {"command": "Acknowledge", "fields": {"incident_id": 7}}
    wrong = _call(server, "POST", "/v1/commands", kim, json=typed)
    assert wrong.status_code == 422 and "incident_id must be text" in wrong.json()["message"]
    broken = httpx.post(
        f"{server.url}/v1/commands",
        content=b"{not json",
        headers=bearer(kim) | {"content-type": "application/json"},
    )
    assert broken.status_code == 422 and broken.json()["error"] == "bad_request"
    payload = {"events": [{"type": "camera.viewed", "source": "w", "actor": "a", "payload": {}}]}
    malformed = _call(server, "POST", "/v1/events", kim, json=payload)
    assert malformed.status_code == 422 and "camera_id" in malformed.json()["message"]


def test_tokens_and_protocol_versions(server: BackendServer) -> None:
    no_token = _call(server, "GET", "/v1/incidents", None)
    assert no_token.status_code == 401 and "Log in" in no_token.json()["message"]
    forged = _call(server, "GET", "/v1/incidents", "abc.def.ghi")
    assert forged.status_code == 401
    older = httpx.get(
        f"{server.url}/v1/incidents",
        headers={"Cityroom-Protocol": "0", "Authorization": "Bearer x"},
    )
    assert older.status_code == 426
    assert "Update the workstation" in older.json()["message"]
    wrong = httpx.post(
        f"{server.url}/v1/login",
        json={"username": "kim", "password": "nope"},
        headers=HEADERS,
    )
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text


def test_wrong_passwords_are_throttled_and_audited(server: BackendServer) -> None:
    for _ in range(5):
        answer = httpx.post(
            f"{server.url}/v1/login",
            json={"username": "throttled", "password": "wrong"},
            headers=HEADERS,
        )
        assert answer.status_code == 401
    blocked = httpx.post(
        f"{server.url}/v1/login",
        json={"username": "throttled", "password": PASSWORD},
        headers=HEADERS,
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    auditor = login(server.url, "audit", PASSWORD)
    records = wait_for_audit(server, auditor, "audit.login_failed", "throttled", 6)
    assert {r["type"] for r in records} >= {"audit.login_failed"}
    kim = login(server.url, "kim", PASSWORD)
    assert _call(server, "GET", "/v1/audit", kim).status_code == 403


def wait_for_audit(
    server: BackendServer, token: str, type_: str, who: str, count: int
) -> list[dict[str, Any]]:
    """The audit records of ``type_`` about ``who``, once there are ``count`` of them."""
    from tests.backend_server import wait_until

    found: list[dict[str, Any]] = []

    def enough() -> bool:
        records = _call(server, "GET", "/v1/audit", token, params={"limit": 10000}).json()
        found[:] = [r for r in records["records"] if r["type"] == type_ and r["subject"] == who]
        return len(found) >= count

    wait_until(enough, 10, f"{count} {type_} audit records about {who}")
    return found


def test_every_request_is_audited(server: BackendServer, tmp_path: Path) -> None:
    park = login(server.url, "park", PASSWORD)
    _call(server, "GET", "/v1/stats", park)
    records = wait_for_audit(server, park, "audit.request", "park", 1)
    paths = {r["payload"] for r in records}
    assert any('"/v1/stats"' in p for p in paths)


def test_a_disabled_accounts_open_stream_is_closed_with_the_reason(
    server: BackendServer, module_db: str
) -> None:
    from psycopg_pool import ConnectionPool
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from server.accounts import AccountStore

    url = server.url.replace("http", "ws", 1) + "/v1/stream?after=0"
    with connect(url, additional_headers=bearer(login(server.url, "kwon", PASSWORD))) as ws:
        assert json.loads(ws.recv(10))["kind"] == "hello"
        with ConnectionPool(module_db, min_size=1, max_size=1, open=True) as pool:
            AccountStore(pool).disable("kwon")
        messages = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:  # the backlog first, then the account's re-check closes it
                messages.append(json.loads(ws.recv(10)))
    assert messages[-1]["kind"] == "error" and "disabled" in messages[-1]["message"]
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    assert "kwon" in closed.value.rcvd.reason and "disabled" in closed.value.rcvd.reason
