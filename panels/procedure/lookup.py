"""What the procedure panel has to show for an incident, worked out without Qt: the incident's
run joined with its definition from the library, or why there is nothing to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from core.model import Incident, ProcedureRun
from core.sop.library import ProcedureLibrary
from core.sop.loading import LoadedProcedure
from core.sop.progress import ProcedureProgress, progress
from core.state import CityState


class Showing(Enum):
    """What the panel shows."""

    NO_INCIDENT = "no_incident"  # nothing selected (or the incident is unknown)
    LOADING = "loading"  # the library is still being read
    NO_PROCEDURE = "no_procedure"  # the incident follows none yet
    NOT_IN_LIBRARY = "not_in_library"  # it follows one this workstation cannot read
    READY = "ready"


@dataclass(frozen=True, slots=True)
class Lookup:
    """The incident, its run and definition, and where the run stands."""

    showing: Showing
    incident: Incident | None = None
    run: ProcedureRun | None = None
    loaded: LoadedProcedure | None = None
    progress: ProcedureProgress | None = None
    default: LoadedProcedure | None = None  # the incident type's own procedure, if any

    @property
    def other_version(self) -> bool:
        """True when the steps shown come from another version than the run follows."""
        return (
            self.run is not None
            and self.loaded is not None
            and self.loaded.procedure.version != self.run.version
        )


def look_up(
    state: CityState,
    library: ProcedureLibrary,
    library_loaded: bool,
    incident_id: str | None,
    now_ms: int,
) -> Lookup:
    """What to show for ``incident_id`` at ``now_ms``."""
    incident = state.incidents.get(incident_id) if incident_id else None
    if incident is None:
        return Lookup(Showing.NO_INCIDENT)
    run = incident.procedure
    if not library_loaded:
        return Lookup(Showing.LOADING, incident, run)
    default = library.for_type(incident.type_code)
    if run is None:
        return Lookup(Showing.NO_PROCEDURE, incident, default=default)
    loaded = library.get(run.procedure_id, run.version)
    if loaded is None:
        return Lookup(Showing.NOT_IN_LIBRARY, incident, run, default=default)
    ready = progress(loaded.procedure, run, incident, now_ms)
    return Lookup(Showing.READY, incident, run, loaded, ready, default)


def mm_ss(ms: int | float) -> str:
    """A duration as minutes and seconds (minutes go past 59: 75:12)."""
    seconds = max(0, int(ms // 1000))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def who(actor: str) -> str:
    """An actor as operators read it: ``operator:kim`` is ``kim``."""
    return actor.removeprefix("operator:")


def clock_time(ts_ms: int) -> str:
    """Local time of day of a UTC millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000).astimezone().strftime("%H:%M:%S")
