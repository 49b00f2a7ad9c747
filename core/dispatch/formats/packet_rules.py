"""Cityroom's profile rules on the packet itself, whatever format it is written in.

Each rule returns ``Problem``s naming the packet field and the fix: required texts present,
times in order, the area inside the city's bounds, attachments present with the digests
recorded at capture, live links valid when sent, the declared data classes matching what
is carried, and a drill never marked Actual.
"""

from __future__ import annotations

from pathlib import Path

from core.dispatch.formats.common import CAP_FORBIDDEN, Problem, wire_time
from core.dispatch.formats.evidence_files import EvidenceFileError, evidence_file
from core.dispatch.model import (
    AttachmentKind,
    CircleArea,
    DistributionKind,
    DistributionStatus,
    Packet,
    Point,
    PointArea,
)

Bounds = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def required_texts(packet: Packet) -> list[Problem]:
    """Headline, summary and area description must say something."""
    fields = (
        ("headline_ko", packet.headline_ko, "write a one-line headline"),
        ("summary_ko", packet.summary_ko, "write what happened"),
        ("area_desc_ko", packet.area_desc_ko, "name the place (address or landmark)"),
        ("event_ko", packet.event_ko, "name the event in Korean"),
    )
    return [
        Problem(f"packet.{name}", f"is empty; {fix}")
        for name, value, fix in fields
        if not value.strip()
    ]


def identifiers(packet: Packet) -> list[Problem]:
    """CAP forbids spaces, commas, < and & in identifier and sender (they form references)."""
    return [
        Problem(f"packet.{name}", f"{value!r} holds a space, comma, < or &; remove them")
        for name, value in (
            ("distribution_id", packet.distribution_id),
            ("sender_id", packet.sender_id),
        )
        if CAP_FORBIDDEN.search(value)
    ]


def time_order(packet: Packet) -> list[Problem]:
    """The packet must expire after it is sent (in whole seconds, as the wire writes times)."""
    if packet.expires_ms // 1000 <= packet.sent_ms // 1000:
        return [
            Problem(
                "packet.expires_ms",
                f"expires {wire_time(packet.expires_ms)}, not after it is sent "
                f"{wire_time(packet.sent_ms)}; give it a later expiry",
            )
        ]
    return []


def not_expired(packet: Packet, now_ms: int) -> list[Problem]:
    """For the sender: a packet already expired when it would leave is not sent."""
    if packet.expires_ms <= now_ms:
        return [
            Problem(
                "packet.expires_ms",
                f"expired at {wire_time(packet.expires_ms)}, before it could be sent "
                f"({wire_time(now_ms)}); compose it again",
            )
        ]
    return []


def references(packet: Packet) -> list[Problem]:
    """An Update or Cancel names the packet(s) it changes."""
    if packet.kind in (DistributionKind.UPDATE, DistributionKind.CANCEL) and not packet.references:
        return [
            Problem(
                "packet.references",
                f"an {packet.kind.value} must name the distribution id of the packet it changes",
            )
        ]
    if packet.distribution_id in packet.references:
        return [Problem("packet.references", "a packet cannot refer to itself")]
    return []


def _outside(point: Point, bounds: Bounds) -> bool:
    min_lon, min_lat, max_lon, max_lat = bounds
    return not (min_lon <= point.lon <= max_lon and min_lat <= point.lat <= max_lat)


def inside_bounds(packet: Packet, bounds: Bounds) -> list[Problem]:
    """The point, the circle's centre and every polygon vertex lie inside the bounds."""
    shape = packet.area
    if isinstance(shape, PointArea):
        named = [("packet.area.at", shape.at)]
    elif isinstance(shape, CircleArea):
        named = [("packet.area.centre", shape.centre)]
    else:
        named = [(f"packet.area.points[{i}]", p) for i, p in enumerate(shape.points)]
    min_lon, min_lat, max_lon, max_lat = bounds
    box = f"lon {min_lon}..{max_lon}, lat {min_lat}..{max_lat}"
    return [
        Problem(where, f"{p.lat:.6f},{p.lon:.6f} is outside the city ({box}); move it inside")
        for where, p in named
        if _outside(p, bounds)
    ]


def attachments(packet: Packet, attachments_dir: Path | None) -> list[Problem]:
    """Links valid when sent; with the evidence folder, every file there with its digest."""
    problems: list[Problem] = []
    for index, attachment in enumerate(packet.attachments):
        where = f"packet.attachments[{index}]"
        if attachment.kind is AttachmentKind.LIVE_LINK:
            expires = attachment.expires_ms
            if expires is not None and expires <= packet.sent_ms:
                problems.append(
                    Problem(
                        f"{where}.expires_ms",
                        f"the link expired at {wire_time(expires)}, before the packet is sent; "
                        "issue a new link",
                    )
                )
            continue
        if attachments_dir is None:
            continue
        try:
            found = evidence_file(attachments_dir, attachment)
        except EvidenceFileError as exc:
            problems.append(Problem(f"{where}.path", str(exc)))
            continue
        if found.sha256 != attachment.sha256:
            problems.append(
                Problem(
                    f"{where}.sha256",
                    f"the file {attachment.path!r} has SHA-256 {found.sha256}, not the "
                    f"{attachment.sha256} recorded at capture; it changed, attach it again",
                )
            )
        if attachment.size is not None and found.size != attachment.size:
            problems.append(
                Problem(f"{where}.size", f"the file has {found.size} bytes, not {attachment.size}")
            )
    return problems


def data_classes(packet: Packet) -> list[Problem]:
    """What the packet carries is declared, and nothing is declared twice."""
    problems = []
    missing = packet.carried_classes() - set(packet.data_classes)
    if missing:
        names = ", ".join(sorted(m.value for m in missing))
        problems.append(Problem("packet.data_classes", f"carries {names} without declaring it"))
    if len(set(packet.data_classes)) != len(packet.data_classes):
        problems.append(Problem("packet.data_classes", "lists a class twice; list each once"))
    return problems


def exercise(packet: Packet) -> list[Problem]:
    """A drill's packet is marked Exercise, never Actual."""
    if packet.exercise and packet.status is not DistributionStatus.EXERCISE:
        return [
            Problem(
                "packet.status",
                f"a drill's packet is marked {packet.status.value}; mark it Exercise",
            )
        ]
    return []


def packet_problems(
    packet: Packet, *, bounds: Bounds | None = None, attachments_dir: Path | None = None
) -> list[Problem]:
    """Every profile rule on the packet."""
    problems = required_texts(packet) + identifiers(packet) + time_order(packet)
    problems += references(packet) + data_classes(packet) + exercise(packet)
    if bounds is not None:
        problems += inside_bounds(packet, bounds)
    problems += attachments(packet, attachments_dir)
    return problems
