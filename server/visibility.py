"""Which of the shared log's events an account may see: the districts of its view.

An operator sees the incidents of the districts it works in, and what is done about them; the
rest of the city's incidents, and camera views there, reach its workstation *withheld*
(``core.events.withheld``: sequence number, time and hashes only), so its replica still holds
one unbroken chain. Sensor readings, the simulator and other city-wide events belong to no
district and reach everyone. Supervisors, administrators and auditors see every district.

An event's district is its incident's (by subject: incidents never change district), its
camera's, or, for a situation rule's finding, the place it names. The functions are pure: the
caller passes the incidents as folded now and the city's camera registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.city import City
from core.events import EventRecord, EventType, withheld
from core.model import Incident
from core.state import CityState
from server.roles import Account, visible_districts

_DISTRICT_IN_PAYLOAD = frozenset({EventType.SITUATION_DETECTED.value})
_CAMERA_IN_PAYLOAD = frozenset({EventType.EVIDENCE_CAPTURED.value})


@dataclass(frozen=True, slots=True)
class DistrictView:
    """The districts one account sees (``None``: every district)."""

    districts: frozenset[str] | None

    @property
    def everything(self) -> bool:
        """Whether nothing is withheld from this view."""
        return self.districts is None

    def shows(self, district: str | None) -> bool:
        """Whether an event of ``district`` (None: of no district) is shown in full."""
        return self.districts is None or district is None or district in self.districts

    def to_json(self) -> list[str] | None:
        """The view as the server names it to the workstation (sorted codes, or null)."""
        return None if self.districts is None else sorted(self.districts)


EVERYTHING = DistrictView(None)


class DistrictResolver:
    """Finds the district of events, from the incidents as folded now and the city's cameras."""

    def __init__(self, incidents: Callable[[], Mapping[str, Incident]], city: City) -> None:
        self._incidents = incidents
        self._city = city

    def district_of(self, record: EventRecord) -> str | None:
        """The district ``record`` belongs to (None: a city-wide event, shown to all)."""
        subject = record.subject
        if subject:
            incident = self._incidents().get(subject)
            if incident is not None:
                return incident.district_code
            if self._city.has_camera(subject):
                return self._city.camera(subject).district_code
        if record.type in _DISTRICT_IN_PAYLOAD:
            code = json.loads(record.payload_json).get("district_code")
            return code if isinstance(code, str) else None
        if record.type in _CAMERA_IN_PAYLOAD:
            camera = json.loads(record.payload_json).get("camera_id")
            if isinstance(camera, str) and self._city.has_camera(camera):
                return self._city.camera(camera).district_code
        return None

    def districts_of(self, records: Sequence[EventRecord]) -> list[str | None]:
        """The district of each record, in order."""
        return [self.district_of(r) for r in records]


def as_seen(
    records: Sequence[EventRecord], districts: Sequence[str | None], view: DistrictView
) -> list[EventRecord]:
    """``records`` as ``view`` receives them (each record's district given in ``districts``):
    the others' events withheld."""
    if view.everything:
        return list(records)
    return [r if view.shows(d) else withheld(r) for r, d in zip(records, districts, strict=True)]


def restricted_state(state: CityState, view: DistrictView) -> CityState:
    """A copy of ``state`` holding only what ``view`` sees: the incidents of its districts,
    their packets and the timeline marks about them (the rest is city-wide)."""
    copy = state.copy()
    if view.everything:
        return copy
    hidden = {i for i, inc in copy.incidents.items() if not view.shows(inc.district_code)}
    if not hidden:
        return copy
    for incident_id in hidden:
        del copy.incidents[incident_id]
    book = copy.packets
    for incident_id in hidden:
        for distribution_id in book.by_incident.pop(incident_id, []):
            book.packets.pop(distribution_id, None)
    copy.bookmarks = [b for b in copy.bookmarks if b.incident_id not in hidden]
    for incident in copy.incidents.values():
        incident.duplicates = [d for d in incident.duplicates if d not in hidden]
    return copy


def view_of(account: Account) -> DistrictView:
    """The view of ``account`` (its districts, or every district for the roles that see all)."""
    scope = visible_districts(account)
    return EVERYTHING if scope is None else DistrictView(frozenset(scope))
