"""JSON messages from outside: reports, telecom location fixes, Acks and Cityroom packets.

    {"kind": "report", "reference", "sender", "sent", "incident_type", "lat", "lon",
     "summary", …}
    {"kind": "location_fix", "reference", "lat", "lon", "accuracy_m", "fixed_at",
     "subject", "operator", "incident_id"?}
    {"kind": "ack", "ack_id", "sender", "sent", "acked": [distribution ids], "note"?}
    {"format": "cityroom-packet", "version": 1, "packet": {…}}   (another room's packet)

Unknown members are refused (a misspelt field must not vanish silently).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from core.catalogue import CATALOGUE, incident_type
from core.dispatch.formats.common import InboundError, parse_any_time
from core.dispatch.formats.geo import area_centre
from core.dispatch.formats.json_format import FORMAT_NAME, load_document, packet_from_document
from core.dispatch.formats.messages import AckMessage, InboundMessage, InboundReport, LocationFix
from core.dispatch.model import (
    SEVERITY_TO_CAP,
    CapSeverity,
    Certainty,
    DistributionKind,
    DistributionStatus,
    Packet,
    Urgency,
)
from core.errors import UnknownNameError

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("sent", "fixed_at", "expires", check_fields=False)
    @classmethod
    def _iso_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_any_time(value)  # ValueError names the fix
        return value


class ReportIn(_In):
    kind: Literal["report"]
    reference: str = Field(min_length=1)
    sender: str = Field(min_length=1)
    sent: str
    status: DistributionStatus = DistributionStatus.ACTUAL
    msg_type: Literal["Alert", "Update", "Cancel"] = "Alert"
    incident_type: str
    event: str = ""
    severity: CapSeverity | None = None
    urgency: Urgency = Urgency.IMMEDIATE
    certainty: Certainty = Certainty.LIKELY
    lat: Latitude
    lon: Longitude
    radius_m: float | None = Field(default=None, ge=0, le=100_000)
    area_desc: str = ""
    headline: str = ""
    summary: str = Field(min_length=1)
    expires: str | None = None
    incident_id: str | None = None
    references: tuple[str, ...] = ()


class LocationFixIn(_In):
    kind: Literal["location_fix"]
    reference: str = Field(min_length=1)
    incident_id: str | None = None
    lat: Latitude
    lon: Longitude
    accuracy_m: float = Field(gt=0, le=100_000)
    fixed_at: str
    subject: str = Field(min_length=4)  # a pseudonym, never a name or a number
    operator: str = Field(min_length=1)
    status: DistributionStatus = DistributionStatus.ACTUAL


class AckIn(_In):
    kind: Literal["ack"]
    ack_id: str = Field(min_length=1)
    sender: str = Field(min_length=1)
    sent: str
    acked: tuple[str, ...] = Field(min_length=1)
    note: str = ""
    status: DistributionStatus = DistributionStatus.ACTUAL
    agency_id: str | None = None


_MESSAGE = TypeAdapter(Annotated[ReportIn | LocationFixIn | AckIn, Field(discriminator="kind")])
_RANGE_ERRORS = {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"] if p not in ("report", "location_fix", "ack")]
        field = ".".join(loc) or "message"
        text = f"{field}: {error['msg']}"
        if loc and loc[-1] in ("lat", "lon") and error["type"] in _RANGE_ERRORS:
            text = f"coordinates out of range: {field} {error['input']!r}: {error['msg']}"
        parts.append(text)
    return "; ".join(parts)


def _report(message: ReportIn) -> InboundReport:
    try:
        entry = incident_type(message.incident_type)
    except UnknownNameError as exc:
        raise InboundError(f"incident_type: {exc}") from None
    return InboundReport(
        source_format="json",
        reference=message.reference,
        sender=message.sender,
        sent_ms=parse_any_time(message.sent),
        status=message.status,
        msg_type=message.msg_type,
        incident_type=entry.code,
        event=message.event or entry.name_ko,
        severity=message.severity or SEVERITY_TO_CAP[int(entry.severity)],
        urgency=message.urgency,
        certainty=message.certainty,
        lat=message.lat,
        lon=message.lon,
        radius_m=message.radius_m,
        area_desc=message.area_desc,
        headline=message.headline or message.summary[:160],
        summary=message.summary,
        expires_ms=parse_any_time(message.expires) if message.expires else None,
        incident_id=message.incident_id,
        references=message.references,
    )


def _from_packet(packet: Packet) -> InboundMessage:
    if packet.kind is DistributionKind.ACK:
        if not packet.references:
            raise InboundError("an Ack packet must list the distribution ids it acknowledges")
        return AckMessage(
            ack_id=packet.distribution_id,
            sender=packet.sender_id,
            sent_ms=packet.sent_ms,
            acked_ids=packet.references,
            note=packet.summary_ko,
            status=packet.status,
        )
    lat, lon, reach = area_centre(packet)
    code = packet.event_code if packet.event_code in CATALOGUE else None
    if code is None:
        raise InboundError(f"packet.event_code: unknown incident type {packet.event_code!r}")
    return InboundReport(
        source_format="json",
        reference=packet.distribution_id,
        sender=packet.sender_id,
        sent_ms=packet.sent_ms,
        status=packet.status,
        msg_type={DistributionKind.UPDATE: "Update", DistributionKind.CANCEL: "Cancel"}.get(
            packet.kind, "Alert"
        ),
        incident_type=code,
        event=packet.event_ko,
        severity=packet.severity,
        urgency=packet.urgency,
        certainty=packet.certainty,
        lat=lat,
        lon=lon,
        radius_m=reach,
        area_desc=packet.area_desc_ko,
        headline=packet.headline_ko,
        summary=packet.summary_ko,
        expires_ms=packet.expires_ms,
        incident_id=packet.incident_id,
        distribution_id=packet.distribution_id,
        references=packet.references,
    )


def _packet_document(body: bytes) -> InboundMessage:
    doc, problems = load_document(body)
    packet = None
    if doc is not None and not problems:
        packet, problems = packet_from_document(doc)
    if packet is None or problems:
        raise InboundError("not a valid cityroom-packet: " + "; ".join(map(str, problems)))
    return _from_packet(packet)


def parse_json(body: bytes) -> InboundMessage:
    """A JSON report, location fix, Ack or Cityroom packet; ``InboundError`` if it is none."""
    try:
        doc: Any = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise InboundError("JSON must be UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InboundError(f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InboundError("JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise InboundError('a JSON message is an object with a "kind"')
    if doc.get("format") == FORMAT_NAME:
        return _packet_document(body)
    if doc.get("kind") not in ("report", "location_fix", "ack"):
        raise InboundError(
            'missing or unknown "kind": use "report", "location_fix" or "ack" '
            f'(or send a "{FORMAT_NAME}" document)'
        )
    try:
        message = _MESSAGE.validate_python(doc)
    except ValidationError as exc:
        raise InboundError(_reason(exc)) from None
    if isinstance(message, ReportIn):
        return _report(message)
    if isinstance(message, LocationFixIn):
        return LocationFix(
            reference=message.reference,
            lat=message.lat,
            lon=message.lon,
            accuracy_m=message.accuracy_m,
            fixed_ms=parse_any_time(message.fixed_at),
            subject=message.subject,
            operator=message.operator,
            incident_id=message.incident_id,
            status=message.status,
        )
    return AckMessage(
        ack_id=message.ack_id,
        sender=message.sender,
        sent_ms=parse_any_time(message.sent),
        acked_ids=tuple(dict.fromkeys(message.acked)),
        note=message.note,
        status=message.status,
        agency_id=message.agency_id,
    )
