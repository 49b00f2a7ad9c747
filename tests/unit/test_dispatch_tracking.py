"""The packet fold: states only move forward, duplicates and strangers harm nothing."""

from __future__ import annotations

from core.commands import ReportIncident, decide
from core.dispatch.tracking import PacketBook, PacketState
from core.events import (
    DomainEvent,
    EventRecord,
    PacketAcknowledged,
    PacketAttemptFailed,
    PacketDelivered,
    PacketFailed,
    PacketQueued,
    PacketRefused,
    PacketSent,
    SensorReading,
    canonical_json,
)
from core.state import CityState

S = PacketState
INC, PID, AGENCY = "INC-000001", "cityroom-0001-aaaa", "police-112"
IDS = (INC, PID, AGENCY)


class Log:
    """Records numbered and stamped as the event log would."""

    def __init__(self) -> None:
        self.seq = 0

    def __call__(self, event: DomainEvent, ts_ms: int | None = None) -> EventRecord:
        self.seq += 1
        new = event.to_new("test", "outbox")
        return EventRecord(
            self.seq,
            ts_ms if ts_ms is not None else 1_000 * self.seq,
            new.type.value,
            new.source,
            new.actor,
            new.subject,
            canonical_json(new.payload),
            b"",
            b"",
        )


def _queued(distribution_id: str = PID, incident_id: str = INC) -> PacketQueued:
    return PacketQueued(
        incident_id,
        distribution_id,
        AGENCY,
        format="edxl",
        content_type="application/xml",
        body="<edxlDistribution/>",
        body_sha256="ab" * 32,
        packet={"status": "Exercise", "exercise": True},
        expires_ms=99_000,
    )


def test_a_packet_goes_queued_sent_delivered_acknowledged() -> None:
    log, book = Log(), PacketBook()
    queued = book.apply(log(_queued()))
    assert queued is not None and queued.state is S.QUEUED and queued.pending
    assert queued.queued_seq == 1 and queued.status == "Exercise" and queued.exercise
    book.apply(log(PacketAttemptFailed(*IDS, attempt=1, reason="HTTP 503", retry_at_ms=5_000)))
    assert book.get(PID).next_retry_ms == 5_000 and book.get(PID).last_error == "HTTP 503"
    book.apply(log(PacketSent(*IDS, attempt=2, transport="https", detail="HTTP 202")))
    book.apply(log(PacketDelivered(*IDS, receipt="police-112-7")))
    book.apply(log(PacketAcknowledged(*IDS, ack_id="ack-1", note="접수")))
    done = book.get(PID)
    assert done is not None and done.state is S.ACKNOWLEDGED and not done.pending
    assert (done.sent_ms, done.delivered_ms, done.acknowledged_ms) == (3_000, 4_000, 5_000)
    assert done.attempts == 2 and done.next_retry_ms is None
    assert (done.receipt, done.ack_id, done.transport) == ("police-112-7", "ack-1", "https")
    assert book.packets_of(INC) == [done] and book.pending() == []


def test_late_and_duplicate_events_never_move_a_packet_backwards() -> None:
    log, book = Log(), PacketBook()
    book.apply(log(_queued()))
    book.apply(log(PacketSent(*IDS, attempt=1, transport="http")))
    book.apply(log(PacketAcknowledged(*IDS, ack_id="first")))
    book.apply(log(PacketAcknowledged(*IDS, ack_id="second")))  # a second Ack
    book.apply(log(PacketDelivered(*IDS, receipt="late receipt")))  # delivered after Ack
    book.apply(log(PacketSent(*IDS, attempt=2, transport="http")))  # a resend after a crash
    book.apply(log(PacketFailed(*IDS, code="expired")))  # a failure after it arrived
    book.apply(log(PacketAttemptFailed(*IDS, attempt=1, reason="stale", retry_at_ms=9)))
    packet = book.get(PID)
    assert packet is not None and packet.state is S.ACKNOWLEDGED
    assert packet.ack_id == "first" and packet.sent_ms == 2_000 and packet.failed_ms is None
    assert packet.receipt == "late receipt" and packet.next_retry_ms is None
    assert book.apply(log(_queued())) is None  # queued twice: the first stands
    assert book.get(PID).queued_seq == 1


def test_proof_of_arrival_overtakes_an_earlier_failure() -> None:
    log, book = Log(), PacketBook()
    book.apply(log(_queued()))
    book.apply(log(PacketFailed(*IDS, code="cancelled", reason="operator cancelled")))
    assert book.get(PID).state is S.FAILED and book.get(PID).failure_code == "cancelled"
    # The send under way when it was cancelled did reach the agency: say so.
    book.apply(log(PacketSent(*IDS, attempt=1, transport="http")))
    assert book.get(PID).state is S.SENT and book.get(PID).failure_code == "cancelled"


def test_events_about_unknown_packets_are_only_counted() -> None:
    log, book = Log(), PacketBook()
    stranger = ("INC-000009", "cityroom-never-queued", AGENCY)
    assert book.apply(log(PacketAcknowledged(*stranger, ack_id="x"))) is None
    assert book.apply(log(PacketSent(*stranger))) is None
    assert book.apply(log(SensorReading("S1", 1.0))) is None
    assert book.packets == {} and book.orphans == 2


def test_the_city_state_folds_packets_into_incidents_without_new_steps() -> None:
    state, log = CityState(), Log()
    report = decide(state, ReportIncident("P-ASL", 37.5, 127.0, None), source="t", actor="op")[0]
    log.seq = 0
    state.apply(
        EventRecord(1, 500, report.type.value, "t", "op", report.subject,
                    canonical_json(report.payload), b"", b"")
    )  # fmt: skip
    log.seq = 1
    steps = len(state.incidents[INC].transitions)
    for event in (
        _queued(),
        PacketSent(*IDS, transport="http"),
        PacketAcknowledged(*IDS, ack_id="a"),
        PacketRefused(INC, "cityroom-refused-01", AGENCY, stage="gate"),
    ):
        assert state.apply(log(event)) == INC
    incident = state.incidents[INC]
    assert incident.firsts["packet.sent"] == 3_000
    assert incident.firsts["packet.acknowledged"] == 4_000
    assert "packet.refused" in incident.firsts
    assert len(incident.transitions) == steps  # packets are not lifecycle steps
    assert [p.state for p in state.packets_of(INC)] == [S.ACKNOWLEDGED]
    copy = CityState.from_bytes(state.to_bytes())
    assert copy.packets.get(PID) == state.packets.get(PID)
    assert copy.packets_of(INC)[0].ack_id == "a"


def test_packets_of_an_incident_are_kept_in_queue_order() -> None:
    log, book = Log(), PacketBook()
    for n in range(3):
        book.apply(log(_queued(f"cityroom-{n:04d}-bbbb")))
    book.apply(log(_queued("cityroom-other-0001", "INC-000002")))
    assert [p.distribution_id for p in book.packets_of(INC)] == [
        "cityroom-0000-bbbb",
        "cityroom-0001-bbbb",
        "cityroom-0002-bbbb",
    ]
    assert len(book.pending()) == 4
    restored = PacketBook.from_json(book.to_json())
    assert restored.packets == book.packets and restored.by_incident == book.by_incident
