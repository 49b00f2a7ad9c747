"""A packet as an OASIS EDXL-DE 2.0 distribution envelope with its CAP 1.2 alert inside.

The envelope routes: who sends (senderID), to whom (explicitAddress, scheme
urn:cityroom:agency), about which incident (incidentID), where (targetAreas: a GML point,
polygon or circle, and the district as a geopolitical code), how urgent, and whether it is
Actual, an Exercise or a Test. The alert in ``embeddedXMLContent`` carries the content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.cap import alert_element, to_bytes
from core.dispatch.model import CircleArea, Packet, PointArea, PolygonArea

WGS84 = "urn:ogc:def:crs:EPSG::4326"  # latitude then longitude, as CAP writes them

NSMAP: dict[str | None, str] = {
    None: c.DE_NS,
    "xlink": c.XLINK_NS,
    "ct": c.CT_NS,
    "edxl-gsf": c.GSF_NS,
    "gml": c.GML_NS,
}


def de(tag: str) -> str:
    """An EDXL-DE 2.0 element name."""
    return f"{{{c.DE_NS}}}{tag}"


def sub(
    parent: etree._Element, tag: str, text: str | None = None, ns: str = c.DE_NS
) -> etree._Element:
    """Append an element (default: EDXL-DE) with optional text."""
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = text
    return element


def value_list(
    parent: etree._Element, tag: str, list_uri: str, *values: str, ns: str = c.DE_NS
) -> None:
    """A ct:ValueListType element (named ``tag`` in ``ns``): the list's URI and its values."""
    element = sub(parent, tag, ns=ns)
    sub(element, "ValueListURI", list_uri, c.CT_NS)
    for value in values:
        sub(element, "Value", value, c.CT_NS)


def resource_link(element: etree._Element) -> None:
    """xlink:type="resource", which DE 2.0 requires on descriptor, content and contentObject."""
    element.set(f"{{{c.XLINK_NS}}}type", "resource")


def geometry(parent: etree._Element, packet: Packet) -> None:
    """The area as an EDXL-GSF location holding a GML 3.2 point, circle or polygon."""
    location = sub(parent, "EDXLGeoLocation", ns=c.GSF_NS)
    shape = packet.area
    gml_id = f"{{{c.GML_NS}}}id"
    if isinstance(shape, PointArea):
        point = sub(location, "Point", ns=c.GML_NS)
        point.set(gml_id, "area-point")
        point.set("srsName", WGS84)
        sub(point, "pos", f"{c.coord(shape.at.lat)} {c.coord(shape.at.lon)}", c.GML_NS)
    elif isinstance(shape, CircleArea):
        circle = sub(location, "CircleByCenterPoint", ns=c.GML_NS)
        circle.set("numArc", "1")
        sub(circle, "pos", f"{c.coord(shape.centre.lat)} {c.coord(shape.centre.lon)}", c.GML_NS)
        radius = sub(circle, "radius", c.number(shape.radius_m), c.GML_NS)
        radius.set("uom", "m")
    elif isinstance(shape, PolygonArea):
        polygon = sub(location, "Polygon", ns=c.GML_NS)
        polygon.set(gml_id, "area-polygon")
        polygon.set("srsName", WGS84)
        ring = sub(sub(polygon, "exterior", ns=c.GML_NS), "LinearRing", ns=c.GML_NS)
        positions = " ".join(f"{c.coord(p.lat)} {c.coord(p.lon)}" for p in shape.points)
        sub(ring, "posList", positions, c.GML_NS)


def target_areas(descriptor: etree._Element, packet: Packet) -> None:
    """Where the incident is: its geometry and, when known, its district's code."""
    areas = sub(descriptor, "targetAreas")
    sub(areas, "areaKind", "SourceTargetArea")
    sub(areas, "areaGrouping", "Union")
    geometry(sub(areas, "targetArea"), packet)
    if packet.district_code:
        political = sub(sub(areas, "targetArea"), "geoPoliticalLocation")
        value_list(political, "GeoCode", c.LIST_DISTRICT, packet.district_code, ns=c.CT_NS)


@dataclass(frozen=True, slots=True)
class Envelope:
    """The routing head every distribution has."""

    distribution_id: str
    sender_id: str
    sent_ms: int
    expires_ms: int
    status: str
    kind: str


def envelope_element(head: Envelope) -> etree._Element:
    """The distribution element with its required head filled in."""
    root = etree.Element(de("edxlDistribution"), nsmap=NSMAP)
    root.set(f"{{{c.XLINK_NS}}}type", "extended")
    sub(root, "distributionID", head.distribution_id)
    sub(root, "senderID", head.sender_id)
    sub(root, "dateTimeSent", c.wire_time(head.sent_ms))
    sub(root, "dateTimeExpires", c.wire_time(head.expires_ms))
    sub(root, "distributionStatus", head.status)
    sub(root, "distributionKind", head.kind)
    return root


def descriptor_element(root: etree._Element) -> etree._Element:
    """The (empty) descriptor, in Korean."""
    descriptor = sub(root, "descriptor")
    resource_link(descriptor)
    sub(descriptor, "language", c.LANGUAGE)
    return descriptor


def embed(root: etree._Element, alert: etree._Element, description: str, content_id: str) -> None:
    """Put a CAP alert into the distribution's content."""
    content = sub(root, "content")
    resource_link(content)
    content_object = sub(content, "contentObject")
    resource_link(content_object)
    content_descriptor = sub(content_object, "contentDescriptor")
    sub(content_descriptor, "contentDescription", description)
    sub(content_descriptor, "contentID", content_id)
    sub(content_descriptor, "contentLanguage", c.LANGUAGE)
    xml = sub(content_object, "contentXML")
    sub(xml, "embeddedXMLContent").append(alert)


def distribution_element(
    packet: Packet,
    *,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> etree._Element:
    """The packet as an EDXL-DE 2.0 distribution with its CAP alert embedded."""
    root = envelope_element(
        Envelope(
            distribution_id=packet.distribution_id,
            sender_id=packet.sender_id,
            sent_ms=packet.sent_ms,
            expires_ms=packet.expires_ms,
            status=packet.status.value,
            kind=packet.kind.value,
        )
    )
    descriptor = descriptor_element(root)
    value_list(descriptor, "recipientRole", c.LIST_RECIPIENT, packet.recipient.value)
    value_list(descriptor, "keyword", c.LIST_INCIDENT_TYPE, packet.event_code)
    value_list(descriptor, "keyword", c.LIST_DATA_CLASSES, *(d.value for d in packet.data_classes))
    address = sub(descriptor, "explicitAddress")
    sub(address, "explicitAddressScheme", c.SCHEME_AGENCY)
    sub(address, "explicitAddressValue", packet.agency_id)
    target_areas(descriptor, packet)
    sub(descriptor, "urgency", packet.urgency.value)
    sub(descriptor, "severity", packet.severity.value)
    sub(descriptor, "certainty", packet.certainty.value)
    sub(descriptor, "incidentID", packet.incident_id)
    sub(descriptor, "incidentDescription", packet.headline_ko)
    alert = alert_element(packet, attachments_dir=attachments_dir, reference_sent=reference_sent)
    embed(root, alert, "CAP 1.2 alert", packet.distribution_id)
    return root


def render_edxl(
    packet: Packet,
    *,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> bytes:
    """The packet as an EDXL-DE 2.0 document (CAP 1.2 inside)."""
    return to_bytes(
        distribution_element(
            packet, attachments_dir=attachments_dir, reference_sent=reference_sent
        )
    )
