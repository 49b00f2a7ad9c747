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
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from core.catalogue import CATALOGUE
from core.city.kinds import CrisisLevel, FacilityKind, LevelThresholds, SensorKind
from core.errors import CityroomError

DEFAULT_RULE_FILE = Path(__file__).resolve().parents[2] / "resources" / "rules" / "default.toml"
"""The built-in rules of the demo city."""

DEFAULT_HYSTERESIS_SHARE = 0.05
"""Without ``hysteresis``, a value test is left only this share of its threshold past it."""

DEFAULT_RATE_HYSTERESIS_SHARE = 0.25
"""Without ``hysteresis``, a rate rule clears when the change falls this share below it."""


class RuleFileError(CityroomError, ValueError):
    """A rule file cannot be used; it names the file, line, rule, key, problem and fix."""

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
        self.path = path
        self.line = line
        self.key = key
        self.rule_id = rule_id
        self.problem = problem
        self.fix = fix
        place = f"Rule file {path if path is not None else '<text>'}"
        if line is not None:
            place += f", line {line}"
        if rule_id:
            place += f" (rule {rule_id!r})"
        if key:
            place += f", key {key!r}"
        super().__init__(f"{place}: {problem}. {fix}")


@dataclass(frozen=True, slots=True)
class RuleOrigin:
    """Where a rule was written: its file and the line of its ``[[rule]]`` header (or, for a
    rule written as an inline table, of its id)."""

    path: Path | None
    line: int | None
    lines: _Lines | None = field(default=None, compare=False, repr=False)

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


# -- checks that need more than one key ------------------------------------------------------

_KINDS = ", ".join(kind.value for kind in SensorKind)
_FACILITIES = ", ".join(kind.value for kind in FacilityKind)


class _Problem(Exception):
    def __init__(self, keys: tuple[str | int, ...], problem: str, fix: str) -> None:
        super().__init__(problem)
        self.keys = keys
        self.problem = problem
        self.fix = fix


def _check_type(code: str | None, keys: tuple[str | int, ...], needed: bool) -> None:
    if code is None:
        if needed:
            raise _Problem(
                keys, "no incident_type", 'Name the catalogue code it produces, e.g. "D-FLOOD"'
            )
        return
    if code not in CATALOGUE:
        raise _Problem(
            keys,
            f"{code!r} is not an incident type of the catalogue",
            f"Use one of {', '.join(sorted(CATALOGUE))}",
        )


def _check_produces(rule: AnyRule) -> None:
    produces = rule.produces
    _check_type(
        produces.incident_type,
        ("produces", "incident_type"),
        needed=not isinstance(rule, StaleRule),
    )
    if produces.severity_by_level and not isinstance(rule, ThresholdRule):
        raise _Problem(
            ("produces", "severity_by_level"),
            "only threshold rules have levels",
            "Remove it, or give one severity",
        )
    fields = template_fields(rule)
    for key in ("summary_ko", "summary_en"):
        template = getattr(produces, key)
        try:
            template.format_map(fields)
        except KeyError as exc:
            raise _Problem(
                ("produces", key),
                f"the placeholder {{{exc.args[0]}}} is not known",
                f"Use only {', '.join('{' + name + '}' for name in fields)}",
            ) from None
        except (ValueError, IndexError) as exc:
            raise _Problem(
                ("produces", key),
                f"the template is not valid ({exc})",
                "Write placeholders as {name} or {value:.1f}; double a literal brace: {{",
            ) from None


def _check_sensors(rule: _Sensors, optional: bool) -> None:
    if rule.sensor_kind is None and not rule.sensors and not optional:
        raise _Problem(
            ("sensor_kind",),
            "the rule watches no sensors",
            f"Give sensor_kind (one of {_KINDS}) or sensors = [ids]",
        )


def _check_value_keys(keys: _ValueKeys, where: tuple[str | int, ...], needed: bool) -> None:
    given = [k for k in ("above", "below", "at_least", "at_most") if getattr(keys, k) is not None]
    if len(given) > 1:
        raise _Problem(
            (*where, given[1]),
            f"{' and '.join(given)} are both given",
            "Keep one of above, below, at_least and at_most",
        )
    if needed and not given:
        raise _Problem(
            (*where, "above"), "no value test", "Add one of above, below, at_least or at_most"
        )


def _check_condition(condition: Condition, where: tuple[str | int, ...], anchor: bool) -> None:
    sources = [
        k for k in ("sensor_kind", "incident_type", "facility_kind") if getattr(condition, k)
    ]
    if len(sources) != 1:
        raise _Problem(
            (*where, sources[1] if sources else "sensor_kind"),
            "a condition needs exactly one of sensor_kind, incident_type and facility_kind",
            "Split it into one condition per source",
        )
    if anchor and condition.facility_kind is not None:
        raise _Problem(
            (*where, "facility_kind"),
            "a facility cannot be the anchor: it never changes",
            "Anchor on the sensor or incident, and put the facility under [[rule.near]]",
        )
    if condition.sensor_kind is None:
        extra = [
            k
            for k in ("level", "direction", "at_facility", "hysteresis", *_VALUE_KEYS)
            if getattr(condition, k) is not None
        ]
        if extra:
            raise _Problem(
                (*where, extra[0]),
                f"{extra[0]} applies to sensor conditions only",
                "Remove it",
            )
        _check_type(condition.incident_type, (*where, "incident_type"), needed=False)
        return
    _check_value_keys(condition, where, needed=condition.level is None)
    if condition.level is not None and value_test(condition, None) is not None:
        raise _Problem(
            (*where, "level"), "level and a value test are both given", "Keep one of them"
        )
    try:
        condition_test(condition)
    except ValueError as exc:
        raise _Problem(
            (*where, "level"), str(exc), "Use a level the kind has, or a value test"
        ) from None


_VALUE_KEYS = ("above", "below", "at_least", "at_most")


def _check(rule: AnyRule) -> None:
    _check_produces(rule)
    if isinstance(rule, ThresholdRule):
        _check_sensors(rule, optional=False)
        if rule.sensor_kind is not None:
            try:
                _sign, steps = level_steps(
                    rule.sensor_kind, rule.direction, rule.levels, rule.hysteresis
                )
            except ValueError as exc:
                if rule.levels is not None:
                    raise _Problem(
                        ("levels",),
                        str(exc),
                        "Order them mildest first: rising values go up, falling values go down",
                    ) from None
                raise _Problem(
                    ("direction",),
                    str(exc),
                    'Give direction = "rising" or "falling", or explicit [rule.levels]',
                ) from None
            if all(step.level < rule.min_level for step in steps):
                raise _Problem(
                    ("min_level",),
                    f"no threshold reaches {rule.min_level.name_en}, so the rule never fires",
                    "Choose a lower min_level",
                )
    elif isinstance(rule, RateRule):
        _check_sensors(rule, optional=False)
        if (rule.rise is None) == (rule.fall is None):
            raise _Problem(("rise",), "give exactly one of rise and fall", "Keep one of them")
        if rule.min_level is not None and rule.sensor_kind is not None:
            try:
                level_test(rule.sensor_kind, rule.direction, rule.min_level, 0.0)
            except ValueError as exc:
                raise _Problem(
                    ("min_level",), str(exc), "Use a level the kind has, or leave min_level out"
                ) from None
    elif isinstance(rule, DurationRule):
        _check_sensors(rule, optional=False)
        _check_value_keys(rule, (), needed=True)
    elif isinstance(rule, StaleRule):
        _check_sensors(rule, optional=True)
    else:
        _check_condition(rule.anchor, ("anchor",), anchor=True)
        for index, condition in enumerate(rule.near):
            _check_condition(condition, ("near", index), anchor=False)


# -- loading ---------------------------------------------------------------------------------


def load_rule_file(path: Path | str) -> tuple[AnyRule, ...]:
    """Read and check a rule file; raises :class:`RuleFileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleFileError(
            path,
            "the file does not exist",
            f"Give the right path, or copy {DEFAULT_RULE_FILE} as a start",
        ) from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(
            path, f"not UTF-8 text (byte {exc.start})", "Save it as UTF-8"
        ) from None
    except OSError as exc:
        raise RuleFileError(
            path, f"cannot be read ({exc.strerror or exc})", "Check that it is a readable file"
        ) from None
    return load_rule_text(text, path)


def load_rule_text(text: str, path: Path | None = None) -> tuple[AnyRule, ...]:
    """Parse and check rule definitions from TOML text (``path`` is named in errors)."""
    lines = _Lines(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        problem = re.sub(r"\s*\(at [^)]*\)$", "", message)
        raise RuleFileError(
            path,
            f"not valid TOML ({problem})",
            "Fix the syntax there: text goes in double quotes, each rule starts with [[rule]]",
            line=int(where[1]) if where else None,
        ) from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, data, lines, path) from None
    rules: list[AnyRule] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(parsed.rule):
        line = lines.locate(("rule", index)) or lines.id_line(rule.id)
        rule._origin = RuleOrigin(path, line, lines)
        rule._index = index
        if rule.id in seen:
            first = rules[seen[rule.id]].line_of()
            raise RuleFileError(
                path,
                f"the id {rule.id!r} is used twice (first at line {first})",
                "Give every rule its own id",
                line=rule.line_of("id"),
                key="id",
                rule_id=rule.id,
            )
        seen[rule.id] = index
        try:
            _check(rule)
        except _Problem as problem:
            raise RuleFileError(
                path,
                problem.problem,
                problem.fix,
                line=rule.line_of(*problem.keys),
                key=".".join(str(k) for k in problem.keys),
                rule_id=rule.id,
            ) from None
        rules.append(rule)
    return tuple(rules)


def default_rules() -> tuple[AnyRule, ...]:
    """The built-in rules of the demo city."""
    return load_rule_file(DEFAULT_RULE_FILE)


def _explain(
    exc: ValidationError, data: Mapping[str, Any], lines: _Lines, path: Path | None
) -> RuleFileError:
    """The first problem pydantic found, as a :class:`RuleFileError` with its place and fix."""
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    kind = error["type"]
    if not loc or loc[0] != "rule":
        name = str(loc[0]) if loc else ""
        return RuleFileError(
            path,
            f"unknown table or key {name!r}",
            "A rule file holds only [[rule]] tables",
            line=lines.top_level_line(name),
            key=name,
        )
    if len(loc) == 1:
        return RuleFileError(path, "rule must be [[rule]] tables", "Write each rule as [[rule]]")
    index = loc[1] if isinstance(loc[1], int) else 0
    rules = data.get("rule")
    raw = rules[index] if isinstance(rules, list) and index < len(rules) else {}
    rule_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    model: type[BaseModel] = _RuleBase
    if len(loc) > 2 and str(loc[2]) in _RULE_MODELS:
        model = _RULE_MODELS[str(loc[2])]
    # A discriminated union puts the kind's name in the path, and a dict its key's problem
    # under "[key]"; neither is a key of the file.
    keys = tuple(part for i, part in enumerate(loc[2:]) if not (i == 0 and part in _RULE_MODELS))
    if "severity_by_level" in keys:
        keys = keys[: keys.index("severity_by_level") + 1]
    named = [k for k in keys if isinstance(k, str)]
    if len(named) > 1 and named[-2] in _TABLE_MODELS:
        model = _TABLE_MODELS[named[-2]]
    key = named[-1] if named else ""
    value = error.get("input")

    def fail(problem: str, fix: str, at: tuple[str | int, ...] = keys) -> RuleFileError:
        line = (
            lines.locate(("rule", index, *at))
            or lines.locate(("rule", index))
            or lines.id_line(rule_id)
        )
        dotted = ".".join(str(k) for k in at)
        return RuleFileError(path, problem, fix, line=line, key=dotted, rule_id=rule_id)

    if kind in ("union_tag_not_found", "union_tag_invalid"):
        known = ", ".join(k.value for k in RuleKind)
        given = raw.get("kind") if isinstance(raw, dict) else None
        problem = "the rule has no kind" if given is None else f"{given!r} is not a rule kind"
        return fail(problem, f"Set kind to one of {known}", ("kind",))
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        return fail(f"unknown key {key!r}", f"Check its spelling: the keys here are {allowed}")
    if kind == "missing":
        return fail(f"{key!r} is missing", _MISSING.get(key, f"Add {key} = …"))
    if kind == "enum" and key in ("sensor_kind", "at_facility", "facility_kind"):
        known = _KINDS if key == "sensor_kind" else _FACILITIES
        return fail(f"{value!r} is not a {key.replace('_', ' ')}", f"Use one of {known}")
    if key in ("min_level", "level", "severity_by_level") and kind == "value_error":
        return fail(str(error["ctx"]["error"]), f"Use one of {_LEVEL_LIST}")
    if kind == "string_pattern_mismatch":
        return fail(f"{value!r} has spaces", "Use letters, digits and dashes without spaces")
    message = str(error.get("ctx", {}).get("error", error["msg"]))
    message = re.sub(r"^(Input|String|Value) should", "it should", message)
    return fail(f"{value!r} is not valid: {message}", _FIXES.get(kind, "Correct the value"))


_MISSING: dict[str, str] = {
    "produces": "Add a [rule.produces] table with incident_type, summary_ko and summary_en",
    "anchor": "Add a [rule.anchor] table: the sensor or incident the event is centred on",
    "near": "Add at least one [[rule.near]] condition",
    "summary_ko": 'Add summary_ko = "…", the Korean summary',
    "summary_en": 'Add summary_en = "…", the English summary',
}

_FIXES: dict[str, str] = {
    "float_parsing": "Write a number without quotes",
    "float_type": "Write a number without quotes",
    "int_type": "Write a whole number without quotes",
    "int_parsing": "Write a whole number without quotes",
    "string_type": "Write text in double quotes",
    "greater_than": "Use a larger number",
    "greater_than_equal": "Use a larger number",
    "less_than_equal": "Use a smaller number",
    "string_too_short": "Write some text",
    "too_short": "Add at least one [[rule.near]] condition",
    "bool_type": "Write true or false",
    "enum": "Use one of the listed values",
}


class _Lines:
    """Finds the line of a rule, a sub-table or a key by scanning the text of the file."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        # (line number, dotted table name, is an array entry) of each header, in order.
        self._headers: list[tuple[int, str, bool]] = []
        for number, line in enumerate(self._lines, start=1):
            match = self._HEADER.match(line)
            if match:
                name = match[2].replace('"', "").replace(" ", "")
                self._headers.append((number, name, match[1] == "[["))

    def _find(self, pattern: re.Pattern[str], start: int, end: int) -> int | None:
        for number in range(start, min(end, len(self._lines)) + 1):
            if pattern.search(self._lines[number - 1]):
                return number
        return None

    def _key(self, key: str, start: int, end: int) -> int | None:
        # A key at the start of a line, or inside an inline table after "{" or ",".
        pattern = re.compile(rf"(^|[{{,])\s*\"?{re.escape(key)}\"?\s*=")
        return self._find(pattern, start, end)

    def id_line(self, rule_id: str | None) -> int | None:
        """The line giving a rule its id, for rules written without a ``[[rule]]`` header."""
        if rule_id is None:
            return None
        pattern = re.compile(rf"(^|[{{,])\s*\"?id\"?\s*=\s*[\"']{re.escape(rule_id)}[\"']")
        return self._find(pattern, 1, len(self._lines))

    def top_level_line(self, name: str) -> int | None:
        """The line of a top-level table header or key called ``name``."""
        for number, table, _ in self._headers:
            if table.split(".")[0] == name:
                return number
        return self._key(name, 1, len(self._lines))

    def locate(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``("rule", i, key…)``: a rule's header, a sub-table's, or a key's."""
        if len(loc) < 2 or loc[0] != "rule" or not isinstance(loc[1], int):
            return None
        rules = [h for h in self._headers if h[1] == "rule" and h[2]]
        if loc[1] >= len(rules):
            return None
        start = rules[loc[1]][0]
        later = [h[0] for h in rules if h[0] > start]
        end = later[0] - 1 if later else len(self._lines)
        prefix = "rule"
        parts = list(loc[2:])
        while parts:
            part = parts.pop(0)
            if isinstance(part, int):
                continue
            table = f"{prefix}.{part}"
            index = parts[0] if parts and isinstance(parts[0], int) else None
            headers = [h for h in self._headers if h[1] == table and start <= h[0] <= end]
            if headers:
                chosen = headers[index or 0] if (index or 0) < len(headers) else headers[-1]
                start = chosen[0]
                following = [h[0] for h in self._headers if h[0] > start]
                end = min(end, following[0] - 1) if following else end
                prefix = table
                continue
            found = self._key(str(part), start, end)
            if found is None:
                return start
            if not parts:
                return found
            # An inline table or array of tables: keep looking from its line.
            start = found
            prefix = table
        return start


__all__ = [
    "DEFAULT_RULE_FILE",
    "AnyRule",
    "Condition",
    "CorrelationRule",
    "Direction",
    "DurationRule",
    "LevelStep",
    "Levels",
    "Op",
    "Produces",
    "RateRule",
    "Rule",
    "RuleFileError",
    "RuleKind",
    "RuleOrigin",
    "StaleRule",
    "ThresholdRule",
    "ValueTest",
    "condition_test",
    "default_rules",
    "kind_direction",
    "level_steps",
    "level_test",
    "load_rule_file",
    "load_rule_text",
    "rate_change",
    "template_fields",
    "value_test",
]
