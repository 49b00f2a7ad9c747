"""Escalation by the clock: a critical incident left unacknowledged past the limit is due once;
acknowledged, escalated already or less than critical it is not; overdue procedure steps are
reminded once each, by the version the incident follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FakeClock
from core.commands import Acknowledge, Command, Escalate, ReportIncident, decide
from core.events import EventRecord, NewEvent, canonical_json
from core.sop.commands import CompleteStep
from core.sop.escalation import (
    ACTOR,
    EscalationCheck,
    awaiting_supervisor,
    due_for_escalation,
    escalation_comment,
    overdue_steps,
)
from core.sop.library import ProcedureLibrary
from core.sop.starter import start_command
from core.state import CityState

T0 = 1_790_000_000_000

PROCEDURE = """\
id = "quick"
version = 1
title_ko = "빠른 절차"
title_en = "A quick procedure"
service = "fire_dispatch"
incident_types = ["F-FIRE"]

[[step]]
id = "look"
title_ko = "현장 확인"
title_en = "Look at the scene"
due_s = 30

[[step]]
id = "call"
title_ko = "119 통보"
title_en = "Call 119"
due_s = 90

[[step]]
id = "wrap"
title_ko = "마무리"
title_en = "Wrap up"
"""


class Room:
    """A state folded from decided commands, on a fake clock."""

    def __init__(self) -> None:
        self.state = CityState()
        self.clock = FakeClock(T0)
        self.seq = 0

    def do(self, command: Command, actor: str = "operator:kim") -> list[EventRecord]:
        events = decide(self.state, command, source="t", actor=actor, now_ms=self.clock.now_ms())
        return [self._fold(e) for e in events]

    def report(self, type_code: str = "F-FIRE", severity: int | None = None) -> str:
        records = self.do(ReportIncident(type_code, 37.5, 127.0, "11230", severity), "agency:119")
        return str(records[0].subject)

    def after(self, seconds: float) -> None:
        self.clock.advance(int(seconds * 1000))

    def _fold(self, event: NewEvent) -> EventRecord:
        self.seq += 1
        record = EventRecord(
            self.seq,
            event.ts_ms or self.clock.now_ms(),
            str(event.type),
            event.source,
            event.actor,
            event.subject,
            canonical_json(event.payload),
            b"",
            b"",
        )
        self.state.apply(record)
        return record

    @property
    def incidents(self) -> list:  # type: ignore[type-arg]
        return list(self.state.incidents.values())


def library_with(folder: Path, text: str = PROCEDURE) -> ProcedureLibrary:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "quick.toml").write_text(text, encoding="utf-8")
    library = ProcedureLibrary([folder])
    assert not library.load().refused
    return library


def test_a_critical_incident_is_due_only_once_the_limit_has_passed() -> None:
    room = Room()
    fire = room.report("F-FIRE")  # critical by the catalogue
    room.after(59.999)
    assert due_for_escalation(room.incidents, room.clock.now_ms(), 60) == []
    room.after(0.001)
    (due,) = due_for_escalation(room.incidents, room.clock.now_ms(), 60)
    assert due.incident_id == fire and due.waited_ms == 60_000 and due.opened_ms == T0


def test_acknowledged_escalated_or_less_than_critical_incidents_are_not_due() -> None:
    room = Room()
    acknowledged = room.report("F-FIRE")
    escalated = room.report("F-FIRE")
    minor = room.report("F-EMS")  # major (2) by the catalogue
    raised = room.report("F-EMS")
    room.after(10)
    room.do(Acknowledge(acknowledged))
    room.do(Escalate(escalated, "by hand"))
    room.do(Escalate(raised, "by hand"))  # major -> critical, but escalated already
    room.after(600)
    assert due_for_escalation(room.incidents, room.clock.now_ms(), 60) == []
    assert room.state.incidents[raised].severity == 1
    assert room.state.incidents[minor].severity == 2


def test_the_check_reports_an_incident_once_and_again_only_when_forgotten() -> None:
    room = Room()
    fire = room.report()
    check = EscalationCheck(None, after_s=60)
    room.after(61)
    assert [d.incident_id for d in check.check(room.incidents, room.clock.now_ms()).escalate] == [
        fire
    ]
    room.after(1)
    assert check.check(room.incidents, room.clock.now_ms()).escalate == ()
    check.forget(fire)  # the escalation failed: try again
    assert len(check.check(room.incidents, room.clock.now_ms()).escalate) == 1
    room.do(Escalate(fire, escalation_comment(60)), actor=ACTOR)
    check.forget(fire)
    assert check.check(room.incidents, room.clock.now_ms()).escalate == ()  # escalated now


def test_the_limit_is_validated() -> None:
    with pytest.raises(ValueError, match="give 10 to 3600 seconds"):
        EscalationCheck(None, after_s=5)
    check = EscalationCheck(None)
    assert check.after_s == 60
    with pytest.raises(ValueError):
        check.after_s = 9.5


def test_an_automatically_escalated_incident_awaits_the_supervisor_until_acknowledged() -> None:
    room = Room()
    auto, by_hand = room.report(), room.report()
    room.after(60)
    room.do(Escalate(auto, escalation_comment(60)), actor=ACTOR)
    room.do(Escalate(by_hand, "supervisor asked for it"))
    assert [i.id for i in awaiting_supervisor(room.incidents)] == [auto]
    transition = room.state.incidents[auto].transitions[-1]
    assert transition.comment == "Not acknowledged within 60 s" and transition.actor == ACTOR
    room.do(Acknowledge(auto))
    assert awaiting_supervisor(room.incidents) == []


def test_overdue_steps_are_reminded_once_each(tmp_path: Path) -> None:
    library = library_with(tmp_path / "sop")
    loaded = library.get("quick")
    assert loaded is not None
    room = Room()
    fire = room.report()
    room.do(start_command(fire, loaded), actor="system:procedures")
    check = EscalationCheck(library, after_s=600)
    room.after(29)
    assert check.check(room.incidents, room.clock.now_ms()).overdue == ()
    room.after(1)
    (look,) = check.check(room.incidents, room.clock.now_ms()).overdue
    assert (look.incident_id, look.step.id, look.due_ms) == (fire, "look", T0 + 30_000)
    room.after(5)
    assert check.check(room.incidents, room.clock.now_ms()).overdue == ()  # once
    room.do(CompleteStep(fire, "look"))
    room.after(60)
    (call,) = check.check(room.incidents, room.clock.now_ms()).overdue
    assert call.step.id == "call" and call.step.title_en == "Call 119"
    # The pure function still lists what is overdue now, whoever was told.
    assert [o.step.id for o in overdue_steps(room.incidents, library, room.clock.now_ms())] == [
        "call"
    ]


def test_a_step_done_before_its_time_is_not_reminded(tmp_path: Path) -> None:
    library = library_with(tmp_path / "sop")
    loaded = library.get("quick")
    assert loaded is not None
    room = Room()
    fire = room.report()
    room.do(start_command(fire, loaded), actor="system:procedures")
    check = EscalationCheck(library, after_s=600)
    room.after(31)
    assert [o.step.id for o in check.check(room.incidents, room.clock.now_ms()).overdue] == [
        "look"
    ]
    room.do(CompleteStep(fire, "call"))  # done early, after the check had seen it waiting
    room.after(120)
    assert check.check(room.incidents, room.clock.now_ms()).overdue == ()
    assert overdue_steps(room.incidents, library, room.clock.now_ms())[0].step.id == "look"


def test_steps_of_a_version_this_process_has_not_read_are_not_judged(tmp_path: Path) -> None:
    library = library_with(tmp_path / "sop", PROCEDURE.replace("version = 1", "version = 2"))
    room = Room()
    fire = room.report()
    old = start_command(fire, library_with(tmp_path / "old").get("quick"))  # type: ignore[arg-type]
    room.do(old, actor="system:procedures")  # version 1: not in ``library``
    room.after(120)
    assert overdue_steps(room.incidents, library, room.clock.now_ms()) == []
