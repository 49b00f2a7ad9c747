"""Is a rendered packet fit to send? Schema validation and Cityroom's profile rules.

CAP bodies are validated against the official OASIS CAP 1.2 schema; EDXL-DE bodies against
EDXL-DE 2.0 loaded with CAP 1.2 (so the embedded alert is checked strictly too), and the
embedded alert once more on its own. JSON documents are checked by hand and by the packet
model; CoT events structurally. Then the profile rules (``packet_rules``, ``cap_rules``,
``cot_rules``) compare the body with the packet. Every problem names where and what to fix.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.cap_rules import alert_problems, envelope_problems, status_problems
from core.dispatch.formats.cot_rules import event_problems
from core.dispatch.formats.json_format import load_document, packet_from_document
from core.dispatch.formats.packet_rules import Bounds, packet_problems
from core.dispatch.formats.schemas import CAP_SCHEMA, EDXL_SCHEMA, CompiledSchema
from core.dispatch.formats.xml_safety import parse_xml
from core.dispatch.model import Format, Packet

EMBEDDED_ALERT = "de:content/de:contentObject/de:contentXML/de:embeddedXMLContent/cap:alert"
NS = {"de": c.DE_NS, "cap": c.CAP_NS}


def schema_problems(schema: CompiledSchema, element: etree._Element) -> list[c.Problem]:
    """Schema violations as problems: the element's path, the line and the schema's words."""
    return [
        c.Problem(error.path, f"line {error.line}: {error.message}")
        for error in schema.errors(element)
    ]


def _parsed(body: bytes) -> tuple[etree._Element | None, list[c.Problem]]:
    try:
        return parse_xml(body), []
    except c.InboundError as exc:
        return None, [c.Problem("/", exc.reason)]


def cap_body(packet: Packet, body: bytes, attachments_dir: Path | None) -> list[c.Problem]:
    """A bare CAP alert: the schema, then the profile."""
    root, problems = _parsed(body)
    if root is None:
        return problems
    problems = schema_problems(CAP_SCHEMA, root)
    if root.tag != f"{{{c.CAP_NS}}}alert":
        return problems
    return problems + alert_problems(root, packet, attachments_dir)


def edxl_body(packet: Packet, body: bytes, attachments_dir: Path | None) -> list[c.Problem]:
    """An EDXL-DE distribution: the envelope with its alert, the alert alone, the profile."""
    root, problems = _parsed(body)
    if root is None:
        return problems
    problems = schema_problems(EDXL_SCHEMA, root)
    if root.tag != f"{{{c.DE_NS}}}edxlDistribution":
        return problems
    problems += envelope_problems(root, packet)
    alert = root.find(EMBEDDED_ALERT, NS)
    if alert is None:
        where = "/edxlDistribution/content/contentObject/contentXML/embeddedXMLContent"
        return [*problems, c.Problem(where, "holds no CAP 1.2 alert")]
    seen = {(p.where, p.message) for p in problems}
    problems += [p for p in schema_problems(CAP_SCHEMA, alert) if (p.where, p.message) not in seen]
    parent = c.readable_path(alert.getparent())
    return problems + alert_problems(alert, packet, attachments_dir, at=parent)


def json_body(packet: Packet, body: bytes) -> list[c.Problem]:
    """A cityroom-packet document: its envelope, then the packet it carries is this one."""
    doc, problems = load_document(body)
    if doc is None:
        return problems
    said = doc["packet"].get("status") if isinstance(doc.get("packet"), dict) else None
    problems += status_problems("/packet/status", said, packet, "JSON status")
    carried, found = packet_from_document(doc)
    problems += found
    if carried is None:
        return problems
    if carried != packet:
        problems.append(c.Problem("/packet", "is not the packet being sent; render it again"))
    recorded = {a.sha256 for a in packet.attachments if a.sha256}
    for index, still in enumerate(doc.get("stills") or [], start=1):
        if isinstance(still, dict) and still.get("sha256") not in recorded:
            problems.append(
                c.Problem(f"/stills[{index}]", "is not one of the packet's attachments")
            )
    return problems


def cot_body(packet: Packet, body: bytes) -> list[c.Problem]:
    """A CoT event: its structure and what it says."""
    root, problems = _parsed(body)
    if root is None:
        return problems
    return event_problems(root, packet)


def validate(
    packet: Packet,
    body: bytes,
    fmt: Format,
    *,
    bounds: Bounds | None = None,
    attachments_dir: Path | None = None,
) -> list[c.Problem]:
    """Everything that keeps ``body`` (``packet`` rendered as ``fmt``) from being sent.

    ``bounds`` is (min_lon, min_lat, max_lon, max_lat) of the city; with ``attachments_dir``
    every still and clip must be there with the SHA-256 recorded at capture. An empty list
    means the body may be sent (whether it has expired by then is ``not_expired``'s question).
    """
    problems = packet_problems(packet, bounds=bounds, attachments_dir=attachments_dir)
    if fmt is Format.CAP:
        problems += cap_body(packet, body, attachments_dir)
    elif fmt is Format.EDXL:
        problems += edxl_body(packet, body, attachments_dir)
    elif fmt is Format.JSON:
        problems += json_body(packet, body)
    else:
        problems += cot_body(packet, body)
    return problems
