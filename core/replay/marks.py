"""What the replay timeline draws: every event but readings as a mark of a kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.events import EventType

ET = EventType


class MarkKind(StrEnum):
    """The kinds of event the timeline colours apart and can jump between."""

    INCIDENT = "incident"  # reported and every lifecycle step
    NOTE = "note"  # notes and observations
    PROCEDURE = "procedure"  # steps, skips, timers
    PACKET = "packet"  # packets to agencies and their fate
    CAMERA = "camera"  # cameras opened or closed, masks changed
    EVIDENCE = "evidence"  # stills and clips
    SITUATION = "situation"  # situation rules fired
    BOOKMARK = "bookmark"  # bookmarks and annotations
    SYSTEM = "system"  # simulator states, inbound refusals


_KIND_OF: dict[str, MarkKind] = {
    ET.INCIDENT_NOTE_ADDED: MarkKind.NOTE,
    ET.INCIDENT_OBSERVED: MarkKind.NOTE,
    ET.CAMERA_VIEWED: MarkKind.CAMERA,
    ET.CAMERA_MASKS_CHANGED: MarkKind.CAMERA,
    ET.EVIDENCE_CAPTURED: MarkKind.EVIDENCE,
    ET.BUNDLE_EXPORTED: MarkKind.EVIDENCE,
    ET.SITUATION_DETECTED: MarkKind.SITUATION,
    ET.SIMULATOR_STATE: MarkKind.SYSTEM,
    ET.INBOUND_REJECTED: MarkKind.SYSTEM,
    ET.REPLAY_BOOKMARKED: MarkKind.BOOKMARK,
    ET.REPLAY_ANNOTATED: MarkKind.BOOKMARK,
}


def kind_of(event_type: str) -> MarkKind | None:
    """The mark kind of an event type; None for sensor readings (drawn as a density)."""
    if event_type == ET.SENSOR_READING:
        return None
    kind = _KIND_OF.get(event_type)
    if kind is not None:
        return kind
    family = event_type.split(".", 1)[0]
    if family == "incident":
        return MarkKind.INCIDENT
    if family == "procedure":
        return MarkKind.PROCEDURE
    if family == "packet":
        return MarkKind.PACKET
    return MarkKind.SYSTEM


@dataclass(frozen=True, slots=True)
class Mark:
    """One event on the timeline."""

    seq: int
    ts_ms: int
    kind: MarkKind
    type: str
    subject: str | None
