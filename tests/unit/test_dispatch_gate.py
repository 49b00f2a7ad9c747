"""The lawful-sharing gate against the demo registry and the shipped procedures: what may leave
the room, to whom, and every reason when it may not."""

from __future__ import annotations

from typing import Any

import pytest

from core.dispatch.agencies import DEMO_REGISTRY, Agency, Registry
from core.dispatch.gate import GateDecision, check
from core.dispatch.model import (
    ATTACHMENT_CLASS,
    RELATED_CLASS,
    Attachment,
    AttachmentKind,
    CapCategory,
    CapSeverity,
    DistributionStatus,
    Packet,
    Point,
    PointArea,
    RelatedKind,
    RelatedObject,
)
from core.model import Incident, IncidentStatus
from core.sop.definitions import SOP_DIR, DataClass, Share
from core.sop.loading import load_procedure_file

NOW = 1_790_000_000_000  # 2026-09
SHA = "a" * 64


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(DEMO_REGISTRY, now_ms=NOW)


def shares(procedure: str) -> tuple[Share, ...]:
    return load_procedure_file(SOP_DIR / f"{procedure}.toml").procedure.share


def incident(code: str, **changes: Any) -> Incident:
    values: dict[str, Any] = {
        "id": "INC-1",
        "type_code": code,
        "severity": 1,
        "status": IncidentStatus.ACKNOWLEDGED,
        "lat": 37.57,
        "lon": 126.98,
        "district_code": "11010",
        "opened_ms": NOW - 60_000,
        "last_changed_ms": NOW - 60_000,
        "reported_by": "operator:kim",
    }
    return Incident(**{**values, **changes})


def still(**changes: Any) -> Attachment:
    values: dict[str, Any] = {
        "kind": AttachmentKind.STILL,
        "description": "CCTV C-1 정지영상",
        "mime": "image/jpeg",
        "path": "s.jpg",
        "sha256": SHA,
    }
    return Attachment(**{**values, **changes})


def packet(agency: Agency, **changes: Any) -> Packet:
    values: dict[str, Any] = {
        "distribution_id": "cityroom-test-1",
        "incident_id": "INC-1",
        "agency_id": agency.id,
        "recipient": agency.kind,
        "sender_id": "uoc@seoul.go.kr",
        "sent_ms": NOW,
        "expires_ms": NOW + 3_600_000,
        "event_code": "F-FIRE",
        "event_ko": "화재",
        "event_en": "fire",
        "category": CapCategory.FIRE,
        "severity": CapSeverity.EXTREME,
        "headline_ko": "[화재] 종로구",
        "summary_ko": "화재 발생",
        "area": PointArea(at=Point(lat=37.57, lon=126.98)),
        "area_desc_ko": "서울특별시 종로구",
        "purpose": "화재 진압",
    }
    values.update(changes)
    carried = {DataClass.SUMMARY} | {
        ATTACHMENT_CLASS[a.kind] for a in values.get("attachments", ())
    }
    carried |= {RELATED_CLASS[r.kind] for r in values.get("related", ())}
    values.setdefault("data_classes", tuple(c for c in DataClass if c in carried))
    return Packet(**values)


def keys(decision: GateDecision) -> list[str]:
    return [r.key for r in decision.reasons]


def gate(p: Packet, agency: Agency, inc: Incident, share: tuple[Share, ...], **kw: Any) -> Any:
    return check(
        p,
        agency,
        inc,
        procedure_shares=share,
        purpose_confirmed=kw.pop("confirmed", True),
        now_ms=kw.pop("now_ms", NOW),
    )


def plate() -> RelatedObject:
    return RelatedObject(kind=RelatedKind.PLATE, pseudonym="plate:0123456789abcdef")


def test_a_blurred_still_of_a_fire_goes_to_119(registry: Registry) -> None:
    fire = registry.get("fire-119")
    decision = gate(
        packet(fire, attachments=(still(),)),
        fire,
        incident("F-FIRE"),
        shares("fire-blocked-access"),
    )
    assert decision.allowed, decision.messages(korean=False)


def test_plates_to_the_police_are_refused_when_no_share_gives_them(registry: Registry) -> None:
    police = registry.get("police-112")
    decision = gate(
        packet(police, related=(plate(),), event_code="P-ASL"),
        police,
        incident("P-ASL"),
        shares("police-video-assault"),
    )
    assert keys(decision) == ["incident.no_share"]
    assert decision.reasons[0].data_class is DataClass.PLATE
    assert "plate" in decision.reasons[0].en and "차량번호" in decision.reasons[0].ko


def test_plates_go_to_the_tax_office_for_an_arrears_vehicle(registry: Registry) -> None:
    tax = registry.get("tax-38")
    arrears = incident("X-TAX", severity=4)
    decision = gate(
        packet(tax, related=(plate(),), event_code="X-TAX"), tax, arrears, shares("tax-arrears")
    )
    assert decision.allowed, decision.messages(korean=False)
    # ... and only there: the same plate to the police is refused for this incident.
    police = registry.get("police-112")
    refused = gate(packet(police, related=(plate(),)), police, arrears, shares("tax-arrears"))
    assert keys(refused) == ["incident.no_share"]


def test_without_a_procedure_the_types_service_and_agencies_decide(registry: Registry) -> None:
    tax, police = registry.get("tax-38"), registry.get("police-112")
    arrears = incident("X-TAX", severity=4)
    assert gate(packet(tax, related=(plate(),)), tax, arrears, ()).allowed
    assert keys(gate(packet(police, related=(plate(),)), police, arrears, ())) == [
        "incident.no_share"
    ]


def test_an_unmasked_still_needs_a_reason(registry: Registry) -> None:
    fire = registry.get("fire-119")
    fire_incident, fire_shares = incident("F-FIRE"), shares("fire-blocked-access")
    bare = Attachment.model_construct(**{**still().model_dump(), "unmasked": True})
    decision = gate(
        packet(fire).model_copy(
            update={"attachments": (bare,), "data_classes": (DataClass.SUMMARY, DataClass.STILL)}
        ),
        fire,
        fire_incident,
        fire_shares,
    )
    assert keys(decision) == ["attachment.unmasked"]
    assert decision.still_to_do == decision.reasons and not decision.refusals
    with_reason = still(unmasked=True, unmask_reason="용의자 인상착의 확인 필요")
    assert gate(packet(fire, attachments=(with_reason,)), fire, fire_incident, fire_shares).allowed


def test_a_legal_basis_not_yet_in_force_refuses(registry: Registry) -> None:
    fire = registry.get("fire-119")
    august_2015 = 1_439_000_000_000  # 2015-08-08, before the 2015.9 agreement
    decision = gate(
        packet(fire, attachments=(still(),), sent_ms=august_2015, expires_ms=august_2015 + 60_000),
        fire,
        incident("F-FIRE"),
        shares("fire-blocked-access"),
        now_ms=august_2015,
    )
    assert keys(decision) == ["basis.future"]
    assert "2015-09" in decision.reasons[0].en


def test_stills_of_a_closed_incident_stay_in_the_room(registry: Registry) -> None:
    fire = registry.get("fire-119")
    closed = incident("F-FIRE", status=IncidentStatus.CLOSED)
    decision = gate(
        packet(fire, attachments=(still(),)), fire, closed, shares("fire-blocked-access")
    )
    assert keys(decision) == ["incident.not_open"]
    assert "closed" in decision.reasons[0].en and "종결" in decision.reasons[0].ko
    # A summary alone may still go (an update or a cancel after the fact).
    assert gate(packet(fire), fire, closed, shares("fire-blocked-access")).allowed


def test_every_reason_is_given_at_once(registry: Registry) -> None:
    tax = registry.get("tax-38").model_copy(update={"enabled": False})
    drill = incident("F-FIRE", exercise=True)
    p = packet(
        tax,
        recipient="fire",
        attachments=(still(),),
        related=(plate(),),
        purpose="  ",
    )
    decision = gate(p, tax, drill, shares("fire-blocked-access"), confirmed=False)
    assert keys(decision) == [
        "agency.disabled",
        "agency.kind",
        "exercise.status",
        "agency.data_class",  # the tax office takes no stills
        "basis.none",  # no basis of the tax office covers stills
        "incident.no_share",  # fire gets no plates for a fire
        "purpose.missing",
        "purpose.unconfirmed",
    ]
    assert [r.key for r in decision.still_to_do] == ["purpose.missing", "purpose.unconfirmed"]
    assert all(r.ko and r.en for r in decision.reasons)
    marked = p.model_copy(update={"status": DistributionStatus.EXERCISE, "exercise": True})
    again = gate(marked, tax, drill, shares("fire-blocked-access"), confirmed=False)
    assert "exercise.status" not in keys(again) and len(again.reasons) == 7


def test_plain_data_needs_only_the_agencys_consent(registry: Registry) -> None:
    traffic = registry.get("seoul-traffic-ops")
    route = (Point(lat=37.57, lon=126.98), Point(lat=37.58, lon=126.99))
    p = packet(traffic, route=route, purpose="", data_classes=(DataClass.SUMMARY, DataClass.ROUTE))
    assert gate(
        p, traffic, incident("F-FIRE"), shares("fire-blocked-access"), confirmed=False
    ).allowed
    telecom = registry.get("telecom-kt")
    refused = gate(
        packet(telecom, route=route, data_classes=(DataClass.SUMMARY, DataClass.ROUTE)),
        telecom,
        incident("V-MISS"),
        shares("missing-person"),
    )
    assert keys(refused) == ["agency.data_class"]
