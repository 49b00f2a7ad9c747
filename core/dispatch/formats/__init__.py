"""The wire formats of dispatch packets, and reading what agencies send back.

One packet, several renderings (the platform's terminal-linkage idea):

- ``cap``: an OASIS CAP 1.2 alert, valid against the official schema;
- ``edxl``: the same alert inside an OASIS EDXL-DE 2.0 distribution envelope;
- ``json``: Cityroom's packet document (resources/schemas/cityroom-packet-1.schema.json);
- ``cot``: a Cursor-on-Target event for TAK clients.

``validate`` says whether a rendering may leave the room; ``parse_message`` reads inbound
reports, telecom location fixes and Acks; ``build_ack`` writes an agency's Ack.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from core.dispatch.formats.ack import build_ack
from core.dispatch.formats.cap import render_cap
from core.dispatch.formats.common import InboundError, Problem
from core.dispatch.formats.cot import render_cot
from core.dispatch.formats.edxl import render_edxl
from core.dispatch.formats.inbound import parse_message
from core.dispatch.formats.json_format import render_json
from core.dispatch.formats.messages import AckMessage, InboundMessage, InboundReport, LocationFix
from core.dispatch.formats.packet_rules import Bounds, not_expired
from core.dispatch.formats.schemas import CAP_SCHEMA, EDXL_SCHEMA
from core.dispatch.formats.validation import validate
from core.dispatch.formats.xml_safety import MAX_BODY_BYTES
from core.dispatch.model import Format, Packet

__all__ = [
    "MAX_BODY_BYTES",
    "AckMessage",
    "Bounds",
    "InboundError",
    "InboundMessage",
    "InboundReport",
    "LocationFix",
    "Problem",
    "build_ack",
    "not_expired",
    "parse_message",
    "render",
    "validate",
    "warm_schemas",
]


def render(
    packet: Packet,
    fmt: Format,
    *,
    attachments_dir: Path | None = None,
    reference_sent: Mapping[str, int] | None = None,
) -> bytes:
    """The packet written as ``fmt`` (UTF-8 bytes, exactly what is sent).

    Stills are embedded (base64) when ``attachments_dir`` is given and the file is there.
    ``reference_sent`` maps the distribution ids an Update or Cancel refers to onto their sent
    times (CAP references are sender,identifier,sent triples); an id missing from it is
    written with this packet's own time, which ``validate`` then reports.
    """
    if fmt is Format.CAP:
        return render_cap(packet, attachments_dir=attachments_dir, reference_sent=reference_sent)
    if fmt is Format.EDXL:
        return render_edxl(packet, attachments_dir=attachments_dir, reference_sent=reference_sent)
    if fmt is Format.JSON:
        return render_json(packet, attachments_dir=attachments_dir)
    return render_cot(packet)


def warm_schemas() -> None:
    """Compile the XML schemas now (at start-up) rather than on the first packet."""
    CAP_SCHEMA.warm()
    EDXL_SCHEMA.warm()
