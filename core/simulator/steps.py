"""The building blocks of scenario scripts: timed steps the simulator turns into events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    """Something that happens ``at_s`` simulated seconds after the scenario starts."""

    at_s: float


@dataclass(frozen=True, slots=True)
class Report(Step):
    """A new incident reaches the centre; later steps refer to it by ``key``."""

    key: str
    type_code: str
    lat: float
    lon: float
    district_code: str | None
    summary: str
    actor: str
    severity: int | None = None
    reference: str | None = None
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observe(Step):
    """A field observation about the incident ``key``."""

    key: str
    text_ko: str
    text_en: str
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Link(Step):
    """Cameras or sensors become relevant to the incident ``key``."""

    key: str
    actor: str
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reading(Step):
    """A field sensor reports ``value``."""

    sensor_id: str
    value: float


def ramp(
    sensor_id: str, start_s: float, end_s: float, start: float, end: float, every_s: float = 60
) -> list[Reading]:
    """Readings rising (or falling) linearly from ``start`` to ``end``, one every ``every_s``."""
    steps = max(1, round((end_s - start_s) / every_s))
    return [
        Reading(
            start_s + i * (end_s - start_s) / steps,
            sensor_id,
            round(start + i * (end - start) / steps, 3),
        )
        for i in range(steps + 1)
    ]
