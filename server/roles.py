"""Who may do what on the operations backend: roles, accounts and the policy over them.

The policy functions are pure: each returns ``None`` when the account may do the thing, else a
:class:`Denial` whose message says who may and why, ready for a 403 answer. The caller reads
the account from the database on every request, so a changed role or a disabled account takes
effect at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Any

from core.events import EventType


class Role(StrEnum):
    """What an account is for in the operations centre."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"
    LIAISON = "liaison"
    AUDITOR = "auditor"

    @property
    def name_ko(self) -> str:
        """Korean name of the role."""
        return _ROLE_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """English name of the role."""
        return _ROLE_NAMES[self][1]


_ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.OPERATOR: ("상황요원", "operator"),
    Role.SUPERVISOR: ("상황실장", "supervisor"),
    Role.ADMINISTRATOR: ("시스템 관리자", "administrator"),
    Role.LIAISON: ("유관기관 연락관", "agency liaison officer"),
    Role.AUDITOR: ("감사관", "auditor"),
}


@dataclass(frozen=True, slots=True)
class Account:
    """A person (or a gateway) who may log in, as the policy sees it."""

    username: str
    display_name: str
    role: Role
    districts: frozenset[str]
    all_districts: bool
    disabled: bool = False

    def to_json(self) -> dict[str, Any]:
        """The account as the login answer carries it (districts sorted)."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": str(self.role),
            "districts": sorted(self.districts),
            "all_districts": self.all_districts,
        }


@dataclass(frozen=True, slots=True)
class Denial:
    """Why an account may not do something, and who may."""

    message: str


# -- what each role may do -------------------------------------------------------------------

_LIAISON_COMMANDS = frozenset({"AddNote", "AddObservation", "MarkTimeline"})
_SUPERVISOR_COMMANDS = frozenset({"Reopen", "MergeDuplicate"})

_CAMERA_EVENTS = frozenset(
    {EventType.CAMERA_VIEWED, EventType.CAMERA_MASKS_CHANGED, EventType.EVIDENCE_CAPTURED}
)
_PACKET_EVENTS = frozenset(
    {
        EventType.PACKET_REFUSED,
        EventType.PACKET_QUEUED,
        EventType.PACKET_ATTEMPT_FAILED,
        EventType.PACKET_SENT,
        EventType.PACKET_DELIVERED,
        EventType.PACKET_ACKNOWLEDGED,
        EventType.PACKET_FAILED,
    }
)
_PROCEDURE_EVENTS = frozenset(
    {
        EventType.PROCEDURE_STARTED,
        EventType.PROCEDURE_STEP_DONE,
        EventType.PROCEDURE_STEP_SKIPPED,
        EventType.PROCEDURE_TIMER_STARTED,
    }
)
# An export of camera material must be on record, whoever makes it.
_EXPORT_EVENTS = frozenset({EventType.BUNDLE_EXPORTED})
_WORKSTATION_EVENTS = _CAMERA_EVENTS | _PACKET_EVENTS | _PROCEDURE_EVENTS | _EXPORT_EVENTS
"""What an operator's or a supervisor's workstation reports as facts."""

_ALL_DISTRICT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR})
_AUDIT_ROLES = frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.ADMINISTRATOR})


def _who(account: Account) -> str:
    return f"{account.role.name_en} {account.username!r}"


def _disabled(account: Account) -> Denial | None:
    if not account.disabled:
        return None
    return Denial(
        f"account {account.username!r} is disabled; an administrator can enable it with "
        f"'python main.py users enable {account.username}'"
    )


def _district_scope(account: Account) -> str:
    codes = ", ".join(sorted(account.districts)) or "none"
    return (
        f"{_who(account)} works in districts {codes} only; an administrator can change that "
        f"with 'python main.py users set-role {account.username} {account.role} "
        "--districts CODE,CODE'"
    )


def visible_districts(account: Account) -> frozenset[str] | None:
    """The district codes whose incidents and cameras the account sees; ``None`` for all."""
    if account.all_districts or account.role in _ALL_DISTRICT_ROLES:
        return None
    return account.districts


def _in_scope(account: Account, district: str | None) -> bool:
    scope = visible_districts(account)
    return scope is None or district is None or district in scope


def may_submit(
    account: Account, command_name: str, incident_district: str | None
) -> Denial | None:
    """Whether the account may send the command (a class name of ``core.remote.wire.COMMANDS``)
    about an incident in ``incident_district`` (``None``: a new or district-less incident)."""
    if (denied := _disabled(account)) is not None:
        return denied
    role = account.role
    if role in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        return None
    if role is Role.AUDITOR:
        return Denial(
            f"{_who(account)} may not send {command_name}: auditors only read the log; "
            "operators and supervisors handle incidents"
        )
    if role is Role.LIAISON:
        if command_name in _LIAISON_COMMANDS:
            return None
        allowed = ", ".join(sorted(_LIAISON_COMMANDS))
        return Denial(
            f"{_who(account)} may not send {command_name}: agency liaison officers may only "
            f"send {allowed}; operators and supervisors handle incidents"
        )
    if command_name in _SUPERVISOR_COMMANDS:
        return Denial(
            f"{_who(account)} may not send {command_name}: reopening and merging incidents are "
            "a supervisor's decisions; ask a supervisor"
        )
    if not _in_scope(account, incident_district):
        return Denial(
            f"{_who(account)} may not send {command_name} about an incident in district "
            f"{incident_district}: {_district_scope(account)}"
        )
    return None


def may_publish(account: Account, event_type: str, camera_district: str | None) -> Denial | None:
    """Whether the account may append a fact of ``event_type``; ``camera_district`` is the
    district of the camera the event names (``None`` when it names none)."""
    if (denied := _disabled(account)) is not None:
        return denied
    role = account.role
    if role is Role.ADMINISTRATOR:
        return None
    if role in (Role.AUDITOR, Role.LIAISON):
        return Denial(
            f"{_who(account)} may not publish {event_type} events: only operators, "
            "supervisors and administrators report facts to the log"
        )
    try:
        kind = EventType(event_type)
    except ValueError:
        kind = None
    if kind not in _WORKSTATION_EVENTS:
        return Denial(
            f"{_who(account)} may not publish {event_type} events: a workstation reports "
            "camera, evidence, packet and procedure facts only; field devices and the "
            "simulator publish through an administrator account"
        )
    if (
        role is Role.OPERATOR
        and kind in _CAMERA_EVENTS
        and not _in_scope(account, camera_district)
    ):
        return Denial(
            f"{_who(account)} may not publish {event_type} for a camera in district "
            f"{camera_district}: {_district_scope(account)}"
        )
    return None


def may_view_camera(account: Account, district_code: str | None) -> Denial | None:
    """Whether the account may see a camera (and its video) in ``district_code``."""
    if (denied := _disabled(account)) is not None:
        return denied
    scope = visible_districts(account)
    if scope is None or (district_code is not None and district_code in scope):
        return None
    return Denial(
        f"{_who(account)} may not view cameras in district {district_code}: "
        f"{_district_scope(account)}"
    )


def may_see_incident(account: Account, district_code: str | None) -> Denial | None:
    """Whether the account may read an incident (and its events) in ``district_code``."""
    if (denied := _disabled(account)) is not None:
        return denied
    if _in_scope(account, district_code):
        return None
    return Denial(
        f"{_who(account)} may not see incidents in district {district_code}: "
        f"{_district_scope(account)}"
    )


def may_read_audit(account: Account) -> Denial | None:
    """Whether the account may read the audit trail (auditors, supervisors, administrators)."""
    if (denied := _disabled(account)) is not None:
        return denied
    if account.role in _AUDIT_ROLES:
        return None
    return Denial(
        f"{_who(account)} may not read the audit trail: only auditors, supervisors and "
        "administrators may"
    )


def may_manage_accounts(account: Account) -> Denial | None:
    """Whether the account may add, change or disable accounts (administrators)."""
    if (denied := _disabled(account)) is not None:
        return denied
    if account.role is Role.ADMINISTRATOR:
        return None
    return Denial(
        f"{_who(account)} may not manage accounts: only administrators may "
        "(or 'python main.py users' on the server)"
    )


# -- the demo city's districts ---------------------------------------------------------------


@cache
def known_districts() -> Mapping[str, str]:
    """The demo city's district codes (KOSTAT, five digits) with their English names."""
    # Read straight from the GeoJSON: loading the whole city (cameras, sensors) for 25 codes
    # would cost seconds at every server and CLI start.
    from core.city.loader import DEFAULT_ROOT

    with (DEFAULT_ROOT / "districts.geojson").open(encoding="utf-8") as handle:
        document = json.load(handle)
    names = {
        str(feature["properties"]["code"]): str(feature["properties"]["name_eng"])
        for feature in document["features"]
    }
    return MappingProxyType(dict(sorted(names.items())))
