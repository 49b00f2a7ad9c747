"""Reading what agencies send: CAP alerts (bare or in EDXL-DE), Acks, JSON reports and fixes,
and Cityroom packets sent as Cursor-on-Target.

Everything is parsed safely (``xml_safety``) and validated against the official schemas
before anything is read from it; whatever is wrong raises ``InboundError`` with a reason an
HTTP 400 answer can carry as it is.
"""

from __future__ import annotations

from dataclasses import replace

from lxml import etree

from core.catalogue import CATALOGUE, incident_type
from core.dispatch.formats import common as c
from core.dispatch.formats.geo import polygon_centre
from core.dispatch.formats.inbound_cot import report_from_event
from core.dispatch.formats.inbound_json import parse_json
from core.dispatch.formats.messages import AckMessage, InboundMessage, InboundReport
from core.dispatch.formats.schemas import CAP_SCHEMA, EDXL_SCHEMA, CompiledSchema
from core.dispatch.formats.xml_safety import MAX_BODY_BYTES, parse_xml
from core.dispatch.model import (
    CapCategory,
    CapSeverity,
    Certainty,
    DistributionStatus,
    Urgency,
)
from core.errors import UnknownNameError

NS = {"cap": c.CAP_NS, "de": c.DE_NS, "ct": c.CT_NS}
EMBEDDED = "de:content/de:contentObject/de:contentXML/de:embeddedXMLContent/cap:alert"

# When a report names no catalogue code, its CAP category says what it most likely is.
CATEGORY_TYPES: dict[str, str] = {
    CapCategory.FIRE: "F-FIRE",
    CapCategory.RESCUE: "F-RESC",
    CapCategory.HEALTH: "F-EMS",
    CapCategory.TRANSPORT: "T-ACC",
    CapCategory.CBRNE: "H-GAS",
    CapCategory.GEO: "D-DIS",
    CapCategory.MET: "D-DIS",
    CapCategory.ENV: "E-PM",
}
REPORT_TYPES = ("Alert", "Update", "Cancel")


def _media(content_type: str, body: bytes) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/json", "text/json") or media.endswith("+json"):
        return "json"
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return "xml"
    if media in ("", "application/octet-stream"):
        start = body.lstrip()[:1]
        if start in (b"{", b"["):
            return "json"
        if start == b"<":
            return "xml"
    raise c.InboundError(
        f"unsupported content type {content_type!r}: send application/cap+xml or "
        "application/xml (CAP 1.2, EDXL-DE 2.0) or application/json"
    )


def _validated(schema: CompiledSchema, root: etree._Element, what: str) -> None:
    errors = schema.errors(root)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise c.InboundError(
            f"not a valid {what}: line {first.line}, {first.path}: {first.message}{more}"
        )


def _text(parent: etree._Element, path: str) -> str:
    found = parent.find(path, NS)
    return "" if found is None else str(found.text or "").strip()


def _status(text: str, where: str) -> DistributionStatus:
    try:
        return DistributionStatus(text)
    except ValueError:
        raise c.InboundError(
            f"{where} is {text!r}: only Actual, Exercise and Test messages are taken"
        ) from None


def _time(text: str, where: str) -> int:
    try:
        return c.parse_wire_time(text)
    except ValueError as exc:
        raise c.InboundError(f"{where}: {exc}") from None


def _pair(text: str, where: str) -> tuple[float, float]:
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise c.InboundError(f"{where}: {text!r} is not a 'lat,lon' pair") from None
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise c.InboundError(
            f"coordinates out of range at {where}: {text!r} (latitude -90..90, "
            "longitude -180..180, latitude first)"
        )
    return lat, lon


def _position(info: etree._Element) -> tuple[float, float, float | None, str]:
    """(lat, lon, radius_m, area description) from the first area with a shape."""
    for area in info.findall("cap:area", NS):
        desc = _text(area, "cap:areaDesc")
        circle = _text(area, "cap:circle")
        if circle:
            where = "/alert/info/area/circle"
            centre, _, radius = circle.partition(" ")
            lat, lon = _pair(centre, where)
            try:
                radius_km = float(radius)
            except ValueError:
                raise c.InboundError(f"{where}: {circle!r} is not 'lat,lon radius_km'") from None
            return lat, lon, (radius_km * 1000 or None), desc
        polygon = _text(area, "cap:polygon")
        if polygon:
            points = [_pair(p, "/alert/info/area/polygon") for p in polygon.split()]
            if len(points) < 4 or points[0] != points[-1]:
                raise c.InboundError(
                    "/alert/info/area/polygon: needs four or more pairs, the last one "
                    "repeating the first"
                )
            lat, lon, reach = polygon_centre(points)
            return lat, lon, reach, desc
    raise c.InboundError(
        "the alert has no area with a circle or polygon: the room needs the position "
        "(a point is a circle of radius 0)"
    )


def _incident_type(info: etree._Element) -> str:
    for code in info.findall("cap:eventCode", NS):
        if _text(code, "cap:valueName") == c.EVENT_CODE_NAME:
            value = _text(code, "cap:value")
            try:
                return incident_type(value).code
            except UnknownNameError as exc:
                raise c.InboundError(f"eventCode {c.EVENT_CODE_NAME}: {exc}") from None
    event = _text(info, "cap:event").casefold()
    for entry in CATALOGUE.values():
        if event in (entry.name_ko.casefold(), entry.name_en.casefold()):
            return entry.code
    for category in info.findall("cap:category", NS):
        code = CATEGORY_TYPES.get(str(category.text or "").strip())
        if code in CATALOGUE:
            return code
    raise c.InboundError(
        f"cannot tell the incident type of event {_text(info, 'cap:event')!r}: add an "
        f"eventCode with valueName {c.EVENT_CODE_NAME} and a catalogue code (e.g. P-ASL)"
    )


def _identifiers(references: str) -> tuple[str, ...]:
    found = []
    for triple in references.split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[1]:
            raise c.InboundError(f"references: {triple!r} is not a sender,identifier,sent triple")
        found.append(parts[1])
    return tuple(found)


def _first_item(text: str) -> str | None:
    text = text.strip()
    if text.startswith('"'):
        return text[1:].partition('"')[0] or None
    return text.split()[0] if text else None


def _ack(head: AckMessage, alert: etree._Element | None, extra_ids: list[str]) -> AckMessage:
    """``head`` with what the Ack acknowledges (CAP references, EDXL keywords) and its note."""
    acked = list(_identifiers(_text(alert, "cap:references"))) if alert is not None else []
    acked += extra_ids
    if not acked:
        raise c.InboundError(
            "an Ack must say what it acknowledges: CAP references "
            "(sender,identifier,sent of our packet)"
        )
    note = _text(alert, "cap:note") if alert is not None else ""
    return replace(head, acked_ids=tuple(dict.fromkeys(acked)), note=note)


def report_from_alert(
    alert: etree._Element, source_format: str, status: DistributionStatus
) -> InboundReport:
    """An InboundReport from a validated CAP alert."""
    msg_type = _text(alert, "cap:msgType")
    if msg_type not in REPORT_TYPES:
        raise c.InboundError(f"CAP msgType {msg_type!r} is not a report (Alert, Update, Cancel)")
    infos = alert.findall("cap:info", NS)
    if not infos:
        raise c.InboundError("the alert has no info block: there is nothing to report")
    korean = [i for i in infos if _text(i, "cap:language").lower().startswith("ko")]
    info = (korean or infos)[0]
    lat, lon, radius_m, area_desc = _position(info)
    event = _text(info, "cap:event")
    headline = _text(info, "cap:headline") or event
    expires = _text(info, "cap:expires")
    return InboundReport(
        source_format=source_format,
        reference=_text(alert, "cap:identifier"),
        sender=_text(alert, "cap:sender"),
        sent_ms=_time(_text(alert, "cap:sent"), "/alert/sent"),
        status=status,
        msg_type=msg_type,
        incident_type=_incident_type(info),
        event=event,
        severity=CapSeverity(_text(info, "cap:severity")),
        urgency=Urgency(_text(info, "cap:urgency")),
        certainty=Certainty(_text(info, "cap:certainty")),
        lat=lat,
        lon=lon,
        radius_m=radius_m,
        area_desc=area_desc,
        headline=headline,
        summary=_text(info, "cap:description") or headline,
        expires_ms=_time(expires, "/alert/info/expires") if expires else None,
        incident_id=_first_item(_text(alert, "cap:incidents")),
        references=_identifiers(_text(alert, "cap:references")),
    )


def from_alert(alert: etree._Element) -> InboundMessage:
    """A bare CAP alert: an Ack or a report."""
    _validated(CAP_SCHEMA, alert, "CAP 1.2 alert")
    status = _status(_text(alert, "cap:status"), "/alert/status")
    if _text(alert, "cap:msgType") == "Ack":
        head = AckMessage(
            ack_id=_text(alert, "cap:identifier"),
            sender=_text(alert, "cap:sender"),
            sent_ms=_time(_text(alert, "cap:sent"), "/alert/sent"),
            acked_ids=(),
            status=status,
        )
        return _ack(head, alert, [])
    return report_from_alert(alert, "cap", status)


def _value_list(root: etree._Element, path: str, list_uri: str) -> list[str]:
    values: list[str] = []
    for element in root.findall(path, NS):
        if _text(element, "ct:ValueListURI") == list_uri:
            values += [str(v.text or "").strip() for v in element.findall("ct:Value", NS)]
    return values


def from_distribution(root: etree._Element) -> InboundMessage:
    """An EDXL-DE distribution: an Ack, or the report its CAP alert carries."""
    _validated(EDXL_SCHEMA, root, "EDXL-DE 2.0 distribution (with CAP 1.2 inside)")
    status = _status(_text(root, "de:distributionStatus"), "/edxlDistribution/distributionStatus")
    alert = root.find(EMBEDDED, NS)
    if alert is not None:
        said = _text(alert, "cap:status")
        if said != status.value:
            raise c.InboundError(
                f"the envelope says {status.value} but the alert says {said}: "
                "an exercise is never sent as Actual"
            )
    kind = _text(root, "de:distributionKind")
    if kind == "Ack" or (alert is not None and _text(alert, "cap:msgType") == "Ack"):
        agencies = _value_list(root, "de:descriptor/de:senderRole", c.LIST_AGENCY)
        head = AckMessage(
            ack_id=_text(root, "de:distributionID"),
            sender=_text(root, "de:senderID"),
            sent_ms=_time(_text(root, "de:dateTimeSent"), "/edxlDistribution/dateTimeSent"),
            acked_ids=(),
            status=status,
            agency_id=agencies[0] if agencies else None,
        )
        keywords = _value_list(root, "de:descriptor/de:keyword", c.LIST_ACKNOWLEDGES)
        return _ack(head, alert, keywords)
    if alert is None:
        raise c.InboundError("the distribution carries no CAP 1.2 alert in embeddedXMLContent")
    report = report_from_alert(alert, "edxl", status)
    incident = report.incident_id or _text(root, "de:descriptor/de:incidentID") or None
    return replace(report, incident_id=incident, distribution_id=_text(root, "de:distributionID"))


def parse_message(body: bytes, content_type: str) -> InboundMessage:
    """What an inbound HTTP body says; ``InboundError`` (a 400's reason) if it cannot be used."""
    if len(body) > MAX_BODY_BYTES:
        raise c.InboundError(
            f"message too large: {len(body):,} bytes, the limit is {MAX_BODY_BYTES:,}"
        )
    if _media(content_type, body) == "json":
        return parse_json(body)
    root = parse_xml(body)
    if root.tag == f"{{{c.CAP_NS}}}alert":
        return from_alert(root)
    if root.tag == f"{{{c.DE_NS}}}edxlDistribution":
        return from_distribution(root)
    if root.tag == "event":
        return report_from_event(root)
    raise c.InboundError(
        f"wrong namespace or root: {c.short_names(str(root.tag))} is neither a CAP 1.2 alert "
        f"({{{c.CAP_NS}}}alert), an EDXL-DE 2.0 edxlDistribution ({{{c.DE_NS}}}) nor a "
        "Cursor-on-Target event"
    )
