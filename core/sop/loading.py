"""Procedure files: TOML read and checked, every mistake named with its file, line and key.

Beyond the shape of each key, a procedure must hang together: step ids are unique, every
``next`` and answer leads to a step that exists, no path leads back to a step already passed
(a loop), every step can be reached from the first, and timers and actions name what exists.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.catalogue import CATALOGUE, Service
from core.city.kinds import FacilityKind
from core.sop.definitions import (
    TIMER_EVENTS,
    ActionKind,
    DataClass,
    Owner,
    Procedure,
    Recipient,
    SopFileError,
    StartTimer,
    Step,
)
from core.tomlfile import TomlLines, parse_config, read_config


@dataclass(frozen=True, slots=True)
class LoadedProcedure:
    """A checked procedure with where it came from and the digest of its text."""

    procedure: Procedure
    path: Path | None
    digest: str  # SHA-256 of the file's text: which exact text a run followed
    lines: TomlLines

    @property
    def key(self) -> tuple[str, int]:
        """``(id, version)``."""
        return self.procedure.id, self.procedure.version

    def step_line(self, step_id: str) -> int | None:
        """The line of a step's ``[[step]]`` header (for messages)."""
        ids = [s.id for s in self.procedure.step]
        return self.lines.locate(("step", ids.index(step_id))) if step_id in ids else None


class _Problem(Exception):
    def __init__(self, loc: tuple[str | int, ...], problem: str, fix: str) -> None:
        super().__init__(problem)
        self.loc = loc
        self.problem = problem
        self.fix = fix


def load_procedure_file(path: Path | str) -> LoadedProcedure:
    """Read and check one procedure file; raises :class:`SopFileError`."""
    path = Path(path)
    return load_procedure_text(read_config(path, SopFileError, "Check the path"), path)


def load_procedure_text(text: str, path: Path | None = None) -> LoadedProcedure:
    """Parse and check a procedure from TOML text (``path`` is named in errors)."""
    lines = TomlLines(text)
    data = parse_config(
        text,
        path,
        SopFileError,
        "Fix the syntax there: text goes in double quotes, each step starts with [[step]]",
    )
    try:
        procedure = Procedure.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, data, lines, path) from None
    try:
        _check(procedure)
    except _Problem as problem:
        raise _located(problem, procedure, lines, path) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedProcedure(procedure, path, digest, lines)


# -- checks across keys ------------------------------------------------------------------------


def _check(procedure: Procedure) -> None:
    for index, code in enumerate(procedure.incident_types):
        if code not in CATALOGUE:
            raise _Problem(
                ("incident_types", index),
                f"{code!r} is not an incident type of the catalogue",
                f"Use one of {', '.join(sorted(CATALOGUE))}",
            )
    steps = procedure.step
    ids: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step.id in ids:
            raise _Problem(
                ("step", index, "id"),
                f"the step id {step.id!r} is used twice",
                "Give every step its own id",
            )
        ids[step.id] = index
    timers = {t.id for t in procedure.timer}
    if len(timers) != len(procedure.timer):
        seen: set[str] = set()
        for index, timer in enumerate(procedure.timer):
            if timer.id in seen:
                raise _Problem(
                    ("timer", index, "id"),
                    f"the timer id {timer.id!r} is used twice",
                    "Give every timer its own id",
                )
            seen.add(timer.id)
    for index, step in enumerate(steps):
        _check_step(procedure, step, index, ids, timers)
    _check_timers(procedure, ids)
    _check_paths(procedure, ids)


def _check_step(
    procedure: Procedure, step: Step, index: int, ids: dict[str, int], timers: set[str]
) -> None:
    where: tuple[str | int, ...] = ("step", index)
    if step.answers:
        if len(step.answers) < 2:
            raise _Problem(
                (*where, "answers"),
                "a question needs at least two answers",
                "Add another answer, or make it a plain step",
            )
        if step.next is not None or step.end:
            key = "next" if step.next is not None else "end"
            raise _Problem(
                (*where, key),
                f"a question step leads on by its answers, not by {key}",
                f"Remove {key}, or give each answer its next step",
            )
        answer_ids = [a.id for a in step.answers]
        if len(set(answer_ids)) != len(answer_ids):
            raise _Problem((*where, "answers"), "two answers share an id", "Rename one")
        for number, answer in enumerate(step.answers):
            if answer.next not in ids:
                raise _Problem(
                    (*where, "answers", number, "next"),
                    f"the answer {answer.id!r} leads to {answer.next!r}, which is no step",
                    f"Use one of {', '.join(ids)}",
                )
    elif step.next is not None:
        if step.end:
            raise _Problem((*where, "end"), "a step cannot both end and lead on", "Keep one")
        if step.next not in ids:
            raise _Problem(
                (*where, "next"),
                f"next is {step.next!r}, which is no step",
                f"Use one of {', '.join(ids)}",
            )
    action = step.action
    if isinstance(action, StartTimer):
        timer = next((t for t in procedure.timer if t.id == action.timer), None)
        if timer is None:
            raise _Problem(
                (*where, "action", "timer"),
                f"there is no timer {action.timer!r}",
                f"Add a [[timer]] with that id, or use one of {', '.join(timers) or '(none)'}",
            )
        if timer.start != "action":
            raise _Problem(
                (*where, "action", "timer"),
                f"the timer {action.timer!r} starts at {timer.start!r}, not by an action",
                'Set its start = "action", or remove this action',
            )
    if action is not None and action.kind in (ActionKind.DRAFT_PACKET, ActionKind.NOTIFY):
        recipient = action.to
        if recipient not in {s.to for s in procedure.share}:
            raise _Problem(
                (*where, "action", "to"),
                f"the procedure shares nothing with {recipient.value}",
                "Add a [[share]] for it with the data and purpose, or pick another recipient",
            )


def _check_timers(procedure: Procedure, ids: dict[str, int]) -> None:
    for index, timer in enumerate(procedure.timer):
        start = timer.start
        if start not in ("report", "action") and not (
            start.startswith("step:") and start[5:] in ids
        ):
            raise _Problem(
                ("timer", index, "start"),
                f"start is {start!r}",
                'Use "report", "action" or "step:ID" with the id of a step',
            )
        for stop in timer.stop:
            if stop.startswith("step:"):
                if stop[5:] not in ids:
                    raise _Problem(
                        ("timer", index, "stop"),
                        f"{stop!r} names no step",
                        f"Use step: with one of {', '.join(ids)}",
                    )
            elif stop not in TIMER_EVENTS:
                raise _Problem(
                    ("timer", index, "stop"),
                    f"{stop!r} is neither an event a timer can wait for nor step:ID",
                    f"Use one of {', '.join(TIMER_EVENTS)}, or step:ID",
                )
        if start == "action" and not any(
            isinstance(s.action, StartTimer) and s.action.timer == timer.id for s in procedure.step
        ):
            raise _Problem(
                ("timer", index, "start"),
                "the timer starts by an action, but no step has one for it",
                f'Add action = {{ kind = "start_timer", timer = "{timer.id}" }} to a step',
            )


def _successors(procedure: Procedure, step: Step) -> list[tuple[str, tuple[str | int, ...]]]:
    """Where a step can lead, each with the key that says so (for messages)."""
    index = [s.id for s in procedure.step].index(step.id)
    if step.answers:
        return [
            (a.next, ("step", index, "answers", n, "next")) for n, a in enumerate(step.answers)
        ]
    following = procedure.following(step)
    key = ("step", index, "next") if step.next is not None else ("step", index)
    return [(following, key)] if following is not None else []


def _check_paths(procedure: Procedure, ids: dict[str, int]) -> None:
    steps = {s.id: s for s in procedure.step}
    # Depth-first from the first step: a step met again on the current path is a loop.
    on_path: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(step_id: str) -> None:
        state[step_id] = 1
        on_path.append(step_id)
        for target, loc in _successors(procedure, steps[step_id]):
            if state.get(target) == 1:
                cycle = " → ".join([*on_path[on_path.index(target) :], target])
                raise _Problem(
                    loc,
                    f"the steps go round in a loop ({cycle})",
                    "Point one of them to a later step, or end the procedure there",
                )
            if target not in state:
                visit(target)
        on_path.pop()
        state[step_id] = 2

    visit(procedure.step[0].id)
    for step in procedure.step:
        if step.id not in state:
            raise _Problem(
                ("step", ids[step.id]),
                f"no path from the first step reaches the step {step.id!r}",
                "Lead to it with next or an answer, or remove it",
            )


# -- messages ----------------------------------------------------------------------------------


def _located(
    problem: _Problem, procedure: Procedure, lines: TomlLines, path: Path | None
) -> SopFileError:
    loc = problem.loc
    step_id = None
    if loc[0] == "step" and len(loc) > 1 and isinstance(loc[1], int):
        step_id = procedure.step[loc[1]].id
        line = lines.locate(loc) or lines.id_line(step_id)
    elif loc[0] == "timer" and len(loc) > 1:
        line = lines.locate(loc)
    else:
        line = lines.top_level_line(str(loc[0]))
    key = ".".join(str(k) for k in loc[2:] if isinstance(k, str)) if len(loc) > 2 else ""
    if loc[0] not in ("step", "timer", "share"):
        key = str(loc[0])
    return SopFileError(path, problem.problem, problem.fix, line=line, key=key, step_id=step_id)


_CHOICES: dict[str, str] = {
    "owner": ", ".join(o.value for o in Owner),
    "to": ", ".join(r.value for r in Recipient),
    "data": ", ".join(d.value for d in DataClass),
    "service": ", ".join(s.value for s in Service),
    "facility": ", ".join(f.value for f in FacilityKind),
    "kind": ", ".join(k.value for k in ActionKind),
}

_FIXES: dict[str, str] = {
    "float_parsing": "Write a number without quotes",
    "float_type": "Write a number without quotes",
    "int_type": "Write a whole number without quotes",
    "int_parsing": "Write a whole number without quotes",
    "string_type": "Write text in double quotes",
    "greater_than": "Use a larger number",
    "greater_than_equal": "Use a larger number",
    "less_than": "Use a smaller number",
    "less_than_equal": "Use a smaller number",
    "string_too_short": "Write some text",
    "bool_type": "Write true or false",
    "tuple_type": 'Write a list in square brackets, e.g. ["a", "b"]',
}


def _explain(
    exc: ValidationError, data: dict[str, Any], lines: TomlLines, path: Path | None
) -> SopFileError:
    """The first problem pydantic found, with its place and what to write instead."""
    error = exc.errors()[0]
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p in _ACTION_TAGS))
    kind = error["type"]
    value = error.get("input")
    step_id = None
    if len(loc) > 1 and loc[0] == "step" and isinstance(loc[1], int):
        steps = data.get("step")
        raw = steps[loc[1]] if isinstance(steps, list) and loc[1] < len(steps) else {}
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            step_id = raw["id"]
    if len(loc) > 1 and isinstance(loc[1], int) and isinstance(loc[0], str):
        line = lines.locate(loc) or lines.id_line(step_id)
    else:
        line = lines.top_level_line(str(loc[0])) if loc else None
    names = [str(p) for p in loc if isinstance(p, str)]
    key = names[-1] if names else ""
    dotted = ".".join(names[1:]) if len(loc) > 1 and isinstance(loc[1], int) else key

    def fail(problem: str, fix: str) -> SopFileError:
        return SopFileError(path, problem, fix, line=line, key=dotted, step_id=step_id)

    if kind == "missing":
        return fail(f"{key!r} is missing", f"Add {key} = …")
    if kind == "extra_forbidden":
        return fail(f"unknown key {key!r}", "Check its spelling against the other files")
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return fail("the action has no known kind", f"Set kind to one of {_CHOICES['kind']}")
    if kind == "enum":
        choices = _CHOICES.get(key, ", ".join(str(c) for c in error.get("ctx", {}).values()))
        return fail(f"{value!r} is not a valid {key}", f"Use one of {choices}")
    if kind == "string_pattern_mismatch":
        return fail(
            f"{value!r} is not an id",
            "Use lower-case letters, digits and dashes, e.g. open-cameras",
        )
    if kind == "too_short" and key == "step":
        return fail("the procedure has no steps", "Add at least one [[step]]")
    message = str(error.get("ctx", {}).get("error", error["msg"]))
    message = re.sub(r"^(Input|String|Value|Tuple) should", "it should", message)
    return fail(f"{value!r} is not valid for {key}: {message}", _FIXES.get(kind, "Correct it"))


_ACTION_TAGS = frozenset(k.value for k in ActionKind)
