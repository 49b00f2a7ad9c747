"""``dispatch agencies|render|send`` on a real event log, as an operator would run them: the
registry without secrets, a CAP preview of a fire, refusals with their reasons, and a queued
packet in the log for the delivery worker."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.commands import Acknowledge, Close, ReportIncident, Resolve
from core.dispatch.cli import add_dispatch_parser, run_dispatch
from core.events import EventType, EvidenceCaptured
from core.local_backend import LocalBackend

JONGNO = (37.59147, 126.97983)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys and the site registry go to the test's own data folder."""
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    for name in ("CITYROOM_KEY_FIRE_119", "CITYROOM_KEY_TAX_38"):
        monkeypatch.delenv(name, raising=False)
    return home


def dispatch(*argv: str) -> Run:
    parser = argparse.ArgumentParser(prog="cityroom")
    add_dispatch_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = run_dispatch(parser.parse_args(["dispatch", *argv]), out, err)
    return Run(code, out.getvalue(), err.getvalue())


@dataclass
class Scene:
    db: Path
    fire: str
    evidence: Path


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    """A log with a reported fire and a blurred still of it on disk."""
    db = tmp_path / "events.db"
    folder = tmp_path / "evidence"
    folder.mkdir()
    picture = folder / "still-1.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xe0 a blurred still \xff\xd9")
    backend = LocalBackend.open(db)
    try:
        report = ReportIncident("F-FIRE", *JONGNO, "11010", summary="종로구 주택 화재 신고")
        fire = str(backend.submit(report, "operator:kim").result()[0].subject)
        still = EvidenceCaptured(
            fire,
            "CAM-11010-001",
            "still",
            str(picture),
            hashlib.sha256(picture.read_bytes()).hexdigest(),
            1_790_000_000_000,
            redacted="faces,plates",
        )
        backend.publish([still.to_new("wall", "operator:kim")]).result()
    finally:
        backend.close()
    yield Scene(db, fire, folder)


def events(db: Path, incident_id: str) -> list[tuple[str, dict[str, object]]]:
    backend = LocalBackend.open(db)
    try:
        return [(r.type, r.payload) for r in backend.incident_events(incident_id).result()]
    finally:
        backend.close()


def selectors(scene: Scene, agency: str, *more: str) -> list[str]:
    return [
        "--db", str(scene.db), "--incident", scene.fire, "--agency", agency,
        "--evidence-dir", str(scene.evidence), *more,
    ]  # fmt: skip


def test_the_registry_is_listed_without_secrets() -> None:
    run = dispatch("agencies", "--json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)
    assert len(rows) == 9
    police = next(r for r in rows if r["id"] == "police-112")
    assert police["kind"] == "police" and police["formats"][0] == "edxl"
    assert [b["date"] for b in police["legal_basis"]] == ["2015-07", "2011-09-30"]
    assert police["endpoint"]["auth"] == "hmac"
    assert police["endpoint"]["url"] == "http://127.0.0.1:18111/packets"
    assert "key_file" not in run.out and "key_env" not in run.out
    text = dispatch("agencies")
    assert text.code == 0 and "tax-38" in text.out and "2016-07" in text.out


def test_a_fire_is_rendered_as_cap_and_nothing_is_written(scene: Scene) -> None:
    before = events(scene.db, scene.fire)
    run = dispatch("render", *selectors(scene, "fire-119", "--format", "cap"))
    assert run.code == 0, run.err
    assert "urn:oasis:names:tc:emergency:cap:1.2" in run.out
    assert "<category>Fire</category>" in run.out and "종로구" in run.out
    assert "--confirm" in run.err or "confirm" in run.err  # what is still to do before sending
    assert events(scene.db, scene.fire) == before


def test_a_refused_packet_exits_1_with_the_reasons(scene: Scene) -> None:
    backend = LocalBackend.open(scene.db)
    try:
        for command in (Acknowledge, Resolve, Close):
            backend.submit(command(scene.fire), "operator:kim").result()
    finally:
        backend.close()
    run = dispatch("render", *selectors(scene, "fire-119", "--confirm"))
    assert run.code == 1 and run.out == ""
    assert "the incident is closed" in run.err and "종결" in run.err


def test_what_the_purpose_does_not_allow_is_left_out_and_said(scene: Scene) -> None:
    run = dispatch("render", *selectors(scene, "tax-38", "--plate", "12가3456"))
    assert run.code == 0, run.err
    assert "left out" in run.err and "licence plates" in run.err and "차량번호" in run.err
    assert "12가3456" not in run.err + run.out and '"plate' not in run.out


def test_usage_mistakes_name_what_exists(scene: Scene) -> None:
    unknown_agency = dispatch("render", *selectors(scene, "police-911"))
    assert unknown_agency.code == 2 and "police-112" in unknown_agency.err
    wrong_format = dispatch("render", *selectors(scene, "tax-38", "--format", "cot"))
    assert wrong_format.code == 2 and "json" in wrong_format.err
    run = dispatch("render", "--db", str(scene.db), "--incident", "INC-404", "--agency", "ndms")
    assert run.code == 2 and scene.fire in run.err
    missing = dispatch("render", "--db", str(scene.db.with_name("no.db")), "--incident", "X",
                       "--agency", "ndms")  # fmt: skip
    assert missing.code == 2 and not scene.db.with_name("no.db").exists()


def test_send_refuses_without_confirmation_and_queues_with_it(scene: Scene) -> None:
    refused = dispatch("send", *selectors(scene, "fire-119"))
    assert refused.code == 1 and "confirm" in refused.err
    (kind, payload) = events(scene.db, scene.fire)[-1]
    assert kind == EventType.PACKET_REFUSED and payload["stage"] == "gate"
    assert payload["agency_id"] == "fire-119" and "still" in payload["data_classes"]
    assert any("confirm" in reason for reason in payload["reasons"])

    sent = dispatch("send", *selectors(scene, "fire-119", "--confirm", "--purpose", "화재 진압"))
    assert sent.code == 0, sent.err
    (kind, payload) = events(scene.db, scene.fire)[-1]
    assert kind == EventType.PACKET_QUEUED
    assert payload["format"] == "edxl" and payload["content_type"] == "application/xml"
    body = str(payload["body"]).encode("utf-8")
    assert hashlib.sha256(body).hexdigest() == payload["body_sha256"]
    packet = payload["packet"]
    assert isinstance(packet, dict) and packet["purpose"] == "화재 진압"
    assert packet["distribution_id"] == payload["distribution_id"] in sent.out
    assert payload["expires_ms"] == packet["expires_ms"]
    assert [a["kind"] for a in packet["attachments"]] == ["still"]

    update = dispatch("send", *selectors(scene, "fire-119", "--confirm", "--kind", "update"))
    assert update.code == 0, update.err
    (kind, later) = events(scene.db, scene.fire)[-1]
    assert kind == EventType.PACKET_QUEUED and isinstance(later["packet"], dict)
    assert later["packet"]["kind"] == "Update"
    assert later["packet"]["references"] == [payload["distribution_id"]]


def test_a_test_packet_is_marked_test(scene: Scene) -> None:
    run = dispatch("render", *selectors(scene, "seoul-traffic-ops", "--test"))
    assert run.code == 0, run.err
    packet = json.loads(run.out)["packet"]
    assert packet["status"] == "Test" and packet["data_classes"] == ["summary"]


def test_the_parser_offers_every_format_and_kind() -> None:
    from core.dispatch.cli import FORMATS, KINDS
    from core.dispatch.model import DistributionKind, Format

    assert tuple(f.value for f in Format) == FORMATS
    assert tuple(k.value for k in DistributionKind if k is not DistributionKind.ACK) == KINDS
