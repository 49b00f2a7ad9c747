"""Events withheld from an account: their wire forms, their place in a replica's chain, and
the folded state an account with some districts is sent."""

from __future__ import annotations

import dataclasses
import json
import zlib
from pathlib import Path

import pytest

from core.city import load_city
from core.clock import FakeClock
from core.commands import Acknowledge, AddNote, ReportIncident
from core.eventlog import EventLog
from core.events import EventRecord, ReplayBookmarked, is_withheld, withheld
from core.local_backend import LocalBackend
from core.remote.errors import ReplicaGapError
from core.remote.wire import (
    WireError,
    chain_from_json,
    chain_message,
    chain_rows_json,
    record_from_json,
    record_to_json,
    same_log,
    view_key,
)
from core.state import CityState, rebuild
from server.visibility import EVERYTHING, DistrictResolver, DistrictView, as_seen, restricted_state
from tests.logs import records_of

MINE, OTHER = "11230", "11220"
VIEW = DistrictView(frozenset({MINE}))


def origin_log(tmp_path: Path) -> list[EventRecord]:
    """Two incidents, one in each district, each acknowledged and noted; a bookmark on the
    other district's."""
    backend = LocalBackend.open(tmp_path / "origin.db", FakeClock(1_700_000_000_000))
    try:
        for district in (MINE, OTHER):
            (report,) = backend.submit(
                ReportIncident("P-ASL", 37.5, 127.0, district, summary=f"in {district}"), "a:b"
            ).result()
            assert report.subject is not None
            backend.submit(Acknowledge(report.subject), "operator:kim").result()
            backend.submit(AddNote(report.subject, "plate 12가3456"), "operator:kim").result()
        backend.publish(
            [ReplayBookmarked("INC-000002", 1_700_000_000_000, "look").to_new("ws", "kim")]
        ).result()
    finally:
        backend.close()
    return records_of(tmp_path / "origin.db")


def seen(records: list[EventRecord], state: CityState) -> list[EventRecord]:
    resolver = DistrictResolver(lambda: state.incidents, load_city("lite"))
    return as_seen(records, resolver.districts_of(records), VIEW)


def folded(records: list[EventRecord]) -> CityState:
    state = CityState()
    state.apply_all(records)
    return state


def test_an_account_receives_other_districts_events_as_links_only(tmp_path: Path) -> None:
    records = origin_log(tmp_path)
    state = folded(records)
    shown = seen(records, state)
    hidden = [r for r in shown if is_withheld(r)]
    assert [r.seq for r in hidden] == [4, 5, 6, 7]  # the other incident and its bookmark
    for original, copy in zip(records, shown, strict=True):
        assert (copy.seq, copy.ts_ms, copy.prev_hash, copy.hash) == (
            original.seq,
            original.ts_ms,
            original.prev_hash,
            original.hash,
        )
    assert all("12가3456" not in json.dumps(record_to_json(r)) for r in hidden)
    assert as_seen(records, [OTHER] * len(records), EVERYTHING) == records


def test_withheld_events_travel_and_are_stored_with_their_links_checked(
    tmp_path: Path,
) -> None:
    records = origin_log(tmp_path)
    shown = seen(records, folded(records))
    assert [record_from_json(record_to_json(r)) for r in shown] == shown
    page = json.loads(chain_message(shown[0].prev_hash, shown[-1].hash, chain_rows_json(shown)))
    assert chain_from_json(page) == shown

    # A change to an event shown in full is caught at the withheld link after it ...
    rows = page["rows"]
    altered = [list(row) for row in rows]
    altered[2][6] = altered[2][6].replace("12가3456", "00가0000")
    with pytest.raises(WireError, match="event 4 does not follow"):
        chain_from_json(page | {"rows": altered})
    with pytest.raises(WireError, match="4 for a withheld event"):
        chain_from_json(page | {"rows": [rows[3][:3]]})

    replica = EventLog.open(tmp_path / "replica.db")
    try:
        assert replica.append_records(shown[:5]) == shown[:5]
        assert replica.append_records(shown[5:], hashed_here=True) == shown[5:]
        report = replica.verify()
        assert report.ok and report.withheld == 4
        # ... and a withheld link that does not continue the chain is refused.
        stray = dataclasses.replace(withheld(records[0]), seq=len(records) + 1)
        with pytest.raises(ReplicaGapError, match="previous-hash link"):
            replica.append_records([stray])
        # The replica's own fold leaves the withheld incident out.
        state = rebuild(replica)
        assert set(state.incidents) == {"INC-000001"} and not state.bookmarks
    finally:
        replica.close()


def test_the_folded_state_sent_to_an_account_holds_only_its_districts(
    tmp_path: Path,
) -> None:
    records = origin_log(tmp_path)
    state = folded(records)
    restricted = restricted_state(state, VIEW)
    assert set(restricted.incidents) == {"INC-000001"}
    assert not restricted.bookmarks and restricted.last_seq == state.last_seq
    assert set(state.incidents) == {"INC-000001", "INC-000002"}  # the server's is untouched
    assert "in 11220" not in zlib.decompress(restricted.to_bytes()).decode("utf-8")
    assert restricted_state(state, EVERYTHING).to_bytes() == state.to_bytes()
    # The account's replica, folded from what it receives, shows the same (the incident
    # counter stays the server's: a workstation never numbers incidents itself).
    replica = folded(seen(records, state))
    assert [i.to_json() for i in replica.incidents.values()] == [
        i.to_json() for i in restricted.incidents.values()
    ]
    assert replica.bookmarks == restricted.bookmarks


def test_each_view_of_a_log_has_a_replica_of_its_own() -> None:
    assert view_key("abc", None) == "abc"
    assert view_key("abc", [MINE, OTHER]) == view_key("abc", [OTHER, MINE])
    assert view_key("abc", [MINE]) != view_key("abc", [MINE, OTHER])
    assert view_key("abc", [MINE]).startswith("abc.v")
    assert same_log(view_key("abc", [MINE]), view_key("abc", None))
    assert not same_log(view_key("abc", [MINE]), view_key("abd", [MINE]))
