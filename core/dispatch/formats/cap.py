"""A packet as an OASIS CAP 1.2 alert (Cityroom's profile: urn:cityroom:cap-profile:1).

One ``info`` in Korean carries the event; what CAP has no element for (legal basis, purpose,
operator, route, pseudonymised plates and phone numbers, the declared data classes) goes into
``parameter`` elements named ``cityroom:…``. Each attachment is a ``resource``: stills are
embedded (``derefUri``) when their file is at hand, and every resource's description carries
the SHA-256 recorded at capture so the receiver can check it; ``digest`` is CAP's SHA-1.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.evidence_files import available
from core.dispatch.model import (
    Attachment,
    AttachmentKind,
    CircleArea,
    DistributionKind,
    DistributionStatus,
    Packet,
    PointArea,
    PolygonArea,
)

# CAP responseType for each kind of distribution: a dispatch asks the agency to act as the
# instruction says, a report asks it to assess, a cancel asks for nothing.
RESPONSE_TYPE: dict[DistributionKind, str] = {
    DistributionKind.DISPATCH: "Execute",
    DistributionKind.REPORT: "Assess",
    DistributionKind.UPDATE: "Execute",
    DistributionKind.CANCEL: "None",
}

SHA256_MARK = "sha256:"


def cap(tag: str) -> str:
    """A CAP 1.2 element name."""
    return f"{{{c.CAP_NS}}}{tag}"


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """Append a CAP element (with text, when given) to ``parent``."""
    element = etree.SubElement(parent, cap(tag))
    if text is not None:
        element.text = text
    return element


def named_value(parent: etree._Element, tag: str, name: str, value: str) -> None:
    """A CAP parameter / eventCode / geocode: valueName and value."""
    element = sub(parent, tag)
    sub(element, "valueName", name)
    sub(element, "value", value)


def restriction_text(packet: Packet) -> str:
    """Why the alert is restricted, and on what legal basis it may be given to the agency."""
    basis = packet.legal_basis.strip() or "미기재 (not recorded)"
    purpose = packet.purpose.strip() or "미기재 (not recorded)"
    return (
        f"수신기관 {packet.agency_id} 한정, 제3자 제공 금지 (개인정보 보호법). "
        f"법적 근거: {basis}. 목적: {purpose}. "
        f"For {packet.agency_id} only; no onward sharing. "
        f"Legal basis: {basis}. Purpose: {purpose}."
    )


def exercise_note(status: DistributionStatus) -> str | None:
    """The note that tells a reader at once that this is not a real event."""
    if status is DistributionStatus.EXERCISE:
        return "훈련 상황입니다. 실제 상황이 아닙니다. (EXERCISE - not an actual event)"
    if status is DistributionStatus.TEST:
        return "시험 전송입니다. 조치하지 마십시오. (TEST - take no action)"
    return None


def references_text(
    sender_id: str, references: tuple[str, ...], sent_ms: dict[str, int], fallback_ms: int
) -> str:
    """CAP references: "sender,identifier,sent" triples separated by spaces."""
    return " ".join(
        f"{sender_id},{ref},{c.wire_time(sent_ms.get(ref, fallback_ms))}" for ref in references
    )


def area_element(info: etree._Element, packet: Packet) -> None:
    """The CAP area: its description and a polygon or circle (a point is a circle of 0 km)."""
    area = sub(info, "area")
    sub(area, "areaDesc", packet.area_desc_ko)
    shape = packet.area
    if isinstance(shape, PolygonArea):
        sub(area, "polygon", " ".join(f"{c.coord(p.lat)},{c.coord(p.lon)}" for p in shape.points))
    elif isinstance(shape, CircleArea):
        centre = shape.centre
        radius_km = c.number(shape.radius_m / 1000)
        sub(area, "circle", f"{c.coord(centre.lat)},{c.coord(centre.lon)} {radius_km}")
    elif isinstance(shape, PointArea):
        sub(area, "circle", f"{c.coord(shape.at.lat)},{c.coord(shape.at.lon)} 0")
    if packet.district_code:
        named_value(area, "geocode", c.GEOCODE_DISTRICT, packet.district_code)


def resource_description(attachment: Attachment) -> str:
    """What the resource is, with the SHA-256 recorded at capture or a link's expiry."""
    parts = [attachment.description]
    if attachment.sha256:
        parts.append(f"[{SHA256_MARK}{attachment.sha256}]")
    if attachment.expires_ms is not None:
        parts.append(f"[유효기간 valid until {c.wire_time(attachment.expires_ms)}]")
    if attachment.unmasked:
        parts.append(f"[비식별 해제 unmasked: {attachment.unmask_reason}]")
    return " ".join(parts)


def resource_element(
    info: etree._Element, attachment: Attachment, attachments_dir: Path | None
) -> None:
    """One CAP resource; a still is embedded when its file is at hand."""
    resource = sub(info, "resource")
    sub(resource, "resourceDesc", resource_description(attachment))
    sub(resource, "mimeType", attachment.mime)
    found = available(attachments_dir, attachment)
    size = found.size if found else attachment.size
    if size is not None:
        sub(resource, "size", str(size))
    if attachment.uri:
        sub(resource, "uri", attachment.uri)
    if found and attachment.kind is AttachmentKind.STILL:
        sub(resource, "derefUri", base64.b64encode(found.path.read_bytes()).decode("ascii"))
    if found:
        sub(resource, "digest", found.sha1)


def parameters(info: etree._Element, packet: Packet) -> None:
    """The facts CAP has no element for, as cityroom:… parameters."""
    pairs: list[tuple[str, str]] = [
        (c.PARAM_KIND, packet.kind.value),
        (c.PARAM_RECIPIENT, packet.recipient.value),
        (c.PARAM_DATA_CLASSES, ",".join(d.value for d in packet.data_classes)),
        (c.PARAM_EXERCISE, "true" if packet.exercise else "false"),
        (c.PARAM_EVENT_EN, packet.event_en),
    ]
    if packet.district_code:
        pairs.append((c.PARAM_DISTRICT, packet.district_code))
    if packet.legal_basis:
        pairs.append((c.PARAM_LEGAL_BASIS, packet.legal_basis))
    if packet.purpose:
        pairs.append((c.PARAM_PURPOSE, packet.purpose))
    if packet.operator:
        pairs.append((c.PARAM_OPERATOR, packet.operator))
    if packet.route:
        route = " ".join(f"{c.coord(p.lat)},{c.coord(p.lon)}" for p in packet.route)
        pairs.append((c.PARAM_ROUTE, route))
    for related in packet.related:
        value = f"{related.pseudonym} {related.note}".strip()
        pairs.append((c.PARAM_RELATED_PREFIX + related.kind.value, value))
    for name, value in pairs:
        named_value(info, "parameter", name, value)


def info_element(alert: etree._Element, packet: Packet, attachments_dir: Path | None) -> None:
    """The one info block, in Korean."""
    info = sub(alert, "info")
    sub(info, "language", c.LANGUAGE)
    sub(info, "category", packet.category.value)
    sub(info, "event", packet.event_ko)
    response = RESPONSE_TYPE.get(packet.kind)
    if response:
        sub(info, "responseType", response)
    sub(info, "urgency", packet.urgency.value)
    sub(info, "severity", packet.severity.value)
    sub(info, "certainty", packet.certainty.value)
    named_value(info, "eventCode", c.EVENT_CODE_NAME, packet.event_code)
    sub(info, "expires", c.wire_time(packet.expires_ms))
    sub(info, "senderName", f"{c.CENTRE_NAME_KO} ({packet.sender_id})")
    sub(info, "headline", packet.headline_ko)
    sub(info, "description", packet.summary_ko)
    if packet.requested_action_ko.strip():
        sub(info, "instruction", packet.requested_action_ko)
    sub(info, "contact", packet.sender_id)
    parameters(info, packet)
    for attachment in packet.attachments:
        resource_element(info, attachment, attachments_dir)
    area_element(info, packet)


def alert_element(
    packet: Packet,
    *,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> etree._Element:
    """The packet as a CAP 1.2 ``alert`` element."""
    alert = etree.Element(cap("alert"), nsmap={None: c.CAP_NS})
    sub(alert, "identifier", packet.distribution_id)
    sub(alert, "sender", packet.sender_id)
    sub(alert, "sent", c.wire_time(packet.sent_ms))
    sub(alert, "status", packet.status.value)
    sub(alert, "msgType", c.MSG_TYPE[packet.kind])
    sub(alert, "scope", "Restricted")
    sub(alert, "restriction", restriction_text(packet))
    sub(alert, "addresses", c.quote_if_spaced(packet.agency_id))
    sub(alert, "code", c.PROFILE_CODE)
    note = exercise_note(packet.status)
    if note:
        sub(alert, "note", note)
    if packet.references:
        # An earlier packet's time comes from the caller; without it the triple carries this
        # packet's own time, which validation reports (a reference must be older).
        times = dict(reference_sent or {})
        sub(
            alert,
            "references",
            references_text(packet.sender_id, packet.references, times, packet.sent_ms),
        )
    sub(alert, "incidents", c.quote_if_spaced(packet.incident_id))
    info_element(alert, packet, attachments_dir)
    return alert


def to_bytes(root: etree._Element) -> bytes:
    """An XML document as UTF-8 bytes with its declaration."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_cap(
    packet: Packet,
    *,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> bytes:
    """The packet as a bare CAP 1.2 alert document."""
    return to_bytes(
        alert_element(packet, attachments_dir=attachments_dir, reference_sent=reference_sent)
    )
