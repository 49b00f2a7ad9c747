"""Structural checks of a Cursor-on-Target event (CoT has no schema in use in the field) and
the profile rules: the event says what the packet says, and a drill is marked an exercise."""

from __future__ import annotations

import math

from lxml import etree

from core.dispatch.formats import common as c
from core.dispatch.formats.cap_rules import declared_problems, status_problems
from core.dispatch.formats.cot import HOW_PATTERN, OPEX, TYPE_PATTERN
from core.dispatch.model import DistributionKind, DistributionStatus, Packet

_REQUIRED = ("version", "uid", "type", "how", "time", "start", "stale")


def _number(point: etree._Element, name: str) -> tuple[float | None, list[c.Problem]]:
    where = f"/event/point/@{name}"
    text = point.get(name)
    if text is None:
        return None, [c.Problem(where, "missing")]
    try:
        value = float(text)
    except ValueError:
        return None, [c.Problem(where, f"{text!r} is not a number")]
    if not math.isfinite(value):
        return None, [c.Problem(where, f"{text!r} is not a finite number")]
    return value, []


def _times(event: etree._Element) -> tuple[dict[str, int], list[c.Problem]]:
    times: dict[str, int] = {}
    problems: list[c.Problem] = []
    for name in ("time", "start", "stale"):
        text = event.get(name)
        if text is None:
            continue
        try:
            times[name] = c.parse_any_time(text)
        except ValueError:
            problems.append(c.Problem(f"/event/@{name}", f"{text!r} is not an ISO-8601 time"))
    return times, problems


def structure_problems(event: etree._Element, *, cancel: bool = False) -> list[c.Problem]:
    """Required attributes, times in order, a point on the globe, a detail element."""
    if event.tag != "event":
        return [c.Problem("/", f"the root is <{event.tag}>, a CoT message is an <event>")]
    problems = [
        c.Problem(f"/event/@{name}", "missing or empty")
        for name in _REQUIRED
        if not (event.get(name) or "").strip()
    ]
    if event.get("version") not in (None, "2.0"):
        problems.append(c.Problem("/event/@version", "CoT events here are version 2.0"))
    if event.get("type") and not TYPE_PATTERN.match(event.get("type", "")):
        problems.append(c.Problem("/event/@type", "is not a CoT type like a-u-X-i-f"))
    if event.get("how") and not HOW_PATTERN.match(event.get("how", "")):
        problems.append(c.Problem("/event/@how", "is not a CoT how like h-e"))
    times, found = _times(event)
    problems += found
    if {"time", "start", "stale"} <= set(times):
        if times["stale"] < times["start"] or times["stale"] < times["time"]:
            problems.append(c.Problem("/event/@stale", "is before time or start"))
        elif times["stale"] == times["start"] and not cancel:
            problems.append(c.Problem("/event/@stale", "equals start: the event is never live"))
    point = event.find("point")
    if point is None:
        problems.append(c.Problem("/event/point", "missing"))
    else:
        lat, found = _number(point, "lat")
        problems += found
        lon, found = _number(point, "lon")
        problems += found
        if lat is not None and not -90 <= lat <= 90:
            problems.append(c.Problem("/event/point/@lat", f"{lat} is outside -90..90"))
        if lon is not None and not -180 <= lon <= 180:
            problems.append(c.Problem("/event/point/@lon", f"{lon} is outside -180..180"))
        for name in ("hae", "ce", "le"):
            value, found = _number(point, name)
            problems += found
            if name != "hae" and value is not None and value < 0:
                problems.append(c.Problem(f"/event/point/@{name}", "an error cannot be negative"))
    if event.find("detail") is None:
        problems.append(c.Problem("/event/detail", "missing"))
    return problems


def event_problems(event: etree._Element, packet: Packet) -> list[c.Problem]:
    """Structure, then: does the event say what the packet says?"""
    problems = structure_problems(event, cancel=packet.kind is DistributionKind.CANCEL)
    if event.tag != "event":
        return problems
    opex = event.get("opex") or ""
    if not opex.startswith(OPEX[packet.status]):
        exercise = packet.status is DistributionStatus.EXERCISE or packet.exercise
        what = "an Exercise packet must have opex e" if exercise else "opex does not match"
        problems.append(c.Problem("/event/@opex", f"{what} (it says {opex!r})"))
    own = event.find("detail/cityroom")
    if own is None:
        return [*problems, c.Problem("/event/detail/cityroom", "missing: the packet's identity")]
    if own.get("distribution") != packet.distribution_id:
        problems.append(c.Problem("/event/detail/cityroom/@distribution", "not this packet's"))
    problems += status_problems(
        "/event/detail/cityroom/@status", own.get("status"), packet, "CoT detail status"
    )
    declared = [d for d in (own.get("dataClasses") or "").split(",") if d]
    problems += declared_problems("/event/detail/cityroom/@dataClasses", declared, packet)
    if not (event.findtext("detail/remarks") or "").strip():
        problems.append(c.Problem("/event/detail/remarks", "empty; the summary goes here"))
    return problems
