"""Drill mode in the window: Simulator ▸ Start drill… plays one scenario as an exercise in
place of the live simulator, the teal banner shows while the log says a drill is on (also
after a restart), and the score of a drill worked to the end through real commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.clock import FakeClock, SystemClock
from core.commands import Acknowledge, Assign, Command, MarkDispatched, StartWork
from core.eventlog import EventLog
from core.events import CameraViewed, EventRecord, EventType
from core.local_backend import LocalBackend
from core.model import Incident
from core.notices import NoticeBoard
from core.simulator import Simulator, SimulatorConfig, SimulatorStatus
from core.sop.commands import CompleteStep
from tests.gui.live_station import lite_city, station_settings
from ui.app import build_context, start_live_services
from ui.context import AppContext
from ui.drill import DrillMode
from ui.drill_score import Verdict
from ui.main_window import MainWindow

FIRE = "fire_blocked_access"
ACTOR = "operator:lee"


@dataclass
class DrillStation:
    context: AppContext
    window: MainWindow
    backend: LocalBackend
    clock: FakeClock
    live: Simulator | None

    @property
    def drills(self) -> DrillMode:
        return self.window.drills

    def incidents(self) -> list[Incident]:
        return sorted(self.context.store.state.incidents.values(), key=lambda i: i.opened_ms)

    def drill_fire(self) -> Incident | None:
        found = [i for i in self.incidents() if i.exercise and i.type_code == "F-FIRE"]
        return found[0] if found else None

    def submit(self, command: Command) -> None:
        self.backend.submit(command, ACTOR).result(timeout=10)


@contextmanager
def drill_station(
    qtbot: Any,
    folder: Path,
    clock: FakeClock,
    *,
    live_rate: float | None = None,
    language: str = "en",
) -> Iterator[DrillStation]:
    """The workstation as the app starts it (live services, the live simulator once the
    replica has loaded), on a log stamped by ``clock``; ``live_rate`` None: no live
    simulator."""
    settings = station_settings(folder)
    backend = LocalBackend.open(folder / "events.db", clock)
    context = build_context(backend, lite_city(), NoticeBoard(), settings, language)
    live = None
    if live_rate is not None:
        config = SimulatorConfig(seed=2, speed=10, rate=live_rate, minor_every_s=1e9)
        live = Simulator(lite_city(), backend, config, notices=context.notices)
    window = MainWindow(context, [], live, remember_layout=False)
    qtbot.addWidget(window)
    window.drills.clock = clock
    services = start_live_services(context, window, clock)
    context.store.start()
    window.drills.start_live_simulator()
    window.show()
    station = DrillStation(context, window, backend, clock, live)
    try:
        qtbot.waitUntil(lambda: context.store.is_loaded)
        yield station
    finally:
        dialog = window.drills.score_dialog
        window.drills.shutdown()
        services.stop()
        window.close()
        if dialog is not None:
            dialog.close()
        context.store.stop()
        backend.close()


def log_records(folder: Path) -> list[EventRecord]:
    log = EventLog.open(folder / "events.db", readonly=True)
    try:
        return list(log.read())
    finally:
        log.close()


def now_clock() -> FakeClock:
    return FakeClock(SystemClock().now_ms())


def test_a_drill_from_the_dialog_plays_only_its_scenario_as_an_exercise(
    qtbot, tmp_path: Path
) -> None:
    folder = tmp_path / "station"
    with drill_station(qtbot, folder, now_clock(), live_rate=20) as st:
        drills, live = st.drills, st.live
        assert live is not None
        qtbot.waitUntil(lambda: live.events > 50)  # the live city plays meanwhile
        assert not drills.bar.isVisible()
        drills.speed, drills.seed = 20, 4
        assert drills.start_action.shortcut().toString() == "Ctrl+Shift+E"
        drills.start_action.trigger()  # Simulator ▸ Start drill…
        dialog = drills.start_dialog
        assert dialog is not None and dialog.isVisible()
        # It says what happens to the live simulator before anything is replaced.
        assert "live city simulator stops" in dialog.replaces.text()
        assert dialog.replaces.isVisible()
        dialog.choose(FIRE)
        dialog.start_button.click()
        qtbot.waitUntil(drills.bar.isVisible)
        title = drills.banner.title.text()
        assert "EXERCISE" in title and "Fire with a blocked access road" in title
        assert st.window.simulator is drills.drill_simulator is not None
        assert live.info().status is SimulatorStatus.STOPPED
        # The scenario's report, then its first observation (30 simulated seconds in).
        qtbot.waitUntil(lambda: (f := st.drill_fire()) is not None and f.observations >= 1)

        records = log_records(folder)
        states = [r for r in records if r.type == EventType.SIMULATOR_STATE]
        start = next(r.seq for r in states if r.payload["exercise"])
        before = [r for r in records if r.seq < start]
        after = [r for r in records if r.seq > start]
        assert any(r.type == EventType.SENSOR_READING for r in before)
        assert not [r for r in after if r.type == EventType.SENSOR_READING]
        # The situation rules may still report from readings made before the drill: they
        # are not the simulator, and say so in their actor.
        reported = [
            r.payload
            for r in after
            if r.type == EventType.INCIDENT_REPORTED and not r.actor.startswith("rules:")
        ]
        assert reported and all(p["exercise"] for p in reported)
        assert {p["type_code"] for p in reported} <= {"F-FIRE", "F-BLOCK"}
        drill_states = [r.payload for r in states if r.seq >= start]
        assert all(p["exercise"] and p["scenario"] == FIRE for p in drill_states)

        # Stop drill: the banner goes, the score shows, the live city plays again.
        drills.banner.stop_button.click()
        qtbot.waitUntil(lambda: not drills.bar.isVisible())
        qtbot.waitUntil(lambda: drills.score_dialog is not None)
        assert drills.score_dialog is not None and drills.score_dialog.isVisible()
        assert st.window.simulator is live
        assert live.info().status is SimulatorStatus.RUNNING
        ended = [r for r in log_records(folder) if r.type == EventType.SIMULATOR_STATE]
        stop = next(r for r in ended if r.seq > start and r.payload["state"] == "stopped")
        assert stop.actor == st.context.actor and stop.payload["exercise"]


def test_a_restarted_workstation_shows_the_drill_still_on_and_can_stop_it(
    qtbot, tmp_path: Path
) -> None:
    folder = tmp_path / "station"
    clock = now_clock()
    with drill_station(qtbot, folder, clock, live_rate=2) as first:
        first.drills.speed, first.drills.seed = 20, 4
        assert first.drills.start_drill(FIRE)
        qtbot.waitUntil(lambda: first.drill_fire() is not None)
        started = first.drills.since_ms
        assert started is not None
    clock.advance(95_000)  # the workstation comes back a minute and a half later
    with drill_station(qtbot, folder, clock, live_rate=2) as second:
        drills, live = second.drills, second.live
        assert live is not None
        qtbot.waitUntil(drills.bar.isVisible)
        assert "Fire with a blocked access road" in drills.banner.title.text()
        # When the drill began is read back from the log; the live city waits for its end.
        qtbot.waitUntil(lambda: drills.since_ms == started)
        drills._show_banner()
        assert "1:35" in drills.banner.elapsed.text()
        assert live.info().status is SimulatorStatus.STOPPED
        assert drills.stop_drill()
        qtbot.waitUntil(lambda: not drills.bar.isVisible())
        qtbot.waitUntil(lambda: live.info().status is SimulatorStatus.RUNNING)
        dialog = drills.score_dialog
        fire = second.drill_fire()
        assert dialog is not None and fire is not None
        # Scored once the restarted workstation has read its procedures.
        qtbot.waitUntil(lambda: fire.id in dialog.incident_items)


def test_the_score_of_a_drill_worked_to_the_end_shows_met_and_missed(
    qtbot, tmp_path: Path
) -> None:
    clock = now_clock()
    with drill_station(qtbot, tmp_path / "station", clock) as st:
        drills = st.drills
        drills.speed, drills.seed = 5, 4  # the blocked road's report comes 25 s in: after us
        assert drills.start_drill(FIRE)
        qtbot.waitUntil(lambda: (f := st.drill_fire()) is not None and f.procedure is not None)
        fire = st.drill_fire()
        assert fire is not None
        opened, iid = fire.opened_ms, fire.id

        def at(seconds: int, *commands: Command) -> None:
            clock.set(opened + seconds * 1000)
            for command in commands:
                st.submit(command)

        at(30, Acknowledge(iid), Assign(iid, assignee=ACTOR), StartWork(iid))
        clock.set(opened + 40_000)  # the first look at the scene: within its minute
        view = CameraViewed(fire.cameras[0], "drill", incident_id=iid).to_new("workstation", ACTOR)
        st.backend.publish([view]).result(timeout=10)
        at(60, *(CompleteStep(iid, s) for s in ("cameras", "still", "route")))
        at(90, CompleteStep(iid, "access-blocked", answer="no"))
        at(150, MarkDispatched(iid, agencies=("119",)))  # 119 engaged within 5 minutes
        at(200, CompleteStep(iid, "signals"), CompleteStep(iid, "hazards"))
        at(240, CompleteStep(iid, "packet-119"))  # the packet a minute late
        at(250, CompleteStep(iid, "casualties", answer="no"))
        at(260, CompleteStep(iid, "fire-out"))

        def worked_out() -> bool:
            run = st.context.store.state.incidents[iid].procedure
            return run is not None and "fire-out" in run.records

        qtbot.waitUntil(worked_out)

        # The score while it runs.
        live_score = drills.open_score()
        assert live_score.timer_lines[(iid, "first-packet")].verdict is Verdict.MISSED

        assert drills.stop_drill()
        qtbot.waitUntil(lambda: drills.score_dialog is not live_score)
        dialog = drills.score_dialog
        assert dialog is not None
        verdicts = {
            timer: line.verdict
            for (incident, timer), line in dialog.timer_lines.items()
            if incident == iid
        }
        assert verdicts == {
            "first-video": Verdict.MET,
            "first-packet": Verdict.MISSED,
            "agency-ack": Verdict.MET,
        }
        packet = dialog.timer_items[(iid, "first-packet")]
        assert (packet.text(1), packet.text(2), packet.text(3)) == ("3:00", "4:00", "Missed")
        video = dialog.timer_items[(iid, "first-video")]
        assert (video.text(2), video.text(3)) == ("0:40", "Met")
        assert dialog.score_label.text() == "Score: 67 % — 2 of 3 golden times met"
        steps = dialog.incident_items[iid]
        lines = [steps.child(i).text(3) for i in range(steps.childCount())]
        assert "9 done, 0 skipped" in lines and "All done or skipped" in lines

        # Saved as a page, on a worker thread; a folder that does not exist is named.
        page = tmp_path / "score.html"
        with qtbot.waitSignal(dialog.saved, timeout=5000):
            dialog.save_to(page)
        text = page.read_text(encoding="utf-8")
        assert "Missed" in text and "2 of 3 golden times met" in text and iid in text
        with qtbot.waitSignal(dialog.failed, timeout=5000) as failure:
            dialog.save_to(tmp_path / "missing" / "score.html")
        assert str(tmp_path / "missing" / "score.html") in failure.args[0]
