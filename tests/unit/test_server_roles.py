"""The backend's access policy: every role against representative commands and events."""

from __future__ import annotations

import pytest

from core.events import EventType
from core.remote.wire import COMMANDS
from server.roles import (
    Account,
    Denial,
    Role,
    known_districts,
    may_manage_accounts,
    may_publish,
    may_read_audit,
    may_submit,
    may_view_camera,
    visible_districts,
)

JONGNO, JUNG, GANGNAM = "11010", "11020", "11230"


def account(
    role: Role, *districts: str, all_districts: bool = False, disabled: bool = False
) -> Account:
    return Account(
        username=f"{role}1",
        display_name="Kim",
        role=role,
        districts=frozenset(districts),
        all_districts=all_districts,
        disabled=disabled,
    )


OPERATOR = account(Role.OPERATOR, JONGNO, JUNG)
SUPERVISOR = account(Role.SUPERVISOR)
ADMINISTRATOR = account(Role.ADMINISTRATOR)
LIAISON = account(Role.LIAISON, JONGNO)
AUDITOR = account(Role.AUDITOR)
EVERYONE = (OPERATOR, SUPERVISOR, ADMINISTRATOR, LIAISON, AUDITOR)


def allowed(result: Denial | None) -> bool:
    return result is None


# (command, operator in its district, liaison, auditor); supervisor and administrator: all
SUBMIT_MATRIX = [
    ("ReportIncident", True, False, False),
    ("Acknowledge", True, False, False),
    ("Assign", True, False, False),
    ("Close", True, False, False),
    ("StartProcedure", True, False, False),
    ("CompleteStep", True, False, False),
    ("AddNote", True, True, False),
    ("AddObservation", True, True, False),
    ("MarkTimeline", True, True, False),
    ("Reopen", False, False, False),
    ("MergeDuplicate", False, False, False),
]


@pytest.mark.parametrize(("command", "operator", "liaison", "auditor"), SUBMIT_MATRIX)
def test_submit_matrix(command: str, operator: bool, liaison: bool, auditor: bool) -> None:
    assert command in COMMANDS
    assert allowed(may_submit(OPERATOR, command, JONGNO)) is operator
    assert allowed(may_submit(LIAISON, command, JONGNO)) is liaison
    assert allowed(may_submit(AUDITOR, command, JONGNO)) is auditor
    assert allowed(may_submit(SUPERVISOR, command, GANGNAM))
    assert allowed(may_submit(ADMINISTRATOR, command, GANGNAM))


def test_every_command_is_decided_for_every_role() -> None:
    for command in COMMANDS:
        for who in EVERYONE:
            result = may_submit(who, command, JONGNO)
            assert result is None or isinstance(result, Denial)


def test_operator_acts_only_in_its_districts() -> None:
    denial = may_submit(OPERATOR, "Acknowledge", GANGNAM)
    assert denial is not None
    assert GANGNAM in denial.message and "11010, 11020" in denial.message
    assert "users set-role" in denial.message
    assert may_submit(OPERATOR, "ReportIncident", None) is None  # no district yet
    everywhere = account(Role.OPERATOR, all_districts=True)
    assert may_submit(everywhere, "Acknowledge", GANGNAM) is None


def test_denials_say_who_may() -> None:
    reopen = may_submit(OPERATOR, "Reopen", JONGNO)
    assert reopen is not None and "supervisor" in reopen.message
    note = may_submit(AUDITOR, "AddNote", JONGNO)
    assert note is not None and "auditors only read" in note.message
    liaison = may_submit(LIAISON, "Close", JONGNO)
    assert liaison is not None and "AddNote, AddObservation, MarkTimeline" in liaison.message


# (event type, operator in its district, supervisor); administrator: all; liaison, auditor: none
PUBLISH_MATRIX = [
    (EventType.CAMERA_VIEWED, True, True),
    (EventType.CAMERA_MASKS_CHANGED, True, True),
    (EventType.EVIDENCE_CAPTURED, True, True),
    (EventType.PACKET_QUEUED, True, True),
    (EventType.PACKET_DELIVERED, True, True),
    (EventType.PROCEDURE_STARTED, True, True),
    (EventType.PROCEDURE_TIMER_STARTED, True, True),
    (EventType.BUNDLE_EXPORTED, True, True),
    (EventType.SENSOR_READING, False, False),
    (EventType.SITUATION_DETECTED, False, False),
    (EventType.INCIDENT_REPORTED, False, False),
    (EventType.SIMULATOR_STATE, False, False),
]


@pytest.mark.parametrize(("event_type", "operator", "supervisor"), PUBLISH_MATRIX)
def test_publish_matrix(event_type: EventType, operator: bool, supervisor: bool) -> None:
    assert allowed(may_publish(OPERATOR, str(event_type), JONGNO)) is operator
    assert allowed(may_publish(SUPERVISOR, str(event_type), GANGNAM)) is supervisor
    assert allowed(may_publish(ADMINISTRATOR, str(event_type), GANGNAM))
    assert not allowed(may_publish(LIAISON, str(event_type), JONGNO))
    assert not allowed(may_publish(AUDITOR, str(event_type), JONGNO))


def test_operator_publishes_camera_facts_only_for_its_districts() -> None:
    for event_type in (EventType.CAMERA_VIEWED, EventType.EVIDENCE_CAPTURED):
        denial = may_publish(OPERATOR, str(event_type), GANGNAM)
        assert denial is not None and GANGNAM in denial.message
    # Packets and procedures name no camera: the district does not apply.
    assert may_publish(OPERATOR, str(EventType.PACKET_SENT), None) is None


def test_unknown_event_type_is_refused_except_for_administrators() -> None:
    denial = may_publish(SUPERVISOR, "nonsense.thing", None)
    assert denial is not None and "administrator" in denial.message
    assert may_publish(ADMINISTRATOR, "sensor.reading", None) is None


def test_cameras_audit_and_accounts() -> None:
    assert may_view_camera(OPERATOR, JUNG) is None
    assert may_view_camera(OPERATOR, GANGNAM) is not None
    assert may_view_camera(OPERATOR, None) is not None
    assert may_view_camera(LIAISON, JONGNO) is None
    assert may_view_camera(SUPERVISOR, GANGNAM) is None
    assert [allowed(may_read_audit(a)) for a in EVERYONE] == [False, True, True, False, True]
    assert [allowed(may_manage_accounts(a)) for a in EVERYONE] == [
        False,
        False,
        True,
        False,
        False,
    ]


def test_visible_districts() -> None:
    assert visible_districts(OPERATOR) == frozenset({JONGNO, JUNG})
    assert visible_districts(LIAISON) == frozenset({JONGNO})
    for everything in (
        SUPERVISOR,
        ADMINISTRATOR,
        AUDITOR,
        account(Role.OPERATOR, all_districts=True),
    ):
        assert visible_districts(everything) is None


def test_a_disabled_account_may_do_nothing() -> None:
    gone = account(Role.ADMINISTRATOR, disabled=True)
    results = [
        may_submit(gone, "AddNote", None),
        may_publish(gone, "camera.viewed", None),
        may_view_camera(gone, JONGNO),
        may_read_audit(gone),
        may_manage_accounts(gone),
    ]
    for result in results:
        assert (
            result is not None
            and "disabled" in result.message
            and "users enable" in result.message
        )


def test_roles_have_korean_and_english_names() -> None:
    assert Role.OPERATOR.name_ko == "상황요원"
    assert Role.LIAISON.name_en == "agency liaison officer"
    assert all(role.name_ko and role.name_en for role in Role)


def test_account_json_is_the_login_shape() -> None:
    assert OPERATOR.to_json() == {
        "username": "operator1",
        "display_name": "Kim",
        "role": "operator",
        "districts": [JONGNO, JUNG],
        "all_districts": False,
    }


def test_the_city_has_25_districts() -> None:
    districts = known_districts()
    assert len(districts) == 25
    assert districts[JONGNO] == "Jongno-gu"
