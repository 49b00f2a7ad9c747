"""Topic and payload schemes: where in a message the sensor id, value, time and unit are.

A scheme knows its topic patterns and a few JSON paths; it pulls out :class:`RawReading`
records and leaves every judgement about them to the validator. The documented scheme is
:data:`DOCUMENTED`; others come from a mapping file (:mod:`core.ingest.mapping`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.ingest.stats import Rejected, RejectReason

SENSOR_ID_FIELD = "{sensor_id}"
_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


class TsFormat(StrEnum):
    """How a scheme's timestamps are written."""

    AUTO = "auto"  # numbers are epoch milliseconds, text is ISO-8601 with an offset
    ISO = "iso"
    EPOCH_MS = "epoch_ms"
    EPOCH_S = "epoch_s"


@dataclass(frozen=True, slots=True)
class RawReading:
    """One reading as a message carried it, before any check (any field may be wrong)."""

    sensor_id: Any
    value: Any
    ts: Any = None
    unit: Any = None
    scale: float = 1.0
    ts_format: TsFormat = TsFormat.AUTO


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What :meth:`JsonPath.get` returns when the document has nothing at the path."""


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A path into a JSON document: ``$.data.level`` or ``$.readings[0].value``."""

    text: str
    steps: tuple[str | int, ...]
    key: str | None = None  # the one key of a path like $.value, looked up directly

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        """Parse a path; raises ``ValueError`` saying what is wrong with it."""
        body = text.strip()
        if body.startswith("$"):
            body = body[1:]
        if body and not body.startswith((".", "[")):
            body = "." + body
        steps: list[str | int] = []
        position = 0
        while position < len(body):
            step = _PATH_STEP.match(body, position)
            if step is None:
                raise ValueError(
                    f"{text!r} is not a JSON path: write keys and list positions as "
                    "$.data.level or $.readings[0].value"
                )
            key, index = step.groups()
            steps.append(int(index) if index is not None else key)
            position = step.end()
        single = steps[0] if len(steps) == 1 and isinstance(steps[0], str) else None
        return cls(text, tuple(steps), single)

    def get(self, document: Any) -> Any:
        """The value at the path, or :data:`MISSING`."""
        if self.key is not None and type(document) is dict:
            return document.get(self.key, MISSING)
        node = document
        for step in self.steps:
            if isinstance(step, str):
                if not isinstance(node, dict) or step not in node:
                    return MISSING
                node = node[step]
            else:
                if not isinstance(node, list) or step >= len(node):
                    return MISSING
                node = node[step]
        return node


@dataclass(frozen=True, slots=True)
class TopicPattern:
    """An MQTT topic filter in which one level may be ``{sensor_id}``."""

    text: str
    levels: tuple[str, ...]
    id_level: int | None  # which level holds the sensor id
    # Fast paths for the common shapes: literal levels then the id, or literal levels only.
    id_prefix: str | None = None
    literal: bool = False

    @classmethod
    def parse(cls, text: str) -> TopicPattern:
        """Parse a pattern; raises ``ValueError`` saying what is wrong with it."""
        levels = tuple(text.split("/"))
        if not text or any(not level for level in levels):
            raise ValueError(f"{text!r} is not a topic: levels are separated by single '/'")
        for number, level in enumerate(levels):
            if "#" in level and (level != "#" or number != len(levels) - 1):
                raise ValueError(f"{text!r}: '#' may only be the whole last level")
            if "+" in level and level != "+":
                raise ValueError(f"{text!r}: '+' must be a whole level")
            if "{" in level and level != SENSOR_ID_FIELD:
                raise ValueError(f"{text!r}: the only placeholder is a whole level {{sensor_id}}")
        ids = [number for number, level in enumerate(levels) if level == SENSOR_ID_FIELD]
        if len(ids) > 1:
            raise ValueError(f"{text!r}: {{sensor_id}} may appear once")
        id_level = ids[0] if ids else None
        head = levels if id_level is None else levels[:-1]
        plain = not any(level in ("+", "#", SENSOR_ID_FIELD) for level in head)
        prefix = "/".join(head) + "/" if plain and id_level == len(levels) - 1 else None
        return cls(text, levels, id_level, prefix, plain and id_level is None)

    @property
    def subscription(self) -> str:
        """The filter to subscribe to (the id level becomes ``+``)."""
        return "/".join("+" if level == SENSOR_ID_FIELD else level for level in self.levels)

    def match(self, topic: str) -> str | None:
        """The sensor id the topic names ("" when the pattern has none), or None: no match."""
        if self.id_prefix is not None:
            if not topic.startswith(self.id_prefix):
                return None
            sensor_id = topic[len(self.id_prefix) :]
            return None if "/" in sensor_id else sensor_id
        if self.literal:
            return "" if topic == self.text else None
        parts = topic.split("/")
        levels = self.levels
        if levels[-1] == "#":
            if len(parts) < len(levels) - 1:
                return None
        elif len(parts) != len(levels):
            return None
        sensor_id = ""
        for level, part in zip(levels, parts, strict=False):
            if level == "#":
                break
            if level == SENSOR_ID_FIELD:
                sensor_id = part
            elif level != "+" and level != part:
                return None
        return sensor_id


@dataclass(frozen=True, slots=True)
class Scheme:
    """Where the parts of a reading are, for messages on some topics.

    The document (or the list at ``records``) is one object or a list of objects, each one
    reading. A sensor id in the topic is used for every reading; else each object names its
    own at ``sensor_id``. ``unit`` applies when the object has none at ``unit_path``;
    values are multiplied by ``scale`` before the unit is checked.
    """

    name: str
    topics: tuple[TopicPattern, ...]
    value: JsonPath
    ts: JsonPath | None = None
    unit_path: JsonPath | None = None
    sensor_id: JsonPath | None = None
    records: JsonPath | None = None
    unit: str | None = None
    scale: float = 1.0
    ts_format: TsFormat = TsFormat.AUTO
    sensor_id_prefix: str = ""

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """The MQTT filters that bring this scheme's messages."""
        return tuple(pattern.subscription for pattern in self.topics)

    def match(self, topic: str) -> str | None:
        """The sensor id in ``topic`` ("" if it has none), or None if not this scheme's topic."""
        for pattern in self.topics:
            found = pattern.match(topic)
            if found is not None:
                return found
        return None

    def records_of(self, document: Any) -> Sequence[Any]:
        """The objects in a parsed payload that each hold one reading."""
        node = document if self.records is None else self.records.get(document)
        if node is MISSING:
            raise Rejected(RejectReason.NOT_OBJECT, f"no list of readings at {self.records}")
        if isinstance(node, list):
            return node
        if isinstance(node, dict):
            return (node,)
        raise Rejected(
            RejectReason.NOT_OBJECT, f"payload is a JSON {type(node).__name__}, not an object"
        )

    def reading(self, record: Any, topic_id: str) -> RawReading:
        """The parts of one reading; raises ``Rejected`` if the record is not an object."""
        if not isinstance(record, dict):
            raise Rejected(RejectReason.NOT_OBJECT, f"a reading is a JSON {type(record).__name__}")
        sensor_id: Any = topic_id or None
        if self.sensor_id is not None:
            named = self.sensor_id.get(record)
            if named is not MISSING and named is not None:
                if topic_id and named != topic_id:
                    raise Rejected(
                        RejectReason.BAD_TOPIC,
                        f"payload names sensor {named!r} but the topic names {topic_id!r}",
                    )
                sensor_id = named
        if self.sensor_id_prefix and isinstance(sensor_id, str | int):
            sensor_id = f"{self.sensor_id_prefix}{sensor_id}"
        value = self.value.get(record)
        ts = None if self.ts is None else self.ts.get(record)
        unit = None if self.unit_path is None else self.unit_path.get(record)
        return RawReading(
            sensor_id,
            None if value is MISSING else value,
            None if ts is MISSING else ts,
            self.unit if unit is MISSING or unit is None else unit,
            self.scale,
            self.ts_format,
        )


DOCUMENTED = Scheme(
    name="cityroom",
    topics=(
        TopicPattern.parse("cityroom/sensors/{sensor_id}"),
        # The batch form: a list of readings, each naming its sensor.
        TopicPattern.parse("cityroom/sensors"),
    ),
    value=JsonPath.parse("$.value"),
    ts=JsonPath.parse("$.ts"),
    unit_path=JsonPath.parse("$.unit"),
    sensor_id=JsonPath.parse("$.sensor_id"),
)
"""The documented scheme: ``cityroom/sensors/{sensor_id}`` with ``{"value", "ts", "unit"}``,
or a list of such objects each with ``"sensor_id"`` (on ``cityroom/sensors`` or a sensor's
topic)."""
