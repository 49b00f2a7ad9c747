"""What the panels show: the live city, or the city as it was at a replay instant.

Panels read ``context.view`` in both cases; its ``origin`` says which. Live, it relays the
live ``EventStore`` (one state object, one set of signals). In replay, the replay controller
drives it: ``replace`` after a seek, ``advance`` while playing. The live store goes on folding
live events meanwhile, so services (escalation, procedures, dispatch) keep working on the live
city and nothing recorded while someone replays is lost.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from core.clock import Clock, SystemClock
from core.events import EventRecord
from core.state import CityState
from ui.store import EventStore


class Origin(StrEnum):
    """Where the state the panels show comes from."""

    LIVE = "live"
    REPLAY = "replay"


class ViewStore(QObject):
    """The state the panels show, and signals when it changes (same names as ``EventStore``).

    ``loaded`` means the whole state was replaced (the first load, a seek, a switch between
    live and replay, the live state replaced by the backend): a panel rebuilds everything it
    shows from ``state``, dropping incidents that are no longer in it.
    """

    incidentsChanged = Signal(object)  # set[str]: incidents added or changed
    incidentsReported = Signal(object)  # list[str]: reported in this batch (live only)
    eventsApplied = Signal(object)  # list[EventRecord] just folded
    loaded = Signal()  # the whole state was replaced
    originChanged = Signal(str)  # Origin: live or replay
    positionChanged = Signal("qint64")  # type: ignore[arg-type]  # UTC ms: beyond 32 bits

    def __init__(
        self, live: EventStore, clock: Clock | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.live = live
        self.clock: Clock = clock or SystemClock()
        self.origin = Origin.LIVE
        self._replay_state: CityState | None = None
        self._position_ms = 0
        live.incidentsChanged.connect(self._on_live_incidents_changed)
        live.incidentsReported.connect(self._on_live_incidents_reported)
        live.eventsApplied.connect(self._on_live_events_applied)
        live.loaded.connect(self._on_live_loaded)

    # -- what panels read -------------------------------------------------------------------

    @property
    def state(self) -> CityState:
        """The state to show: live, or as it was at the replay instant."""
        if self.origin is Origin.REPLAY and self._replay_state is not None:
            return self._replay_state
        return self.live.state

    @property
    def is_loaded(self) -> bool:
        """Whether there is a state to show yet."""
        return self.origin is Origin.REPLAY or self.live.is_loaded

    @property
    def is_replay(self) -> bool:
        """Whether the panels show the past (commands that act on the city are off)."""
        return self.origin is Origin.REPLAY

    def now_ms(self) -> int:
        """The instant shown: the wall clock live, the replay position in replay (ages,
        countdowns and timers are measured from it)."""
        return self._position_ms if self.origin is Origin.REPLAY else self.clock.now_ms()

    def includes(self, record: EventRecord) -> bool:
        """Whether ``record`` had happened at the instant shown (events fetched from the
        backend, e.g. an incident's timeline, are filtered with it)."""
        return self.origin is Origin.LIVE or record.seq <= self.state.last_seq

    # -- driven by the replay controller ----------------------------------------------------

    def enter_replay(self, state: CityState, position_ms: int) -> None:
        """Show ``state`` (the city at ``position_ms``) instead of the live city."""
        self._replay_state, self._position_ms = state, position_ms
        if self.origin is not Origin.REPLAY:
            self.origin = Origin.REPLAY
            self.originChanged.emit(self.origin.value)
        self.positionChanged.emit(position_ms)
        self.loaded.emit()

    def replace(self, state: CityState, position_ms: int) -> None:
        """After a seek: show ``state``, the city at ``position_ms``."""
        if self.origin is not Origin.REPLAY:
            self.enter_replay(state, position_ms)
            return
        self._replay_state, self._position_ms = state, position_ms
        self.positionChanged.emit(position_ms)
        self.loaded.emit()

    def advance(self, records: list[EventRecord], position_ms: int) -> None:
        """While playing: fold ``records`` (the events up to ``position_ms``) into the shown
        state and tell the panels what changed, as live events do."""
        state = self._replay_state
        if self.origin is not Origin.REPLAY or state is None:
            return
        changed = state.apply_all(records) if records else set()
        self._position_ms = max(position_ms, self._position_ms)
        if changed:
            self.incidentsChanged.emit(changed)
        if records:
            self.eventsApplied.emit(records)
        self.positionChanged.emit(self._position_ms)

    def leave_replay(self) -> None:
        """Back to the live city."""
        if self.origin is Origin.LIVE:
            return
        self.origin = Origin.LIVE
        self._replay_state = None
        self.originChanged.emit(self.origin.value)
        if self.live.is_loaded:
            self.loaded.emit()

    # -- relaying the live store ------------------------------------------------------------

    def _on_live_incidents_changed(self, changed: set[str]) -> None:
        if self.origin is Origin.LIVE:
            self.incidentsChanged.emit(changed)

    def _on_live_incidents_reported(self, reported: list[str]) -> None:
        if self.origin is Origin.LIVE:
            self.incidentsReported.emit(reported)

    def _on_live_events_applied(self, records: list[EventRecord]) -> None:
        if self.origin is Origin.LIVE:
            self.eventsApplied.emit(records)

    def _on_live_loaded(self) -> None:
        # In replay the panels keep the instant shown; going back to live shows the live
        # state as it is then (``leave_replay`` says ``loaded``), replaced or not.
        if self.origin is Origin.LIVE:
            self.loaded.emit()
