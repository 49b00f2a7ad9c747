"""One packet model for everything the room sends to (or receives from) an agency.

A ``Packet`` is what the operator composed and confirmed: the incident's facts, the area, the
attachments by digest, the related objects already pseudonymised, the purpose and the legal
basis. Renderers turn the same packet into CAP 1.2 inside EDXL-DE 2.0, JSON or Cursor-on-Target
(the platform's "one packet, many terminals" idea); nothing about a format lives here.

Times are UTC milliseconds; coordinates WGS 84 degrees.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.sop.definitions import DataClass, Recipient


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Format(StrEnum):
    """How a packet is written on the wire."""

    CAP = "cap"  # a bare CAP 1.2 alert
    EDXL = "edxl"  # CAP 1.2 inside an EDXL-DE 2.0 distribution envelope
    JSON = "json"  # the same content as JSON (Cityroom's packet schema)
    COT = "cot"  # Cursor-on-Target XML event, for TAK clients


CONTENT_TYPES: dict[Format, str] = {
    Format.CAP: "application/cap+xml",
    Format.EDXL: "application/xml",
    Format.JSON: "application/json",
    Format.COT: "application/xml",
}


class DistributionKind(StrEnum):
    """EDXL-DE ``distributionKind`` (CAP ``msgType`` follows from it)."""

    DISPATCH = "Dispatch"
    REPORT = "Report"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"


class DistributionStatus(StrEnum):
    """EDXL-DE ``distributionStatus`` and CAP ``status``: a drill is never sent as Actual."""

    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    TEST = "Test"


class CapSeverity(StrEnum):
    """CAP ``severity``."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Urgency(StrEnum):
    """CAP ``urgency``."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """CAP ``certainty``."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class CapCategory(StrEnum):
    """CAP ``category``."""

    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


# Incident severity 1-4 (the catalogue's scale) as CAP severity.
SEVERITY_TO_CAP: dict[int, CapSeverity] = {
    1: CapSeverity.EXTREME,
    2: CapSeverity.SEVERE,
    3: CapSeverity.MODERATE,
    4: CapSeverity.MINOR,
}

# Material that is personal information: leaving the room needs the lawful-sharing gate.
SENSITIVE: frozenset[DataClass] = frozenset(
    {
        DataClass.VIDEO_LINK,
        DataClass.STILL,
        DataClass.CLIP,
        DataClass.PERSON_LOCATION,
        DataClass.PLATE,
        DataClass.PHONE,
    }
)


class Point(_Model):
    """A WGS 84 position."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PointArea(_Model):
    """The incident's place."""

    shape: Literal["point"] = "point"
    at: Point


class CircleArea(_Model):
    """A place with a radius: a telecom fix's accuracy, a gas leak's danger zone."""

    shape: Literal["circle"] = "circle"
    centre: Point
    radius_m: float = Field(gt=0, le=100_000)


class PolygonArea(_Model):
    """An outline: a flooded block, an evacuation zone (closed: first point == last)."""

    shape: Literal["polygon"] = "polygon"
    points: tuple[Point, ...] = Field(min_length=4)

    @model_validator(mode="after")
    def _closed(self) -> PolygonArea:
        if self.points[0] != self.points[-1]:
            raise ValueError("a polygon's last point must repeat its first")
        return self


Area = Annotated[PointArea | CircleArea | PolygonArea, Field(discriminator="shape")]


class AttachmentKind(StrEnum):
    """What an attachment is."""

    STILL = "still"  # a saved picture, sent inside the packet
    CLIP = "clip"  # a saved clip, sent as its digest and a link
    LIVE_LINK = "live_link"  # an expiring link to a camera's live stream


ATTACHMENT_CLASS: dict[AttachmentKind, DataClass] = {
    AttachmentKind.STILL: DataClass.STILL,
    AttachmentKind.CLIP: DataClass.CLIP,
    AttachmentKind.LIVE_LINK: DataClass.VIDEO_LINK,
}


class Attachment(_Model):
    """A still, a clip or a live link, with what proves it is the one recorded."""

    kind: AttachmentKind
    description: str = Field(min_length=1)
    mime: str = Field(min_length=1)
    camera_id: str | None = None
    # Stills and clips: the evidence file (relative to the evidence folder), its SHA-256 as
    # recorded by the evidence.captured event, and its size.
    path: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    size: int | None = Field(default=None, ge=0)
    # A link the agency opens: the clip's download or the live stream, valid until expires_ms.
    uri: str | None = None
    expires_ms: int | None = None
    # False when faces and plates were blurred; True only with the operator's reason.
    unmasked: bool = False
    unmask_reason: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Attachment:
        if self.kind is AttachmentKind.LIVE_LINK:
            if not self.uri or self.expires_ms is None:
                raise ValueError("a live link needs its uri and the time it expires")
        elif not self.path or not self.sha256:
            raise ValueError(f"a {self.kind.value} needs its file path and SHA-256 digest")
        if self.unmasked and not self.unmask_reason.strip():
            raise ValueError("an unmasked picture needs the operator's reason")
        return self


class RelatedKind(StrEnum):
    """Objects a packet may name."""

    PLATE = "plate"
    PHONE = "phone"
    PERSON = "person"


RELATED_CLASS: dict[RelatedKind, DataClass] = {
    RelatedKind.PLATE: DataClass.PLATE,
    RelatedKind.PHONE: DataClass.PHONE,
    RelatedKind.PERSON: DataClass.PERSON_LOCATION,
}


class RelatedObject(_Model):
    """A plate, a phone number or a person, named only by a pseudonym the room can resolve
    (the clear value never leaves the room in a packet)."""

    kind: RelatedKind
    pseudonym: str = Field(min_length=8)
    note: str = ""


class Packet(_Model):
    """What leaves the room for one agency, in every format."""

    distribution_id: str = Field(min_length=8)  # also the idempotency key receivers dedupe by
    incident_id: str
    agency_id: str
    recipient: Recipient
    kind: DistributionKind = DistributionKind.DISPATCH
    status: DistributionStatus = DistributionStatus.ACTUAL
    sender_id: str = Field(min_length=3)  # the centre, e.g. "uoc@seoul.go.kr"
    sent_ms: int
    expires_ms: int
    references: tuple[str, ...] = ()  # earlier distribution ids an Update/Cancel/Ack is about
    # What happened.
    event_code: str  # the catalogue code, e.g. F-FIRE
    event_ko: str
    event_en: str
    category: CapCategory
    severity: CapSeverity
    urgency: Urgency = Urgency.IMMEDIATE
    certainty: Certainty = Certainty.OBSERVED
    headline_ko: str = Field(min_length=1, max_length=160)
    summary_ko: str = Field(min_length=1)
    requested_action_ko: str = ""
    # Where.
    area: Area
    area_desc_ko: str = Field(min_length=1)
    district_code: str | None = None
    route: tuple[Point, ...] = ()
    # What it carries.
    attachments: tuple[Attachment, ...] = ()
    related: tuple[RelatedObject, ...] = ()
    data_classes: tuple[DataClass, ...] = (DataClass.SUMMARY,)
    # Why it may leave the room.
    purpose: str = ""
    legal_basis: str = ""
    operator: str = ""  # who confirmed it, e.g. operator:kim
    exercise: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Packet:
        if self.expires_ms <= self.sent_ms:
            raise ValueError("a packet must expire after it is sent")
        if self.exercise and self.status is DistributionStatus.ACTUAL:
            raise ValueError("a drill's packet must be marked Exercise, never Actual")
        missing = self.carried_classes() - set(self.data_classes)
        if missing:
            names = ", ".join(sorted(c.value for c in missing))
            raise ValueError(f"data_classes must list what the packet carries: {names}")
        return self

    def carried_classes(self) -> set[DataClass]:
        """The data classes the packet's contents actually carry."""
        classes = {DataClass.SUMMARY}
        classes |= {ATTACHMENT_CLASS[a.kind] for a in self.attachments}
        classes |= {RELATED_CLASS[r.kind] for r in self.related}
        if self.route:
            classes.add(DataClass.ROUTE)
        return classes

    @property
    def sensitive(self) -> set[DataClass]:
        """The personal-information classes the packet declares."""
        return set(self.data_classes) & SENSITIVE

    def canonical(self) -> str:
        """The one JSON text of the packet (stored in the log, hashed, rendered as JSON)."""
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )

    def digest(self) -> str:
        """SHA-256 of the canonical text."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()
