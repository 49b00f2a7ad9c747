"""The situation rules over the live event feed: each detection is recorded as a
``situation.detected`` event and, when its rule names an incident type, opens an incident."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence

from core.backend import Backend, Subscription
from core.city import haversine_m
from core.clock import Clock, SystemClock
from core.commands import AddObservation, LinkResources, ReportIncident
from core.events import EventRecord, EventType, SituationDetected
from core.notices import NoticeBoard, NoticeLevel
from core.rules.engine import Detection, RuleEngine

log = logging.getLogger("cityroom.rules")
SOURCE = "rules"
# A detection joins an open incident of the same type this close instead of opening another:
# a gauge and the riverside car park it floods lie up to a few kilometres apart, and a 112
# call and a sensor about the same flood are one incident.
JOIN_RADIUS_M = 3_500.0


class RulesRunner:
    """Feeds every new event to a :class:`RuleEngine` on its own thread (the backend's
    delivery thread only queues the batch) and acts on what the rules detect.

    One situation, one incident: a detection whose incident type is already open nearby
    (within ``JOIN_RADIUS_M``, whoever opened it) is added to that incident as an observation
    with its sensors linked, so a rising river is one flood incident with its steps, not five.
    The engine is built on the runner's thread (reading rule files takes a moment).
    """

    def __init__(
        self,
        backend: Backend,
        make_engine: Callable[[], RuleEngine],
        clock: Clock | None = None,
        tick_s: float = 5.0,
        notices: NoticeBoard | None = None,
    ) -> None:
        self._backend = backend
        self._make_engine = make_engine
        self._engine: RuleEngine | None = None
        self._notices = notices
        self._clock = clock or SystemClock()
        self._tick_s = tick_s
        self._batches: queue.Queue[Sequence[EventRecord] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._subscription: Subscription | None = None
        self._open: dict[str, tuple[str, float, float]] = {}  # open incident: type, lat, lon
        self.detections = 0
        self.incidents = 0
        self.failures = 0

    def start(
        self, after_seq: int, open_incidents: Mapping[str, tuple[str, float, float]] | None = None
    ) -> None:
        """Judge every event after ``after_seq`` (history before it is not judged again);
        ``open_incidents`` (id -> type, lat, lon) are those already open then."""
        self._open = dict(open_incidents or {})
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
        try:
            self._engine = engine = self._make_engine()
        except Exception as error:  # a broken rule file: say so, keep the workstation going
            log.exception("situation rules cannot start")
            if self._notices is not None:
                self._notices.post(NoticeLevel.ERROR, SOURCE, f"Situation rules are off: {error}")
            while self._batches.get() is not None:
                pass
            return
        next_tick = self._clock.now_ms() + self._tick_s * 1000
        while True:
            try:
                batch = self._batches.get(timeout=self._tick_s)
            except queue.Empty:
                batch = ()
            if batch is None:
                return
            try:
                self._track(batch)
                found = engine.feed(batch) if batch else []
                now = self._clock.now_ms()
                if now >= next_tick:
                    found += engine.tick(now)
                    next_tick = now + self._tick_s * 1000
                for detection in found:
                    self._act(detection)
            except Exception:  # one bad batch must not end situation control
                self.failures += 1
                log.exception("situation rules failed on a batch of %d events", len(batch))

    def _track(self, batch: Sequence[EventRecord]) -> None:
        for record in batch:
            if record.type == EventType.INCIDENT_REPORTED and record.subject:
                payload = record.payload
                where = (str(payload["type_code"]), float(payload["lat"]), float(payload["lon"]))
                self._open[record.subject] = where
            elif record.type in (
                EventType.INCIDENT_RESOLVED,
                EventType.INCIDENT_CLOSED,
                EventType.INCIDENT_MERGED,
            ):
                self._open.pop(record.subject or "", None)

    def _open_nearby(self, detection: Detection) -> str | None:
        best: tuple[float, str] | None = None
        for incident_id, (type_code, lat, lon) in self._open.items():
            if type_code != detection.incident_type:
                continue
            distance = haversine_m(detection.lat, detection.lon, lat, lon)
            if distance <= JOIN_RADIUS_M and (best is None or distance < best[0]):
                best = (distance, incident_id)
        return best[1] if best is not None else None

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
        # At the situation's time, not when the rules got round to it: the log would push
        # every later reading past a wall-clock stamp.
        when = record.ts_ms
        existing = self._open_nearby(detection)
        if existing is not None:
            self._backend.submit(
                AddObservation(
                    existing,
                    detection.summary_ko,
                    detection.summary_en,
                    {"situation_seq": record.seq, "rule_id": detection.rule_id},
                ),
                actor,
                when,
            ).result()
            if sensors:
                self._backend.submit(
                    LinkResources(existing, sensors=sensors), actor, when
                ).result()
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
        records = self._backend.submit(report, actor, when).result()
        # Known at once, not only when the report comes back through the feed: the next
        # detection in this batch may be about the same situation.
        incident_id = str(records[0].subject)
        self._open[incident_id] = (detection.incident_type, detection.lat, detection.lon)
        self.incidents += 1
