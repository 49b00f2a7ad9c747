"""Back-off, the breaker and the delivery schedule, with time passed in (no threads, no I/O)."""

from __future__ import annotations

import random

from core.dispatch.breaker import BreakerState, CircuitBreaker
from core.dispatch.retry import Backoff, DeliverySchedule
from core.dispatch.tracking import PacketBook
from core.dispatch.transports import Outcome, SendResult
from core.events import PacketAttemptFailed, PacketFailed, PacketSent
from tests.unit.test_dispatch_tracking import Log, _queued

DOWN = SendResult(Outcome.RETRYABLE, "cannot reach http://127.0.0.1:9/packets")
OK = SendResult(Outcome.DELIVERED, "HTTP 202", "police-112-1")


def test_back_off_doubles_from_one_second_up_to_five_minutes_with_full_jitter() -> None:
    backoff = Backoff()
    assert [backoff.ceiling_ms(n) for n in (1, 2, 3, 4)] == [1_000, 2_000, 4_000, 8_000]
    assert backoff.ceiling_ms(9) == 256_000 and backoff.ceiling_ms(10) == 300_000
    assert backoff.ceiling_ms(10_000) == 300_000
    rng = random.Random(1)
    waits = [backoff.delay_ms(3, rng) for _ in range(500)]
    assert all(0 <= w <= 4_000 for w in waits)
    assert min(waits) < 400 and max(waits) > 3_600  # spread over the whole range
    again = random.Random(1)
    assert [backoff.delay_ms(3, again) for _ in range(5)] == waits[:5]  # seeded: repeatable


def test_the_breaker_opens_waits_lets_one_probe_through_and_closes() -> None:
    breaker = CircuitBreaker(threshold=5, open_ms=30_000)
    assert not any(breaker.failure(now) for now in range(4))
    assert breaker.allow(10) and breaker.state(10) is BreakerState.CLOSED
    assert breaker.failure(10)  # the fifth in a row opens it
    assert not breaker.allow(29_000) and breaker.state(29_000) is BreakerState.OPEN
    assert breaker.allow(30_010) and breaker.state(30_010) is BreakerState.HALF_OPEN
    assert not breaker.allow(30_011)  # one probe at a time
    assert not breaker.failure(30_500)  # the probe failed: open again, not a new opening
    assert breaker.state(60_000) is BreakerState.OPEN and breaker.opened == 1
    assert breaker.allow(60_600)
    breaker.success()
    assert breaker.state(60_700) is BreakerState.CLOSED and breaker.failures == 0


def _schedule(count: int = 1, **options: int) -> tuple[DeliverySchedule, list[str]]:
    log, book = Log(), PacketBook()
    ids = [f"cityroom-{n:04d}-cccc" for n in range(count)]
    for n, distribution_id in enumerate(ids):
        book.apply(log(_queued(distribution_id, f"INC-{n % 2 + 1:06d}")))
    schedule = DeliverySchedule(Backoff(base_ms=1_000), random.Random(4), **options)
    schedule.load(book)
    return schedule, ids


def test_a_failed_attempt_is_retried_after_its_back_off_and_no_sooner() -> None:
    schedule, _ = _schedule()
    (start,) = schedule.due(0)
    assert start.attempt == 1 and schedule.due(0) == []  # in flight: not started twice
    (failed,) = schedule.outcome(start.packet, 1, DOWN, "", 100)
    assert isinstance(failed, PacketAttemptFailed) and failed.attempt == 1
    assert failed.retry_at_ms is not None and 100 <= failed.retry_at_ms <= 1_100
    assert schedule.due(failed.retry_at_ms - 1) == []
    assert schedule.wake_at_ms == failed.retry_at_ms
    (again,) = schedule.due(failed.retry_at_ms)
    assert again.attempt == 2
    sent, delivered = schedule.outcome(again.packet, 2, OK, "http", failed.retry_at_ms + 5)
    assert isinstance(sent, PacketSent) and sent.attempt == 2 and delivered.receipt == OK.receipt
    assert schedule.due(10**9) == []  # settled: waits for the log to fold it


def test_packets_of_one_incident_go_in_order_and_others_pass_a_waiting_one() -> None:
    schedule, ids = _schedule(4, workers=8, per_agency=8)
    starts = schedule.due(0)  # INC-1: ids 0 and 2; INC-2: ids 1 and 3
    assert [s.packet.distribution_id for s in starts] == [ids[0], ids[1]]
    schedule.outcome(starts[0].packet, 1, DOWN, "", 10)  # ids[0] waits for its retry
    schedule.outcome(starts[1].packet, 1, OK, "http", 10)
    later = schedule.due(20)
    assert [s.packet.distribution_id for s in later] == [ids[3]]  # not ids[2]: it is held


def test_an_open_breaker_holds_packets_without_counting_attempts() -> None:
    schedule, _ = _schedule(3, breaker_threshold=2, breaker_open_ms=5_000)
    for now in (0, 2_000):
        for start in schedule.due(now):
            schedule.outcome(start.packet, start.attempt, DOWN, "", now)
    assert schedule.breaker("police-112").state(2_001) is BreakerState.OPEN
    assert schedule.due(4_000) == []
    assert schedule.wake_at_ms <= 7_000
    link = schedule.status(True, 4_000).agencies[0]
    assert (link.breaker, link.pending, link.in_flight) == ("open", 3, 0)
    (probe,) = schedule.due(7_000)  # half-open: one probe only
    schedule.outcome(probe.packet, probe.attempt, OK, "http", 7_010)
    assert len(schedule.due(60_000)) == 2  # closed: the others go


def test_expiry_cancel_and_retry_now() -> None:
    schedule, ids = _schedule(3, workers=8, per_agency=8)
    first, second = schedule.due(0)
    schedule.outcome(first.packet, 1, DOWN, "", 0)
    schedule.outcome(second.packet, 1, DOWN, "", 0)
    assert schedule.retry_now(ids[1]) and [s.attempt for s in schedule.due(1)] == [2]
    (cancelled,) = schedule.cancel(ids[0], "")
    assert isinstance(cancelled, PacketFailed) and cancelled.code == "cancelled"
    assert schedule.cancel(ids[0], "") == [] and not schedule.retry_now(ids[0])
    (expired,) = schedule.expired(99_000)  # ids[1] is in flight, ids[0] cancelled
    assert isinstance(expired, PacketFailed) and expired.code == "expired"
    assert expired.distribution_id == ids[2] and "expired at" in expired.reason
