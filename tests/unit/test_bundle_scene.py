"""A real event log of one fire, its merged duplicate and its neighbours, for the bundle tests
(``build_scene``), and a check that the scene holds what the other tests rely on."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from core.clock import FakeClock
from core.eventlog import EventLog
from core.events import (
    CameraViewed,
    EventRecord,
    EvidenceCaptured,
    IncidentAcknowledged,
    IncidentClosed,
    IncidentMerged,
    IncidentNoteAdded,
    IncidentObserved,
    IncidentReported,
    IncidentResolved,
    NewEvent,
    PacketAcknowledged,
    PacketDelivered,
    PacketQueued,
    PacketSent,
    ProcedureStarted,
    ProcedureStepDone,
    ReplayBookmarked,
    SensorReading,
    SituationDetected,
)
from core.sop.library import ProcedureLibrary
from core.state import rebuild

KST = timezone(timedelta(hours=9))
T0 = int(datetime(2026, 1, 5, 10, 0, tzinfo=KST).timestamp() * 1000)
MIN = 60_000
JONGNO = (37.59147, 126.97983)
GAS = "SEN-GAS-11010-001"  # linked to the fire
PM10 = "SEN-PM10-11010-001"  # used by the situation that opened it
PM25 = "SEN-PM25-11010-001"  # used by a situation an observation names
RAIN = "SEN-RAINFALL-11010-001"  # nothing to do with it
CAMERA = "CAM-11010-00022"
OTHER_CAMERA = "CAM-11080-00120"
FIRE, DUPLICATE, OTHER = "INC-000001", "INC-000002", "INC-000003"
DISTRIBUTION = "DIST-0001-fire-119"
SUMMARY = "<b>연기</b> & 화재 (종로)"
NOTE = "<script>alert(1)</script> 연기 확산"


@dataclass(frozen=True)
class Scene:
    """Where the scene's files are, and the facts the tests check against."""

    db: Path
    evidence_dir: Path
    still: Path
    clip: Path
    situation_seq: int
    second_situation_seq: int
    closed_ms: int
    late_view_ms: int


def kst_minute(minute: float) -> int:
    """UTC ms of ``minute`` minutes after 10:00 on 5 January 2026, Seoul time."""
    return T0 + round(minute * MIN)


class _Writer:
    def __init__(self, path: Path) -> None:
        self.log = EventLog.open(path, FakeClock(T0 - 3_600_000))
        self.pending: list[NewEvent] = []

    def add(self, event: Any, actor: str, minute: float, source: str = "test") -> None:
        self.pending.append(event.to_new(source, actor, kst_minute(minute)))

    def flush(self) -> list[EventRecord]:
        batch = sorted(self.pending, key=lambda e: e.ts_ms or 0)
        self.pending = []
        return self.log.append(batch)

    def readings(self, start: float, end: float) -> None:
        minute = start
        while minute < end:
            for number, sensor in enumerate((GAS, PM10, PM25, RAIN)):
                value = 10.0 + number + minute / 10
                self.add(SensorReading(sensor, value), f"sensor:{sensor}", minute, "ingest")
            minute += 1


def build_scene(folder: Path) -> Scene:
    """Write the scene's log and evidence files under ``folder``."""
    evidence = folder / "evidence"
    evidence.mkdir(parents=True)
    still = evidence / "still-1.jpg"
    still.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40 + b"\xff\xd9")
    clip = evidence / "clip-1.avi"
    clip.write_bytes(b"RIFF" + bytes(range(256)) * 6000)  # more than one 1 MiB piece
    loaded = ProcedureLibrary()
    loaded.load()
    procedure = loaded.for_type("F-FIRE")
    assert procedure is not None
    steps = tuple(s.id for s in procedure.procedure.step)
    mandatory = tuple(s.id for s in procedure.procedure.step if s.mandatory)
    w = _Writer(folder / "events.db")
    w.readings(-30, 0)
    w.add(
        SituationDetected(
            "pm-test", "F-FIRE", 2, *JONGNO, "11010", "미세먼지 급증", "PM10 surge",
            ((PM10, 180.0, kst_minute(-0.5)),),
        ),
        "rules:pm-test", -0.1, "rules",
    )  # fmt: skip
    w.add(
        SituationDetected(
            "pm25-test", None, 3, *JONGNO, "11010", "초미세먼지", "PM2.5",
            ((PM25, 90.0, kst_minute(-0.4)),),
        ),
        "rules:pm25-test", -0.05, "rules",
    )  # fmt: skip
    records = w.flush()
    situation_seq = records[-2].seq
    second_seq = records[-1].seq
    w.add(
        IncidentReported(
            FIRE, "F-FIRE", 2, *JONGNO, "11010", SUMMARY, f"situation:{situation_seq}",
            (CAMERA,), (GAS,),
        ),
        "rules:pm-test", 0,
    )  # fmt: skip
    w.add(IncidentReported(DUPLICATE, "F-FIRE", 2, *JONGNO, "11010", "same fire"), "agency:119", 1)
    w.add(IncidentReported(OTHER, "T-ACCIDENT", 3, 37.57, 126.98, "11010", "elsewhere"), "x", 1)
    w.add(IncidentAcknowledged(FIRE), "operator:kim", 2)
    w.add(
        ProcedureStarted(
            FIRE, procedure.procedure.id, procedure.procedure.version, procedure.digest,
            procedure.procedure.title_ko, procedure.procedure.title_en, steps, mandatory,
        ),
        "operator:kim", 2.1,
    )  # fmt: skip
    w.add(CameraViewed(CAMERA, "화재 확인", "open", FIRE), "operator:kim", 2.5)
    w.add(CameraViewed(OTHER_CAMERA, "사고 확인", "open", OTHER), "operator:lee", 2.6)
    w.add(IncidentMerged(DUPLICATE, "중복 신고", FIRE), "operator:kim", 3)
    w.add(IncidentAcknowledged(DUPLICATE), "operator:kim", 2.9)
    digest = hashlib.sha256(still.read_bytes()).hexdigest()
    w.add(EvidenceCaptured(FIRE, CAMERA, "still", str(still), digest, kst_minute(4)),
          "operator:kim", 4, "wall")  # fmt: skip
    clip_digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    w.add(
        EvidenceCaptured(FIRE, CAMERA, "clip", "clip-1.avi", clip_digest, kst_minute(3),
                         kst_minute(4), "faces,plates", 50),
        "operator:kim", 4.5, "wall",
    )  # fmt: skip
    w.add(EvidenceCaptured(FIRE, CAMERA, "still", "/nowhere/lost.jpg", "0" * 64, kst_minute(5)),
          "operator:kim", 5, "wall")  # fmt: skip
    w.add(ProcedureStepDone(FIRE, steps[0]), "operator:kim", 5.5)
    body = "<EDXLDistribution><distributionID>DIST-0001</distributionID></EDXLDistribution>"
    packet = {
        "status": "Actual",
        "area": {"shape": "circle", "centre": {"lat": JONGNO[0], "lon": JONGNO[1]},
                 "radius_m": 300.0},
    }  # fmt: skip
    w.add(
        PacketQueued(FIRE, DISTRIBUTION, "fire-119", "edxl", "application/xml", body,
                     hashlib.sha256(body.encode()).hexdigest(), packet, kst_minute(60)),
        "operator:kim", 6, "dispatch",
    )  # fmt: skip
    w.add(PacketSent(FIRE, DISTRIBUTION, "fire-119", 1, "https", "202"), "system", 6.2)
    w.add(PacketDelivered(FIRE, DISTRIBUTION, "fire-119", "R-77"), "agency:fire-119", 6.4)
    w.add(PacketAcknowledged(FIRE, DISTRIBUTION, "fire-119", "ACK-1", "출동함"), "agency:119", 8)
    w.add(IncidentNoteAdded(FIRE, NOTE), "operator:kim", 9)
    w.add(
        IncidentObserved(FIRE, "초미세먼지 상승", "PM2.5 rising", {"situation_seq": second_seq}),
        "rules:pm25-test", 10,
    )  # fmt: skip
    w.add(IncidentResolved(FIRE, "진화 완료"), "operator:kim", 30)
    w.add(IncidentClosed(FIRE), "operator:lee", 40)
    w.add(ReplayBookmarked(FIRE, kst_minute(4), "증거 저장 시점"), "operator:park", 41)
    w.readings(0, 90)
    w.add(CameraViewed(CAMERA, "사후 확인", "open", FIRE), "operator:lee", 70)
    w.flush()
    w.log.close()
    return Scene(
        db=folder / "events.db",
        evidence_dir=evidence,
        still=still,
        clip=clip,
        situation_seq=situation_seq,
        second_situation_seq=second_seq,
        closed_ms=kst_minute(40),
        late_view_ms=kst_minute(70),
    )


def rewrite_zip(
    source: Path,
    target: Path,
    change: Mapping[str, Callable[[bytes], bytes | None]] = {},
    add: Mapping[str, bytes] = {},
) -> None:
    """Copy the zip ``source`` to ``target`` member by member, as a tamperer would: ``change``
    maps a member to a function of its bytes (None drops it); ``add`` appends members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data: bytes | None = old.read(info.filename)
            if info.filename in change:
                data = change[info.filename](data)  # type: ignore[arg-type]
            if data is not None:
                new.writestr(info.filename, data, compress_type=info.compress_type)
        for name, data in add.items():
            new.writestr(name, data)


def test_the_scene_is_a_closed_fire_with_a_merged_duplicate(tmp_path: Path) -> None:
    scene = build_scene(tmp_path)
    log = EventLog.open(scene.db, readonly=True)
    try:
        state = rebuild(log)
        assert log.verify().ok
    finally:
        log.close()
    fire = state.incidents[FIRE]
    assert fire.status.value == "closed" and fire.duplicates == [DUPLICATE]
    assert fire.procedure is not None and fire.sensors == [GAS]
    assert state.incidents[DUPLICATE].merged_into == FIRE
