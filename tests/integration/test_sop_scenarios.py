"""Every built-in scenario driven through the simulator into a real log: the starter gives each
incident its procedure, an operator works it along the scenario's timeline (answers as the
scenario's facts say) and to its end, and the golden-time timers come out as the timeline says.

Time is virtual: the simulator stamps its events with simulated time, the operator's commands
carry the simulated moment they are made, and the log's own clock stands still at the start, so
anything it stamps itself (the starter's commands) takes the time of the last event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from core.city import City, load_city
from core.clock import FakeClock
from core.events import CameraViewed, EventType
from core.local_backend import LocalBackend
from core.model import Incident, ProcedureRun
from core.simulator import SCENARIOS, Simulator, SimulatorConfig
from core.sop.commands import CompleteStep, SkipStep
from core.sop.definitions import Procedure, Step
from core.sop.library import ProcedureLibrary
from core.sop.progress import ProcedureProgress, StepStatus, TimerLevel, progress
from core.sop.starter import ACTOR as STARTER
from core.sop.starter import ProcedureStarter
from core.state import CityState
from tests.video_servers import wait_for

START_MS = 1_790_000_000_000
SCENARIO_AT_S = 5.0  # the simulator starts the first scenario 5 s in
OPERATOR = "operator:drill"
SEVERE_M = 5.2  # the river's 심각 level (DOMAIN.md)

MET, MISSED, OVER = TimerLevel.MET, TimerLevel.MISSED, TimerLevel.OVER


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


@lru_cache(maxsize=1)
def library() -> ProcedureLibrary:
    shipped = ProcedureLibrary()
    report = shipped.load()
    assert not report.refused, [str(e) for e in report.refused]
    return shipped


# -- what the operator does, and when ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class View:
    """A camera opened for the incident, ``at_s`` after its report."""

    at_s: float


@dataclass(frozen=True, slots=True)
class Do:
    """A step done ``at_s`` after the report; a question is answered as the facts then say."""

    at_s: float
    step: str


@dataclass(frozen=True, slots=True)
class Skip:
    """A step skipped, with the reason."""

    at_s: float
    step: str
    reason: str


Action = View | Do | Skip


@dataclass(frozen=True, slots=True)
class Plan:
    """One incident of a scenario: when it is reported (from the scenario's start), what the
    operator does along the timeline, how each golden-time timer ends, the answers the facts
    must give to the questions on its path, and the steps that path must (and must not) pass."""

    type_code: str
    report_s: float
    script: tuple[Action, ...]
    timers: dict[str, TimerLevel]
    answers: dict[str, str]
    through: frozenset[str] = frozenset()
    not_through: frozenset[str] = frozenset()


PLANS: dict[str, tuple[Plan, ...]] = {
    "fire_blocked_access": (
        Plan(
            "F-FIRE",
            0,
            (
                View(30),  # 0.5 min: the nearest cameras show smoke
                Do(30, "cameras"),
                Do(40, "still"),
                Do(65, "route"),  # 1 min: the route, a 3.5 m back street, four parked cars
                Do(70, "access-blocked"),
                Do(130, "plates"),  # 2 min: LPR reads the four plates
                Do(150, "packet-119"),
                Do(180, "owners"),  # 3 min: owners contacted
                Do(905, "casualties"),  # 15 min: two casualties
                Do(910, "hospital"),
                Do(2405, "fire-out"),  # 40 min: fire out
            ),
            # Nothing in the scenario acknowledges the packet: that clock runs on.
            {"first-video": MET, "first-packet": MET, "agency-ack": OVER},
            answers={"access-blocked": "yes", "casualties": "yes"},
            through=frozenset({"plates", "owners", "hospital"}),
        ),
        Plan(
            "F-BLOCK",
            120,
            (
                View(10),
                Do(10, "cameras"),
                Do(20, "plates"),
                Do(30, "still"),
                Do(60, "owners"),  # 3 min: owners contacted
                Do(70, "packet-119"),
                Do(125, "all-moved"),  # 4 min: three moved, one not
                Do(130, "remaining"),
                Do(365, "cleared"),  # 8 min: engines on scene
            ),
            {"owners-called": MET, "packet-119": MET},
            answers={"all-moved": "no"},
            through=frozenset({"remaining"}),
        ),
    ),
    "river_flood": (
        Plan(
            "D-FLOOD",
            20 * 60,
            (
                Do(30, "gauge"),
                # The gauge's incident has no camera until the car park's alert at 35 min.
                Skip(60, "cameras", "하천 CCTV는 둔치 주차장 경보 때 연결됨"),
                Do(120, "car-park"),
                Do(905, "cars-parked"),  # 35 min: 20 cars at flood risk
                Do(20 * 60, "notify-owners"),  # 40 min: owners notified, 20 min after 주의
            ),
            {"first-video": OVER, "owners-told": MISSED},
            answers={"cars-parked": "yes", "severe": "yes"},
            through=frozenset({"notify-owners", "ndms"}),
        ),
        Plan(
            "D-CARFLD",
            35 * 60,
            (
                View(20),
                Do(20, "gauge"),
                Do(25, "cameras"),
                Do(60, "car-park"),
                Do(65, "cars-parked"),
                Do(300, "notify-owners"),  # 40 min: owners notified
                Do(600, "track-exits"),
            ),
            {"first-video": MET, "owners-told": MET},
            answers={"cars-parked": "yes", "severe": "yes"},
            through=frozenset({"notify-owners", "track-exits", "ndms"}),
        ),
        Plan(
            "D-DIS",
            70 * 60,
            (
                Do(10, "situation"),
                View(30),
                Do(30, "cameras"),
                Do(60, "supervisor"),
                Do(120, "ndms"),  # propagated to NDMS with video
            ),
            {"first-video": MET, "ndms-report": MET},
            answers={"casualties": "no"},
            not_through=frozenset({"hospital"}),
        ),
    ),
    "assault_fleeing_suspect": (
        Plan(
            "P-ASL",
            0,
            (
                View(20),  # 0.3 min: the four nearest cameras open
                Do(20, "cameras"),
                Do(25, "on-screen"),
                Do(60, "share-112"),  # 1 min: live video shared with 112
                Do(90, "still"),
                Do(185, "fled"),  # 3 min: the suspect leaves on foot
                Do(190, "flee-incident"),
            ),
            {"first-video": MET, "video-to-112": MET},
            answers={"on-screen": "yes", "fled": "yes"},
            through=frozenset({"share-112", "flee-incident"}),
            not_through=frozenset({"widen"}),
        ),
        Plan(
            "P-FLEE",
            3 * 60,
            (
                Do(10, "cameras"),
                Do(20, "still"),
                Do(25, "route"),
                Do(30, "to-patrol"),  # 3.5 min: stills and escape route sent
                Do(545, "caught"),  # 12 min: arrest
            ),
            {"first-still": MET, "to-patrol": MET},
            answers={"caught": "yes"},
            through=frozenset({"to-patrol"}),
            not_through=frozenset({"lost"}),
        ),
    ),
    "missing_dementia_patient": (
        Plan(
            "V-MISS",
            0,
            (
                Do(60, "profile"),
                Do(125, "fix"),  # 2 min: telecom fix, 150 m radius
                View(135),  # 2.2 min: the cameras inside the radius
                Do(140, "cameras"),
                Do(905, "seen"),  # 15 min: seen on a camera
                Do(910, "still"),
                Do(960, "police"),  # police station notified with stills
                Do(1805, "found"),  # 30 min: found
                Do(1810, "handover"),
            ),
            {"telecom-fix": MET, "search-started": MET, "police-told": MET},
            answers={"seen": "yes", "found": "yes"},
            through=frozenset({"still", "handover"}),
            not_through=frozenset({"widen", "keep-searching"}),
        ),
    ),
    "gas_leak_near_school": (
        Plan(
            "H-GAS",
            3 * 60,  # 3 min: 28 %LEL
            (
                Do(10, "readings"),
                Do(20, "facility"),
                View(25),
                Do(25, "cameras"),
                Do(35, "school"),  # 3.5 min: a school within 200 m
                Do(60, "packet-119"),
                Do(90, "school-alert"),
                Do(180, "district"),  # 6 min: district office notified
            ),
            {"first-video": MET, "packet-119": MET, "district-told": MET},
            answers={"school": "yes"},
            through=frozenset({"school-alert", "district"}),
        ),
    ),
    "illegal_dumping": (
        Plan(
            "E-DUMP",
            0,
            (
                View(10),
                Do(10, "cameras"),
                Do(20, "still"),
                Do(65, "bin"),  # 1 min: nearest bin
                Do(125, "cleaner"),  # 2 min: sent to the cleaner's app
            ),
            {"cleaner-told": MET},
            answers={"identified": "no"},
            through=frozenset({"cleaner"}),
            not_through=frozenset({"enforcement"}),
        ),
    ),
    "jaywalking_safe_fence": (
        Plan(
            "T-JAY",
            0,
            (Do(3, "look"), Do(8, "warning")),  # 0.1 min: the fence's voice warning
            {"warning": MET},
            answers={"risk": "no"},
            not_through=frozenset({"accident"}),
        ),
    ),
    "elderly_no_motion": (
        Plan(
            "V-ELDER",
            0,
            (
                Do(60, "sensor"),
                Do(120, "call"),
                Do(185, "care-worker"),  # 3 min: care worker called
                Do(1205, "visit"),  # 20 min: visited, well
                Do(1210, "safe"),
            ),
            {"care-worker": MET, "safe": MET},
            answers={"safe": "yes"},
            not_through=frozenset({"to-119"}),
        ),
    ),
    "earthquake": (
        Plan(
            "D-QUAKE",
            8,
            (
                Do(30, "intensity"),
                Do(60, "supervisor"),
                View(90),
                Do(120, "cameras"),
                Do(300, "damage"),  # 5 min: damage reports by district
                Do(360, "to-119"),
                Do(420, "ndms"),
            ),
            {"first-video": MET, "ndms-report": MET},
            answers={"damage": "yes"},
            through=frozenset({"to-119", "ndms"}),
        ),
    ),
    "traffic_accident": (
        Plan(
            "T-ACC",
            0,
            (
                View(20),
                Do(20, "cameras"),
                Do(30, "injured"),  # the report says someone is hurt
                Do(90, "to-119"),  # 2 min: ambulance dispatched
                Do(150, "police-video"),
                Do(605, "cleared"),  # 10 min: towed, traffic flowing
            ),
            {"first-video": MET, "video-to-112": MET},
            answers={"injured": "yes"},
            through=frozenset({"to-119"}),
        ),
    ),
    "store_panic": (
        Plan(
            "S-STORE",
            0,
            (
                View(30),  # 0.5 min: the store's camera checked
                Do(30, "cameras"),
                Do(45, "police"),
                Do(60, "real"),
                Do(365, "arrive"),  # 6 min: patrol car on scene
            ),
            {"first-video": MET, "police-told": MET},
            answers={"real": "yes"},
            through=frozenset({"still", "arrive"}),
            not_through=frozenset({"cancel"}),
        ),
    ),
}


# -- the scenario's facts, from which questions are answered -----------------------------------


@dataclass
class Facts:
    """What the room knows about an incident when a question is asked."""

    incident: Incident
    observed: list[dict[str, Any]]  # the incident's observations so far
    types: set[str]  # the incident types opened so far
    sensors: dict[str, float] = field(default_factory=dict)

    def data(self, key: str) -> Any:
        values = [o["data"][key] for o in self.observed if key in o.get("data", {})]
        return values[-1] if values else None

    def saw(self, text_en: str) -> bool:
        return any(text_en in o["text_en"] for o in self.observed)

    def gauge(self) -> float:
        return max((self.sensors.get(s, 0.0) for s in self.incident.sensors), default=0.0)


def yes_if(condition: bool) -> str | None:
    return "yes" if condition else None


Rule = Callable[[Facts], str | None]

# (procedure, question) -> the answer the facts give, or None when the scenario says nothing (the
# first answer is taken then).
ANSWERS: dict[tuple[str, str], Rule] = {
    ("fire-blocked-access", "access-blocked"): lambda f: yes_if((f.data("parked_cars") or 0) > 0),
    ("fire-blocked-access", "casualties"): lambda f: yes_if((f.data("casualties") or 0) > 0),
    ("fire-access-parking", "all-moved"): lambda f: (
        None if f.data("remaining") is None else ("yes" if f.data("remaining") == 0 else "no")
    ),
    ("river-flood", "cars-parked"): lambda f: yes_if("D-CARFLD" in f.types),
    ("river-flood", "severe"): lambda f: "yes" if f.gauge() >= SEVERE_M else "no",
    ("police-video-assault", "fled"): lambda f: yes_if("P-FLEE" in f.types),
    ("police-dispatch-flee", "caught"): lambda f: "yes" if f.saw("arrested") else "no",
    ("missing-person", "seen"): lambda f: "yes" if f.saw("seen on") else "no",
    ("missing-person", "found"): lambda f: "yes" if f.saw("Found") else "no",
    ("gas-leak", "school"): lambda f: "yes" if f.saw("School within 200 m") else "no",
    ("elderly-no-motion", "safe"): lambda f: "yes" if f.saw("well") else "no",
    ("earthquake", "damage"): lambda f: yes_if(f.saw("Damage reports")),
    ("traffic-accident", "injured"): lambda f: yes_if("부상자" in f.incident.summary),
}


# -- the room ----------------------------------------------------------------------------------


class Drill:
    """One scenario played into a real log, with the starter running and an operator at work."""

    def __init__(self, path: Path, name: str) -> None:
        self.backend = LocalBackend.open(path, clock=FakeClock(START_MS))
        self.starter = ProcedureStarter(self.backend, library())
        self.starter.start(self.backend.stats().result().last_seq)
        config = SimulatorConfig(seed=3, rate=0, scenarios=(name,), loop=False, minor_every_s=1e9)
        self.sim = Simulator(city(), self.backend, config, virtual_start_ms=START_MS)
        self.ids: dict[str, str] = {}

    def close(self) -> None:
        self.starter.stop()
        self.backend.close()

    def state(self) -> CityState:
        return self.backend.snapshot().result()

    def incident(self, type_code: str) -> Incident:
        """The scenario's incident of this type, once the starter has given it its procedure."""

        def ready() -> bool:
            found = [i for i in self.state().incidents.values() if i.type_code == type_code]
            if len(found) == 1 and found[0].procedure is not None:
                self.ids[type_code] = found[0].id
                return True
            return False

        if type_code not in self.ids:
            wait_for(ready, timeout=10)
        return self.state().incidents[self.ids[type_code]]

    def facts(self, incident: Incident) -> Facts:
        state = self.state()
        records = self.backend.incident_events(incident.id).result()
        observed = [r.payload for r in records if r.type == EventType.INCIDENT_OBSERVED]
        sensors = {sid: value.value for sid, value in state.sensors.items()}
        types = {i.type_code for i in state.incidents.values()}
        return Facts(state.incidents[incident.id], observed, types, sensors)

    def answer(self, incident: Incident, step_id: str) -> str | None:
        run = incident.procedure
        assert run is not None
        loaded = library().get(run.procedure_id, run.version)
        assert loaded is not None
        step = loaded.procedure.step_by_id(step_id)
        assert step is not None, f"{run.procedure_id} has no step {step_id}"
        if not step.is_question:
            return None
        rule = ANSWERS.get((run.procedure_id, step_id))
        given = rule(self.facts(incident)) if rule is not None else None
        return given if given is not None else step.answers[0].id

    def act(self, type_code: str, action: Action, ts_ms: int | None) -> None:
        """Carry out one action on the scenario's incident of this type, stamped ``ts_ms``."""
        incident = self.incident(type_code)
        iid = incident.id
        if isinstance(action, View):
            camera = city().nearest_cameras(incident.lat, incident.lon, 1)[0][0].id
            event = CameraViewed(camera, "incident response", incident_id=iid)
            self.backend.publish([event.to_new("workstation", OPERATOR, ts_ms)]).result()
        elif isinstance(action, Do):
            answer = self.answer(incident, action.step)
            self.backend.submit(CompleteStep(iid, action.step, answer), OPERATOR, ts_ms).result()
        else:
            self.backend.submit(
                SkipStep(iid, action.step, action.reason), OPERATOR, ts_ms
            ).result()

    def progress(self, type_code: str) -> ProcedureProgress:
        state = self.state()
        incident = state.incidents[self.ids[type_code]]
        run = incident.procedure
        assert run is not None
        loaded = library().get(run.procedure_id, run.version)
        assert loaded is not None
        return progress(loaded.procedure, run, incident, state.last_ts)

    def finish(self, type_code: str) -> None:
        """Work the rest of the procedure: mandatory steps done, questions answered from the
        facts, optional steps skipped."""
        for _ in range(20):
            current = self.progress(type_code).current
            if current is None:
                return
            step = current.step
            if step.is_question or step.mandatory:
                self.act(type_code, Do(0, step.id), None)
            else:
                self.act(type_code, Skip(0, step.id, "not needed in this drill"), None)
        raise AssertionError(f"{type_code}: the procedure does not end")


def timeline(plans: tuple[Plan, ...]) -> list[tuple[float, Plan, Action]]:
    """Every scripted action with its simulated time, in the order they happen."""
    actions = [
        (SCENARIO_AT_S + plan.report_s + action.at_s, order, plan, action)
        for order, plan in enumerate(plans)
        for action in plan.script
    ]
    actions.sort(key=lambda a: (a[0], a[1]))
    return [(at_s, plan, action) for at_s, _, plan, action in actions]


def walked(procedure: Procedure, run: ProcedureRun) -> list[str]:
    """The steps the run went through, following the answers recorded."""
    path: list[str] = []
    step: Step | None = procedure.step[0]
    while step is not None:
        path.append(step.id)
        record = run.records.get(step.id)
        following = procedure.following(step, record.answer if record is not None else None)
        step = procedure.step_by_id(following) if following is not None else None
    return path


def test_every_scenario_has_a_plan() -> None:
    assert set(PLANS) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_scenario_is_worked_to_the_end_of_its_procedures(tmp_path: Path, name: str) -> None:
    plans = PLANS[name]
    drill = Drill(tmp_path / "events.db", name)
    try:
        for at_s, plan, action in timeline(plans):
            at_ms = round(at_s * 1000)
            drill.sim.advance_to(at_ms)
            drill.act(plan.type_code, action, START_MS + at_ms)
        while not drill.sim.finished():
            drill.sim.advance_to(int(drill.sim.info().sim_seconds * 1000) + 600_000)
        wait_for(lambda: drill.starter.started == len(plans), timeout=10)
        for plan in plans:
            drill.incident(plan.type_code)
            drill.finish(plan.type_code)
        state = drill.state()
        views = {plan.type_code: drill.progress(plan.type_code) for plan in plans}
    finally:
        drill.close()

    # The scenario opened exactly the incidents planned, when its timeline says.
    opened = sorted((i.type_code, i.opened_ms) for i in state.incidents.values())
    expected = [(p.type_code, START_MS + int((SCENARIO_AT_S + p.report_s) * 1000)) for p in plans]
    assert opened == sorted(expected)
    for plan in plans:
        incident = state.incidents[drill.ids[plan.type_code]]
        run = incident.procedure
        assert run is not None and run.started_by == STARTER
        default = library().for_type(plan.type_code)
        assert default is not None and run.procedure_id == default.procedure.id
        view = views[plan.type_code]
        assert view.finished, f"{plan.type_code}: stuck at {view.current}"
        assert not view.open_mandatory
        # The answers the scenario's facts gave, and the way they led.
        path = walked(view.procedure, run)
        given = {s: r.answer for s, r in run.records.items() if r.answer is not None}
        assert given == plan.answers, plan.type_code
        assert plan.through <= set(path), plan.through - set(path)
        assert not plan.not_through & set(path), plan.not_through & set(path)
        status = {v.step.id: v.status for v in view.steps}
        assert all(status[s] in (StepStatus.DONE, StepStatus.SKIPPED) for s in path)
        # No mandatory step was passed over without a reason.
        for record in run.records.values():
            if record.outcome == "skipped" and record.step_id in run.mandatory:
                assert record.text, record.step_id
        levels = {t.timer.id: t.level for t in view.timers}
        assert levels == plan.timers, plan.type_code
