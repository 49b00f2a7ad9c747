"""Response procedures: files checked with their line, the library, the commands, the fold,
progress along the answers given, golden-time timers and the starter on a real log."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.commands import Acknowledge, Close, ReportIncident, Resolve, decide
from core.errors import CommandRejected, IllegalTransition
from core.events import CameraViewed
from core.local_backend import LocalBackend
from core.sop.commands import CompleteStep, SkipStep, StartProcedureTimer
from core.sop.definitions import SOP_DIR, SopFileError
from core.sop.library import ProcedureLibrary
from core.sop.loading import load_procedure_file, load_procedure_text
from core.sop.progress import StepStatus, TimerLevel, progress
from core.sop.starter import ProcedureStarter, start_command
from core.state import CityState
from tests.video_servers import wait_for

T0 = 1_790_000_000_000

SMALL = """\
id = "small"
version = 1
title_ko = "작은 절차"
title_en = "A small procedure"
service = "traffic"
incident_types = ["T-ACC"]

[[share]]
to = "police"
data = ["summary", "still"]
purpose_ko = "사고 처리"
purpose_en = "handling the accident"

[[timer]]
id = "first-video"
label_ko = "첫 영상"
label_en = "First video"
target_s = 60
stop = ["camera.viewed"]

[[timer]]
id = "clearing"
label_ko = "정리"
label_en = "Clearing"
target_s = 600
start = "action"
stop = ["step:cleared"]

[[step]]
id = "look"
title_ko = "보기"
title_en = "Look"
action = { kind = "open_cameras", count = 2 }
mandatory = true
due_s = 60

[[step]]
id = "injured"
title_ko = "부상자?"
title_en = "Injured?"
answers = [
  { id = "no", label_ko = "아니오", label_en = "No", next = "clear" },
  { id = "yes", label_ko = "예", label_en = "Yes", next = "ambulance" },
]

[[step]]
id = "ambulance"
title_ko = "구급차"
title_en = "Ambulance"
owner = "fire"
next = "clear"

[[step]]
id = "clear"
title_ko = "정리 시작"
title_en = "Start clearing"
action = { kind = "start_timer", timer = "clearing" }

[[step]]
id = "cleared"
title_ko = "정리 완료"
title_en = "Cleared"
action = { kind = "draft_packet", to = "police" }
end = true
"""


def refused(text: str) -> SopFileError:
    with pytest.raises(SopFileError) as caught:
        load_procedure_text(textwrap.dedent(text), Path("proc.toml"))
    return caught.value


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# -- files -------------------------------------------------------------------------------------


def test_a_procedure_file_loads_with_its_steps_timers_and_digest() -> None:
    loaded = load_procedure_text(SMALL, Path("small.toml"))
    procedure = loaded.procedure
    assert [s.id for s in procedure.step] == ["look", "injured", "ambulance", "clear", "cleared"]
    assert procedure.mandatory_steps == ("look",)
    assert procedure.following(procedure.step[0]) == "injured"
    assert procedure.following(procedure.step[1], "yes") == "ambulance"
    assert procedure.following(procedure.step[4]) is None
    assert len(loaded.digest) == 64
    assert loaded.step_line("ambulance") == line_of(SMALL, 'id = "ambulance"') - 1


@pytest.mark.parametrize(
    ("change", "needle", "problem", "key"),
    [
        (
            ('owner = "fire"\nnext = "clear"', 'owner = "fire"\nnext = "clearr"'),
            'next = "clearr"',
            "'clearr', which is no step",
            "next",
        ),
        (
            ('label_en = "Yes", next = "ambulance"', 'label_en = "Yes", next = "nowhere"'),
            'next = "nowhere"',
            "leads to 'nowhere', which is no step",
            "answers.next",
        ),
        (('owner = "fire"', 'ownr = "fire"'), "ownr", "unknown key 'ownr'", "ownr"),
        (
            ('owner = "fire"', 'owner = "firemen"'),
            'owner = "firemen"',
            "'firemen' is not a valid owner",
            "owner",
        ),
        (
            ("target_s = 60", 'target_s = "sixty"'),
            'target_s = "sixty"',
            "'sixty' is not valid",
            "target_s",
        ),
        (('"T-ACC"', '"T-ACCIDENT"'), "T-ACCIDENT", "not an incident type", "incident_types"),
        (
            ('timer = "clearing"', 'timer = "cleaning"'),
            'timer = "cleaning"',
            "no timer 'cleaning'",
            "action.timer",
        ),
        (
            ('to = "police" }', 'to = "fire" }'),
            'to = "fire" }',
            "shares nothing with fire",
            "action.to",
        ),
        (
            ('stop = ["camera.viewed"]', 'stop = ["camera.seen"]'),
            "camera.seen",
            "neither an event",
            "stop",
        ),
    ],
)
def test_a_mistake_is_refused_with_its_line_and_key(
    change: tuple[str, str], needle: str, problem: str, key: str
) -> None:
    text = SMALL.replace(*change, 1)
    assert text != SMALL
    error = refused(text)
    assert problem in error.problem
    assert error.key == key
    assert error.line == line_of(text, needle)
    assert f"line {error.line}" in str(error) and "proc.toml" in str(error)


def test_a_loop_is_refused_naming_the_steps_that_go_round() -> None:
    text = SMALL.replace('owner = "fire"\nnext = "clear"', 'owner = "fire"\nnext = "look"')
    error = refused(text)
    assert "loop (look → injured → ambulance → look)" in error.problem
    assert error.step_id == "ambulance" and error.line == line_of(text, 'next = "look"')


def test_a_step_no_path_reaches_is_refused() -> None:
    text = SMALL.replace(
        '{ id = "yes", label_ko = "예", label_en = "Yes", next = "ambulance" }',
        '{ id = "yes", label_ko = "예", label_en = "Yes", next = "clear" }',
    )
    error = refused(text)
    assert "reaches the step 'ambulance'" in error.problem
    assert error.line == line_of(text, 'id = "ambulance"') - 1


def test_broken_toml_and_doubled_ids_are_named() -> None:
    error = refused(SMALL.replace('title_en = "Look"', 'title_en = "Look'))
    assert "not valid TOML" in error.problem and error.line == line_of(SMALL, 'title_en = "Look"')
    error = refused(SMALL.replace('id = "ambulance"', 'id = "look"'))
    assert "'look' is used twice" in error.problem
    error = refused(
        SMALL.replace('{ id = "no", label_ko = "아니오", label_en = "No", next = "clear" },\n', "")
    )
    assert "at least two answers" in error.problem


def test_every_shipped_procedure_loads() -> None:
    files = sorted(SOP_DIR.glob("*.toml"))
    assert files
    for path in files:
        loaded = load_procedure_file(path)
        assert loaded.procedure.incident_types, f"{path.name} is no type's default"


# -- the library -------------------------------------------------------------------------------


def test_a_refused_file_keeps_its_last_good_version_in_force(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    library = ProcedureLibrary([tmp_path])
    report = library.load()
    assert report.loaded == 1 and not report.refused and report.changed == ("small",)
    first = library.for_type("T-ACC")
    assert first is not None and first.procedure.version == 1

    path.write_text(SMALL.replace('next = "clear"', 'next = "gone"', 1), encoding="utf-8")
    report = library.load()
    assert len(report.refused) == 1 and "'gone', which is no step" in str(report.refused[0])
    assert library.for_type("T-ACC") is first  # the last good version stays in force

    path.write_text(SMALL.replace("version = 1", "version = 2"), encoding="utf-8")
    report = library.load()
    assert not report.refused and report.changed == ("small",)
    second = library.for_type("T-ACC")
    assert second is not None and second.procedure.version == 2
    assert library.get("small", 1) is first  # runs under version 1 still find their steps


def test_two_files_cannot_claim_the_same_id_or_incident_type(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "b.toml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "c.toml").write_text(
        SMALL.replace('id = "small"', 'id = "other"'), encoding="utf-8"
    )
    report = ProcedureLibrary([tmp_path]).load()
    assert report.loaded == 1
    problems = sorted(str(e) for e in report.refused)
    assert "already used by a.toml" in problems[0]
    assert "T-ACC already has a default procedure in a.toml" in problems[1]


# -- commands, fold and progress ---------------------------------------------------------------


class Room:
    """A state folded from decided commands, on a fake clock."""

    def __init__(self) -> None:
        self.state = CityState()
        self.clock = FakeClock(T0)
        self.seq = 0
        self.loaded = load_procedure_text(SMALL)

    def do(self, command: object, actor: str = "operator:kim", after_ms: int = 0) -> None:
        self.clock.advance(after_ms)
        for event in decide(
            self.state, command, source="t", actor=actor, now_ms=self.clock.now_ms()
        ):  # type: ignore[arg-type]
            self.publish(event)

    def publish(self, event: object) -> None:
        from core.events import EventRecord, canonical_json

        self.seq += 1
        new = event  # a NewEvent
        record = EventRecord(
            self.seq,
            new.ts_ms or self.clock.now_ms(),  # type: ignore[attr-defined]
            str(new.type),  # type: ignore[attr-defined]
            new.source,  # type: ignore[attr-defined]
            new.actor,  # type: ignore[attr-defined]
            new.subject,  # type: ignore[attr-defined]
            canonical_json(new.payload),  # type: ignore[attr-defined]
            b"",
            b"",
        )
        self.state.apply(record)

    def progress(self, incident_id: str = "INC-000001"):  # type: ignore[no-untyped-def]
        incident = self.state.incidents[incident_id]
        assert incident.procedure is not None
        return progress(self.loaded.procedure, incident.procedure, incident, self.clock.now_ms())


def started_room() -> Room:
    room = Room()
    room.do(ReportIncident("T-ACC", 37.5, 127.0, "11230"))
    room.do(start_command("INC-000001", room.loaded), actor="system:procedures")
    return room


def test_steps_follow_the_answers_and_off_path_steps_show_as_such() -> None:
    room = started_room()
    view = room.progress()
    assert [s.status for s in view.steps] == [
        StepStatus.CURRENT,
        StepStatus.PENDING,
        StepStatus.OFF_PATH,  # "no" is the first answer: no ambulance unless answered yes
        StepStatus.PENDING,
        StepStatus.PENDING,
    ]
    room.do(CompleteStep("INC-000001", "look"), after_ms=20_000)
    room.do(CompleteStep("INC-000001", "injured", answer="yes"), after_ms=5_000)
    view = room.progress()
    statuses = {s.step.id: s.status for s in view.steps}
    assert statuses["ambulance"] is StepStatus.CURRENT
    record = view.steps[1].record
    assert record is not None and record.answer == "yes" and record.actor == "operator:kim"
    assert view.current is not None and view.current.step.id == "ambulance"


def test_a_mandatory_step_is_skipped_only_with_a_reason() -> None:
    room = started_room()
    with pytest.raises(CommandRejected, match="mandatory: say why"):
        room.do(SkipStep("INC-000001", "look"))
    room.do(SkipStep("INC-000001", "look", reason="cameras down in this street"))
    room.do(SkipStep("INC-000001", "injured"))  # optional: no reason needed
    view = room.progress()
    assert view.steps[0].status is StepStatus.SKIPPED
    assert view.steps[0].record is not None
    assert view.steps[0].record.text == "cameras down in this street"
    with pytest.raises(CommandRejected, match="already skipped by operator:kim"):
        room.do(CompleteStep("INC-000001", "look"))
    with pytest.raises(CommandRejected, match="has no step 'lok'"):
        room.do(CompleteStep("INC-000001", "lok"))


def test_a_step_overdue_is_flagged_and_timers_change_colour_at_their_targets() -> None:
    room = started_room()
    view = room.progress()
    first, clearing = view.timers
    assert first.level is TimerLevel.OK and clearing.level is TimerLevel.WAITING
    room.clock.advance(46_000)
    view = room.progress()
    assert view.timers[0].level is TimerLevel.WARN  # 75 % of 60 s
    assert not view.overdue
    room.clock.advance(15_000)
    view = room.progress()
    assert view.timers[0].level is TimerLevel.OVER
    assert [s.step.id for s in view.overdue] == ["look"]
    # The first look at a camera for this incident stops the clock: 65 s, missed.
    room.publish(
        CameraViewed("CAM-1", "incident", incident_id="INC-000001").to_new(
            "t", "operator:kim", room.clock.advance(4_000)
        )
    )
    view = room.progress()
    assert view.timers[0].level is TimerLevel.MISSED and view.timers[0].elapsed_ms == 65_000
    # A timer started by an action runs from the action to its stop step.
    room.do(CompleteStep("INC-000001", "look"))
    room.do(CompleteStep("INC-000001", "injured", answer="no"))
    room.do(CompleteStep("INC-000001", "clear"))
    room.do(StartProcedureTimer("INC-000001", "clearing"))
    with pytest.raises(CommandRejected, match="already runs"):
        room.do(StartProcedureTimer("INC-000001", "clearing"))
    room.do(CompleteStep("INC-000001", "cleared"), after_ms=120_000)
    view = room.progress()
    assert view.timers[1].level is TimerLevel.MET and view.timers[1].elapsed_ms == 120_000
    assert view.finished and not view.open_mandatory


def test_the_procedure_is_worked_until_the_incident_is_closed() -> None:
    room = started_room()
    room.do(Acknowledge("INC-000001"))
    room.do(Resolve("INC-000001"))
    room.do(CompleteStep("INC-000001", "look"))  # a resolved incident's last steps still count
    room.do(Close("INC-000001"))
    with pytest.raises(IllegalTransition, match="reopen it first"):
        room.do(CompleteStep("INC-000001", "injured", answer="no"))


def test_another_procedure_replaces_the_first_only_with_a_reason() -> None:
    room = started_room()
    other = load_procedure_file(SOP_DIR / "fire-blocked-access.toml")
    with pytest.raises(CommandRejected, match="say why"):
        room.do(start_command("INC-000001", other))
    with pytest.raises(CommandRejected, match="already follows small"):
        room.do(start_command("INC-000001", room.loaded))
    room.do(start_command("INC-000001", other, reason="it is a fire after all"))
    run = room.state.incidents["INC-000001"].procedure
    assert run is not None and run.procedure_id == "fire-blocked-access" and run.replaced == 1
    assert run.digest == other.digest and not run.records


def test_a_run_survives_a_snapshot() -> None:
    room = started_room()
    room.do(CompleteStep("INC-000001", "injured", answer="yes", note="two hurt"))
    copy = room.state.copy()
    incident = copy.incidents["INC-000001"]
    assert incident.procedure == room.state.incidents["INC-000001"].procedure
    assert incident.firsts == room.state.incidents["INC-000001"].firsts


# -- the starter on a real log -----------------------------------------------------------------


def test_new_incidents_get_their_default_procedure(tmp_path: Path) -> None:
    (tmp_path / "sop").mkdir()
    (tmp_path / "sop" / "small.toml").write_text(SMALL, encoding="utf-8")
    library = ProcedureLibrary([tmp_path / "sop"])
    library.load()
    backend = LocalBackend.open(tmp_path / "events.db")
    try:
        waiting = backend.submit(ReportIncident("T-ACC", 37.5, 127.0, "11230"), "112").result()
        starter = ProcedureStarter(backend, library)
        starter.start(backend.stats().result().last_seq, [(str(waiting[0].subject), "T-ACC")])
        backend.submit(ReportIncident("T-ACC", 37.51, 127.0, "11230"), "112").result()
        backend.submit(ReportIncident("E-BIN", 37.52, 127.0, "11230"), "sensor").result()
        wait_for(lambda: starter.started == 2, timeout=5)
        state = backend.snapshot().result()
        runs = {i.id: i.procedure for i in state.incidents.values()}
        assert runs["INC-000001"] is not None and runs["INC-000002"] is not None
        assert runs["INC-000001"].procedure_id == "small"
        assert runs["INC-000001"].started_by == "system:procedures"
        # One reported while the starter ran starts at its report's time.
        second = state.incidents["INC-000002"]
        assert second.procedure is not None and second.procedure.started_ms == second.opened_ms
        assert runs["INC-000003"] is None  # a bin full has no procedure
        starter.stop()
    finally:
        backend.close()


def test_the_catalogue_names_a_types_procedure_before_the_files_do(tmp_path: Path) -> None:
    from dataclasses import replace

    import core.catalogue as catalogue

    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    other = SMALL.replace('id = "small"', 'id = "other"').replace('["T-ACC"]', '["T-JAY"]')
    (tmp_path / "other.toml").write_text(other, encoding="utf-8")
    library = ProcedureLibrary([tmp_path])
    library.load()
    found = library.for_type("T-ACC")
    assert found is not None and found.procedure.id == "small"
    # A site's catalogue maps its own type (or an existing one) to a procedure by id.
    original = catalogue.CATALOGUE["T-ACC"]
    catalogue.CATALOGUE["T-ACC"] = replace(original, procedure="other")
    try:
        found = library.for_type("T-ACC")
        assert found is not None and found.procedure.id == "other"
        catalogue.CATALOGUE["T-ACC"] = replace(original, procedure="no-such-procedure")
        found = library.for_type("T-ACC")
        assert found is not None and found.procedure.id == "small"
    finally:
        catalogue.CATALOGUE["T-ACC"] = original


def test_a_procedure_that_shares_nothing_cannot_send_anything() -> None:
    start = SMALL.index("[[share]]")
    end = SMALL.index("[[timer]]")
    error = refused(SMALL[:start] + SMALL[end:])
    assert "shares nothing with police" in error.problem and error.key == "action.to"
