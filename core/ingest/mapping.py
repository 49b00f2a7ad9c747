"""Mapping files: TOML that describes message schemes other than the documented one.

```toml
documented = true          # also accept cityroom/sensors/{sensor_id} (the default)

[[scheme]]
name = "river-gauges"
topic = "site/+/river/{sensor_id}/level"   # or a list of topics
value = "$.data.level"                     # a JSON path into the payload
ts = "$.data.time"                         # optional: without it, the time of arrival
ts_format = "iso"                          # auto, iso, epoch_ms or epoch_s
unit = "cm"                                # the unit values are in, unless unit_path says
scale = 1.0                                # values are multiplied by this first
sensor_id_prefix = "SEN-RIVER_LEVEL-"      # prepended to the id from the topic or payload
```

A scheme whose topic has no ``{sensor_id}`` names a JSON path ``sensor_id`` instead; one whose
payload holds a list of readings names it with ``records``. A mistake is a
:class:`MappingError` naming the file, the line and the key.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import CityroomError
from core.ingest.schemes import DOCUMENTED, JsonPath, Scheme, TopicPattern, TsFormat
from core.tomlfile import TomlLines

EXAMPLE_MAPPING = (
    Path(__file__).resolve().parents[2] / "resources" / "ingest" / "example-mapping.toml"
)
"""The shipped example mapping file."""


class MappingError(CityroomError, ValueError):
    """A mapping file cannot be used; the message names the file, line, key and fix."""


class _SchemeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="a name for messages about this scheme")
    topic: str | list[str] = Field(description="topic patterns; one level may be {sensor_id}")
    value: str = Field(default="$.value", description="JSON path of the value")
    ts: str | None = Field(default=None, description="JSON path of the time")
    ts_format: TsFormat = Field(default=TsFormat.AUTO, description="how the time is written")
    unit: str | None = Field(default=None, description="the unit of the values")
    unit_path: str | None = Field(default=None, description="JSON path of a unit per reading")
    sensor_id: str | None = Field(default=None, description="JSON path of the sensor id")
    sensor_id_prefix: str = Field(default="", description="prepended to every sensor id")
    records: str | None = Field(default=None, description="JSON path of a list of readings")
    scale: float = Field(default=1.0, description="factor applied to every value")

    @field_validator("topic")
    @classmethod
    def _topics(cls, value: str | list[str]) -> str | list[str]:
        for topic in [value] if isinstance(value, str) else value:
            TopicPattern.parse(topic)
        if isinstance(value, list) and not value:
            raise ValueError("give at least one topic")
        return value

    @field_validator("value", "ts", "unit_path", "sensor_id", "records")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None:
            JsonPath.parse(value)
        return value

    @field_validator("scale")
    @classmethod
    def _scale(cls, value: float) -> float:
        if not math.isfinite(value) or value == 0:
            raise ValueError("must be a finite number other than 0")
        return value

    def scheme(self) -> Scheme:
        topics = [self.topic] if isinstance(self.topic, str) else self.topic
        return Scheme(
            name=self.name,
            topics=tuple(TopicPattern.parse(topic) for topic in topics),
            value=JsonPath.parse(self.value),
            ts=None if self.ts is None else JsonPath.parse(self.ts),
            unit_path=None if self.unit_path is None else JsonPath.parse(self.unit_path),
            sensor_id=None if self.sensor_id is None else JsonPath.parse(self.sensor_id),
            records=None if self.records is None else JsonPath.parse(self.records),
            unit=self.unit,
            scale=self.scale,
            ts_format=self.ts_format,
            sensor_id_prefix=self.sensor_id_prefix,
        )


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    documented: bool = Field(default=True, description="also accept the documented scheme")
    scheme: list[_SchemeEntry] = Field(default_factory=list)


def load_mapping(path: Path | str) -> tuple[Scheme, ...]:
    """The schemes a mapping file describes (the documented one first unless it says
    ``documented = false``); raises :class:`MappingError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(
            f"Mapping file {path}: the file does not exist. Give the right path, or start "
            f"from {EXAMPLE_MAPPING}."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(
            f"Mapping file {path}: cannot be read ({exc}). It must be UTF-8 text you may read."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(
            f"Mapping file {path}: not valid TOML ({exc}). Text goes in double quotes and "
            "each scheme starts with [[scheme]]."
        ) from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_explain(path, text, exc)) from None
    lines = TomlLines(text)
    schemes: list[Scheme] = [DOCUMENTED] if parsed.documented else []
    names: set[str] = set()
    for index, entry in enumerate(parsed.scheme):
        where = f"Mapping file {path}, line {lines.key_line('scheme', index, '')}"
        if entry.name in names:
            raise MappingError(f"{where}: a second scheme named {entry.name!r}. Rename one.")
        names.add(entry.name)
        topics = [entry.topic] if isinstance(entry.topic, str) else entry.topic
        if entry.sensor_id is None and any("{sensor_id}" not in t for t in topics):
            raise MappingError(
                f"{where}: scheme {entry.name!r} cannot tell which sensor a reading is from. "
                "Put {sensor_id} in its topic or give the JSON path of the id as sensor_id."
            )
        schemes.append(entry.scheme())
    if not schemes:
        raise MappingError(
            f"Mapping file {path}: no scheme at all. Add a [[scheme]] or set documented = true."
        )
    return tuple(schemes)


def _explain(path: Path, text: str, exc: ValidationError) -> str:
    """The first problem pydantic found, with its line, key and what to write instead."""
    error = exc.errors()[0]
    loc: tuple[Any, ...] = tuple(error["loc"])
    table = str(loc[0]) if loc else ""
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    key = str(loc[2]) if index is not None and len(loc) > 2 else (table if len(loc) == 1 else "")
    lines = TomlLines(text)
    line = lines.key_line(table, index, key) if index is not None else lines.top_level_line(table)
    place = f"Mapping file {path}" + (f", line {line}" if line else "")
    if index is not None:
        place += f" ([[scheme]] {index + 1})"
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(_SchemeEntry.model_fields if index is not None else _File.model_fields)
        return f"{place}: unknown key {key!r}. The keys are {allowed}."
    if kind == "missing":
        return f"{place}: the key {key!r} is missing."
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{place}, key {key!r}: {reason}."
    if key == "ts_format":
        choices = ", ".join(f.value for f in TsFormat)
        return f"{place}, key 'ts_format': {error.get('input')!r} is not one of {choices}."
    return f"{place}, key {key!r}: {error['msg']}."
