"""From a draft to the outbox: what ``dispatch send`` and the compose dialog both do.

A packet that passed the lawful-sharing gate is rendered, validated and, when both hold,
recorded as a ``packet.queued`` event holding the exact bytes the delivery worker will send;
a packet refused by the gate or the validation is recorded as ``packet.refused`` with the
reasons, so the refusal is in the audit log too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from core.backend import Backend
from core.dispatch.model import CONTENT_TYPES, Format, Packet
from core.events import EventRecord, EventType, PacketQueued, PacketRefused
from core.model import Incident
from core.sop.definitions import Share

SOURCE = "dispatch"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A packet written in one format, and what its validation found (empty: valid)."""

    body: bytes
    problems: tuple[str, ...] = ()


def render_checked(
    packet: Packet,
    fmt: Format,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> Rendered:
    """The packet in ``fmt``, validated (schema and profile rules); ``reference_sent`` gives
    the sent times of the packets an Update or Cancel refers to."""
    from core.dispatch.formats import render, validate

    body = render(packet, fmt, attachments_dir=attachments_dir, reference_sent=reference_sent)
    problems = validate(packet, body, fmt, bounds=bounds, attachments_dir=attachments_dir)
    return Rendered(body, tuple(f"{p.where}: {p.message}" for p in problems))


def queued_event(packet: Packet, fmt: Format, body: bytes) -> PacketQueued:
    """The outbox entry for a rendered, valid, lawful packet."""
    return PacketQueued(
        packet.incident_id,
        packet.distribution_id,
        packet.agency_id,
        format=fmt.value,
        content_type=CONTENT_TYPES[fmt],
        body=body.decode("utf-8"),
        body_sha256=hashlib.sha256(body).hexdigest(),
        packet=packet.model_dump(mode="json"),
        expires_ms=packet.expires_ms,
    )


def refused_event(packet: Packet, stage: str, reasons: Sequence[str]) -> PacketRefused:
    """The record of a packet the gate (``stage="gate"``) or validation refused."""
    return PacketRefused(
        packet.incident_id,
        packet.distribution_id,
        packet.agency_id,
        stage=stage,
        reasons=tuple(reasons),
        data_classes=tuple(c.value for c in packet.data_classes),
    )


def queue(
    backend: Backend, packet: Packet, fmt: Format, body: bytes, actor: str
) -> Future[list[EventRecord]]:
    """Append the packet to the outbox (the event log)."""
    return backend.publish([queued_event(packet, fmt, body).to_new(SOURCE, actor)])


def refuse(
    backend: Backend, packet: Packet, stage: str, reasons: Sequence[str], actor: str
) -> Future[list[EventRecord]]:
    """Record a refusal in the event log."""
    return backend.publish([refused_event(packet, stage, reasons).to_new(SOURCE, actor)])


def earlier_packets(records: Sequence[EventRecord], agency_id: str) -> dict[str, int]:
    """The packets queued earlier for ``agency_id`` among an incident's events: distribution
    id to sent time (what an Update or Cancel refers to)."""
    found: dict[str, int] = {}
    for record in records:
        if record.type == EventType.PACKET_QUEUED and record.payload.get("agency_id") == agency_id:
            packet = record.payload.get("packet") or {}
            found[str(record.payload["distribution_id"])] = int(
                packet.get("sent_ms", record.ts_ms)
            )
    return found


def procedure_shares(incident: Incident) -> tuple[Share, ...]:
    """The ``share`` entries of the incident's procedure (the one it runs, else its type's
    default procedure), from the procedures installed (shipped and the site's own)."""
    from core.catalogue_site import procedure_folders
    from core.sop.library import ProcedureLibrary

    library = ProcedureLibrary(procedure_folders())
    library.load()
    run = incident.procedure
    if run is not None:
        loaded = library.get(run.procedure_id, run.version)
    else:
        loaded = library.for_type(incident.type_code)
    return loaded.procedure.share if loaded is not None else ()


def district_name(incident: Incident) -> str | None:
    """The Korean name of the incident's district (by its code, else by its place)."""
    from core.city import CityDataError, load_city

    try:
        districts = load_city("lite").districts
    except CityDataError:
        return None
    found = next((d for d in districts if d.code == incident.district_code), None)
    found = found or next((d for d in districts if d.contains(incident.lat, incident.lon)), None)
    return found.name if found is not None else None
