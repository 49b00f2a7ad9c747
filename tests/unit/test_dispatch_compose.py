"""Drafting packets from incidents reported into a real event log: pre-filled facts, the
evidence and objects the purpose allows, what is left out and why, pseudonymised plates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.commands import AddObservation, ReportIncident
from core.dispatch.agencies import DEMO_REGISTRY, Registry
from core.dispatch.compose import Draft, RelatedValue, draft_packet, material_from_events
from core.dispatch.gate import check
from core.dispatch.model import (
    AttachmentKind,
    CapCategory,
    CapSeverity,
    CircleArea,
    DistributionStatus,
    PointArea,
    RelatedKind,
    Urgency,
)
from core.dispatch.pseudonym import Pseudonymiser
from core.dispatch.queueing import district_name, procedure_shares
from core.events import EvidenceCaptured
from core.local_backend import LocalBackend
from core.model import Incident
from core.sop.definitions import DataClass

T0 = 1_790_000_000_000
JONGNO = (37.59147, 126.97983)  # inside 종로구 (11010)


@pytest.fixture
def backend(log_path: Path) -> Iterator[LocalBackend]:
    opened = LocalBackend.open(log_path, FakeClock(T0))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(DEMO_REGISTRY, now_ms=T0)


def report(backend: LocalBackend, code: str, summary: str, exercise: bool = False) -> str:
    command = ReportIncident(code, *JONGNO, "11010", summary=summary, exercise=exercise)
    records = backend.submit(command, "operator:kim").result()
    return str(records[0].subject)


def evidence(incident_id: str, kind: str, name: str, redacted: str) -> EvidenceCaptured:
    digest = (name.encode().hex() * 64)[:64]
    return EvidenceCaptured(
        incident_id, "CAM-11010-001", kind, f"/evidence/{name}", digest, T0, redacted=redacted
    )


def drafted(
    backend: LocalBackend, registry: Registry, incident_id: str, agency_id: str, **kw: object
) -> tuple[Incident, Draft]:
    incident = backend.snapshot().result().incidents[incident_id]
    material = material_from_events(backend.incident_events(incident_id).result())
    draft = draft_packet(
        incident,
        registry.get(agency_id),
        centre=registry.centre,
        entry=incident.incident_type,
        now_ms=T0 + 120_000,
        procedure_shares=procedure_shares(incident),
        evidence=material.evidence,
        area=material.circle,
        district_ko=district_name(incident),
        operator="operator:kim",
        evidence_dir=Path("/evidence"),
        **kw,  # type: ignore[arg-type]
    )
    return incident, draft


def test_a_fire_is_drafted_for_119_with_what_its_purpose_allows(
    backend: LocalBackend, registry: Registry
) -> None:
    incident_id = report(backend, "F-FIRE", "종로구 주택 화재 신고")
    backend.publish(
        [
            evidence(incident_id, "still", "blurred.jpg", "faces,plates").to_new("wall", "kim"),
            evidence(incident_id, "still", "raw.jpg", "").to_new("wall", "kim"),
            evidence(incident_id, "clip", "clip.avi", "faces,plates").to_new("wall", "kim"),
        ]
    ).result()
    incident, draft = drafted(backend, registry, incident_id, "fire-119")
    packet = draft.packet
    assert packet.incident_id == incident_id and packet.agency_id == "fire-119"
    assert packet.event_code == "F-FIRE" and packet.event_ko == "화재"
    assert packet.category is CapCategory.FIRE and packet.severity is CapSeverity.EXTREME
    assert packet.urgency is Urgency.IMMEDIATE and packet.status is DistributionStatus.ACTUAL
    assert packet.headline_ko.startswith("[화재] 종로구")
    assert "종로구 주택 화재 신고" in packet.summary_ko and incident_id in packet.summary_ko
    assert packet.area == PointArea.model_validate({"at": {"lat": JONGNO[0], "lon": JONGNO[1]}})
    assert packet.area_desc_ko == "서울특별시 종로구" and packet.district_code == "11010"
    assert packet.distribution_id.startswith("cityroom-")
    assert packet.expires_ms - packet.sent_ms == 3_600_000
    assert packet.sender_id == "uoc@seoul.go.kr"
    # The blurred still goes; the clip (not shared with fire) and the unblurred still do not.
    assert [(a.kind, a.path, a.unmasked) for a in packet.attachments] == [
        (AttachmentKind.STILL, "blurred.jpg", False)
    ]
    assert packet.data_classes == (DataClass.SUMMARY, DataClass.STILL)
    left = {item.what: item for item in draft.left_out}
    assert set(left) == {"raw.jpg", "clip.avi"}
    assert "not blurred" in left["raw.jpg"].en and left["clip.avi"].data_class is DataClass.CLIP
    assert "119 긴급출동 지원" in packet.legal_basis and "2015-09" in packet.legal_basis
    assert packet.purpose.startswith("화재 진압")
    decision = check(
        packet,
        registry.get("fire-119"),
        incident,
        procedure_shares=procedure_shares(incident),
        purpose_confirmed=True,
        now_ms=T0 + 120_000,
    )
    assert decision.allowed, decision.messages(korean=False)


def test_an_unmasked_still_goes_only_with_the_operators_reason(
    backend: LocalBackend, registry: Registry
) -> None:
    incident_id = report(backend, "F-FIRE", "화재")
    backend.publish([evidence(incident_id, "still", "raw.jpg", "").to_new("wall", "kim")]).result()
    _, draft = drafted(backend, registry, incident_id, "fire-119", unmask_reason="요구조자 식별")
    (still,) = draft.packet.attachments
    assert still.unmasked and still.unmask_reason == "요구조자 식별" and not draft.left_out


def test_plates_go_to_the_district_office_as_pseudonyms_and_phones_stay(
    backend: LocalBackend, registry: Registry
) -> None:
    incident_id = report(backend, "F-FIRE", "진입로 불법주정차")
    names = Pseudonymiser(b"k" * 32)
    related = [
        RelatedValue(RelatedKind.PLATE, "12가3456", "진입로 주차"),
        RelatedValue(RelatedKind.PHONE, "010-1234-5678", "차주"),
    ]
    _, draft = drafted(
        backend, registry, incident_id, "district-jongno", related=related, pseudonymiser=names
    )
    packet = draft.packet
    (plate,) = packet.related
    assert plate.pseudonym == names.pseudonym(RelatedKind.PLATE, "12가3456")
    assert "3456" not in packet.canonical()
    assert packet.data_classes == (DataClass.SUMMARY, DataClass.PLATE)
    (phone,) = draft.left_out
    assert phone.data_class is DataClass.PHONE and "purpose" in phone.en


def test_a_telecom_fix_gives_the_circle_and_a_drill_stays_a_drill(
    backend: LocalBackend, registry: Registry
) -> None:
    incident_id = report(backend, "V-MISS", "치매 어르신 실종", exercise=True)
    fix = AddObservation(
        incident_id, "반경 150 m", "150 m", {"radius_m": 150, "lat": 37.59, "lon": 126.98}
    )
    backend.submit(fix, "agency:telecom").result()
    _, draft = drafted(backend, registry, incident_id, "police-112")
    packet = draft.packet
    assert isinstance(packet.area, CircleArea) and packet.area.radius_m == 150
    assert packet.status is DistributionStatus.EXERCISE and packet.exercise
    assert packet.headline_ko.startswith("[훈련] [사회적 약자 실종]")
    assert packet.category is CapCategory.RESCUE
    assert "112" in packet.legal_basis or "경찰청" in packet.legal_basis
