"""Rule files: TOML read, checked rule by rule, and every mistake reported with its file,
line and key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.catalogue import CATALOGUE
from core.city.kinds import FacilityKind, SensorKind
from core.rules.definitions import (
    _LEVEL_LIST,
    _RULE_MODELS,
    _TABLE_MODELS,
    DEFAULT_RULE_FILE,
    AnyRule,
    Condition,
    DurationRule,
    RateRule,
    RuleFileError,
    RuleKind,
    RuleOrigin,
    StaleRule,
    ThresholdRule,
    _File,
    _RuleBase,
    _Sensors,
    _ValueKeys,
    condition_test,
    level_steps,
    level_test,
    template_fields,
    value_test,
)
from core.tomlfile import TomlLines, parse_config, read_config

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
    missing_fix = f"Give the right path, or copy {DEFAULT_RULE_FILE} as a start"
    return load_rule_text(read_config(path, RuleFileError, missing_fix), path)


def load_rule_text(text: str, path: Path | None = None) -> tuple[AnyRule, ...]:
    """Parse and check rule definitions from TOML text (``path`` is named in errors)."""
    lines = TomlLines(text)
    data = parse_config(
        text,
        path,
        RuleFileError,
        "Fix the syntax there: text goes in double quotes, each rule starts with [[rule]]",
    )
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
    exc: ValidationError, data: Mapping[str, Any], lines: TomlLines, path: Path | None
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
