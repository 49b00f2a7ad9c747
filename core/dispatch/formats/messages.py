"""What comes in from agencies and operators: reports, location fixes and acknowledgements."""

from __future__ import annotations

from dataclasses import dataclass

from core.dispatch.model import CapSeverity, Certainty, DistributionStatus, Urgency


@dataclass(frozen=True, slots=True)
class InboundReport:
    """A report of an incident (a 112 or 119 call, an agency's alert) the room can open."""

    source_format: str  # "cap", "edxl", "json" or "cot"
    reference: str  # the sender's own identifier of the report (CAP identifier)
    sender: str
    sent_ms: int
    status: DistributionStatus
    msg_type: str  # Alert, Update or Cancel
    incident_type: str  # a code of the incident catalogue, e.g. P-ASL
    event: str  # the sender's name for it
    severity: CapSeverity
    urgency: Urgency
    certainty: Certainty
    lat: float
    lon: float
    radius_m: float | None  # the area's reach: a circle's radius; None for a point
    area_desc: str
    headline: str
    summary: str
    expires_ms: int | None = None
    incident_id: str | None = None  # the sender's incident number (CAP incidents, incidentID)
    distribution_id: str | None = None  # the EDXL distributionID, when enveloped
    references: tuple[str, ...] = ()  # identifiers of earlier reports an Update/Cancel changes

    @property
    def exercise(self) -> bool:
        """A drill's report: it opens a drill incident, never a real one."""
        return self.status is DistributionStatus.EXERCISE


@dataclass(frozen=True, slots=True)
class LocationFix:
    """A telecom operator's position fix for a person (a missing child, a dementia patient)."""

    reference: str  # the operator's request or case number
    lat: float
    lon: float
    accuracy_m: float
    fixed_ms: int  # when the network located the phone
    subject: str  # the person, by pseudonym only
    operator: str  # SKT, KT, LGU+
    incident_id: str | None = None
    status: DistributionStatus = DistributionStatus.ACTUAL


@dataclass(frozen=True, slots=True)
class AckMessage:
    """An agency's acknowledgement of packets the room sent."""

    ack_id: str
    sender: str
    sent_ms: int
    acked_ids: tuple[str, ...]  # the distribution ids acknowledged
    note: str = ""
    status: DistributionStatus = DistributionStatus.ACTUAL
    agency_id: str | None = None  # the agency's registry id, when the Ack names it


InboundMessage = InboundReport | LocationFix | AckMessage
