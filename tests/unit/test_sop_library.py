"""The shipped procedure library: every file loads, every linked service has its procedures,
sharing stays within what its purpose and the law allow, and every path through every procedure
can be worked to its end with its mandatory steps done."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import lru_cache

import pytest

from core.catalogue import CATALOGUE, Service
from core.events import EventType
from core.model import Incident, IncidentStatus, ProcedureRun, StepRecord
from core.sop.definitions import (
    SOP_DIR,
    ActionKind,
    DataClass,
    DraftPacket,
    Notify,
    OpenCameras,
    Procedure,
    Recipient,
    Step,
)
from core.sop.library import ProcedureLibrary
from core.sop.progress import StepStatus, progress

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")
T0 = 1_790_000_000_000

# The five safety-net services (2016) and the eleven added in 2017-18, with the incident types
# through which each reaches the room (DOMAIN.md).
SIXTEEN: dict[str, tuple[Service, frozenset[str]]] = {
    "112 emergency video": (Service.POLICE_VIDEO, frozenset({"P-KID", "P-ROB", "P-ASL"})),
    "112 emergency dispatch": (Service.POLICE_DISPATCH, frozenset({"P-FLEE"})),
    "119 emergency dispatch": (
        Service.FIRE_DISPATCH,
        frozenset({"F-FIRE", "F-RESC", "F-EMS", "F-BLOCK"}),
    ),
    "disaster situation support": (
        Service.DISASTER,
        frozenset({"D-DIS", "D-FLOOD", "D-CARFLD", "D-QUAKE", "D-SLIDE", "D-GROUND"}),
    ),
    "socially vulnerable support": (Service.VULNERABLE, frozenset({"V-MISS"})),
    "private security link": (Service.PROTECTION, frozenset({"S-SEC"})),
    "IoT environmental monitoring": (Service.ENVIRONMENT, frozenset({"E-PM", "E-NOISE"})),
    "traffic-accident video": (Service.TRAFFIC, frozenset({"T-ACC"})),
    "local-tax arrears vehicles": (Service.CIVIC, frozenset({"X-TAX"})),
    "gas and hazardous facilities": (Service.HAZARD, frozenset({"H-GAS"})),
    "victim personal protection": (Service.PROTECTION, frozenset({"V-VICTIM"})),
    "foreign tourist helper": (Service.PROTECTION, frozenset({"V-TOUR"})),
    "single-staff store panic": (Service.PROTECTION, frozenset({"S-STORE"})),
    "elderly living alone": (Service.CARE, frozenset({"V-ELDER"})),
    "public bicycles": (Service.CIVIC, frozenset({"B-BIKE"})),
    "smart waste collection": (Service.WASTE, frozenset({"E-DUMP", "E-BIN"})),
}

# The worked scenarios' types that are not a linked service's own (DOMAIN.md).
WORKED = ("T-JAY", "V-CHILD")

# Material that identifies a person: never to a city department, a telecom operator or (but for
# the plate the arrears are about) the tax office.
PERSONAL = frozenset(
    {
        DataClass.VIDEO_LINK,
        DataClass.STILL,
        DataClass.CLIP,
        DataClass.PERSON_LOCATION,
        DataClass.PLATE,
        DataClass.PHONE,
    }
)
# Live video leaves the room only for the agencies with an emergency-transfer agreement.
EMERGENCY_AGENCIES = frozenset({Recipient.POLICE, Recipient.FIRE, Recipient.DISASTER})


@lru_cache(maxsize=1)
def library() -> ProcedureLibrary:
    shipped = ProcedureLibrary()
    report = shipped.load()
    assert not report.refused, [str(e) for e in report.refused]
    return shipped


def procedures() -> list[Procedure]:
    return [loaded.procedure for loaded in library().procedures()]


def ids() -> list[str]:
    return [p.id for p in procedures()]


def by_id(procedure_id: str) -> Procedure:
    loaded = library().get(procedure_id)
    assert loaded is not None
    return loaded.procedure


# -- the library as a whole --------------------------------------------------------------------


def test_every_shipped_file_loads_and_none_is_refused() -> None:
    files = sorted(SOP_DIR.glob("*.toml"))
    report = ProcedureLibrary().load()
    assert not report.refused, [str(e) for e in report.refused]
    assert report.loaded == len(files) >= 20
    # one file, one procedure: the id says which file it is
    assert sorted(f.stem for f in files) == sorted(ids())


@pytest.mark.parametrize("service", sorted(SIXTEEN))
def test_every_linked_service_has_its_procedures(service: str) -> None:
    kind, types = SIXTEEN[service]
    for code in sorted(types):
        loaded = library().for_type(code)
        assert loaded is not None, f"{service}: {code} has no procedure"
        assert loaded.procedure.service is kind
        assert code in loaded.procedure.incident_types


def test_the_worked_scenarios_types_have_procedures() -> None:
    for code in WORKED:
        assert library().for_type(code) is not None, code


@pytest.mark.parametrize("procedure_id", ids())
def test_a_procedure_belongs_to_the_service_of_its_types(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    assert procedure.incident_types
    for code in procedure.incident_types:
        assert CATALOGUE[code].service is procedure.service, code


# -- shape and language ------------------------------------------------------------------------


def korean(text: str) -> bool:
    return bool(HANGUL.search(text))


def english(text: str) -> bool:
    return bool(LATIN.search(text))


@pytest.mark.parametrize("procedure_id", ids())
def test_a_procedure_is_a_checklist_with_golden_times(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    assert 5 <= len(procedure.step) <= 12
    assert 1 <= len(procedure.timer) <= 3
    assert procedure.mandatory_steps, "some step must be mandatory"
    assert procedure.step[0].mandatory, "the first look is never optional"
    assert any(s.due_s is not None for s in procedure.step), "no reminder at all"
    for step in procedure.step:
        if step.is_question:
            assert step.action is None or step.action.kind is ActionKind.NEAREST_FACILITIES


@pytest.mark.parametrize("procedure_id", ids())
def test_titles_and_texts_are_in_both_languages(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    assert korean(procedure.title_ko) and english(procedure.title_en)
    assert korean(procedure.summary_ko) and english(procedure.summary_en)
    for step in procedure.step:
        assert korean(step.title_ko) and english(step.title_en), step.id
        assert bool(step.look_ko) == bool(step.look_en), f"{step.id}: look in one language"
        if step.look_ko:
            assert korean(step.look_ko) and english(step.look_en), step.id
        for answer in step.answers:
            assert korean(answer.label_ko) and english(answer.label_en), step.id
    for timer in procedure.timer:
        assert korean(timer.label_ko) and english(timer.label_en), timer.id
    for share in procedure.share:
        assert korean(share.purpose_ko) and english(share.purpose_en), share.to


@pytest.mark.parametrize("procedure_id", ids())
def test_every_timer_can_stop(procedure_id: str) -> None:
    """A stop is a step of the procedure or an event the log really records."""
    events = {e.value for e in EventType}
    for timer in by_id(procedure_id).timer:
        assert any(s.startswith("step:") or s in events for s in timer.stop), (
            f"{timer.id} waits only for {timer.stop}, which nothing records yet"
        )


def test_112_video_reaches_the_operator_within_a_minute() -> None:
    for procedure in procedures():
        if procedure.service is not Service.POLICE_VIDEO:
            continue
        video = [t for t in procedure.timer if "camera.viewed" in t.stop]
        assert video and all(t.target_s <= 60 for t in video), procedure.id
        first = procedure.step[0]
        assert isinstance(first.action, OpenCameras) and first.due_s is not None
        assert first.due_s <= 60


# -- lawful sharing ----------------------------------------------------------------------------


def sent_to(procedure: Procedure) -> set[Recipient]:
    return {s.action.to for s in procedure.step if isinstance(s.action, DraftPacket | Notify)}


@pytest.mark.parametrize("procedure_id", ids())
def test_a_procedure_shares_with_exactly_whom_its_steps_send_to(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    shared = [s.to for s in procedure.share]
    assert len(shared) == len(set(shared)), "one [[share]] per recipient"
    # no packet without a lawful purpose; no purpose that no step uses
    assert sent_to(procedure) == set(shared)


def test_tax_arrears_hits_go_to_the_tax_office_only_and_carry_no_picture() -> None:
    loaded = library().for_type("X-TAX")
    assert loaded is not None
    procedure = loaded.procedure
    assert [s.to for s in procedure.share] == [Recipient.TAX]
    assert set(procedure.share[0].data) <= {DataClass.SUMMARY, DataClass.PLATE}
    assert sent_to(procedure) == {Recipient.TAX}
    kinds = {s.action.kind for s in procedure.step if s.action is not None}
    assert not kinds & {ActionKind.OPEN_CAMERAS, ActionKind.TAKE_STILL}
    # ... and the tax office hears of nothing else
    for other in procedures():
        if other.id != procedure.id:
            assert Recipient.TAX not in {s.to for s in other.share}, other.id


def shares() -> Iterator[tuple[str, Recipient, DataClass]]:
    for procedure in procedures():
        for share in procedure.share:
            for data in share.data:
                yield procedure.id, share.to, data


def test_a_persons_location_goes_only_to_police_or_fire() -> None:
    for procedure_id, to, data in shares():
        if data is DataClass.PERSON_LOCATION:
            assert to in (Recipient.POLICE, Recipient.FIRE), procedure_id


def test_socially_vulnerable_support_shares_the_location_with_the_police_only() -> None:
    loaded = library().for_type("V-MISS")
    assert loaded is not None
    holders = {s.to for s in loaded.procedure.share if DataClass.PERSON_LOCATION in s.data}
    assert holders == {Recipient.POLICE}


def test_departments_telecoms_and_the_tax_office_get_nothing_personal() -> None:
    for procedure_id, to, data in shares():
        if to in (Recipient.DEPARTMENT, Recipient.TELECOM):
            assert data not in PERSONAL, f"{procedure_id}: {data} to {to}"
        if to is Recipient.TAX:
            assert data in (DataClass.SUMMARY, DataClass.PLATE), procedure_id


def test_plates_and_phones_never_reach_a_department() -> None:
    for procedure_id, to, data in shares():
        if data in (DataClass.PLATE, DataClass.PHONE):
            assert to not in (Recipient.DEPARTMENT, Recipient.TELECOM), procedure_id


def test_live_video_leaves_the_room_only_for_emergency_agencies() -> None:
    for procedure_id, to, data in shares():
        if data in (DataClass.VIDEO_LINK, DataClass.CLIP):
            assert to in EMERGENCY_AGENCIES, f"{procedure_id}: {data} to {to}"


def test_the_telecom_operator_only_sends_and_receives_nothing() -> None:
    for procedure_id, to, _ in shares():
        assert to is not Recipient.TELECOM, procedure_id


# -- every path can be finished ----------------------------------------------------------------


def paths(procedure: Procedure) -> list[list[tuple[Step, str | None]]]:
    """Every way through the procedure: the steps in order, each with the answer taken."""
    found: list[list[tuple[Step, str | None]]] = []

    def walk(step: Step, so_far: list[tuple[Step, str | None]]) -> None:
        assert len(so_far) <= len(procedure.step), "a path longer than the procedure"
        choices: list[str | None] = [a.id for a in step.answers] if step.is_question else [None]
        for answer in choices:
            here = [*so_far, (step, answer)]
            following = procedure.following(step, answer)
            if following is None:
                found.append(here)
            else:
                after = procedure.step_by_id(following)
                assert after is not None
                walk(after, here)

    walk(procedure.step[0], [])
    return found


def run_along(procedure: Procedure, path: list[tuple[Step, str | None]]) -> ProcedureRun:
    run = ProcedureRun(
        procedure.id,
        procedure.version,
        "",
        procedure.title_ko,
        procedure.title_en,
        [s.id for s in procedure.step],
        list(procedure.mandatory_steps),
        T0,
        "system:procedures",
    )
    for number, (step, answer) in enumerate(path, 1):
        run.records[step.id] = StepRecord(step.id, "done", T0 + number * 1000, "t", answer)
    return run


def incident(code: str) -> Incident:
    return Incident("INC-000001", code, 1, IncidentStatus.NEW, 37.5, 127.0, None, T0, T0, "t")


@pytest.mark.parametrize("procedure_id", ids())
def test_every_path_ends_and_every_mandatory_step_is_on_one(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    every = paths(procedure)
    assert len(every) >= 2, "no branch where the domain branches"
    on_some_path: set[str] = set()
    for path in every:
        last, _ = path[-1]
        assert last.end, f"the path through {[s.id for s, _ in path]} ends without end = true"
        assert last.mandatory, f"{last.id}: closing the run is never optional"
        assert any(s.mandatory for s, _ in path), "a path with nothing mandatory"
        on_some_path.update(s.id for s, _ in path)
        # Worked along this path, the progress is finished with nothing mandatory left open.
        view = progress(
            procedure, run_along(procedure, path), incident(procedure.incident_types[0]), T0
        )
        assert view.finished and not view.open_mandatory
        taken = {s.id for s, _ in path}
        assert {v.step.id for v in view.steps if v.status is StepStatus.DONE} == taken
        assert all(v.status is StepStatus.OFF_PATH for v in view.steps if v.step.id not in taken)
    assert set(procedure.mandatory_steps) <= on_some_path
    assert {s.id for s in procedure.step} == on_some_path


@pytest.mark.parametrize("procedure_id", ids())
def test_a_path_stops_short_while_a_mandatory_step_is_open(procedure_id: str) -> None:
    procedure = by_id(procedure_id)
    for path in paths(procedure):
        for index, (step, _) in enumerate(path):
            if not step.mandatory:
                continue
            rest = [*path[:index], *path[index + 1 :]]
            view = progress(
                procedure, run_along(procedure, rest), incident(procedure.incident_types[0]), T0
            )
            assert not view.finished
            assert [v.step.id for v in view.open_mandatory] == [step.id]


def test_a_catalogue_type_is_the_default_of_one_procedure_at_most() -> None:
    named = list(itertools.chain.from_iterable(p.incident_types for p in procedures()))
    assert len(named) == len(set(named))
    assert set(named) <= set(CATALOGUE)
