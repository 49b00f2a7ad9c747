"""The situation map and the sensors panel in replay: they show the city at the replay instant,
nothing after it, and the live city again when replay ends."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pytest

from core.city.kinds import SensorKind
from core.commands import Acknowledge, ReportIncident
from core.events import SensorReading
from core.replay.session import ReplaySession
from panels.sensors.history import SensorSeries
from panels.sensors.panel import SensorsPanel
from panels.sensors.registry import Column
from panels.situation_map.panel import MapPanel
from tests.gui.conftest import Workstation, lite_city

MINUTE_MS = 60_000


def run_js(qtbot, panel: MapPanel, script: str) -> Any:  # type: ignore[no-untyped-def]
    """Evaluate JavaScript in the map page and wait for its result."""
    box: list[Any] = []
    panel.page.runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


def sensors_panel(ws: Workstation) -> SensorsPanel:
    panel = ws.window.panels["sensors"]
    assert isinstance(panel, SensorsPanel)
    return panel


def value_cell(panel: SensorsPanel, sensor_id: str, column: Column) -> object:
    row = panel.model.row_of(sensor_id)
    assert row is not None
    return panel.model.index(row, column).data()


def test_sensor_plots_and_registry_end_at_the_replay_instant(  # type: ignore[no-untyped-def]
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    river = next(s for s in ws.context.city.sensors if s.kind is SensorKind.RIVER_LEVEL)
    # Two hours of readings, one a minute, valued by their minute: 0.0, 0.1, ... 12.0 m.
    base = time.time_ns() // 1_000_000 - 3 * 3_600_000
    readings = [(base + i * MINUTE_MS, i / 10) for i in range(121)]
    actor = f"sensor:{river.id}"
    ws.backend.publish(
        [
            SensorReading(river.id, value, measured_ms=ts).to_new("field", actor, ts)
            for ts, value in readings
        ]
    ).result()
    panel = sensors_panel(ws)
    qtbot.waitUntil(lambda: value_cell(panel, river.id, Column.VALUE) == "12.00 m")
    panel.select_sensors([river.id])
    plot = panel.plot
    assert plot is not None
    qtbot.waitUntil(lambda: len(plot.series[river.id]) == 121, timeout=5_000)

    # Half a minute after the reading of minute 60.
    at = base + 60 * MINUTE_MS + 30_000
    session = ReplaySession(ws.backend.location)
    try:
        state = session.state_at(at)
        ws.context.view.enter_replay(state, at)

        def series() -> SensorSeries:  # a seek replaces the series
            return plot.series[river.id]

        qtbot.waitUntil(lambda: series().loaded, timeout=5_000)
        assert series().newest_ts_s() == (base + 60 * MINUTE_MS) / 1000
        assert len(series()) == 61
        plot.redraw_now()
        xs, ys = plot.curves[river.id].getData()
        assert xs is not None and float(np.nanmax(xs)) <= at / 1000
        assert float(ys[-1]) == pytest.approx(6.0)
        # The "live" right edge of the time axis is the replay instant.
        assert plot.view_box.viewRange()[0][1] == pytest.approx(at / 1000, abs=1.0)
        assert value_cell(panel, river.id, Column.VALUE) == "6.00 m"
        assert value_cell(panel, river.id, Column.FRESHNESS) == "30s"

        # Playing on for two minutes brings the readings of minutes 61 and 62, and no more.
        later = at + 2 * MINUTE_MS
        ws.context.view.advance(session.read_forward(state.last_seq, later, 1000), later)
        plot.redraw_now()
        panel.refresh()
        assert len(series()) == 63
        xs, ys = plot.curves[river.id].getData()
        assert float(np.nanmax(xs)) <= later / 1000 and float(ys[-1]) == pytest.approx(6.2)
        assert value_cell(panel, river.id, Column.VALUE) == "6.20 m"
        assert plot.view_box.viewRange()[0][1] == pytest.approx(later / 1000, abs=1.0)
    finally:
        session.close()

    # Back to live: the newest readings again.
    ws.context.view.leave_replay()
    qtbot.waitUntil(lambda: plot.series[river.id].loaded, timeout=5_000)
    assert len(plot.series[river.id]) == 121
    assert value_cell(panel, river.id, Column.VALUE) == "12.00 m"
    plot.redraw_now()
    assert plot.view_box.viewRange()[0][1] >= time.time() - 5


@pytest.fixture
def mapped(qtbot, map_workstation: Workstation) -> Workstation:  # type: ignore[no-untyped-def]
    panel = map_workstation.window.panels["map"]
    assert isinstance(panel, MapPanel)
    with qtbot.waitSignal(panel.camerasLoaded, timeout=60_000):
        pass
    return map_workstation


def test_the_map_shows_the_incidents_and_sensors_of_the_replay_instant(  # type: ignore[no-untyped-def]
    qtbot, mapped: Workstation
) -> None:
    ws = mapped
    panel = ws.window.panels["map"]
    assert isinstance(panel, MapPanel)
    lat, lon = lite_city().district("11230").centroid
    reported = ws.backend.submit(
        ReportIncident("F-FIRE", lat, lon, "11230"), "agency:119"
    ).result()
    fire = str(reported[0].subject)
    acked = ws.backend.submit(Acknowledge(fire), "operator:kim").result()
    sensor = ws.context.city.sensors[0]
    ws.backend.publish(
        [SensorReading(sensor.id, 1.5).to_new("field", f"sensor:{sensor.id}")]
    ).result()
    shown = f"cityroom.index['incident:{fire}'] ? 1 : 0"
    qtbot.waitUntil(lambda: run_js(qtbot, panel, shown) == 1, timeout=10_000)

    sent: list[dict[str, Any]] = []
    panel.bridge.command.connect(lambda text: sent.append(json.loads(text)))

    def last(op: str) -> dict[str, Any]:
        return [c for c in sent if c["op"] == op][-1]

    def incident_rows() -> dict[str, list[Any]]:
        return {row[0]: row for row in last("incidents")["rows"]}

    session = ReplaySession(ws.backend.location)
    try:
        # Before the report: the fire is not on the map, and no sensor has a value yet.
        before = reported[0].seq - 1
        ws.context.view.enter_replay(session.state_at_seq(before), reported[0].ts_ms - 1)
        assert fire in last("incidents")["removed"] and fire not in incident_rows()
        assert all(row[5] is None for row in last("sensors")["rows"])
        qtbot.waitUntil(lambda: run_js(qtbot, panel, shown) == 0, timeout=10_000)
        assert panel.replay_mark.isVisible()
        assert panel.replay_mark.text().startswith("REPLAY ")

        # Just after the report: there, as it was then (new, not yet acknowledged).
        state = session.state_at_seq(reported[0].seq)
        ws.context.view.replace(state, reported[0].ts_ms)
        assert incident_rows()[fire][4] == "new"
        qtbot.waitUntil(lambda: run_js(qtbot, panel, shown) == 1, timeout=10_000)

        # Playing on: the acknowledgement and the reading reach the map on its next flush.
        records = session.read_forward(state.last_seq, acked[-1].ts_ms + 60_000, 100)
        ws.context.view.advance(records, acked[-1].ts_ms + 60_000)
        qtbot.waitUntil(lambda: incident_rows().get(fire, [None] * 5)[4] == "acknowledged")
        qtbot.waitUntil(
            lambda: any(r[0] == sensor.id and r[5] == 1.5 for r in last("sensors")["rows"])
        )
    finally:
        session.close()

    # Back to live: the live city, and no replay mark.
    ws.context.view.leave_replay()
    assert incident_rows()[fire][4] == "acknowledged"
    assert not panel.replay_mark.isVisible()
