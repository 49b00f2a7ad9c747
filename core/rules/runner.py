"""The situation rules over the live event feed: each detection is recorded as a
``situation.detected`` event and, when its rule names an incident type, opens an incident."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence

from core.backend import Backend, Subscription
from core.clock import Clock, SystemClock
from core.commands import AddObservation, LinkResources, ReportIncident
from core.events import EventRecord, EventType, SituationDetected
from core.rules.engine import Detection, RuleEngine

log = logging.getLogger("cityroom.rules")
SOURCE = "rules"


class RulesRunner:
    """Feeds every new event to a :class:`RuleEngine` on its own thread (the backend's
    delivery thread only queues the batch) and acts on what the rules detect.

    One situation, one incident: a further detection of the same incident type about the same
    sensor (or incident) while the first one's incident is open is added to it as an
    observation, so a rising river is one flood incident with its steps, not five.
    """

    def __init__(
        self,
        backend: Backend,
        engine: RuleEngine,
        clock: Clock | None = None,
        tick_s: float = 5.0,
    ) -> None:
        self._backend = backend
        self._engine = engine
        self._clock = clock or SystemClock()
        self._tick_s = tick_s
        self._batches: queue.Queue[Sequence[EventRecord] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self._open: dict[tuple[str, str], str] = {}  # (type, subject) -> open incident id
        self.detections = 0
        self.incidents = 0
        self.failures = 0

    def start(self, after_seq: int) -> None:
        """Judge every event after ``after_seq`` (history before it is not judged again)."""
        self._thread = threading.Thread(target=self._run, name="situation rules", daemon=True)
        self._thread.start()
        self._subscription = self._backend.subscribe(self._batches.put, after_seq)

    def stop(self, timeout_s: float = 5.0) -> int:
        """Stop judging; returns how many situations were detected."""
        if self._subscription is not None:
            self._subscription.cancel()
        self._batches.put(None)
        if self._thread is not None:
            self._thread.join(timeout_s)
        return self.detections

    def _run(self) -> None:
        next_tick = self._clock.now_ms() + self._tick_s * 1000
        while True:
            try:
                batch = self._batches.get(timeout=self._tick_s)
            except queue.Empty:
                batch = ()
            if batch is None:
                return
            try:
                self._forget_finished(batch)
                found = self._engine.feed(batch) if batch else []
                now = self._clock.now_ms()
                if now >= next_tick:
                    found += self._engine.tick(now)
                    next_tick = now + self._tick_s * 1000
                for detection in found:
                    self._act(detection)
            except Exception:  # one bad batch must not end situation control
                self.failures += 1
                log.exception("situation rules failed on a batch of %d events", len(batch))

    def _forget_finished(self, batch: Sequence[EventRecord]) -> None:
        finished = {
            r.subject
            for r in batch
            if r.type in (EventType.INCIDENT_CLOSED, EventType.INCIDENT_MERGED)
        }
        if finished:
            self._open = {k: v for k, v in self._open.items() if v not in finished}

    def _act(self, detection: Detection) -> None:
        event = SituationDetected(
            detection.rule_id,
            detection.incident_type,
            detection.severity,
            detection.lat,
            detection.lon,
            detection.district_code,
            detection.summary_ko,
            detection.summary_en,
            tuple((r.sensor_id, r.value, r.ts_ms) for r in detection.readings),
            detection.event_seqs,
            detection.level.name.lower() if detection.level is not None else None,
        ).to_new(SOURCE, f"rules:{detection.rule_id}", detection.ts_ms)
        record = self._backend.publish([event]).result()[0]
        self.detections += 1
        if detection.incident_type is None:
            return
        sensors = tuple(dict.fromkeys(r.sensor_id for r in detection.readings))
        actor = f"rules:{detection.rule_id}"
        key = (detection.incident_type, detection.subject)
        existing = self._open.get(key)
        if existing is not None:
            self._backend.submit(
                AddObservation(
                    existing,
                    detection.summary_ko,
                    detection.summary_en,
                    {"situation_seq": record.seq, "rule_id": detection.rule_id},
                ),
                actor,
            ).result()
            if sensors:
                self._backend.submit(LinkResources(existing, sensors=sensors), actor).result()
            return
        report = ReportIncident(
            detection.incident_type,
            detection.lat,
            detection.lon,
            detection.district_code,
            detection.severity,
            summary=f"{detection.summary_ko} · {detection.summary_en} [{detection.rule_id}]",
            reference=f"situation:{record.seq}",
            sensors=sensors,
        )
        records = self._backend.submit(report, actor).result()
        self._open[key] = str(records[0].subject)
        self.incidents += 1
