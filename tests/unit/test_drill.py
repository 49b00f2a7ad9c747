"""Drills: a scenario played as an exercise marks its incidents and the simulator's state as
such, and is scored by the golden-time timers of the procedures the operators worked."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.city import load_city
from core.commands import ReportIncident
from core.events import CameraViewed, EventType, SimulatorState
from core.local_backend import LocalBackend
from core.simulator import Simulator, SimulatorConfig
from core.sop.commands import CompleteStep
from core.sop.definitions import SOP_DIR
from core.sop.drill import drill_in, drill_started_ms, score_drill
from core.sop.library import ProcedureLibrary
from core.sop.progress import TimerLevel
from core.sop.starter import ProcedureStarter
from tests.video_servers import wait_for

START_MS = 1_790_000_000_000


def test_a_drill_marks_its_incidents_and_is_scored_by_the_golden_times(tmp_path: Path) -> None:
    folder = tmp_path / "sop"
    folder.mkdir()
    shutil.copy(SOP_DIR / "fire-blocked-access.toml", folder)
    library = ProcedureLibrary([folder])
    library.load()
    backend = LocalBackend.open(tmp_path / "events.db")
    try:
        starter = ProcedureStarter(backend, library)
        starter.start(0)
        # A real fire before the drill must never count in its score.
        backend.submit(ReportIncident("F-FIRE", 37.5, 127.0, "11230"), "119", START_MS).result()
        config = SimulatorConfig(
            seed=4,
            rate=0,
            scenarios=("fire_blocked_access",),
            loop=False,
            minor_every_s=1e9,
            exercise=True,
        )
        sim = Simulator(load_city("lite"), backend, config, virtual_start_ms=START_MS + 1_000)
        sim.advance_to(10_000)  # the scenario starts 5 s in, with the 119 report
        wait_for(lambda: starter.started == 2, timeout=5)
        state = backend.snapshot().result()
        real, drill = sorted(state.incidents.values(), key=lambda i: i.opened_ms)
        assert not real.exercise and drill.exercise and drill.type_code == "F-FIRE"
        reported = backend.incident_events(drill.id).result()[0]
        assert reported.type == EventType.INCIDENT_REPORTED and reported.payload["exercise"]
        stats = backend.stats().result()
        assert stats.by_type.get(EventType.SIMULATOR_STATE.value, 0) >= 1

        # The operator looks within 40 s (first video met) and sends the packet after 4 min
        # (first packet missed: its golden time is 3 min).
        opened = drill.opened_ms
        view = CameraViewed("CAM-1", "drill", incident_id=drill.id)
        backend.publish([view.to_new("workstation", "operator:lee", opened + 40_000)]).result()
        for step in ("cameras", "still", "route"):
            backend.submit(CompleteStep(drill.id, step), "operator:lee", opened + 60_000).result()
        backend.submit(
            CompleteStep(drill.id, "access-blocked", answer="no"), "operator:lee", opened + 90_000
        ).result()
        for step in ("signals", "hazards", "packet-119"):
            backend.submit(CompleteStep(drill.id, step), "operator:lee", opened + 240_000).result()
        state = backend.snapshot().result()
        score = score_drill(state.incidents.values(), library, now_ms=opened + 250_000)
        [incident] = score.incidents
        assert incident.incident.id == drill.id
        levels = {t.timer.id: t.level for t in incident.timers}
        assert levels == {
            "first-video": TimerLevel.MET,
            "first-packet": TimerLevel.MISSED,
            "agency-ack": TimerLevel.WARN,  # running, near its 5 minutes: not counted yet
        }
        assert (score.timers_met, score.timers_ran, score.percent) == (1, 2, 50.0)
        assert incident.mandatory_open == ("fire-out",)
        starter.stop()
    finally:
        backend.close()


def test_the_drill_on_and_when_it_began_are_read_from_the_simulator_states(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.db"
    backend = LocalBackend.open(path)
    try:

        def state(name: str, exercise: bool, at_s: int, scenario: str | None = None) -> None:
            event = SimulatorState(name, 1, 1.0, scenario, exercise)
            new = event.to_new("simulator", "simulator", START_MS + at_s * 1000)
            backend.publish([new]).result()

        state("running", False, 0)
        assert drill_started_ms(path) is None
        state("stopped", False, 10)
        state("running", True, 11, "fire_blocked_access")  # a first drill
        state("stopped", True, 60, "fire_blocked_access")
        state("running", True, 70, "river_flood")  # a second one, still on
        state("paused", True, 80, "river_flood")
        assert drill_started_ms(path) == START_MS + 70_000
        on = drill_in(backend.snapshot().result().simulator)
        assert on is not None and on.scenario == "river_flood" and on.paused
        state("stopped", True, 90, "river_flood")
        assert drill_in(backend.snapshot().result().simulator) is None
        assert drill_started_ms(path) is None
    finally:
        backend.close()
