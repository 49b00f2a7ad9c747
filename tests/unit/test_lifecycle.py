"""The incident lifecycle: every command, every illegal step, and what the events record."""

from __future__ import annotations

import pytest

from core.commands import (
    Acknowledge,
    AddNote,
    Assign,
    Close,
    Command,
    Escalate,
    MarkDispatched,
    MergeDuplicate,
    Reopen,
    ReportIncident,
    Resolve,
    StartWork,
    decide,
)
from core.errors import CommandRejected, IllegalTransition
from core.eventlog import EventLog
from core.model import IncidentStatus as St
from core.state import CityState


class Room:
    """A log and its folded state, driven by commands as a backend would."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.state = CityState()

    def do(self, command: Command, actor: str = "operator:kim") -> str:
        events = decide(self.state, command, source="test", actor=actor)
        records = self.log.append(events)
        self.state.apply_all(records)
        return str(records[0].subject)


@pytest.fixture
def room(log_path):  # type: ignore[no-untyped-def]
    log = EventLog.open(log_path)
    yield Room(log)
    log.close()


def fire(room: Room) -> str:
    return room.do(
        ReportIncident("F-FIRE", 37.5, 127.03, "11230", summary="주택 화재"), actor="agency:119"
    )


def test_the_full_lifecycle_records_every_transition(room: Room) -> None:
    iid = fire(room)
    steps = [
        (Acknowledge(iid, "seen on camera"), St.ACKNOWLEDGED),
        (Assign(iid, "taking it", assignee="operator:lee"), St.ASSIGNED),
        (StartWork(iid), St.IN_PROGRESS),
        (MarkDispatched(iid, agencies=("fire-119",)), St.DISPATCHED),
        (Resolve(iid, "fire out"), St.RESOLVED),
        (Close(iid, "report filed"), St.CLOSED),
    ]
    for command, status in steps:
        room.do(command)
        assert room.state.incidents[iid].status is status
    incident = room.state.incidents[iid]
    assert [t.status for t in incident.transitions] == [St.NEW] + [s for _, s in steps]
    assert incident.transitions[1].comment == "seen on camera"
    assert incident.transitions[1].actor == "operator:kim"
    assert incident.reported_by == "agency:119"
    assert incident.assignee == "operator:lee"
    assert incident.agencies == ["fire-119"]
    assert incident.time_of(St.RESOLVED) is not None
    assert incident.last_changed_ms >= incident.opened_ms
    assert room.log.verify().ok


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (Resolve, "Cannot resolve INC-000001: it is new; acknowledge it first."),
        (Close, "Cannot close INC-000001: it is new; resolve it first."),
        (StartWork, "Cannot start work on INC-000001: it is new; assign it first."),
        (Reopen, "Cannot reopen INC-000001: it is new; it is still open."),
    ],
)
def test_illegal_transitions_say_what_to_do(room: Room, command: type, message: str) -> None:
    iid = fire(room)
    with pytest.raises(IllegalTransition) as err:
        room.do(command(iid))
    assert str(err.value) == message
    assert room.log.last_seq == 1, "a rejected command writes nothing"


def test_acknowledge_twice_is_illegal(room: Room) -> None:
    iid = fire(room)
    room.do(Acknowledge(iid))
    with pytest.raises(IllegalTransition, match="already acknowledged"):
        room.do(Acknowledge(iid))


def test_escalate_raises_severity_and_counts(room: Room) -> None:
    iid = room.do(ReportIncident("T-PARK", 37.5, 127.0, "11230"))
    assert room.state.incidents[iid].severity == 3
    room.do(Escalate(iid, "blocking an ambulance"))
    room.do(Escalate(iid))
    room.do(Escalate(iid))
    incident = room.state.incidents[iid]
    assert incident.severity == 1 and incident.escalations == 3
    assert incident.status is St.NEW


def test_reopen_returns_to_the_assignee(room: Room) -> None:
    iid = fire(room)
    room.do(Acknowledge(iid))
    room.do(Assign(iid, assignee="operator:park"))
    room.do(Resolve(iid))
    room.do(Reopen(iid, "smoke again"))
    assert room.state.incidents[iid].status is St.ASSIGNED
    other = fire(room)
    room.do(Acknowledge(other))
    room.do(Resolve(other))
    room.do(Close(other))
    room.do(Reopen(other))
    assert room.state.incidents[other].status is St.ACKNOWLEDGED


def test_merge_as_duplicate(room: Room) -> None:
    first, second = fire(room), fire(room)
    room.do(MergeDuplicate(second, "same building", into_id=first))
    assert room.state.incidents[second].status is St.MERGED
    assert room.state.incidents[second].merged_into == first
    assert room.state.incidents[first].duplicates == [second]
    with pytest.raises(CommandRejected, match="into itself"):
        room.do(MergeDuplicate(first, into_id=first))
    third = fire(room)
    with pytest.raises(IllegalTransition, match="merge into an open incident"):
        room.do(MergeDuplicate(third, into_id=second))


def test_bad_commands_are_rejected_clearly(room: Room) -> None:
    with pytest.raises(CommandRejected, match="no incident 'INC-404'"):
        room.do(Acknowledge("INC-404"))
    with pytest.raises(CommandRejected, match="Unknown incident type 'X-NOPE'"):
        room.do(ReportIncident("X-NOPE", 37.5, 127.0, None))
    with pytest.raises(CommandRejected, match="not a WGS 84 point"):
        room.do(ReportIncident("F-FIRE", 137.5, 127.0, None))
    iid = fire(room)
    room.do(Acknowledge(iid))
    with pytest.raises(CommandRejected, match="whom to assign"):
        room.do(Assign(iid, assignee="  "))
    with pytest.raises(CommandRejected, match="note needs some text"):
        room.do(AddNote(iid, ""))


def test_notes_are_allowed_even_on_closed_incidents(room: Room) -> None:
    iid = fire(room)
    room.do(Acknowledge(iid))
    room.do(Resolve(iid))
    room.do(Close(iid))
    room.do(AddNote(iid, "reviewed by the supervisor"), actor="operator:supervisor")
    assert room.state.incidents[iid].notes == 1
    assert room.log.by_subject(iid)[-1].actor == "operator:supervisor"


def test_incident_ids_continue_after_a_rebuild(room: Room) -> None:
    from core.state import rebuild

    fire(room)
    fire(room)
    rebuilt = rebuild(room.log)
    assert rebuilt.next_incident_id() == "INC-000003"


def test_an_automatic_escalation_is_recorded_at_most_once(room: Room) -> None:
    iid = fire(room)
    automatic = Escalate(iid, "not acknowledged", only_if_unattended=True)
    room.do(automatic, actor="system:escalation")
    # A second workstation racing the first is refused on the backend's state.
    with pytest.raises(CommandRejected, match="escalated meanwhile"):
        room.do(automatic, actor="system:escalation")
    # And none once someone has acknowledged it.
    other = fire(room)
    room.do(Acknowledge(other))
    with pytest.raises(CommandRejected, match="acknowledged or escalated"):
        room.do(Escalate(other, only_if_unattended=True), actor="system:escalation")
    assert room.state.incidents[iid].escalations == 1
    assert room.state.incidents[other].escalations == 0
