"""Compose, check and queue one packet: the steps ``dispatch render|send`` and the compose
dialog share, so a packet is gated and validated the same way whoever sends it.

``prepare`` drafts the packet from the incident and its events, applies the operator's edits,
asks the lawful-sharing gate and renders and validates the body; ``send`` records the outcome:
``packet.queued`` with the exact bytes, or ``packet.refused`` with every reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.backend import Backend
from core.dispatch.agencies import Agency, Registry
from core.dispatch.blurring import blurred_for_sharing
from core.dispatch.compose import (
    DEFAULT_EXPIRY_MS,
    Draft,
    LiveLink,
    RelatedValue,
    draft_packet,
    material_from_events,
)
from core.dispatch.gate import GateDecision, check
from core.dispatch.model import Area, DistributionKind, Format, Packet
from core.dispatch.queueing import (
    SOURCE,
    Rendered,
    earlier_packets,
    queued_event,
    refuse,
    render_checked,
)
from core.errors import CityroomError, UnknownNameError
from core.events import EventType, EvidenceCaptured
from core.model import Incident
from core.sop.definitions import Share

# Fields of a draft the operator may change before sending; everything else follows from
# the incident, the agency and the gate.
EDITABLE = frozenset(
    {"headline_ko", "summary_ko", "requested_action_ko", "urgency", "certainty", "severity"}
)


class ComposeError(CityroomError):
    """The packet cannot be drafted as asked (unknown incident or agency, a format the agency
    does not take, fields that do not make a packet); the message says what to change."""


@dataclass(frozen=True, slots=True)
class ComposeRequest:
    """What the operator asks for: which incident, which agency, how and why."""

    incident_id: str
    agency_id: str
    fmt: Format | None = None  # None: the agency's preferred format
    kind: DistributionKind = DistributionKind.DISPATCH
    purpose: str | None = None  # None: the procedure share's purpose
    purpose_confirmed: bool = False
    unmask_reason: str = ""
    related: tuple[RelatedValue, ...] = ()
    live_links: tuple[LiveLink, ...] = ()
    test: bool = False
    expires_in_ms: int = DEFAULT_EXPIRY_MS
    operator: str = ""
    edits: Mapping[str, Any] = field(default_factory=dict)
    area: Area | None = None  # None: the incident's point, or the last located circle
    distribution_id: str | None = None  # kept across previews so the preview is what goes


@dataclass(frozen=True, slots=True)
class Prepared:
    """A drafted, gated, rendered packet, ready to be queued if nothing stands in its way."""

    request: ComposeRequest
    incident: Incident
    agency: Agency
    fmt: Format
    draft: Draft
    packet: Packet  # the draft with the operator's edits
    decision: GateDecision
    rendered: Rendered
    earlier: dict[str, int]  # the packets an Update or Cancel refers to: id → sent time
    blurred_copies: tuple[EvidenceCaptured, ...] = ()  # made for this packet, not yet logged

    @property
    def blocking(self) -> list[str]:
        """Why it cannot be queued now (gate reasons, then validation problems)."""
        return [r.bilingual() for r in self.decision.reasons] + list(self.rendered.problems)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``send`` recorded."""

    queued: bool
    reasons: tuple[str, ...] = ()


def prepare(
    backend: Backend,
    registry: Registry,
    request: ComposeRequest,
    *,
    now_ms: int,
    evidence_dir: Path | None,
    procedure_shares: Sequence[Share],
    district_ko: str | None,
    incident: Incident | None = None,
) -> Prepared:
    """Draft, edit, gate, render and validate the packet ``request`` asks for (blocking:
    reads the incident's events from the log; run it off the GUI thread)."""
    try:
        agency = registry.get(request.agency_id)
    except UnknownNameError as error:
        raise ComposeError(str(error)) from None
    fmt = request.fmt or agency.preferred_format
    if fmt not in agency.formats:
        accepted = ", ".join(f.value for f in agency.formats)
        raise ComposeError(f"{agency.id} does not take {fmt.value}; it takes {accepted}")
    if incident is None:
        incident = backend.snapshot().result().incidents.get(request.incident_id)
    if incident is None:
        raise ComposeError(f"there is no incident {request.incident_id!r} in the log")
    updating = request.kind in (DistributionKind.UPDATE, DistributionKind.CANCEL)
    # Only what the draft uses: earlier packets (with their large bodies) only for an update.
    wanted = {EventType.EVIDENCE_CAPTURED.value, EventType.INCIDENT_OBSERVED.value}
    if updating:
        wanted.add(EventType.PACKET_QUEUED.value)
    records = backend.incident_events(incident.id, wanted).result()
    material = material_from_events(records)
    evidence = material.evidence
    copies: tuple[EvidenceCaptured, ...] = ()
    if not request.unmask_reason.strip():
        # Without the operator's reason to unmask, stills go blurred (a copy is made).
        blurred = blurred_for_sharing(material.evidence, evidence_dir)
        evidence, copies = blurred.evidence, blurred.copies
    earlier: dict[str, int] = {}
    if updating:
        earlier = earlier_packets(records, agency.id)
        # CAP times have whole seconds: an update must be stamped after what it refers to.
        now_ms = max(now_ms, max(earlier.values(), default=0) + 1000)
    pseudonymiser = None
    if request.related:
        from core.dispatch.pseudonym import Pseudonymiser, pseudonym_key

        pseudonymiser = Pseudonymiser(pseudonym_key())
    try:
        draft = draft_packet(
            incident,
            agency,
            centre=registry.centre,
            entry=incident.incident_type,
            now_ms=now_ms,
            procedure_shares=procedure_shares,
            evidence=evidence,
            live_links=request.live_links,
            related=request.related,
            pseudonymiser=pseudonymiser,
            area=request.area or material.circle,
            district_ko=district_ko,
            operator=request.operator,
            purpose=request.purpose,
            unmask_reason=request.unmask_reason,
            kind=request.kind,
            test=request.test,
            references=tuple(earlier),
            evidence_dir=evidence_dir,
            expires_in_ms=request.expires_in_ms,
            distribution_id=request.distribution_id,
        )
        packet = edited(draft.packet, request.edits)
    except (ValueError, ValidationError) as error:
        raise ComposeError(f"the packet cannot be built: {error}") from None
    decision = check(
        packet,
        agency,
        incident,
        procedure_shares=procedure_shares,
        purpose_confirmed=request.purpose_confirmed,
        now_ms=now_ms,
    )
    rendered = render_checked(
        packet,
        fmt,
        bounds=registry.centre.bounds,
        attachments_dir=evidence_dir,
        reference_sent=earlier,
    )
    request = replace(request, distribution_id=packet.distribution_id)
    used = {a.sha256 for a in packet.attachments}
    copies = tuple(c for c in copies if c.sha256 in used)
    return Prepared(
        request, incident, agency, fmt, draft, packet, decision, rendered, earlier, copies
    )


def edited(packet: Packet, edits: Mapping[str, Any]) -> Packet:
    """``packet`` with the operator's edits, checked like a new packet (``ValueError`` for a
    field that cannot be edited or a value that does not make a packet)."""
    unknown = set(edits) - EDITABLE
    if unknown:
        raise ValueError(f"these fields cannot be edited: {', '.join(sorted(unknown))}")
    if not edits:
        return packet
    return Packet.model_validate({**packet.model_dump(), **edits})


def send(backend: Backend, prepared: Prepared, actor: str) -> Outcome:
    """Queue the packet, or record why it was refused (blocking until the log has it)."""
    packet = prepared.packet
    reasons = [r.bilingual() for r in prepared.decision.reasons]
    if reasons:
        refuse(backend, packet, "gate", reasons, actor).result()
        return Outcome(False, tuple(reasons))
    if prepared.rendered.problems:
        refuse(backend, packet, "validation", prepared.rendered.problems, actor).result()
        return Outcome(False, prepared.rendered.problems)
    queued = queued_event(packet, prepared.fmt, prepared.rendered.body)
    # The blurred copies are recorded with the packet that carries them, in one append.
    events = [*prepared.blurred_copies, queued]
    backend.publish([e.to_new(SOURCE, actor) for e in events]).result()
    return Outcome(True)
