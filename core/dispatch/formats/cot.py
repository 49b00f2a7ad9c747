"""A packet as a Cursor-on-Target (CoT 2.0) event, for TAK clients in the field.

The event marks the incident on the map: one uid per incident (an update moves the marker,
a cancel makes it stale at once), a type from the CoT tree's incident branch (a-u-X-i-…),
the place and its uncertainty, and in ``detail`` the Korean headline and summary, the centre
as contact, links to live video and Cityroom's own element with the packet's identity.
``opex`` says whether it is an operation (o), an exercise (e) or a test/simulation (s).
"""

from __future__ import annotations

import re

from lxml import etree

from core.clock import iso_ms
from core.dispatch.formats import common as c
from core.dispatch.formats.cap import to_bytes
from core.dispatch.formats.geo import area_centre
from core.dispatch.model import (
    AttachmentKind,
    CapCategory,
    CircleArea,
    DistributionKind,
    DistributionStatus,
    Packet,
)

UNKNOWN = "9999999.0"  # CoT's value for an unknown height or error

# Incident types from the CoT type tree (MIL-STD-2525 emergency-management branch "X-i"):
# f fire, h medical, t-v-a vehicle accident, g-e earthquake, g-l landslide, o other.
TYPE_BY_CODE: dict[str, str] = {
    "F-FIRE": "a-u-X-i-f",
    "F-EMS": "a-u-X-i-h",
    "T-ACC": "a-u-X-i-t-v-a",
    "D-QUAKE": "a-u-X-i-g-e",
    "D-SLIDE": "a-u-X-i-g-l",
}
TYPE_BY_CATEGORY: dict[CapCategory, str] = {
    CapCategory.FIRE: "a-u-X-i-f",
    CapCategory.HEALTH: "a-u-X-i-h",
    CapCategory.GEO: "a-u-X-i-g",
}
DEFAULT_TYPE = "a-u-X-i-o"

OPEX: dict[DistributionStatus, str] = {
    DistributionStatus.ACTUAL: "o",
    DistributionStatus.EXERCISE: "e",
    DistributionStatus.TEST: "s",
}
EXERCISE_MARK = "[훈련 EXERCISE]"
TEST_MARK = "[시험 TEST]"

TYPE_PATTERN = re.compile(r"^[a-z](-[A-Za-z0-9.]+)*$")
HOW_PATTERN = re.compile(r"^[a-z](-[a-z0-9]+)*$")


def cot_type(packet: Packet) -> str:
    """The CoT type of the incident's marker."""
    return TYPE_BY_CODE.get(packet.event_code) or TYPE_BY_CATEGORY.get(
        packet.category, DEFAULT_TYPE
    )


def marker_uid(packet: Packet) -> str:
    """One marker per incident: later packets about it replace the earlier one."""
    return f"cityroom.incident.{packet.incident_id}"


def remarks(packet: Packet) -> str:
    """The Korean text a TAK user reads on the marker."""
    lines = []
    if packet.status is DistributionStatus.EXERCISE:
        lines.append(EXERCISE_MARK)
    elif packet.status is DistributionStatus.TEST:
        lines.append(TEST_MARK)
    if packet.kind is DistributionKind.CANCEL:
        lines.append("[취소 CANCELLED]")
    lines += [packet.headline_ko, packet.summary_ko]
    if packet.requested_action_ko.strip():
        lines.append(f"요청: {packet.requested_action_ko}")
    lines.append(f"장소: {packet.area_desc_ko}")
    return "\n".join(lines)


def render_cot(packet: Packet) -> bytes:
    """The packet as a CoT 2.0 event document."""
    lat, lon, reach = area_centre(packet)
    # A cancel is stale the moment it is sent: TAK clients drop the marker.
    stale_ms = packet.sent_ms if packet.kind is DistributionKind.CANCEL else packet.expires_ms
    event = etree.Element("event")
    for name, value in (
        ("version", "2.0"),
        ("uid", marker_uid(packet)),
        ("type", cot_type(packet)),
        ("how", "h-e"),
        ("time", iso_ms(packet.sent_ms)),
        ("start", iso_ms(packet.sent_ms)),
        ("stale", iso_ms(stale_ms)),
        ("opex", OPEX[packet.status]),
    ):
        event.set(name, value)
    point = etree.SubElement(event, "point")
    point.set("lat", c.coord(lat))
    point.set("lon", c.coord(lon))
    point.set("hae", UNKNOWN)
    point.set("ce", c.number(reach) if reach is not None else UNKNOWN)
    point.set("le", UNKNOWN)
    detail = etree.SubElement(event, "detail")
    etree.SubElement(detail, "contact", callsign=packet.sender_id)
    etree.SubElement(detail, "remarks").text = remarks(packet)
    if isinstance(packet.area, CircleArea):
        radius = c.number(packet.area.radius_m)
        shape = etree.SubElement(detail, "shape")
        etree.SubElement(shape, "ellipse", major=radius, minor=radius, angle="360")
    live = [a for a in packet.attachments if a.kind is AttachmentKind.LIVE_LINK and a.uri]
    if live and live[0].uri:
        etree.SubElement(detail, "__video", url=live[0].uri)
    for attachment in packet.attachments:
        if attachment.uri:
            etree.SubElement(
                detail,
                "link",
                url=attachment.uri,
                relation="r-u",
                mime=attachment.mime,
                remarks=attachment.description,
            )
    own = etree.SubElement(
        detail,
        "cityroom",
        distribution=packet.distribution_id,
        incident=packet.incident_id,
        kind=packet.kind.value,
        status=packet.status.value,
        eventCode=packet.event_code,
        agency=packet.agency_id,
        dataClasses=",".join(d.value for d in packet.data_classes),
    )
    if packet.route:
        route = " ".join(f"{c.coord(p.lat)},{c.coord(p.lon)}" for p in packet.route)
        etree.SubElement(own, "route", points=route)
    return to_bytes(event)
