"""Reading a Cursor-on-Target event that carries Cityroom's detail (a packet sent as CoT).

A CoT event's uid names the incident's marker, not the packet: the packet's identity is in
``detail/cityroom`` (distribution id, status, kind, incident type). Events without it (a TAK
user's own markers) are not reports the room can open and are refused.
"""

from __future__ import annotations

from lxml import etree

from core.catalogue import incident_type
from core.dispatch.formats.common import InboundError, parse_any_time
from core.dispatch.formats.cot import EXERCISE_MARK, OPEX, TEST_MARK, UNKNOWN
from core.dispatch.formats.cot_rules import structure_problems
from core.dispatch.formats.messages import InboundReport
from core.dispatch.model import (
    SEVERITY_TO_CAP,
    Certainty,
    DistributionKind,
    DistributionStatus,
    Urgency,
)
from core.errors import UnknownNameError

_MSG_TYPE = {DistributionKind.UPDATE.value: "Update", DistributionKind.CANCEL.value: "Cancel"}
_MARKS = (EXERCISE_MARK, TEST_MARK, "[취소 CANCELLED]")


def report_from_event(event: etree._Element) -> InboundReport:
    """An InboundReport from a CoT event with Cityroom's detail; ``InboundError`` otherwise."""
    own = event.find("detail/cityroom")
    kind = own.get("kind", "") if own is not None else ""
    problems = structure_problems(event, cancel=kind == DistributionKind.CANCEL.value)
    if problems:
        first = problems[0]
        raise InboundError(f"not a valid CoT event: {first.where}: {first.message}")
    if own is None:
        raise InboundError(
            "a CoT event without Cityroom's detail (detail/cityroom) is not a report: "
            "send reports as CAP, EDXL-DE or JSON"
        )
    try:
        status = DistributionStatus(own.get("status", ""))
    except ValueError:
        raise InboundError("detail/cityroom/@status must be Actual, Exercise or Test") from None
    try:
        entry = incident_type(own.get("eventCode", ""))
    except UnknownNameError as exc:
        raise InboundError(f"detail/cityroom/@eventCode: {exc}") from None
    if not (event.get("opex") or "").startswith(OPEX[status]):
        raise InboundError(
            f"the event's opex {event.get('opex')!r} contradicts its status {status.value}"
        )
    remarks = (event.findtext("detail/remarks") or "").strip()
    lines = [line for line in remarks.splitlines() if line.strip() and line not in _MARKS]
    point = event.find("point")
    ce = point.get("ce", UNKNOWN) if point is not None else UNKNOWN
    contact = event.find("detail/contact")
    return InboundReport(
        source_format="cot",
        reference=own.get("distribution", ""),
        sender=contact.get("callsign", "") if contact is not None else "",
        sent_ms=parse_any_time(event.get("time", "")),
        status=status,
        msg_type=_MSG_TYPE.get(kind, "Alert"),
        incident_type=entry.code,
        event=entry.name_ko,
        severity=SEVERITY_TO_CAP[int(entry.severity)],
        urgency=Urgency.UNKNOWN,
        certainty=Certainty.UNKNOWN,
        lat=float(point.get("lat", "")) if point is not None else 0.0,
        lon=float(point.get("lon", "")) if point is not None else 0.0,
        radius_m=None if float(ce) >= float(UNKNOWN) else float(ce),
        area_desc="",
        headline=lines[0] if lines else entry.name_ko,
        summary=remarks or entry.name_ko,
        expires_ms=parse_any_time(event.get("stale", "")),
        incident_id=own.get("incident") or None,
        distribution_id=own.get("distribution") or None,
    )
