"""Drafting a packet from an incident: what the compose dialog and ``dispatch render`` start
from.

The draft is pre-filled from the incident and its type: CAP category, severity, urgency,
place, a Korean headline and summary, the evidence and related objects the incident's purpose
lets this kind of agency have (everything else is left out, and the draft says what and why),
the agency's legal basis and a new distribution id. Plates and phone numbers go out only as
keyed pseudonyms. Pure apart from the random distribution id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from core.catalogue import IncidentType, Service
from core.dispatch.agencies import KST, Agency, Centre
from core.dispatch.gate import shared_classes
from core.dispatch.model import (
    ATTACHMENT_CLASS,
    RELATED_CLASS,
    SENSITIVE,
    SEVERITY_TO_CAP,
    Area,
    Attachment,
    AttachmentKind,
    CapCategory,
    CapSeverity,
    CircleArea,
    DistributionKind,
    DistributionStatus,
    Packet,
    Point,
    PointArea,
    RelatedKind,
    RelatedObject,
    Urgency,
)
from core.dispatch.pseudonym import Pseudonymiser
from core.events import EventRecord, EventType, EvidenceCaptured, IncidentObserved, decode
from core.model import Incident
from core.sop.definitions import DATA_NAMES, RECIPIENT_NAMES, DataClass, Share

DEFAULT_EXPIRY_MS = 3_600_000
BLURRED = ("faces", "plates")

SERVICE_CATEGORY: dict[Service, CapCategory] = {
    Service.POLICE_VIDEO: CapCategory.SECURITY,
    Service.POLICE_DISPATCH: CapCategory.SECURITY,
    Service.FIRE_DISPATCH: CapCategory.FIRE,
    Service.DISASTER: CapCategory.GEO,
    Service.VULNERABLE: CapCategory.RESCUE,
    Service.CARE: CapCategory.HEALTH,
    Service.PROTECTION: CapCategory.SECURITY,
    Service.HAZARD: CapCategory.SAFETY,
    Service.TRAFFIC: CapCategory.TRANSPORT,
    Service.ENVIRONMENT: CapCategory.ENV,
    Service.WASTE: CapCategory.ENV,
    Service.UTILITIES: CapCategory.INFRA,
    Service.CIVIC: CapCategory.OTHER,
    Service.CENTRE: CapCategory.SECURITY,
}

# Types whose CAP category differs from their service's.
TYPE_CATEGORY: dict[str, CapCategory] = {
    "F-RESC": CapCategory.RESCUE,
    "F-EMS": CapCategory.HEALTH,
    "D-FLOOD": CapCategory.MET,
    "D-CARFLD": CapCategory.MET,
    "H-GAS": CapCategory.CBRNE,
    "B-BIKE": CapCategory.TRANSPORT,
}

_MIME = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".avi": "video/x-msvideo",
    ".mp4": "video/mp4",
    ".mkv": "video/x-matroska",
}


@dataclass(frozen=True, slots=True)
class LeftOut:
    """Material the draft does not carry, and why (shown to the operator)."""

    what: str
    data_class: DataClass
    ko: str
    en: str


@dataclass(frozen=True, slots=True)
class Draft:
    """A pre-filled packet and what was left out of it."""

    packet: Packet
    left_out: tuple[LeftOut, ...] = ()


@dataclass(frozen=True, slots=True)
class RelatedValue:
    """A plate, phone number or person named in clear inside the room."""

    kind: RelatedKind
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class LiveLink:
    """An expiring link to a camera's live stream."""

    camera_id: str
    uri: str
    expires_ms: int


@dataclass(frozen=True, slots=True)
class IncidentMaterial:
    """What an incident's events give a packet: its evidence and the last located circle."""

    evidence: tuple[EvidenceCaptured, ...] = ()
    circle: CircleArea | None = None


def material_from_events(records: Sequence[EventRecord]) -> IncidentMaterial:
    """The evidence and the latest circle (a telecom fix's radius) in an incident's events."""
    evidence: list[EvidenceCaptured] = []
    circle: CircleArea | None = None
    for record in records:
        if record.type not in (EventType.EVIDENCE_CAPTURED, EventType.INCIDENT_OBSERVED):
            continue
        event = decode(record)
        if isinstance(event, EvidenceCaptured):
            evidence.append(event)
        elif isinstance(event, IncidentObserved):
            circle = _circle(event.data) or circle
    return IncidentMaterial(tuple(evidence), circle)


def _circle(data: dict[str, Any]) -> CircleArea | None:
    if "radius_m" not in data:
        return None
    try:
        centre = Point(lat=float(data["lat"]), lon=float(data["lon"]))
        return CircleArea(centre=centre, radius_m=float(data["radius_m"]))
    except (KeyError, TypeError, ValueError):
        return None  # an observation whose numbers are not a place keeps the point


def category_for(entry: IncidentType | None) -> CapCategory:
    """The CAP category of an incident type."""
    if entry is None:
        return CapCategory.OTHER
    return TYPE_CATEGORY.get(entry.code) or SERVICE_CATEGORY.get(entry.service, CapCategory.OTHER)


def new_distribution_id() -> str:
    """A fresh, unique distribution id (the receivers' idempotency key)."""
    return f"cityroom-{uuid.uuid4()}"


def _kst(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).astimezone(KST).strftime("%Y-%m-%d %H:%M")


def draft_packet(
    incident: Incident,
    agency: Agency,
    *,
    centre: Centre,
    entry: IncidentType | None,
    now_ms: int,
    procedure_shares: Sequence[Share] = (),
    evidence: Sequence[EvidenceCaptured] = (),
    live_links: Sequence[LiveLink] = (),
    related: Sequence[RelatedValue] = (),
    pseudonymiser: Pseudonymiser | None = None,
    route: Sequence[Point] = (),
    area: Area | None = None,
    district_ko: str | None = None,
    operator: str = "",
    purpose: str | None = None,
    unmask_reason: str = "",
    requested_action_ko: str = "",
    kind: DistributionKind = DistributionKind.DISPATCH,
    test: bool = False,
    references: Sequence[str] = (),
    evidence_dir: Path | None = None,
    expires_in_ms: int = DEFAULT_EXPIRY_MS,
    distribution_id: str | None = None,
) -> Draft:
    """A packet for ``agency`` pre-filled from ``incident``; material the incident's purpose
    does not give this kind of agency (its procedure's share), or the agency may not take, is
    left out and listed. ``purpose`` defaults to the share's; ``area`` to the incident's
    point. Evidence that was not blurred goes only with ``unmask_reason``. The status is
    Exercise for a drill's incident, else Test with ``test`` (to the test endpoint), else
    Actual."""
    recipient = agency.kind
    own_shares = [s for s in procedure_shares if s.to is recipient]
    sensitive_ok = shared_classes(incident, recipient, procedure_shares)
    if own_shares:
        plain_ok = {c for s in own_shares for c in s.data} - SENSITIVE
    else:
        plain_ok = set(DataClass) - SENSITIVE
    allowed = (set(sensitive_ok) | plain_ok) & set(agency.data_classes) | {DataClass.SUMMARY}
    left: list[LeftOut] = []

    def admit(what: str, data_class: DataClass) -> bool:
        if data_class in allowed:
            return True
        ko, en = DATA_NAMES[data_class]
        to_ko, to_en = RECIPIENT_NAMES[recipient]
        if data_class not in agency.data_classes:
            left.append(
                LeftOut(
                    what,
                    data_class,
                    f"{agency.name_ko}에는 {ko} 제공 불가",
                    f"{agency.name_en} may not be given {en}",
                )
            )
        else:
            left.append(
                LeftOut(
                    what,
                    data_class,
                    f"이 사건의 대응 목적상 {to_ko}에 {ko} 제공 불가",
                    f"the incident's purpose gives no {en} to a {to_en} agency",
                )
            )
        return False

    attachments = _evidence(incident, evidence, admit, left, unmask_reason, evidence_dir)
    for link in live_links:
        if admit(f"live {link.camera_id}", DataClass.VIDEO_LINK):
            attachments.append(
                Attachment(
                    kind=AttachmentKind.LIVE_LINK,
                    description=f"CCTV {link.camera_id} 실시간 영상",
                    mime="text/uri-list",
                    camera_id=link.camera_id,
                    uri=link.uri,
                    expires_ms=link.expires_ms,
                )
            )
    objects: list[RelatedObject] = []
    for item in related:
        if admit(f"{item.kind.value} {item.note}".strip(), RELATED_CLASS[item.kind]):
            if pseudonymiser is None:
                raise ValueError("plates and phone numbers need the pseudonymiser")
            objects.append(
                RelatedObject(
                    kind=item.kind,
                    pseudonym=pseudonymiser.pseudonym(item.kind, item.value),
                    note=item.note,
                )
            )
    kept_route = tuple(route) if route and admit("route", DataClass.ROUTE) else ()
    carried = {DataClass.SUMMARY} | {ATTACHMENT_CLASS[a.kind] for a in attachments}
    carried |= {RELATED_CLASS[r.kind] for r in objects}
    carried |= {DataClass.ROUTE} if kept_route else set()
    classes = tuple(c for c in DataClass if c in carried)
    name_ko = entry.name_ko if entry else incident.type_code
    place = district_ko or f"{incident.lat:.5f}, {incident.lon:.5f}"
    drill = "[훈련] " if incident.exercise else ""
    said = incident.summary.strip() or name_ko
    headline = f"{drill}[{name_ko}] {said if place in said else f'{place} {said}'}"
    if purpose is None:
        purpose = own_shares[0].purpose_ko if own_shares else ""
    packet = Packet(
        distribution_id=distribution_id or new_distribution_id(),
        incident_id=incident.id,
        agency_id=agency.id,
        recipient=recipient,
        kind=kind,
        status=_status(incident, test),
        sender_id=centre.sender_id,
        sent_ms=now_ms,
        expires_ms=now_ms + expires_in_ms,
        references=tuple(references),
        event_code=incident.type_code,
        event_ko=name_ko,
        event_en=entry.name_en if entry else incident.type_code,
        category=category_for(entry),
        severity=SEVERITY_TO_CAP.get(incident.severity, CapSeverity.UNKNOWN),
        urgency=Urgency.IMMEDIATE if incident.severity <= 2 else Urgency.EXPECTED,
        headline_ko=headline[:160],
        summary_ko=_summary(incident, name_ko, place),
        requested_action_ko=requested_action_ko,
        area=area or PointArea(at=Point(lat=incident.lat, lon=incident.lon)),
        area_desc_ko=f"서울특별시 {district_ko}" if district_ko else f"위도·경도 {place}",
        district_code=incident.district_code,
        route=kept_route,
        attachments=tuple(attachments),
        related=tuple(objects),
        data_classes=classes,
        purpose=purpose,
        legal_basis=_basis_text(agency, classes, now_ms),
        operator=operator,
        exercise=incident.exercise,
    )
    return Draft(packet, tuple(left))


def _evidence(
    incident: Incident,
    evidence: Sequence[EvidenceCaptured],
    admit: Callable[[str, DataClass], bool],
    left: list[LeftOut],
    unmask_reason: str,
    evidence_dir: Path | None,
) -> list[Attachment]:
    attachments: list[Attachment] = []
    for item in evidence:
        if item.incident_id != incident.id or item.kind not in ("still", "clip"):
            continue
        kind = AttachmentKind(item.kind)
        data_class = ATTACHMENT_CLASS[kind]
        name = PurePath(item.path).name
        if not admit(name, data_class):
            continue
        blurred = all(part in item.redacted.split(",") for part in BLURRED)
        if not blurred and not unmask_reason.strip():
            left.append(
                LeftOut(
                    name,
                    data_class,
                    "얼굴·번호판이 가려지지 않은 영상: 사유를 입력해야 보낼 수 있음",
                    "not blurred: it goes only with the reason it must go unmasked",
                )
            )
            continue
        path = Path(item.path)
        if evidence_dir is not None and path.is_relative_to(evidence_dir):
            path = path.relative_to(evidence_dir)
        what = "정지영상" if kind is AttachmentKind.STILL else "영상 클립"
        attachments.append(
            Attachment(
                kind=kind,
                description=f"CCTV {item.camera_id} {what} {_kst(item.taken_ms)}",
                mime=_MIME.get(path.suffix.lower(), "application/octet-stream"),
                camera_id=item.camera_id,
                path=path.as_posix(),
                sha256=item.sha256,
                unmasked=not blurred,
                unmask_reason="" if blurred else unmask_reason.strip(),
            )
        )
    return attachments


def _status(incident: Incident, test: bool) -> DistributionStatus:
    if incident.exercise:
        return DistributionStatus.EXERCISE  # a drill is never sent as real, nor as a test
    return DistributionStatus.TEST if test else DistributionStatus.ACTUAL


def _summary(incident: Incident, name_ko: str, place: str) -> str:
    lines = [incident.summary] if incident.summary else []
    lines.append(f"유형: {name_ko} ({incident.type_code}) · 심각도 {incident.severity}")
    lines.append(f"발생: {_kst(incident.opened_ms)} (KST) · 사건 {incident.id}")
    lines.append(f"위치: {place} ({incident.lat:.5f}, {incident.lon:.5f})")
    return "\n".join(lines)


def _basis_text(agency: Agency, classes: Sequence[DataClass], now_ms: int) -> str:
    wanted = [c for c in classes if c in SENSITIVE] or [DataClass.SUMMARY]
    labels: list[str] = []
    for data_class in wanted:
        for basis in agency.bases_for(data_class, now_ms):
            label = basis.label(korean=True)
            if basis.reference and basis.reference not in label:
                label += f" [{basis.reference}]"
            if label not in labels:
                labels.append(label)
    return "; ".join(labels)
