"""Rule definitions of the situation-control engine, read from TOML files and checked on load.

One file holds any number of ``[[rule]]`` tables; ``kind`` says which of five shapes a rule has:

```toml
[[rule]]
id = "river-level"
kind = "threshold"            # threshold, rate, duration, stale or correlation
sensor_kind = "river_level"   # or sensors = ["SEN-…", …]
min_level = "caution"         # levels come from the kind's own thresholds unless [rule.levels]
hysteresis = 0.1              # a level is left only below its threshold minus this
[rule.produces]
incident_type = "D-FLOOD"
summary_ko = "{name} {level} 단계 ({value} {unit})"
summary_en = "{name} at {level} ({value} {unit})"
```

A mistake is a :class:`RuleFileError` naming the file, the line, the key, the problem and the fix.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from core.catalogue import CATALOGUE
from core.city.kinds import CrisisLevel, FacilityKind, LevelThresholds, SensorKind
from core.tomlfile import ConfigFileError

if TYPE_CHECKING:
    from core.tomlfile import TomlLines

DEFAULT_RULE_FILE = Path(__file__).resolve().parents[2] / "resources" / "rules" / "default.toml"
"""The built-in rules of the demo city."""

DEFAULT_HYSTERESIS_SHARE = 0.05
"""Without ``hysteresis``, a value test is left only this share of its threshold past it."""

DEFAULT_RATE_HYSTERESIS_SHARE = 0.25
"""Without ``hysteresis``, a rate rule clears when the change falls this share below it."""


class RuleFileError(ConfigFileError):
    """A rule file cannot be used; it names the file, line, rule, key, problem and fix."""

    KIND = "Rule file"
    ENTRY = "rule"

    def __init__(
        self,
        path: Path | None,
        problem: str,
        fix: str,
        *,
        line: int | None = None,
        key: str = "",
        rule_id: str | None = None,
    ) -> None:
        super().__init__(path, problem, fix, line=line, key=key, entry_id=rule_id)

    @property
    def rule_id(self) -> str | None:
        """The id of the rule at fault, if known."""
        return self.entry_id


@dataclass(frozen=True, slots=True)
class RuleOrigin:
    """Where a rule was written: its file and the line of its ``[[rule]]`` header (or, for a
    rule written as an inline table, of its id)."""

    path: Path | None
    line: int | None
    lines: TomlLines | None = field(default=None, compare=False, repr=False)

    def key_line(self, index: int, *keys: str | int) -> int | None:
        """The line of a key inside the rule (``"sensors"``, ``"near", 0, "above"``)."""
        if self.lines is None:
            return self.line
        return self.lines.locate(("rule", index, *keys)) or self.line


class RuleKind(StrEnum):
    """The shapes a rule can have."""

    THRESHOLD = "threshold"
    RATE = "rate"
    DURATION = "duration"
    STALE = "stale"
    CORRELATION = "correlation"


class Direction(StrEnum):
    """Which way a value moves towards trouble."""

    RISING = "rising"
    FALLING = "falling"


_LEVEL_NAMES: dict[str, CrisisLevel] = {
    **{level.name_en: level for level in CrisisLevel if level is not CrisisLevel.NORMAL},
    **{level.name_ko: level for level in CrisisLevel if level is not CrisisLevel.NORMAL},
}
_LEVEL_LIST = ", ".join(f'"{name}"' for name in _LEVEL_NAMES)


def _level(value: object) -> object:
    if isinstance(value, CrisisLevel) and value is not CrisisLevel.NORMAL:
        return value
    found = _LEVEL_NAMES.get(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"{value!r} is not a crisis level")
    return found


Level = Annotated[CrisisLevel, BeforeValidator(_level)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Produces(_Model):
    """What a rule's detection becomes: an incident type, a severity and two summaries."""

    incident_type: str | None = Field(
        None, description="catalogue code; only stale rules may leave it out (device fault)"
    )
    severity: int | None = Field(None, ge=1, le=4, description="1 critical … 4 information")
    severity_by_level: dict[Level, Annotated[int, Field(ge=1, le=4)]] | None = Field(
        None, description="threshold rules: severity per crisis level reached"
    )
    summary_ko: str = Field(min_length=1, description="Korean summary template")
    summary_en: str = Field(min_length=1, description="English summary template")

    def severity_for(self, level: CrisisLevel | None = None) -> int:
        """The severity of a detection: per level, else the rule's, else the catalogue's."""
        if level is not None and self.severity_by_level and level in self.severity_by_level:
            return self.severity_by_level[level]
        if self.severity is not None:
            return self.severity
        if self.incident_type is not None:
            return int(CATALOGUE[self.incident_type].severity)
        return 4


class Levels(_Model):
    """Explicit crisis thresholds in the sensor's unit; steps left out are not used."""

    attention: float | None = None
    caution: float | None = None
    alert: float | None = None
    severe: float | None = None


class _RuleBase(_Model):
    id: str = Field(min_length=1, pattern=r"^\S+$", description="unique name of the rule")
    enabled: bool = Field(True, description="false keeps the rule in the file but idle")
    description: str = ""
    produces: Produces
    _origin: RuleOrigin = PrivateAttr(default=RuleOrigin(None, None))
    _index: int = PrivateAttr(default=0)

    @property
    def origin(self) -> RuleOrigin:
        """Where the rule was written."""
        return self._origin

    def line_of(self, *keys: str | int) -> int | None:
        """The line of one of the rule's keys in its file, else of the rule itself."""
        return self._origin.key_line(self._index, *keys)


class _Sensors(_RuleBase):
    sensor_kind: SensorKind | None = Field(None, description="every sensor of this kind")
    sensors: tuple[str, ...] = Field((), description="explicit sensor ids")


class _ValueKeys(_Model):
    above: float | None = Field(None, description="true when the value is greater")
    below: float | None = Field(None, description="true when the value is smaller")
    at_least: float | None = Field(None, description="true when the value is this or more")
    at_most: float | None = Field(None, description="true when the value is this or less")


class ThresholdRule(_Sensors):
    """A sensor's value reaches a crisis level (관심/주의/경계/심각)."""

    kind: Literal[RuleKind.THRESHOLD]
    direction: Direction | None = Field(None, description="needed when the kind has both")
    levels: Levels | None = Field(None, description="explicit thresholds instead of the kind's")
    min_level: Level = Field(CrisisLevel.ATTENTION, description="the mildest level reported")
    hysteresis: float | None = Field(None, ge=0, description="default: 5 % of each threshold")


class RateRule(_Sensors):
    """A sensor's value rises (or falls) by at least ``rise`` (``fall``) within a window."""

    kind: Literal[RuleKind.RATE]
    rise: float | None = Field(None, gt=0)
    fall: float | None = Field(None, gt=0)
    window_min: float = Field(gt=0, le=24 * 60)
    min_level: Level | None = Field(None, description="counts only at this level or worse")
    direction: Direction | None = Field(None, description="of min_level, when the kind has both")
    hysteresis: float | None = Field(None, ge=0, description="default: 25 % of the change")


class DurationRule(_Sensors, _ValueKeys):
    """A sensor's value stays past a mark for ``minutes`` without a break."""

    kind: Literal[RuleKind.DURATION]
    minutes: float = Field(gt=0, le=7 * 24 * 60)
    max_gap_min: float = Field(5.0, gt=0, description="a longer silence breaks the run")
    hysteresis: float | None = Field(None, ge=0, description="default: 5 % of the mark")


class StaleRule(_Sensors):
    """A sensor sends nothing for ``minutes``: a device fault. No kind and no ids: all."""

    kind: Literal[RuleKind.STALE]
    minutes: float = Field(gt=0, le=7 * 24 * 60)


class Condition(_ValueKeys):
    """One part of a complex event: a sensor test, an incident type or a facility kind."""

    sensor_kind: SensorKind | None = None
    incident_type: str | None = None
    facility_kind: FacilityKind | None = None
    level: Level | None = Field(None, description="the sensor is at this level or worse")
    direction: Direction | None = None
    at_facility: FacilityKind | None = Field(None, description="sensors mounted at this kind")
    within_m: float | None = Field(None, gt=0, description="overrides the rule's radius_m")
    hysteresis: float | None = Field(None, ge=0)


class CorrelationRule(_RuleBase):
    """Conditions across sources near an anchor within a time window (a complex event)."""

    kind: Literal[RuleKind.CORRELATION]
    radius_m: float = Field(gt=0, le=50_000)
    window_min: float = Field(gt=0, le=24 * 60)
    anchor: Condition
    near: tuple[Condition, ...] = Field(min_length=1)


Rule = Annotated[
    ThresholdRule | RateRule | DurationRule | StaleRule | CorrelationRule,
    Field(discriminator="kind"),
]
"""Any rule definition."""

AnyRule = ThresholdRule | RateRule | DurationRule | StaleRule | CorrelationRule


class _File(_Model):
    rule: list[Rule] = Field(default_factory=list)


_RULE_MODELS: dict[str, type[BaseModel]] = {
    RuleKind.THRESHOLD: ThresholdRule,
    RuleKind.RATE: RateRule,
    RuleKind.DURATION: DurationRule,
    RuleKind.STALE: StaleRule,
    RuleKind.CORRELATION: CorrelationRule,
}
_TABLE_MODELS: dict[str, type[BaseModel]] = {
    "produces": Produces,
    "levels": Levels,
    "anchor": Condition,
    "near": Condition,
}


# -- value tests -----------------------------------------------------------------------------


class Op(StrEnum):
    """How a value is compared with a mark."""

    ABOVE = ">"
    AT_LEAST = ">="
    BELOW = "<"
    AT_MOST = "<="


@dataclass(frozen=True, slots=True)
class ValueTest:
    """A test on one reading: entered at the mark, left only once back past mark ∓ hysteresis."""

    op: Op
    mark: float
    hysteresis: float

    def enters(self, value: float) -> bool:
        """Whether the reading passes the test."""
        op = self.op
        if op is Op.AT_LEAST:
            return value >= self.mark
        if op is Op.ABOVE:
            return value > self.mark
        if op is Op.AT_MOST:
            return value <= self.mark
        return value < self.mark

    def leaves(self, value: float) -> bool:
        """Whether a reading ends a passing run (past the hysteresis band)."""
        if self.hysteresis == 0.0:
            return not self.enters(value)
        if self.op in (Op.AT_LEAST, Op.ABOVE):
            return value < self.mark - self.hysteresis
        return value > self.mark + self.hysteresis


@dataclass(frozen=True, slots=True)
class LevelStep:
    """One crisis step on a rising scale (falling kinds are negated).

    A value enters the step at ``enter`` (beyond it when ``strict``) and, once in, stays while
    it is at ``stay`` or more (beyond it when ``stay_strict``).
    """

    level: CrisisLevel
    enter: float
    strict: bool
    stay: float
    stay_strict: bool


def _hysteresis(given: float | None, mark: float) -> float:
    return given if given is not None else abs(mark) * DEFAULT_HYSTERESIS_SHARE


def kind_direction(kind: SensorKind, direction: Direction | None) -> Direction:
    """The direction a kind's crisis levels run in; ``ValueError`` when it is ambiguous."""
    info = kind.info
    if direction is not None:
        if (info.rising if direction is Direction.RISING else info.falling) is None:
            raise ValueError(f"{kind.value} has no {direction.value} thresholds")
        return direction
    if info.rising is not None and info.falling is not None:
        raise ValueError(f"{kind.value} has rising and falling thresholds: say which")
    if info.rising is not None:
        return Direction.RISING
    if info.falling is not None:
        return Direction.FALLING
    raise ValueError(f"{kind.value} has no crisis thresholds")


def _kind_table(
    kind: SensorKind, direction: Direction | None
) -> tuple[Direction, LevelThresholds]:
    way = kind_direction(kind, direction)
    table = kind.info.rising if way is Direction.RISING else kind.info.falling
    assert table is not None
    return way, table


def level_steps(
    kind: SensorKind,
    direction: Direction | None,
    levels: Levels | None,
    hysteresis: float | None,
) -> tuple[int, tuple[LevelStep, ...]]:
    """The sign (1 rising, -1 falling) and the steps of a threshold rule on one kind.

    Raises ``ValueError`` when the kind has no thresholds in that direction or explicit ones
    are out of order.
    """
    if levels is not None:
        way = direction or Direction.RISING
        if direction is None:
            with contextlib.suppress(ValueError):
                way = kind_direction(kind, None)
        table = LevelThresholds(levels.attention, levels.caution, levels.alert, levels.severe)
    else:
        way, table = _kind_table(kind, direction)
    sign = 1 if way is Direction.RISING else -1
    steps = []
    for level, mark in table.steps():
        band = _hysteresis(hysteresis, mark)
        stay_strict = table.strict and band == 0.0
        steps.append(LevelStep(level, sign * mark, table.strict, sign * mark - band, stay_strict))
    if not steps:
        raise ValueError("no level has a threshold")
    marks = [step.enter for step in steps]
    if marks != sorted(marks) or len(set(marks)) != len(marks):
        raise ValueError(f"the {way.value} thresholds are out of order")
    return sign, tuple(steps)


def value_test(keys: _ValueKeys, hysteresis: float | None) -> ValueTest | None:
    """The one value test the keys ``above``/``below``/``at_least``/``at_most`` give, or None."""
    chosen = [
        (op, mark)
        for op, mark in (
            (Op.ABOVE, keys.above),
            (Op.BELOW, keys.below),
            (Op.AT_LEAST, keys.at_least),
            (Op.AT_MOST, keys.at_most),
        )
        if mark is not None
    ]
    if len(chosen) != 1:
        return None
    op, mark = chosen[0]
    return ValueTest(op, mark, _hysteresis(hysteresis, mark))


def condition_test(condition: Condition) -> ValueTest | None:
    """The value test of a sensor condition (its ``level`` or its value keys), or None.

    ``level`` means that level or worse, by the kind's own thresholds; ``ValueError`` when the
    kind has no such level.
    """
    if condition.level is None or condition.sensor_kind is None:
        return value_test(condition, condition.hysteresis)
    return level_test(
        condition.sensor_kind, condition.direction, condition.level, condition.hysteresis
    )


def level_test(
    kind: SensorKind, direction: Direction | None, level: CrisisLevel, hysteresis: float | None
) -> ValueTest:
    """The test "at ``level`` or worse" by the kind's own thresholds; ``ValueError`` when the
    kind has no such level."""
    way, table = _kind_table(kind, direction)
    for step, mark in table.steps():
        if step >= level:
            if way is Direction.RISING:
                op = Op.ABOVE if table.strict else Op.AT_LEAST
            else:
                op = Op.BELOW if table.strict else Op.AT_MOST
            return ValueTest(op, mark, _hysteresis(hysteresis, mark))
    raise ValueError(f"{kind.value} has no {level.name_en} level")


def rate_change(rule: RateRule) -> tuple[int, float, float]:
    """Sign (1 rise, -1 fall), the change that fires and the change below which it clears."""
    sign = 1 if rule.rise is not None else -1
    change = rule.rise if rule.rise is not None else rule.fall
    assert change is not None
    hysteresis = (
        rule.hysteresis if rule.hysteresis is not None else change * DEFAULT_RATE_HYSTERESIS_SHARE
    )
    return sign, change, change - hysteresis


# -- summary templates -----------------------------------------------------------------------

_SENSOR_FIELDS: dict[str, object] = {
    "name": "x",
    "kind": "x",
    "district": "x",
    "sensor_id": "x",
    "value": 1.0,
    "unit": "x",
}
_FIELDS: dict[RuleKind, dict[str, object]] = {
    RuleKind.THRESHOLD: {**_SENSOR_FIELDS, "level": "x", "threshold": 1.0},
    RuleKind.RATE: {**_SENSOR_FIELDS, "change": 1.0, "start_value": 1.0, "window_min": 1.0},
    RuleKind.DURATION: {**_SENSOR_FIELDS, "threshold": 1.0, "minutes": 1.0},
    RuleKind.STALE: {
        **{k: v for k, v in _SENSOR_FIELDS.items() if k != "value"},
        "minutes": 1.0,
        "silent_min": 1,
    },
}
_CORRELATION_FIELDS: dict[str, object] = {
    "name": "x",
    "district": "x",
    "near": "x",
    "count": 1,
    "radius_m": 1.0,
    "window_min": 1.0,
}
_ANCHOR_FIELDS: dict[str, dict[str, object]] = {
    "sensor": {"kind": "x", "sensor_id": "x", "value": 1.0, "unit": "x", "level": "x"},
    "incident": {"incident_id": "x", "type": "x"},
}


def template_fields(rule: AnyRule) -> dict[str, object]:
    """The placeholders a rule's summaries may use, with a sample value of each's type."""
    if isinstance(rule, CorrelationRule):
        side = "sensor" if rule.anchor.sensor_kind is not None else "incident"
        return {**_CORRELATION_FIELDS, **_ANCHOR_FIELDS[side]}
    return dict(_FIELDS[rule.kind])
