"""Sensor ingest and rules: 50,000 readings/s from raw MQTT payloads through validation and the
situation rules in the adapter's batches, and a threshold crossing in the incident queue within
200 ms at the 99th percentile.

The readings are the documented scheme (topic ``cityroom/sensors/{sensor_id}``, payload
``{"value", "ts", "unit"}`` with an ISO-8601 time at +09:00, as the README shows it) for every
sensor of the demo city, values drawn from each kind's typical (never critical) range, and one
reading in ``CROSSING_EVERY`` at a level a default threshold rule reports.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.common import Result, median, percentile
from core.city import City, Sensor, SensorKind, load_city
from core.clock import SystemClock
from core.commands import Acknowledge, Resolve
from core.eventlog import GENESIS_HASH
from core.events import EventRecord, NewEvent, canonical_json
from core.ingest import Message, Validator
from core.ingest.mqtt import ConnectionState, MqttIngest, MqttSettings
from core.local_backend import LocalBackend
from core.rules import RuleEngine, default_rules
from core.rules.runner import RulesRunner

THROUGHPUT_TARGET = 50_000.0
LATENCY_TARGET_MS = 200.0
PROFILE = "lite"  # the profile `main.py ingest mqtt` loads by default
CPU_READINGS = 150_000
REPEATS = 5
LOG_READINGS = 150_000
BROKER_READINGS = 60_000
BROKER_READINGS_QOS1 = 40_000
CROSSING_EVERY = 5_000
TRIALS = 250
BROKER_TRIALS = 100
BACKGROUND_PER_S = 1_000
TRIAL_GAP_MS = 20
TRIAL_TIMEOUT_MS = 5_000
KST = timezone(timedelta(hours=9))
GATEWAY = [sys.executable, "-m", "bench.bench_ingest", "gateway"]

# A value at the first level each default threshold rule reports (its min_level), below the
# levels of the correlation rules (river 경계 4.5 m with car parks, gas 25 %LEL near schools),
# so that one crossing is one situation.
CROSSING: dict[SensorKind, float] = {
    SensorKind.RIVER_LEVEL: 3.8,  # 주의 from 3.5 m
    SensorKind.RAINFALL: 35.0,  # 경계 from 30 mm/h (the rule starts there)
    SensorKind.GAS: 15.0,  # 주의 from 10 %LEL
    SensorKind.GROUND_DISPLACEMENT: 25.0,  # 주의 from 20 mm
    SensorKind.WATER_PRESSURE: 160.0,  # 주의 at 170 kPa and below
    SensorKind.PM10: 200.0,  # 주의 above 150 µg/m³
    SensorKind.PM25: 100.0,  # 주의 above 75 µg/m³
}


# -- the readings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """Raw MQTT messages as a broker delivers them: topics and payload bytes.

    Two flat lists rather than a list of pairs: the garbage collector walks neither strings nor
    bytes, so holding a few hundred thousand messages does not tax the code being measured.
    """

    topics: list[str]
    payloads: list[bytes]
    crossings: int

    def __len__(self) -> int:
        return len(self.topics)


def _normal(sensor: Sensor, rng: random.Random) -> float:
    typical = sensor.kind.info.typical
    return round(rng.uniform(typical.minimum, typical.maximum), 2)


def make_feed(city: City, count: int, rate_per_s: int = 50_000, seed: int = 1) -> Feed:
    """``count`` readings, the city's sensors in turn, stamped ``rate_per_s`` apart and ending
    about now; one in ``CROSSING_EVERY`` crosses a threshold (each kind that has one in turn)."""
    rng = random.Random(seed)
    sensors = list(city.sensors)
    crossing = [s for s in sensors if s.kind in CROSSING]
    start = SystemClock().now_ms() - count * 1000 // rate_per_s - 5_000
    topics: list[str] = []
    payloads: list[bytes] = []
    crossings = 0
    for i in range(count):
        if i % CROSSING_EVERY == CROSSING_EVERY - 1:
            sensor = crossing[crossings % len(crossing)]
            value = CROSSING[sensor.kind]
            crossings += 1
        else:
            sensor = sensors[i % len(sensors)]
            value = _normal(sensor, rng)
        ts = datetime.fromtimestamp((start + i * 1000 // rate_per_s) / 1000, KST)
        document = {
            "value": value,
            "ts": ts.isoformat(timespec="milliseconds"),
            "unit": sensor.unit,
        }
        topics.append(f"cityroom/sensors/{sensor.id}")
        payloads.append(json.dumps(document, ensure_ascii=False).encode())
    return Feed(topics, payloads, crossings)


def _records(events: Sequence[NewEvent], first_seq: int, now_ms: int) -> list[EventRecord]:
    """The events as the log hands them to subscribers (canonical JSON payload, sequence, time),
    without the log's own work: no hash chain, no SQLite, no fold."""
    return [
        EventRecord(
            first_seq + n,
            event.ts_ms if event.ts_ms is not None else now_ms,
            str(event.type),
            event.source,
            event.actor,
            event.subject,
            canonical_json(event.payload),
            GENESIS_HASH,
            GENESIS_HASH,
        )
        for n, event in enumerate(events)
    ]


def _engine(city: City) -> RuleEngine:
    return RuleEngine(default_rules(), city, SystemClock())


# -- 1. throughput -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _CpuRun:
    rate: float  # readings/s through the whole path
    stages: tuple[float, float, float]  # seconds validating, making records, judging
    accepted: int
    detections: int


def _cpu_run(city: City, feed: Feed) -> _CpuRun:
    """One pass over ``feed`` with a new validator and engine."""
    now_ms = SystemClock().now_ms
    validator = Validator(city.sensors)
    engine = _engine(city)
    size = MqttSettings().batch_size
    validating = recording = judging = 0.0
    seq, detections = 1, 0
    started = time.perf_counter()
    for first in range(0, len(feed), size):
        a = time.perf_counter()
        # What MqttIngest._on_client_message queues for each message (stamped on arrival),
        # then what its batcher hands the validator.
        topics, payloads = feed.topics[first : first + size], feed.payloads[first : first + size]
        batch = [Message(t, p, now_ms()) for t, p in zip(topics, payloads, strict=True)]
        events = validator.validate(batch).events
        b = time.perf_counter()
        records = _records(events, seq, now_ms())
        seq += len(records)
        c = time.perf_counter()
        detections += len(engine.feed(records))
        d = time.perf_counter()
        validating, recording, judging = validating + b - a, recording + c - b, judging + d - c
    elapsed = time.perf_counter() - started
    accepted = validator.totals().accepted
    return _CpuRun(accepted / elapsed, (validating, recording, judging), accepted, detections)


def cpu_path(city: City, feed: Feed) -> Result:
    """Payload bytes -> the adapter's stamp -> Validator.validate (in the adapter's batches)
    -> records -> RuleEngine.feed, on one thread, stage by stage; the median of REPEATS."""
    runs = [_cpu_run(city, feed) for _ in range(REPEATS)]
    run = sorted(runs, key=lambda one: one.rate)[len(runs) // 2]
    validating, recording, judging = (len(feed) / seconds for seconds in run.stages)
    complete = all(r.accepted == len(feed) and r.detections >= feed.crossings for r in runs)
    return Result(
        f"ingest + rules on one thread: payload -> validate -> rules, batches of "
        f"{MqttSettings().batch_size:,} (median of {REPEATS})",
        run.rate,
        "readings/s",
        f">= {THROUGHPUT_TARGET:,.0f} readings/s",
        run.rate >= THROUGHPUT_TARGET and complete,
        f"{len(feed):,} readings of {len(city.sensors)} sensors ({PROFILE}), "
        f"{feed.crossings} crossing a threshold: {run.accepted:,} accepted, {run.detections} "
        f"detections; runs in order {', '.join(f'{r.rate:,.0f}' for r in runs)}/s; each "
        f"stage alone: decode + validate {validating:,.0f}/s, records (canonical JSON, no hash "
        f"chain) {recording:,.0f}/s, rules {judging:,.0f}/s",
    )


class _LogPipeline:
    """Ingest into a real log with the rules following it, wired as `main.py ingest mqtt`
    wires them: the sink waits for each batch to be appended; a RulesRunner judges the feed."""

    def __init__(self, city: City, path: Path) -> None:
        self.backend = LocalBackend.open(path)
        self.engine = _engine(city)
        engine = self.engine
        self.runner = RulesRunner(self.backend, lambda: engine)
        state = self.backend.snapshot().result()
        self.runner.start(state.last_seq, state.open_incident_places())
        self.validator = Validator(city.sensors)
        self.appended = 0

    def sink(self, events: list[NewEvent]) -> None:
        self.backend.publish(events).result()
        self.appended += len(events)

    def judged(self, readings: int, timeout_s: float = 120.0) -> bool:
        """Wait until the rules have been fed ``readings`` readings."""
        deadline = time.perf_counter() + timeout_s
        pause = threading.Event()
        while self.engine.stats.readings < readings:
            if time.perf_counter() > deadline:
                return False
            pause.wait(0.002)
        return True

    def close(self) -> tuple[int, int]:
        """Stop; (situations detected, incidents opened)."""
        detections = self.runner.stop()
        self.backend.close()
        return detections, self.runner.incidents


def log_path(city: City, feed: Feed, folder: Path) -> Result:
    """The same batches through the validator into a LocalBackend log, rules following."""
    pipeline = _LogPipeline(city, folder / "ingest.db")
    now_ms = SystemClock().now_ms
    size = MqttSettings().batch_size
    validating = appending = 0.0
    started = time.perf_counter()
    for first in range(0, len(feed), size):
        a = time.perf_counter()
        topics, payloads = feed.topics[first : first + size], feed.payloads[first : first + size]
        batch = [Message(t, p, now_ms()) for t, p in zip(topics, payloads, strict=True)]
        events = pipeline.validator.validate(batch).events
        b = time.perf_counter()
        pipeline.sink(events)
        validating, appending = validating + b - a, appending + time.perf_counter() - b
    complete = pipeline.judged(pipeline.appended)
    elapsed = time.perf_counter() - started
    detections, incidents = pipeline.close()
    rate = pipeline.appended / elapsed
    per_reading = 1e6 / pipeline.appended
    return Result(
        "... and appended to a SQLite log as `ingest mqtt` does, rules following "
        "(reference, no target)",
        rate,
        "readings/s",
        "reference",
        complete,
        f"{pipeline.appended:,} readings all judged after {elapsed:.2f} s; {detections} "
        f"detections, {incidents} incidents opened; per reading {validating * per_reading:.1f} "
        f"µs validating and {appending * per_reading:.1f} µs waiting for the log's writer "
        "(EventLog.append: canonical JSON, SHA-256 chain, SQLite inserts and commit; then the "
        "fold and the delivery to the rules)",
    )


def gateway(host: str, port: int, qos: int, messages: Path) -> None:
    """A field gateway (run in a process of its own): connect, say ``ready``, wait for a line
    on stdin, publish every ``topic<TAB>payload`` line of ``messages`` at ``qos`` as fast as
    paho can, and print the seconds it took."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    lines = messages.read_bytes().splitlines()
    pairs = [(topic.decode(), payload) for topic, payload in (x.split(b"\t", 1) for x in lines)]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-gateway-{qos}")
    client.max_inflight_messages_set(0)  # no cap of its own: the broker is on this machine
    client.connect(host, port)
    client.loop_start()
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    info = None
    for topic, payload in pairs:
        info = client.publish(topic, payload, qos=qos)
    if info is not None:
        info.wait_for_publish(120)
    print(f"{time.perf_counter() - started:.6f}", flush=True)
    client.disconnect()
    client.loop_stop()


def broker_path(city: City, feed: Feed, folder: Path, qos: int) -> Result:
    """A real mosquitto: a gateway process publishes at ``qos`` as fast as it can, MqttIngest
    (its default settings: subscribed at QoS 1) takes the messages into the log, the rules
    follow; the time until the rules have judged the last reading. Readings that never come
    are counted as lost (a second without news ends the wait)."""
    from tests.mqtt_broker import MosquittoBroker

    messages = folder / f"gateway-{qos}.tsv"
    messages.write_bytes(
        b"".join(
            topic.encode() + b"\t" + payload + b"\n"
            for topic, payload in zip(feed.topics, feed.payloads, strict=True)
        )
    )

    class Broker(MosquittoBroker):
        """mosquitto queueing what the adapter has not taken yet instead of dropping what
        passes 1,000 messages (its default): the figure is the adapter's pace, not the
        broker's overflow."""

        def _configure(self) -> Path:
            config = super()._configure()
            with config.open("a", encoding="utf-8") as file:
                file.write("max_queued_messages 0\n")
            return config

    broker = Broker(folder / f"broker-{qos}").start()
    pipeline = _LogPipeline(city, folder / f"broker-{qos}.db")
    adapter = MqttIngest(
        MqttSettings(host=broker.host, port=broker.port), pipeline.validator, pipeline.sink
    )
    publisher = subprocess.Popen(
        [*GATEWAY, broker.host, str(broker.port), str(qos), str(messages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert publisher.stdin is not None and publisher.stdout is not None
    try:
        adapter.start()
        _wait_until(lambda: adapter.status().state is ConnectionState.CONNECTED, 10.0)
        if publisher.stdout.readline().strip() != "ready":
            raise RuntimeError("the gateway process did not connect to mosquitto")
        started = time.perf_counter()
        publisher.stdin.write("go\n")
        publisher.stdin.flush()
        published_s = float(publisher.stdout.readline())
        # Done when every reading is judged, or when nothing more came for a second.
        judged, judged_at = 0, time.perf_counter()
        pause = threading.Event()
        while judged < len(feed) and time.perf_counter() - judged_at < 1.0:
            pause.wait(0.002)
            if pipeline.engine.stats.readings != judged:
                judged, judged_at = pipeline.engine.stats.readings, time.perf_counter()
        elapsed = judged_at - started
    finally:
        adapter.stop()
        publisher.stdin.close()
        publisher.wait(10)
        detections, incidents = pipeline.close()
        broker.stop()
    dropped = broker.log_path.read_text(errors="replace").count("messages are being dropped")
    lost = len(feed) - judged
    rate = judged / elapsed
    how = "fire and forget" if qos == 0 else "each acknowledged by the broker"
    return Result(
        f"... and from a real mosquitto through MqttIngest, gateway at QoS {qos} "
        "(reference, no target)",
        rate,
        "readings/s",
        "reference",
        True,
        f"a gateway process published {len(feed):,} one-reading messages at "
        f"{len(feed) / published_s:,.0f}/s ({how}); {judged:,} reached the rules in "
        f"{elapsed:.2f} s, {lost:,} lost"
        + (" (mosquitto: outgoing messages are being dropped)" if dropped else "")
        + f"; {detections} detections, {incidents} incidents; mosquitto's queue per client "
        "unbounded (with its default of 1,000 messages it drops what the adapter has not "
        "taken yet, and the adapter's counts cannot see it)",
    )


def _wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    pause = threading.Event()
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("timed out")
        pause.wait(0.01)


# -- 2. crossing to incident row -----------------------------------------------------------------


def _message(sensor: Sensor, value: float) -> tuple[str, bytes]:
    """A reading as the sensor sends it now: its topic and its payload."""
    ts = datetime.now(KST).isoformat(timespec="milliseconds")
    document = {"value": value, "ts": ts, "unit": sensor.unit}
    return f"cityroom/sensors/{sensor.id}", json.dumps(document, ensure_ascii=False).encode()


class _Field:
    """The field devices and the way their readings take: straight into the log as the
    adapter's sink publishes them (validated here), or through a gateway, mosquitto and
    MqttIngest. Both the background and the crossings take the same way, so each sensor's
    readings arrive in the order it sent them."""

    def __init__(self, backend: LocalBackend, gateway: Any, sensors: Sequence[Sensor]) -> None:
        self.backend = backend
        self.gateway = gateway
        self.sensors = sensors
        self.via_broker = False

    def send(self, readings: Sequence[tuple[Sensor, float]], validator: Validator) -> None:
        """Send readings from one thread (each thread has its own validator)."""
        messages = [_message(sensor, value) for sensor, value in readings]
        if self.via_broker:
            for topic, payload in messages:
                self.gateway.publish(topic, payload, qos=1)
            return
        now = SystemClock().now_ms()
        batch = [Message(topic, payload, now) for topic, payload in messages]
        self.backend.publish(validator.validate(batch).events)

    def background(self, stop: threading.Event, seed: int = 2) -> None:
        """1,000 normal readings per second, sent every 10 ms, until ``stop``."""
        rng = random.Random(seed)
        validator = Validator(self.sensors)
        period, per_batch, n = 0.01, BACKGROUND_PER_S // 100, 0
        next_at = time.perf_counter()
        while not stop.is_set():
            sensors = [self.sensors[(n + i) % len(self.sensors)] for i in range(per_batch)]
            self.send([(sensor, _normal(sensor, rng)) for sensor in sensors], validator)
            n += per_batch
            next_at += period
            stop.wait(max(0.0, next_at - time.perf_counter()))


class _Trials:
    """One crossing at a time: send it, wait for its incident's row, then acknowledge and
    resolve the incident and send a normal reading, so that the next crossing (the next sensor
    in a shuffled round of every sensor a threshold rule watches) opens a new incident instead
    of joining an open one of its type within 3.5 km."""

    def __init__(
        self,
        context: Any,
        model: Any,
        field: _Field,
        order: list[Sensor],
        quit_: Callable[[], None],
    ) -> None:
        from PySide6.QtCore import QTimer

        self._context = context
        self._model = model
        self._field = field
        self._validator = Validator(field.sensors)
        self._sensors = order
        self._quit = quit_
        self._running = False
        self._wanted = 0
        self._turn = 0  # crossings sent so far, over every run
        self._sensor: Sensor | None = None
        self._sent = 0.0
        self.latencies: list[float] = []
        self.missed: list[str] = []
        self._timeout = QTimer()
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout_timeout)
        model.rowsInserted.connect(self._on_model_rows_inserted)

    def run(self, trials: int) -> None:
        """Start ``trials`` crossings; quits the event loop when done."""
        self._running, self._wanted = True, trials
        self.latencies, self.missed = [], []
        self._next()

    def _next(self) -> None:
        from PySide6.QtCore import QTimer

        done = len(self.latencies) + len(self.missed)
        if done >= self._wanted or not self._running:
            self._running = False
            QTimer.singleShot(0, self._quit)
            return
        sensor = self._sensors[self._turn % len(self._sensors)]
        self._turn += 1
        self._sensor, self._sent = sensor, time.perf_counter()
        self._field.send([(sensor, CROSSING[sensor.kind])], self._validator)
        self._timeout.start(TRIAL_TIMEOUT_MS)

    def _settle(self, sensor: Sensor) -> None:
        from PySide6.QtCore import QTimer

        self._sensor = None
        self._timeout.stop()
        self._field.send([(sensor, sensor.kind.info.typical.mean)], self._validator)
        QTimer.singleShot(TRIAL_GAP_MS, self._next)

    def _on_model_rows_inserted(self, _parent: Any, first: int, last: int) -> None:
        from panels.incidents.model import INCIDENT_ID_ROLE

        now = time.perf_counter()
        sensor = self._sensor
        if sensor is None:
            return
        backend, incidents = self._context.backend, self._context.store.state.incidents
        for row in range(first, last + 1):
            incident_id = self._model.index(row, 0).data(INCIDENT_ID_ROLE)
            if sensor.id in incidents[incident_id].sensors:
                self.latencies.append((now - self._sent) * 1000)
                backend.submit(Acknowledge(incident_id), "operator:bench")
                backend.submit(Resolve(incident_id), "operator:bench")
                self._settle(sensor)
                return

    def _on_timeout_timeout(self) -> None:
        if self._sensor is not None:
            self.missed.append(self._sensor.id)
            self._settle(self._sensor)


def _latency_result(name: str, target: str, trials: _Trials, wanted: int, how: str) -> Result:
    done = len(trials.latencies) + len(trials.missed)
    values = trials.latencies + [math.inf] * len(trials.missed)
    p99 = percentile(values, 99) if values else math.nan
    passed = done >= wanted and (target == "reference" or p99 <= LATENCY_TARGET_MS)
    spread = (
        f"median {median(trials.latencies):.1f} ms, max {max(trials.latencies):.1f} ms"
        if trials.latencies
        else "no row at all"
    )
    return Result(
        name,
        p99,
        "ms",
        target,
        passed,
        f"{len(trials.latencies)} crossings each a new incident, {len(trials.missed)} without "
        f"a row within {TRIAL_TIMEOUT_MS / 1000:.0f} s; {spread}; {how}",
    )


def crossing_to_row(city: City) -> list[Result]:
    """In the real main window (offscreen), with a RulesRunner over the log as the windowed
    workstation starts it and 1,000 normal readings/s, the time from a reading that crosses a
    threshold to its incident's row inserted in the queue's model: first published straight to
    the log as the adapter's sink does, then from a gateway through mosquitto and MqttIngest."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from PySide6.QtWidgets import QApplication

    from bench.common import open_workstation
    from panels.incidents.panel import IncidentQueuePanel
    from tests.mqtt_broker import MosquittoBroker

    rng = random.Random(3)
    watched = [s for s in city.sensors if s.kind in CROSSING]
    rounds = (TRIALS + BROKER_TRIALS) // len(watched) + 1
    order = [s for _ in range(rounds) for s in rng.sample(watched, k=len(watched))]
    with tempfile.TemporaryDirectory() as folder:
        broker = MosquittoBroker(Path(folder) / "broker").start()
        backend, context, window = open_workstation(Path(folder), city)
        app = QApplication.instance()
        assert app is not None
        queue = window.panels["incidents"]
        assert isinstance(queue, IncidentQueuePanel)
        engine = _engine(city)
        runner = RulesRunner(backend, lambda: engine, clock=SystemClock())
        state = backend.snapshot().result()
        runner.start(state.last_seq, state.open_incident_places())

        def sink(events: list[NewEvent]) -> None:
            backend.publish(events).result(timeout=30)  # as the workstation's field feed

        adapter = MqttIngest(
            MqttSettings(host=broker.host, port=broker.port), Validator(city.sensors), sink
        )
        adapter.start()
        gateway = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-gateway")
        gateway.connect(broker.host, broker.port)
        gateway.loop_start()
        _wait_until(lambda: adapter.status().state is ConnectionState.CONNECTED, 10.0)
        context.store.start()
        window.show()
        field = _Field(backend, gateway, city.sensors)
        stop = threading.Event()
        background = threading.Thread(target=field.background, args=(stop,), name="background")
        background.start()
        trials = _Trials(context, queue.model, field, order, app.quit)
        results: list[Result] = []
        started = time.perf_counter()
        try:
            # A second of background first: the window settles, the rules have their engine.
            _run_events(app, 1.0)
            trials.run(TRIALS)
            _run_events(app, 120.0)
            results.append(
                _latency_result(
                    "threshold crossing -> incident row in the queue, 99th percentile",
                    f"<= {LATENCY_TARGET_MS:.0f} ms",
                    trials,
                    TRIALS,
                    "from publishing the reading to the log to the row inserted in the model",
                )
            )
            field.via_broker = True
            _run_events(app, 1.0)  # the readings sent straight to the log are through
            trials.run(BROKER_TRIALS)
            _run_events(app, 120.0)
            results.append(
                _latency_result(
                    "... from a gateway's publish to mosquitto, 99th percentile (reference, no "
                    "target)",
                    "reference",
                    trials,
                    BROKER_TRIALS,
                    f"QoS 1 through MqttIngest, which hands readings over every "
                    f"{MqttSettings().flush_interval_s * 1000:.0f} ms",
                )
            )
        finally:
            elapsed = time.perf_counter() - started
            stop.set()
            background.join()
            gateway.disconnect()
            gateway.loop_stop()
            adapter.stop()
            detections = runner.stop()
            stats = backend.stats().result()
            window.close()
            context.store.stop()
            backend.close()
            broker.stop()
    readings = stats.by_type.get("sensor.reading", 0)
    kinds = ", ".join(sorted(k.value for k in CROSSING))
    common = (
        f"; sensors {kinds} in turn; {detections} detections; background "
        f"{readings / elapsed:,.0f} readings/s"
    )
    return [replace(result, note=result.note + common) for result in results]


def _run_events(app: Any, seconds: float) -> None:
    """Run the Qt event loop until something quits it, or for ``seconds`` at most."""
    from PySide6.QtCore import QTimer

    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(app.quit)
    deadline.start(round(seconds * 1000))
    app.exec()
    deadline.stop()


def run() -> list[Result]:
    """Throughput of the ingest and rules path, then crossing-to-row latency."""
    city = load_city(PROFILE)
    feed = make_feed(city, CPU_READINGS)
    results = [cpu_path(city, feed)]
    with tempfile.TemporaryDirectory() as folder:
        results.append(log_path(city, make_feed(city, LOG_READINGS, seed=4), Path(folder)))
        results.append(
            broker_path(city, make_feed(city, BROKER_READINGS, seed=5), Path(folder), 0)
        )
        results.append(
            broker_path(city, make_feed(city, BROKER_READINGS_QOS1, seed=6), Path(folder), 1)
        )
    del feed
    results += crossing_to_row(city)
    return results


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "gateway":
    gateway(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
