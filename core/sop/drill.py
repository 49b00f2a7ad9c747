"""Scoring a drill: the exercise incidents of a drill, judged by their procedures' golden-time
timers and steps.

The score is the share of golden-time timers met among those that ran (a timer still running
past its target counts as missed; one that never started does not count), so two drills of
the same scenario compare directly. Skipped mandatory steps and mandatory steps left open are
listed beside it, not folded into the number: a supervisor reads them, a formula would hide
them.

Whether a drill is on is read from the simulator's last recorded state (``CityState.simulator``):
a drill runs from the first simulator state marked as an exercise until its "stopped" state
(recorded for the operator who stopped it) or a state not marked as an exercise. A workstation
that closes mid-drill does not record the stop, so after a restart the drill is still on, to be
scored and stopped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.eventlog import read_only_connection
from core.events import EventType
from core.model import Incident
from core.sop.library import ProcedureLibrary
from core.sop.progress import ProcedureProgress, StepStatus, TimerLevel, TimerView, progress

_RAN = frozenset({TimerLevel.MET, TimerLevel.MISSED, TimerLevel.OVER})
_MISSED = frozenset({TimerLevel.MISSED, TimerLevel.OVER})


@dataclass(frozen=True, slots=True)
class IncidentScore:
    """One exercise incident of the drill."""

    incident: Incident
    progress: ProcedureProgress | None  # None: no procedure, or its version is not known
    timers_met: int
    timers_ran: int
    mandatory_skipped: tuple[str, ...]
    mandatory_open: tuple[str, ...]

    @property
    def timers(self) -> tuple[TimerView, ...]:
        """The incident's timers as they stand."""
        return self.progress.timers if self.progress is not None else ()


@dataclass(frozen=True, slots=True)
class DrillScore:
    """The whole drill."""

    incidents: tuple[IncidentScore, ...]

    @property
    def timers_met(self) -> int:
        """Golden-time timers met, over every incident."""
        return sum(i.timers_met for i in self.incidents)

    @property
    def timers_ran(self) -> int:
        """Golden-time timers that ran, over every incident."""
        return sum(i.timers_ran for i in self.incidents)

    @property
    def percent(self) -> float | None:
        """Timers met as a percentage of those that ran (None when none ran)."""
        if self.timers_ran == 0:
            return None
        return 100.0 * self.timers_met / self.timers_ran


def score_drill(
    incidents: Iterable[Incident], library: ProcedureLibrary, now_ms: int, since_ms: int = 0
) -> DrillScore:
    """Score the exercise incidents opened at or after ``since_ms``, as they stand at
    ``now_ms``. Incidents that are not exercises are never counted."""
    scored = []
    for incident in sorted(incidents, key=lambda i: i.opened_ms):
        if not incident.exercise or incident.opened_ms < since_ms:
            continue
        scored.append(_score(incident, library, now_ms))
    return DrillScore(tuple(scored))


def _score(incident: Incident, library: ProcedureLibrary, now_ms: int) -> IncidentScore:
    run = incident.procedure
    loaded = library.get(run.procedure_id, run.version) if run is not None else None
    if run is None or loaded is None or loaded.procedure.version != run.version:
        return IncidentScore(incident, None, 0, 0, (), ())
    view = progress(loaded.procedure, run, incident, now_ms)
    ran = [t for t in view.timers if t.level in _RAN]
    met = [t for t in ran if t.level not in _MISSED]
    skipped = tuple(
        s.step.id for s in view.steps if s.step.mandatory and s.status is StepStatus.SKIPPED
    )
    still_open = tuple(s.step.id for s in view.open_mandatory)
    return IncidentScore(incident, view, len(met), len(ran), skipped, still_open)


# -- whether a drill is on ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DrillState:
    """The drill the simulator's last recorded state says is on."""

    scenario: str | None  # the scenario's name; None if the state did not name it
    simulator_state: str  # "running", "paused", "scenario" or "finished"

    @property
    def script_finished(self) -> bool:
        """True once the scenario has played its last scripted event (the operators may
        still be working its incidents)."""
        return self.simulator_state == "finished"

    @property
    def paused(self) -> bool:
        """True while the simulator playing the drill is paused."""
        return self.simulator_state == "paused"


def drill_in(simulator: Mapping[str, Any] | None) -> DrillState | None:
    """The drill on according to ``simulator`` (a ``SimulatorState`` payload, as
    ``CityState.simulator`` keeps the last one), or None when no drill is on."""
    if not simulator or not simulator.get("exercise") or simulator.get("state") == "stopped":
        return None
    return DrillState(simulator.get("scenario"), str(simulator.get("state", "")))


def drill_started_ms(path: str | os.PathLike[str]) -> int | None:
    """When the drill still on at the end of the log at ``path`` began: the time of the first
    of the simulator states, at the end of the log, that say a drill is on; None when no drill
    is on there.

    Read-only through a connection of its own, newest events first, stopping at the first
    state that is not the drill's, so a long log costs no more than the drill's own stretch.
    Raises the log's ``LogOpenError`` for a missing, foreign or damaged file.
    """
    started: int | None = None
    with read_only_connection(path) as db:
        rows = db.execute(
            "SELECT ts_ms, payload FROM events WHERE type = ? ORDER BY seq DESC",
            (EventType.SIMULATOR_STATE.value,),
        )
        for ts_ms, payload in rows:
            if drill_in(json.loads(payload)) is None:
                break
            started = int(ts_ms)
    return started
