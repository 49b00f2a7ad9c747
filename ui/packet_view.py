"""How a prepared packet reads in the compose dialog: what it carries, what was left out and
why, what the lawful-sharing gate still wants, and the validation problems (plain HTML)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from core.dispatch.model import AttachmentKind, Packet
from core.dispatch.workflow import Prepared
from core.sop.definitions import DATA_NAMES

GREEN, AMBER, RED, DIM = "#7ee2a8", "#ffd66b", "#ff8b8b", "#8a9bb0"


def contents_html(prepared: Prepared, korean: bool) -> str:
    """What the packet carries and what the draft left out."""
    packet = prepared.packet
    pick = 0 if korean else 1
    carries = QCoreApplication.translate("PacketView", "Carries")
    left_out = QCoreApplication.translate("PacketView", "Left out")
    classes = ", ".join(DATA_NAMES[c][pick] for c in packet.data_classes)
    lines = [f"<b>{escape(carries)}</b>: {escape(classes)}"]
    for attachment in packet.attachments:
        mark = "🔓 " if attachment.unmasked else ""
        size = f" · {attachment.size:,} B" if attachment.size else ""
        lines.append(f"• {mark}{escape(attachment.description)}{size}")
    for related in packet.related:
        lines.append(f"• {escape(related.kind.value)}: {escape(related.pseudonym)}")
    if packet.route:
        route = QCoreApplication.translate("PacketView", "route of %1 points")
        lines.append("• " + escape(route.replace("%1", str(len(packet.route)))))
    for left in prepared.draft.left_out:
        why = left.ko if korean else left.en
        lines.append(
            f"<span style='color:{AMBER}'>✗ {escape(left_out)}: "
            f"{escape(left.what)} — {escape(why)}</span>"
        )
    return "<br>".join(lines)


def gate_html(prepared: Prepared, korean: bool) -> str:
    """What stands in the way (refusals red, still to do amber), or that it may go."""
    lines = []
    for reason in prepared.decision.refusals:
        lines.append(f"<span style='color:{RED}'>⛔ {escape(reason.text(korean))}</span>")
    for reason in prepared.decision.still_to_do:
        lines.append(f"<span style='color:{AMBER}'>▶ {escape(reason.text(korean))}</span>")
    for problem in prepared.rendered.problems:
        text = QCoreApplication.translate("PacketView", "Does not validate: %1")
        text = text.replace("%1", problem)
        lines.append(f"<span style='color:{RED}'>⛔ {escape(text)}</span>")
    if not lines:
        size = len(prepared.rendered.body)
        text = (
            QCoreApplication.translate(
                "PacketView", "Ready to send: %1, %2 bytes, valid and lawful."
            )
            .replace("%1", prepared.fmt.value.upper())
            .replace("%2", f"{size:,}")
        )
        lines.append(f"<span style='color:{GREEN}'>✓ {escape(text)}</span>")
    return "<br>".join(lines)


def can_unmask(prepared: Prepared) -> bool:
    """Whether an unmask reason would change the packet: it carries pictures (blurred now), or
    one was left out because it could not be blurred."""
    left = any("not blurred" in item.en for item in prepared.draft.left_out)
    return left or pictures(prepared.packet) > 0


def pictures(packet: Packet) -> int:
    """How many stills and clips the packet carries."""
    kinds = (AttachmentKind.STILL, AttachmentKind.CLIP)
    return sum(a.kind in kinds for a in packet.attachments)
