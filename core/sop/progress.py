"""Where an incident's procedure stands: each step's state along the path its answers took,
the overdue reminders, and the golden-time timers with their colour, at a given instant.

Pure: the same definition, run and instant give the same answer, live or in replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.model import Incident, ProcedureRun, StepRecord
from core.sop.definitions import Procedure, Step, Timer


class StepStatus(StrEnum):
    """A step's place in the run."""

    DONE = "done"
    SKIPPED = "skipped"
    CURRENT = "current"  # the first step on the path not yet done
    PENDING = "pending"  # later on the path
    OFF_PATH = "off_path"  # on a branch the answers did not take


class TimerLevel(StrEnum):
    """How a timer stands against its golden time."""

    WAITING = "waiting"  # not started
    OK = "ok"  # running, well within the target
    WARN = "warn"  # running, close to the target
    OVER = "over"  # running past the target
    MET = "met"  # stopped within the target
    MISSED = "missed"  # stopped after the target


@dataclass(frozen=True, slots=True)
class StepView:
    """One step with its state."""

    step: Step
    status: StepStatus
    record: StepRecord | None
    due_ms: int | None  # when the reminder falls due
    overdue: bool


@dataclass(frozen=True, slots=True)
class TimerView:
    """One timer at the instant asked about."""

    timer: Timer
    started_ms: int | None
    stopped_ms: int | None
    elapsed_ms: int | None
    level: TimerLevel


@dataclass(frozen=True, slots=True)
class ProcedureProgress:
    """The whole picture of a run."""

    procedure: Procedure
    run: ProcedureRun
    steps: tuple[StepView, ...]
    timers: tuple[TimerView, ...]

    @property
    def current(self) -> StepView | None:
        """The step to do next, if the run is not finished."""
        return next((s for s in self.steps if s.status is StepStatus.CURRENT), None)

    @property
    def finished(self) -> bool:
        """True when every step on the path is done or skipped."""
        return self.current is None

    @property
    def overdue(self) -> tuple[StepView, ...]:
        """Steps past their reminder time and not yet done."""
        return tuple(s for s in self.steps if s.overdue)

    @property
    def open_mandatory(self) -> tuple[StepView, ...]:
        """Mandatory steps on the path neither done nor skipped."""
        return tuple(
            s
            for s in self.steps
            if s.step.mandatory and s.status in (StepStatus.CURRENT, StepStatus.PENDING)
        )


def progress(
    procedure: Procedure, run: ProcedureRun, incident: Incident, now_ms: int
) -> ProcedureProgress:
    """The run of ``procedure`` on ``incident`` as it stands at ``now_ms``."""
    on_path = _path(procedure, run)
    waiting = [s for s in on_path if s not in run.records]
    current_id = min(waiting, key=lambda s: on_path[s]) if waiting else None
    views: list[StepView] = []
    for step in procedure.step:
        record = run.records.get(step.id)
        due = run.started_ms + int(step.due_s * 1000) if step.due_s is not None else None
        if record is not None:
            status = StepStatus.DONE if record.outcome == "done" else StepStatus.SKIPPED
        elif step.id not in on_path:
            status = StepStatus.OFF_PATH
        elif step.id == current_id:
            status = StepStatus.CURRENT
        else:
            status = StepStatus.PENDING
        overdue = (
            due is not None
            and status in (StepStatus.CURRENT, StepStatus.PENDING)
            and now_ms >= due
        )
        views.append(StepView(step, status, record, due, overdue))
    timers = tuple(_timer(t, run, incident, now_ms) for t in procedure.timer)
    return ProcedureProgress(procedure, run, tuple(views), timers)


def _path(procedure: Procedure, run: ProcedureRun) -> dict[str, int]:
    """The steps the run passes through, in order: answers given choose the branch; a step
    not yet answered leads on by its first answer (the usual one is written first)."""
    order: dict[str, int] = {}
    step: Step | None = procedure.step[0]
    while step is not None and step.id not in order:
        order[step.id] = len(order)
        record = run.records.get(step.id)
        answer = record.answer if record is not None else None
        if step.is_question and answer is None:
            answer = step.answers[0].id
        following = procedure.following(step, answer)
        step = procedure.step_by_id(following) if following is not None else None
    return order


def _timer(timer: Timer, run: ProcedureRun, incident: Incident, now_ms: int) -> TimerView:
    started = _start_of(timer, run, incident)
    if started is None:
        return TimerView(timer, None, None, None, TimerLevel.WAITING)
    stops = [t for t in (_stop_time(s, run, incident) for s in timer.stop) if t is not None]
    stopped = min((t for t in stops if t >= started), default=None)
    target_ms = timer.target_s * 1000
    if stopped is not None:
        elapsed = stopped - started
        level = TimerLevel.MET if elapsed <= target_ms else TimerLevel.MISSED
        return TimerView(timer, started, stopped, elapsed, level)
    elapsed = max(0, now_ms - started)
    if elapsed > target_ms:
        level = TimerLevel.OVER
    elif elapsed >= target_ms * timer.warn_share:
        level = TimerLevel.WARN
    else:
        level = TimerLevel.OK
    return TimerView(timer, started, None, elapsed, level)


def _start_of(timer: Timer, run: ProcedureRun, incident: Incident) -> int | None:
    if timer.start == "report":
        return incident.opened_ms
    if timer.start == "action":
        return run.timers_started.get(timer.id)
    record = run.records.get(timer.start.removeprefix("step:"))
    return record.ts_ms if record is not None and record.outcome == "done" else None


def _stop_time(stop: str, run: ProcedureRun, incident: Incident) -> int | None:
    if stop.startswith("step:"):
        record = run.records.get(stop[5:])
        return record.ts_ms if record is not None and record.outcome == "done" else None
    return incident.firsts.get(stop)
