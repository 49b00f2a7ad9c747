"""The city simulator: plays scenarios and background activity as timed event streams.

Simulated time advances in fixed ticks, and every random choice comes from one generator seeded
by the configuration, so a seed fixes the exact sequence of events whatever the speed. In
real-time mode a worker thread paces ticks against the wall clock (scaled by ``speed``); in
virtual mode (``virtual_start_ms``) it runs as fast as it can and stamps events with
simulated time.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from core.city import City, Sensor
from core.commands import AddObservation, Command, LinkResources, ReportIncident
from core.events import EventRecord, NewEvent, SensorReading, SimulatorState
from core.notices import NoticeBoard, NoticeLevel
from core.simulator.scenarios import SCENARIOS, scenario
from core.simulator.steps import Link, Observe, Reading, Report, Step

SOURCE = "simulator"
TICK_MS = 100
RECEDE = 0.8  # the share of its excess a reading left outside its usual range keeps each time
_MINOR_TYPES = (
    "T-PARK",
    "E-BIN",
    "U-LIGHT",
    "T-CONG",
    "E-NOISE",
    "B-BIKE",
    "V-TOUR",
    "E-PM",
    "U-LEAK",
    "T-JAY",
)


class Sink(Protocol):
    """Where the simulator sends what it makes (a Backend satisfies this)."""

    def submit(self, command: Command, actor: str, ts_ms: int | None = None) -> _FutureLike: ...

    def publish(self, events: list[NewEvent]) -> _FutureLike: ...


class _FutureLike(Protocol):
    def result(self, timeout: float | None = None) -> list[EventRecord]: ...


class SimulatorStatus(StrEnum):
    """What the simulator is doing."""

    STOPPED = "stopped"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How the simulator plays. Rates and intervals are in simulated time."""

    seed: int = 1
    speed: float = 1.0
    rate: float = 20.0  # background events per simulated second
    scenarios: tuple[str, ...] = ()  # empty: all of them, in a seeded order
    scenario_every_s: float = 120.0
    minor_every_s: float = 45.0
    loop: bool = True  # start again after the last scenario
    duration_s: float | None = None  # stop after this much simulated time
    exercise: bool = False  # a drill: every incident it reports is marked as an exercise

    def __post_init__(self) -> None:
        """Reject settings that cannot run, naming the setting."""
        if self.speed <= 0:
            raise ValueError(f"speed must be above 0, not {self.speed}")
        if self.rate < 0:
            raise ValueError(f"rate must be 0 or more events per second, not {self.rate}")
        for name in self.scenarios:
            scenario(name)


@dataclass(frozen=True, slots=True)
class SimulatorInfo:
    """A snapshot of the simulator for the status bar."""

    status: SimulatorStatus
    speed: float
    sim_seconds: float
    events: int
    scenarios_started: int


class Simulator:
    """Plays the demo city. Use :meth:`start`/:meth:`stop` or drive it with :meth:`run_for`."""

    def __init__(
        self,
        city: City,
        sink: Sink,
        config: SimulatorConfig | None = None,
        *,
        virtual_start_ms: int | None = None,
        notices: NoticeBoard | None = None,
    ) -> None:
        self.city = city
        self.sink = sink
        self.config = config or SimulatorConfig()
        self.notices = notices or NoticeBoard()
        self._virtual_start_ms = virtual_start_ms
        self._rng = random.Random(self.config.seed)
        self._sim_ms = 0
        self._heap: list[tuple[int, int, int, Step]] = []
        self._order = itertools.count()
        self._run_ids = itertools.count(1)
        self._incident_ids: dict[tuple[int, str], str] = {}
        self._claimed: dict[str, int] = {}  # sensor id -> sim ms until which a scenario owns it
        self._values: dict[str, float] = {}
        self._background_sensors: list[Sensor] = list(city.sensors)
        self._acc = 0.0
        self._pending: list[NewEvent] = []
        self._program = self._scenario_program()
        self._next_scenario_ms = 5_000
        self._scenario_end_ms = 0
        self.events = 0
        self.scenarios_started = 0
        self._status = SimulatorStatus.STOPPED
        self._speed = self.config.speed
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control --------------------------------------------------------------------------

    def info(self) -> SimulatorInfo:
        """The simulator's state now (safe from any thread)."""
        with self._lock:
            return SimulatorInfo(
                self._status,
                self._speed,
                self._sim_ms / 1000,
                self.events,
                self.scenarios_started,
            )

    def start(self) -> None:
        """Play in real time on a worker thread."""
        if self._thread is not None:
            return
        self._stopping = False
        self._set_status(SimulatorStatus.RUNNING)
        self._thread = threading.Thread(target=self._run_realtime, name="simulator", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0, *, record: bool = True) -> None:
        """Stop the worker and wait for it (at most ``timeout_s``). With ``record`` False the
        stop is not written to the log: a workstation that closes in the middle of a drill
        leaves the drill going on in the log, to be scored or stopped after a restart."""
        thread = self._thread
        if thread is not None:
            with self._lock:
                self._stopping = True
            self._wake.set()
            thread.join(timeout_s)
            self._thread = None
        if self._status in (SimulatorStatus.RUNNING, SimulatorStatus.PAUSED):
            if record:
                self._set_status(SimulatorStatus.STOPPED)
            else:
                with self._lock:
                    self._status = SimulatorStatus.STOPPED

    def pause(self) -> None:
        """Freeze simulated time."""
        if self._status is SimulatorStatus.RUNNING:
            self._set_status(SimulatorStatus.PAUSED)
            self._wake.set()

    def resume(self) -> None:
        """Continue after a pause."""
        if self._status is SimulatorStatus.PAUSED:
            self._set_status(SimulatorStatus.RUNNING)
            self._wake.set()

    def set_speed(self, speed: float) -> None:
        """Change the speed factor (simulated seconds per wall second)."""
        if speed <= 0:
            raise ValueError(f"speed must be above 0, not {speed}")
        with self._lock:
            self._speed = speed
        self._wake.set()

    def run_for(self, sim_seconds: float) -> None:
        """Play ``sim_seconds`` of simulated time now, on this thread, without waiting."""
        self._set_status(SimulatorStatus.RUNNING)
        self.advance_to(self._sim_ms + int(sim_seconds * 1000))
        self._set_status(SimulatorStatus.FINISHED)

    def append_background(self, count: int, batch: int = 2000) -> None:
        """Append ``count`` background readings as fast as the sink takes them.

        One batch is kept in flight while the next is made, so making and writing overlap.
        """
        sensors = self._background_sensors
        in_flight: _FutureLike | None = None
        for start in range(0, count, batch):
            n = min(batch, count - start)
            events = [self._reading(self._rng.choice(sensors)) for _ in range(n)]
            if in_flight is not None:
                in_flight.result()
            in_flight = self.sink.publish(events)
            self.events += n
        if in_flight is not None:
            in_flight.result()

    # -- stepping -------------------------------------------------------------------------

    def advance_to(self, target_ms: int) -> None:
        """Play every tick up to simulated time ``target_ms``."""
        duration = self.config.duration_s
        if duration is not None:
            target_ms = min(target_ms, int(duration * 1000))
        while self._sim_ms + TICK_MS <= target_ms:
            self._tick(self._sim_ms + TICK_MS)
        self._flush()

    def _tick(self, tick_end: int) -> None:
        while self._program is not None and self._next_scenario_ms < tick_end:
            self._start_scenario(self._next_scenario_ms)
        while self._heap and self._heap[0][0] < tick_end:
            at_ms, _, run_id, step = heapq.heappop(self._heap)
            self._play(step, run_id, at_ms)
        self._background(tick_end)
        with self._lock:
            self._sim_ms = tick_end

    def finished(self) -> bool:
        """True when a non-looping program has played its last step or the duration is over."""
        duration = self.config.duration_s
        if duration is not None and self._sim_ms >= duration * 1000:
            return True
        return self._program is None and not self._heap and self._sim_ms >= self._scenario_end_ms

    def _scenario_program(self) -> itertools.cycle[str] | list[str] | None:
        names = list(self.config.scenarios) or sorted(SCENARIOS)
        if not self.config.scenarios:
            self._rng.shuffle(names)
        return itertools.cycle(names) if self.config.loop else names

    def _start_scenario(self, at_ms: int) -> None:
        program = self._program
        if isinstance(program, list):
            if not program:
                self._program = None
                return
            name = program.pop(0)
        else:
            assert program is not None
            name = next(program)
        steps = scenario(name).build(self.city, self._rng)
        run_id = next(self._run_ids)
        last = at_ms
        for step in steps:
            when = at_ms + int(step.at_s * 1000)
            last = max(last, when)
            heapq.heappush(self._heap, (when, next(self._order), run_id, step))
        for step in steps:
            if isinstance(step, Reading):
                self._claimed[step.sensor_id] = max(self._claimed.get(step.sensor_id, 0), last)
        self._scenario_end_ms = max(self._scenario_end_ms, last + 60_000)
        self._next_scenario_ms = at_ms + int(self.config.scenario_every_s * 1000)
        self.scenarios_started += 1
        self._pending.append(
            SimulatorState(
                "scenario", self.config.seed, self._speed, name, self.config.exercise
            ).to_new(SOURCE, SOURCE, self._stamp(at_ms))
        )

    def _play(self, step: Step, run_id: int, at_ms: int) -> None:
        ts = self._stamp(at_ms)
        if isinstance(step, Reading):
            self._values[step.sensor_id] = step.value
            self._pending.append(
                SensorReading(step.sensor_id, step.value).to_new(
                    SOURCE, f"sensor:{step.sensor_id}", ts
                )
            )
            return
        command: Command
        if isinstance(step, Report):
            command = ReportIncident(
                step.type_code,
                step.lat,
                step.lon,
                step.district_code,
                step.severity,
                step.summary,
                step.reference,
                step.cameras,
                step.sensors,
                self.config.exercise,
            )
            actor = step.actor
        else:
            incident_id = self._incident_ids.get((run_id, getattr(step, "key", "")))
            if incident_id is None:
                return  # its report failed; the notice already said so
            if isinstance(step, Observe):
                command = AddObservation(incident_id, step.text_ko, step.text_en, dict(step.data))
            elif isinstance(step, Link):
                command = LinkResources(incident_id, step.cameras, step.sensors)
            else:
                return
            actor = step.actor
        self._flush()  # keep the log in simulated-time order
        try:
            records = self.sink.submit(command, actor, ts).result(timeout=30)
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "simulator", f"{type(command).__name__}: {exc}")
            return
        self.events += len(records)
        if isinstance(step, Report) and records:
            self._incident_ids[(run_id, step.key)] = str(records[0].payload["incident_id"])

    def _background(self, tick_end: int) -> None:
        self._acc += self.config.rate * TICK_MS / 1000
        count = int(self._acc)
        self._acc -= count
        ts = self._stamp(tick_end)
        sensors = self._background_sensors
        for _ in range(count):
            sensor = self._rng.choice(sensors)
            if self._claimed.get(sensor.id, -1) >= tick_end:
                continue
            self._pending.append(self._reading(sensor, ts))
        if self._rng.random() < TICK_MS / 1000 / self.config.minor_every_s:
            self._minor(tick_end)

    def _minor(self, at_ms: int) -> None:
        type_code = self._rng.choice(_MINOR_TYPES)
        district = self._rng.choice(self.city.districts)
        lat, lon = self.city.random_point_in(district.code, self._rng)
        run_id = next(self._run_ids)
        self._play(
            Report(0, "minor", type_code, lat, lon, district.code, "", "sensor"), run_id, at_ms
        )

    def _reading(self, sensor: Sensor, ts: int | None = None) -> NewEvent:
        typical = sensor.kind.info.typical
        value = self._values.get(sensor.id, typical.mean)
        low, high = typical.minimum, typical.maximum
        if low <= value <= high:
            value += self._rng.gauss(0, (high - low) * 0.03)
            value = min(high, max(low, value))
        else:
            # Left outside its usual range by a scenario (a flood crest): it recedes over a
            # few readings instead of jumping back, as a river does.
            edge = high if value > high else low
            value = edge + (value - edge) * RECEDE
        value = round(value, 2)
        self._values[sensor.id] = value
        return SensorReading(sensor.id, value).to_new(SOURCE, f"sensor:{sensor.id}", ts)

    def _stamp(self, sim_ms: int) -> int | None:
        return None if self._virtual_start_ms is None else self._virtual_start_ms + sim_ms

    def _flush(self) -> None:
        if not self._pending:
            return
        events, self._pending = self._pending, []
        try:
            self.sink.publish(events).result(timeout=30)
            self.events += len(events)
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "simulator", f"readings not stored: {exc}")

    # -- real-time worker -----------------------------------------------------------------

    _stopping = False

    def _set_status(self, status: SimulatorStatus) -> None:
        with self._lock:
            self._status = status
        self._publish_state(status)

    def _publish_state(self, status: SimulatorStatus) -> None:
        # A program of one scenario (a drill) names it in every state, so whoever reads only
        # the last state (a workstation started mid-drill) knows what is playing.
        only = self.config.scenarios[0] if len(self.config.scenarios) == 1 else None
        event = SimulatorState(
            status.value, self.config.seed, self._speed, only, self.config.exercise
        ).to_new(SOURCE, SOURCE, self._stamp(self._sim_ms))
        try:
            self.sink.publish([event])
        except Exception as exc:
            self.notices.post(NoticeLevel.WARNING, "simulator", str(exc))

    def _run_realtime(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        anchor_wall, anchor_sim, speed = monotonic(), self._sim_ms, self._speed
        was_running = False
        try:
            while not self._stopping:
                if self._status is SimulatorStatus.RUNNING:
                    if not was_running or speed != self._speed:
                        # Re-anchor after a pause or a speed change so neither skips time.
                        anchor_wall, anchor_sim, speed = monotonic(), self._sim_ms, self._speed
                    was_running = True
                    target = anchor_sim + int((monotonic() - anchor_wall) * speed * 1000)
                    self.advance_to(target)
                    if self.finished():
                        self._set_status(SimulatorStatus.FINISHED)
                        return
                    wait = TICK_MS / speed / 1000
                else:
                    was_running = False
                    wait = 0.5
                self._wake.wait(max(0.005, wait))
                self._wake.clear()
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "simulator", f"stopped after an error: {exc!r}")
            with self._lock:
                self._status = SimulatorStatus.STOPPED
