"""The sensors panel in the real workstation: registry, unknown ids, live plots with history,
gaps, crisis bands, the cursor and following live."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QTextDocument, QWheelEvent
from PySide6.QtWidgets import QApplication, QLabel

from core.city.kinds import CrisisLevel, SensorKind
from core.city.model import Sensor
from core.events import SensorReading
from panels.sensors.panel import SensorsPanel
from panels.sensors.plot import SensorPlotView
from panels.sensors.registry import UNKNOWN_ROLE, Column
from panels.sensors.style import LEVEL_COLOURS, STALE_AMBER, STALE_RED, UNKNOWN_ROW
from tests.gui.conftest import Workstation


def panel_of(ws: Workstation) -> SensorsPanel:
    panel = ws.window.panels["sensors"]
    assert isinstance(panel, SensorsPanel)
    return panel


def sensors_of(ws: Workstation, kind: SensorKind) -> list[Sensor]:
    return [s for s in ws.context.city.sensors if s.kind is kind]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def publish(ws: Workstation, readings: list[tuple[str, float, int]]) -> None:
    """Publish ``(sensor id, value, ts_ms)`` readings and wait until the log has them.

    The log never lets time run backwards, so they go in time order."""
    events = [
        SensorReading(sensor_id, value).to_new("field", f"sensor:{sensor_id}", ts_ms)
        for sensor_id, value, ts_ms in sorted(readings, key=lambda r: r[2])
    ]
    ws.backend.publish(events).result()


def cell(panel: SensorsPanel, sensor_id: str, column: Column, role: int = 0) -> object:
    row = panel.model.row_of(sensor_id)
    assert row is not None, f"{sensor_id} has no row"
    return panel.model.index(row, column).data(role or Qt.ItemDataRole.DisplayRole)


def plot_of(qtbot, panel: SensorsPanel, sensor_ids: list[str]) -> SensorPlotView:  # type: ignore[no-untyped-def]
    panel.select_sensors(sensor_ids)
    plot = panel.plot
    assert plot is not None
    qtbot.waitUntil(lambda: all(plot.series[s].loaded for s in sensor_ids), timeout=5_000)
    plot.redraw_now()
    return plot


def shown_text(label: QLabel) -> str:
    """What a rich-text label reads as, with non-breaking spaces and hyphens made plain."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText().replace("\xa0", " ").replace("\u2011", "-")


def finite(values: np.ndarray) -> list[float]:
    return [float(v) for v in values if not math.isnan(v)]


def test_readings_show_value_level_and_freshness(qtbot, workstation: Workstation) -> None:
    panel = panel_of(workstation)
    river, pm10, gas = (
        sensors_of(workstation, SensorKind.RIVER_LEVEL)[0],
        sensors_of(workstation, SensorKind.PM10)[0],
        sensors_of(workstation, SensorKind.GAS)[0],
    )
    silent = sensors_of(workstation, SensorKind.NOISE)[0]
    now = now_ms()
    publish(
        workstation,
        [
            (river.id, 3.7, now - 1_000),  # 주의 (3.5 m) and fresh
            (pm10.id, 40.0, now - 7 * 60_000),  # normal, quiet for 7 minutes
            (gas.id, 30.0, now - 20 * 60_000),  # 경계 (25 %LEL), quiet for 20 minutes
        ],
    )
    # The table follows on its own display timer, with no call from the test.
    qtbot.waitUntil(lambda: cell(panel, gas.id, Column.VALUE) == "30.00 %LEL", timeout=5_000)
    assert cell(panel, river.id, Column.VALUE) == "3.70 m"
    assert cell(panel, river.id, Column.LEVEL) == "Caution"
    assert (
        cell(panel, river.id, Column.LEVEL, Qt.ItemDataRole.ForegroundRole)
        == (LEVEL_COLOURS[CrisisLevel.CAUTION])
    )
    assert cell(panel, river.id, Column.KIND) == "River water level"
    assert cell(panel, river.id, Column.OWNER) == river.owner_department_en
    assert cell(panel, gas.id, Column.LEVEL) == "Alert"
    assert cell(panel, pm10.id, Column.LEVEL) == "Normal"
    assert cell(panel, pm10.id, Column.LEVEL, Qt.ItemDataRole.ForegroundRole) is None
    assert cell(panel, river.id, Column.FRESHNESS, Qt.ItemDataRole.ForegroundRole) is None
    assert str(cell(panel, pm10.id, Column.FRESHNESS)).startswith("7m")
    assert cell(panel, pm10.id, Column.FRESHNESS, Qt.ItemDataRole.ForegroundRole) == STALE_AMBER
    assert cell(panel, gas.id, Column.FRESHNESS, Qt.ItemDataRole.ForegroundRole) == STALE_RED
    assert cell(panel, silent.id, Column.FRESHNESS) == "no data"
    # Sorted worst first: the 경계 gas detector heads the table.
    top = panel.proxy.index(0, Column.ID).data()
    assert top == gas.id


def test_only_changed_rows_are_reported_to_the_view(qtbot, workstation: Workstation) -> None:
    panel = panel_of(workstation)
    river = sensors_of(workstation, SensorKind.RIVER_LEVEL)[0]
    panel.refresh()
    changes: list[tuple[int, int, int, int]] = []
    panel.model.dataChanged.connect(
        lambda a, b, _roles=(): changes.append((a.row(), b.row(), a.column(), b.column()))
    )
    publish(workstation, [(river.id, 1.0, now_ms()), (river.id, 1.1, now_ms())])
    qtbot.waitUntil(lambda: river.id in workstation.context.store.state.sensors)
    panel.refresh()
    row = panel.model.row_of(river.id)
    value_changes = [c for c in changes if c[2] <= Column.VALUE <= c[3]]
    assert value_changes == [(row, row, Column.VALUE, Column.FRESHNESS)]


def test_an_unknown_sensor_shows_up_and_is_never_filtered_out(
    qtbot, workstation: Workstation
) -> None:
    panel = panel_of(workstation)
    publish(workstation, [("SEN-GHOST-9999", 12.5, now_ms())])
    qtbot.waitUntil(lambda: panel.model.row_of("SEN-GHOST-9999") is not None, timeout=5_000)
    assert cell(panel, "SEN-GHOST-9999", Column.KIND) == "Unknown sensor"
    assert cell(panel, "SEN-GHOST-9999", Column.VALUE) == "12.50"
    assert cell(panel, "SEN-GHOST-9999", Column.ID, UNKNOWN_ROLE) is True
    assert cell(panel, "SEN-GHOST-9999", Column.ID, Qt.ItemDataRole.BackgroundRole) == (
        UNKNOWN_ROW
    )
    assert "1 unknown" in panel.count_label.text()
    panel.filter_edit.setText("river")
    shown = {panel.proxy.index(r, Column.ID).data() for r in range(panel.proxy.rowCount())}
    rivers = {s.id for s in sensors_of(workstation, SensorKind.RIVER_LEVEL)}
    assert shown == rivers | {"SEN-GHOST-9999"}


def test_two_sensors_plot_their_history_and_live_readings(qtbot, workstation: Workstation) -> None:
    panel = panel_of(workstation)
    first, second = sensors_of(workstation, SensorKind.RIVER_LEVEL)[:2]
    start = now_ms() - 300_000
    before = [(first.id, 1.0 + i / 10, start + i * 10_000) for i in range(20)]
    before += [(second.id, 2.0 - i / 20, start + i * 10_000 + 5_000) for i in range(20)]
    publish(workstation, before)
    qtbot.waitUntil(lambda: first.id in workstation.context.store.state.sensors)

    plot = plot_of(qtbot, panel, [first.id, second.id])
    assert plot.plotted() == [first.id, second.id]
    assert len(plot.curves) == 2
    pens = {plot.curves[s].opts["pen"].color().name() for s in plot.curves}
    assert len(pens) == 2

    live = [(first.id, 3.0 + i / 10, start + (20 + i) * 10_000) for i in range(5)]
    live += [(second.id, 1.0 - i / 20, start + (20 + i) * 10_000 + 5_000) for i in range(5)]
    publish(workstation, live)
    qtbot.waitUntil(lambda: len(plot.curves[first.id].yData) == 25, timeout=5_000)
    qtbot.waitUntil(lambda: len(plot.curves[second.id].yData) == 25, timeout=5_000)
    for sensor_id in (first.id, second.id):
        expected = [r for r in before + live if r[0] == sensor_id]
        curve = plot.curves[sensor_id]
        assert finite(curve.yData) == [r[1] for r in expected]
        assert list(curve.xData) == [r[2] / 1000 for r in expected]

    # The cursor reads each sensor's value in force at its time.
    plot.move_cursor((start + 21 * 10_000 + 2_000) / 1000)
    assert plot.cursor_values() == {first.id: 3.1, second.id: 1.0}
    readout = shown_text(plot.cursor_label)
    assert f"{first.id} 3.10 m" in readout and f"{second.id} 1.00 m" in readout

    # Unselecting one removes its curve; the other keeps its data.
    panel.select_sensors([second.id])
    assert list(plot.curves) == [second.id]
    assert len(plot.curves[second.id].yData) == 25
    # With nothing selected the plot gives way to the hint, and its display timer stops.
    panel.select_sensors([])
    assert not plot.curves and not plot.isVisible() and panel.hint.isVisible()
    assert not plot._frame_timer.isActive()


def test_a_week_view_draws_older_days_from_the_time_series_table(
    qtbot, workstation: Workstation
) -> None:
    panel = panel_of(workstation)
    river = sensors_of(workstation, SensorKind.RIVER_LEVEL)[0]
    now = now_ms()
    three_days_ago = now - 3 * 86_400_000
    # Two hours of a flood three days ago, one reading a minute (peak 4.9 m), then today.
    old = [
        (river.id, 2.0 + 2.9 * (1 - abs(i - 60) / 60), three_days_ago + i * 60_000)
        for i in range(121)
    ]
    today = [(river.id, 1.5, now - 60_000 + i * 10_000) for i in range(6)]
    publish(workstation, old + today)
    plot = plot_of(qtbot, panel, [river.id])
    # The live series holds the last day only.
    assert finite(plot.curves[river.id].yData) == [1.5] * 6
    assert not plot.archive.curves

    plot.window_combo.setCurrentIndex(plot.window_combo.findData(7 * 86400))
    qtbot.waitUntil(lambda: river.id in plot.archive.curves, timeout=5_000)
    archive = plot.archive.curves[river.id]
    assert max(finite(archive.yData)) == pytest.approx(4.9)
    assert min(finite(archive.yData)) == pytest.approx(2.0)
    left, right = plot.view_box.viewRange()[0]
    assert right - left == pytest.approx(7 * 86400, rel=0.01)
    # The cursor over the flood reads the range of readings at that time.
    plot.move_cursor((three_days_ago + 60 * 60_000) / 1000)
    readout = shown_text(plot.cursor_label)
    assert f"{river.id} " in readout and "4.90 m" in readout

    # Zoomed into the flood by hand, it is asked again, finely enough to show each minute.
    plot.view_box.setXRange(three_days_ago / 1000, (three_days_ago + 7_200_000) / 1000, padding=0)
    plot.view_box.sigRangeChangedManually.emit([True, False])
    qtbot.waitUntil(lambda: plot.archive.held[river.id][0].is_raw, timeout=5_000)
    assert not plot.follow_live
    assert len(plot.archive.held[river.id][0]) == 121


def test_a_pause_in_readings_breaks_the_line(qtbot, workstation: Workstation) -> None:
    panel = panel_of(workstation)
    sensor = sensors_of(workstation, SensorKind.RAINFALL)[0]
    start = now_ms() - 600_000
    times = [start + i * 10_000 for i in range(10)]
    times += [times[-1] + 100_000 + i * 10_000 for i in range(5)]  # silent for 100 s
    publish(workstation, [(sensor.id, float(i), t) for i, t in enumerate(times)])
    qtbot.waitUntil(lambda: sensor.id in workstation.context.store.state.sensors)
    plot = plot_of(qtbot, panel, [sensor.id])
    y = plot.curves[sensor.id].yData
    x = plot.curves[sensor.id].xData
    assert len(y) == 16
    assert [i for i, v in enumerate(y) if math.isnan(v)] == [10]
    assert times[9] / 1000 < x[10] < times[10] / 1000
    assert finite(y) == [float(i) for i in range(15)]


def test_a_long_history_is_clipped_to_the_view_and_downsampled(
    qtbot, workstation: Workstation
) -> None:
    panel = panel_of(workstation)
    sensor = sensors_of(workstation, SensorKind.NOISE)[1]
    end = now_ms()
    count = 20_000
    publish(
        workstation,
        [(sensor.id, 50.0 + (i % 17), end - (count - i) * 4_000) for i in range(count)],
    )
    qtbot.waitUntil(lambda: sensor.id in workstation.context.store.state.sensors)
    plot = plot_of(qtbot, panel, [sensor.id])
    curve = plot.curves[sensor.id]
    assert len(curve.yData) == count  # every reading is kept ...
    plot.window_combo.setCurrentIndex(0)  # 10 min: 150 readings in view
    qtbot.waitUntil(lambda: len(curve.getData()[0]) <= 160)  # ... only those in view drawn
    plot.window_combo.setCurrentIndex(plot.window_combo.findData(86400))  # 24 h: all of them
    qtbot.waitUntil(lambda: len(curve.getData()[0]) < count / 2)
    assert curve.opts["downsampleMethod"] == "peak" and curve.opts["clipToView"]


def test_each_kind_has_a_lane_with_its_own_bands_and_scale_on_one_time_axis(
    qtbot, workstation: Workstation
) -> None:
    panel = panel_of(workstation)
    river, river2 = sensors_of(workstation, SensorKind.RIVER_LEVEL)[:2]
    pm25 = sensors_of(workstation, SensorKind.PM25)[0]
    temperature = sensors_of(workstation, SensorKind.TEMPERATURE)[0]
    now = now_ms()
    publish(
        workstation,
        [(s.id, v, now - 60_000 + i * 10_000) for i in range(6) for s, v in
         ((river, 2.0), (river2, 2.2), (pm25, 80.0))],
    )  # fmt: skip
    plot = plot_of(qtbot, panel, [river.id, pm25.id, river2.id])
    # Two gauges share the river lane; dust has its own, below it, in the order picked.
    assert [lane.sensors for lane in plot.lanes] == [[river.id, river2.id], [pm25.id]]
    assert [lane.unit for lane in plot.lanes] == ["m", pm25.unit]
    river_lane, dust_lane = plot.lanes

    def bands(lane) -> list[tuple[CrisisLevel, float, float]]:  # type: ignore[no-untyped-def]
        return [(level, *region.getRegion()) for level, region in lane.bands]

    found = bands(river_lane)
    assert [(level, low) for level, low, _ in found] == [
        (CrisisLevel.ATTENTION, 2.5),
        (CrisisLevel.CAUTION, 3.5),
        (CrisisLevel.ALERT, 4.5),
        (CrisisLevel.SEVERE, 5.2),
    ]
    assert [high for *_, high in found[:3]] == [3.5, 4.5, 5.2]
    assert found[3][2] > 1000
    colours = [region.brush.color() for _, region in river_lane.bands]
    assert [c.rgb() for c in colours] == [LEVEL_COLOURS[lv].rgb() for lv, *_ in found]
    assert all(0 < c.alpha() < 80 for c in colours)
    dust_thresholds = [low for _, low, _ in bands(dust_lane)]
    assert dust_thresholds and dust_thresholds[0] > 10  # µg/m³, not metres
    # Each lane scales its own values; time is one axis, shown once at the bottom.
    plot.redraw_now()
    plot.plot_widget.grab()  # auto-ranging happens as the lanes are painted
    assert 1.9 < river_lane.view_box.viewRange()[1][1] < 10
    assert dust_lane.view_box.viewRange()[1][1] > 50
    assert dust_lane.view_box.viewRange()[0] == river_lane.view_box.viewRange()[0]
    assert not river_lane.plot.getAxis("bottom").style["showValues"]
    assert dust_lane.plot.getAxis("bottom").style["showValues"]
    # The cursor stands at the same time in every lane.
    plot.move_cursor(now / 1000 - 30)
    assert all(lane.cursor_line.isVisible() for lane in plot.lanes)
    assert {lane.cursor_line.value() for lane in plot.lanes} == {now / 1000 - 30}

    # Temperature warns both ways: heat bands above, cold bands below.
    panel.select_sensors([temperature.id, river.id])
    assert [lane.key for lane in plot.lanes] == [
        SensorKind.TEMPERATURE.value,
        SensorKind.RIVER_LEVEL.value,
    ]
    found = bands(plot.lanes[0])
    assert (CrisisLevel.CAUTION, 33.0, 35.0) in found
    assert (CrisisLevel.CAUTION, -15.0, -12.0) in found
    severe_cold = [b for b in found if b[0] is CrisisLevel.SEVERE and b[2] == -18.0]
    assert severe_cold and severe_cold[0][1] < -1000
    # The river lane that stayed keeps its curve.
    assert plot.curves[river.id] in plot.lanes[1].plot.listDataItems()


def test_panning_by_hand_pauses_following_and_the_button_resumes(
    qtbot, workstation: Workstation
) -> None:
    panel = panel_of(workstation)
    sensor = sensors_of(workstation, SensorKind.RIVER_LEVEL)[3]
    now = now_ms()
    publish(workstation, [(sensor.id, 1.0 + i / 100, now - (30 - i) * 10_000) for i in range(30)])
    qtbot.waitUntil(lambda: sensor.id in workstation.context.store.state.sensors)
    plot = plot_of(qtbot, panel, [sensor.id])
    assert plot.follow_live and plot.follow_button.isChecked()
    left, right = plot.view_box.viewRange()[0]
    assert right - left == plot.window_s() == 3600
    assert abs(right - time.time()) < 5

    viewport = plot.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(
        centre,
        viewport.mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert not plot.follow_live
    assert not plot.follow_button.isChecked() and plot.paused_label.isVisible()
    zoomed = plot.view_box.viewRange()[0]
    assert zoomed[1] - zoomed[0] < 3600

    # New readings do not move a paused view.
    publish(workstation, [(sensor.id, 2.0, now_ms())])
    qtbot.waitUntil(lambda: len(plot.series[sensor.id]) == 31, timeout=5_000)
    plot.redraw_now()
    assert plot.view_box.viewRange()[0] == zoomed

    qtbot.mouseClick(plot.follow_button, Qt.MouseButton.LeftButton)
    assert plot.follow_live and not plot.paused_label.isVisible()
    left, right = plot.view_box.viewRange()[0]
    assert right - left == 3600 and abs(right - time.time()) < 5

    plot.window_combo.setCurrentIndex(0)  # 10 min
    left, right = plot.view_box.viewRange()[0]
    assert right - left == 600


def test_the_mouse_moves_the_cursor(qtbot, workstation: Workstation) -> None:
    panel = panel_of(workstation)
    sensor = sensors_of(workstation, SensorKind.RIVER_LEVEL)[4]
    now = now_ms()
    publish(workstation, [(sensor.id, 2.0, now - 3_000_000 + i * 60_000) for i in range(51)])
    qtbot.waitUntil(lambda: sensor.id in workstation.context.store.state.sensors)
    plot = plot_of(qtbot, panel, [sensor.id])
    view = plot.plot_widget
    centre = view.mapFromScene(plot.view_box.sceneBoundingRect().center())
    qtbot.mouseMove(view.viewport(), centre)
    qtbot.waitUntil(plot.cursor_line.isVisible)
    assert plot.cursor_values() == {sensor.id: 2.0}
    assert f"{sensor.id} 2.00 m" in shown_text(plot.cursor_label)


def test_the_korean_panel_speaks_korean(qtbot, korean_workstation: Workstation) -> None:
    panel = panel_of(korean_workstation)
    river = sensors_of(korean_workstation, SensorKind.RIVER_LEVEL)[0]
    publish(korean_workstation, [(river.id, 4.6, now_ms()), ("SEN-GHOST-1", 1.0, now_ms())])
    qtbot.waitUntil(lambda: panel.model.row_of("SEN-GHOST-1") is not None, timeout=5_000)
    qtbot.waitUntil(lambda: cell(panel, river.id, Column.LEVEL) == "경계", timeout=5_000)
    headers = [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers[Column.ID] == "센서" and headers[Column.VALUE] == "최근값"
    assert cell(panel, river.id, Column.KIND) == "하천 수위"
    assert cell(panel, "SEN-GHOST-1", Column.KIND) == "알 수 없는 센서"
    plot = plot_of(qtbot, panel, [river.id])
    assert plot.follow_button.text() == "실시간 따라가기"
