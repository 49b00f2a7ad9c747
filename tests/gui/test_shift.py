"""The shift tools on a real workstation: the workload dashboard fills from the event log
worked by two operators, and the hand-over report previews and saves as PDF and HTML."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QTableView
from pytestqt.qtbot import QtBot

from core.commands import (
    Acknowledge,
    AddNote,
    Assign,
    Command,
    Escalate,
    MarkDispatched,
    MergeDuplicate,
    ReportIncident,
    Resolve,
    StartWork,
)
from core.eventlog import EventLog
from core.events import CameraViewed
from core.sop.commands import SkipStep
from core.sop.starter import start_command
from core.workload import RangeChoice
from tests.gui.conftest import Workstation, lite_city
from tests.gui.remote_station import open_remote_workstation, unbound_replica
from tests.logs import fill_replica
from ui.shift import (
    HANDOVER_SHORTCUT,
    WORKLOAD_SHORTCUT,
    ShiftActions,
    handover_pdf_cli,
)

KIM, LEE = "operator:kim", "operator:lee"
NOTE = "연기 <짙음> & 확산 중"


class Shift:
    """Two operators working incidents, stamped from three hours ago onwards."""

    def __init__(self, ws: Workstation) -> None:
        self.ws = ws
        self.base = int(time.time() * 1000) - 3 * 3_600_000

    def do(self, command: Command, actor: str, at_s: float) -> str:
        records = self.ws.backend.submit(command, actor, self.base + int(at_s * 1000)).result()
        return str(records[0].subject)

    def report(self, type_code: str, at_s: float) -> str:
        lat, lon = lite_city().district("11230").centroid
        return self.do(ReportIncident(type_code, lat, lon, "11230"), "agency:112", at_s)

    def view(self, incident_id: str, actor: str, at_s: float) -> None:
        event = CameraViewed("CAM-0001", "incident", "open", incident_id)
        self.ws.backend.publish([event.to_new("test", actor, self.base + int(at_s * 1000))])


def work_a_shift(qtbot, ws: Workstation) -> dict[str, str]:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: ws.context.procedures.loaded)
    fire_procedure = ws.context.procedures.library.for_type("F-FIRE")
    assert fire_procedure is not None
    s = Shift(ws)
    fire = s.report("F-FIRE", 0)
    s.do(start_command(fire, fire_procedure), "system:procedures", 5)
    s.do(Acknowledge(fire), KIM, 40)
    s.view(fire, KIM, 70)
    s.do(Assign(fire, assignee=KIM), KIM, 80)
    s.do(StartWork(fire), KIM, 90)
    s.do(SkipStep(fire, "still", reason="smoke hides the scene"), KIM, 100)
    s.do(MarkDispatched(fire, agencies=("119",)), KIM, 300)
    s.do(AddNote(fire, comment=NOTE), KIM, 400)
    assault = s.report("P-ASL", 600)
    s.do(Acknowledge(assault), LEE, 620)
    s.view(assault, LEE, 650)
    s.do(Escalate(assault), LEE, 700)
    s.do(Assign(assault, assignee=LEE), LEE, 710)
    s.do(StartWork(assault), LEE, 720)
    s.do(MarkDispatched(assault, agencies=("112",)), LEE, 900)
    duplicate = s.report("P-ASL", 1000)
    s.do(Acknowledge(duplicate), LEE, 1030)
    s.do(MergeDuplicate(duplicate, into_id=assault), LEE, 1040)
    s.do(Resolve(assault), LEE, 1500)
    waiting = s.report("E-BIN", 2000)
    return {"fire": fire, "assault": assault, "duplicate": duplicate, "waiting": waiting}


def rows(table: QTableView) -> list[list[str]]:
    model = table.model()
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


# Threads that hold the workstation's GuiInvoker through their futures' callbacks: if one
# outlives the test, the workstation's Python-owned QObjects die on it, not on the GUI thread,
# and a later test crashes.
WORKERS = {"procedure library", "workload figures", "hand-over report", "hand-over save"}


@pytest.fixture
def shift_actions(qtbot, workstation: Workstation) -> Iterator[ShiftActions]:  # type: ignore[no-untyped-def]
    # The main window installs them (tests/conftest.py collects the previous test's Qt
    # objects on the GUI thread, so no worker frees them).
    yield workstation.window.shift_actions
    qtbot.waitUntil(lambda: workstation.context.procedures.loaded)
    for thread in threading.enumerate():
        if thread.name in WORKERS:
            thread.join(5)


def test_the_menu_has_both_tools_with_their_own_shortcuts(
    workstation: Workstation, shift_actions: ShiftActions
) -> None:
    assert shift_actions.workload_action.shortcut() == QKeySequence(WORKLOAD_SHORTCUT)
    assert shift_actions.handover_action.shortcut() == QKeySequence(HANDOVER_SHORTCUT)
    taken = [
        a.shortcut()
        for a in workstation.window.findChildren(type(shift_actions.workload_action))
        if a not in (shift_actions.workload_action, shift_actions.handover_action)
    ]
    assert QKeySequence(WORKLOAD_SHORTCUT) not in taken
    assert QKeySequence(HANDOVER_SHORTCUT) not in taken
    assert [a.text() for a in shift_actions.menu.actions()] == [
        "&Workload dashboard…",
        "Shift &hand-over report…",
    ]


def test_the_dashboard_fills_from_the_log_by_operator_and_by_shift(
    qtbot: QtBot, workstation: Workstation, shift_actions: ShiftActions
) -> None:
    work_a_shift(qtbot, workstation)
    dialog = shift_actions.open_workload()
    with qtbot.waitSignal(dialog.computed, timeout=10_000):
        dialog.set_choice(RangeChoice.LAST_24H)
    by_operator = rows(dialog.operator_table)
    # Operator, handled, resolved, ack median/90th, video median/90th, packet median/90th,
    # steps skipped, mandatory share, escalations.
    assert by_operator == [
        ["kim", "1", "0", "40s", "40s", "1m 10s", "1m 10s", "5m 00s", "5m 00s", "1", "0%", "0"],
        ["lee", "1", "1", "20s", "20s", "50s", "50s", "5m 00s", "5m 00s", "0", "—", "1"],
    ]
    # Sorting by the acknowledgement median puts lee first.
    dialog.operator_table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert [r[0] for r in rows(dialog.operator_table)] == ["lee", "kim"]
    shifts = rows(dialog.shift_table)
    assert 3 <= len(shifts) <= 4  # the shifts of the last 24 hours
    assert sum(int(r[1]) for r in shifts) == 3  # reported: the duplicate is left out
    assert sum(int(r[3]) for r in shifts) >= 2  # handled, split where a shift changed
    assert dialog.report is not None
    assert (dialog.report.reported, dialog.report.unacknowledged) == (3, 1)
    assert dialog.report.duplicates == 1
    assert "3 incident(s) reported, 2 handled, 1 resolved" in dialog.total_label.text()


def test_the_hand_over_report_previews_and_saves_pdf_and_html(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    workstation: Workstation,
    shift_actions: ShiftActions,
    tmp_path: Path,
) -> None:
    ids = work_a_shift(qtbot, workstation)
    dialog = shift_actions.open_handover()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    report = dialog.report
    assert report is not None
    assert [i.id for i in report.incidents] == [ids["fire"], ids["waiting"]]
    fire = report.incidents[0]
    assert fire.procedure is not None and fire.procedure.available
    assert fire.last_note is not None and fire.last_note.text == NOTE
    text = dialog.preview.toPlainText()
    assert ids["fire"] in text and ids["assault"] not in text and NOTE in text
    assert "Fire, with the access road cleared" in text
    assert dialog.default_path().name.startswith("cityroom-handover-")
    assert dialog.default_path().suffix == ".pdf"

    pdf = tmp_path / "handover.pdf"
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save_to(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    assert document.load(str(pdf)) == QPdfDocument.Error.None_
    assert document.pageCount() >= 1
    page = document.pagePointSize(0)
    assert round(page.width()) == 595 and round(page.height()) == 842  # A4 in points
    image: QImage = document.render(0, QSize(595, 842))
    assert not image.isNull()
    assert ids["fire"] in document.getAllText(0).text()
    document.close()

    chosen = (str(tmp_path / "handover"), "HTML page (*.html)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: chosen)
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_button.click()
    assert saved.args == [str(tmp_path / "handover.html")]
    page_text = (tmp_path / "handover.html").read_text(encoding="utf-8")
    assert "연기 &lt;짙음&gt; &amp; 확산 중" in page_text
    assert NOTE not in page_text


def test_a_remote_workstation_reports_from_its_replica(
    qtbot: QtBot,
    workstation: Workstation,
    shift_actions: ShiftActions,
    tmp_path: Path,
) -> None:
    ids = work_a_shift(qtbot, workstation)
    # The same log as a server's, copied into a remote workstation's replica by its link.
    log = EventLog.open(workstation.backend.location, readonly=True)
    try:
        fill_replica(unbound_replica(tmp_path / "remote" / "remote"), list(log.read()))
    finally:
        log.close()
    station = open_remote_workstation(qtbot, tmp_path / "remote")
    try:
        actions = station.window.shift_actions
        handover = actions.open_handover()
        qtbot.waitUntil(lambda: handover.report is not None, timeout=10_000)
        assert handover.report is not None
        assert [i.id for i in handover.report.incidents] == [ids["fire"], ids["waiting"]]
        assert ids["fire"] in handover.preview.toPlainText()
        workload = actions.open_workload()
        with qtbot.waitSignal(workload.computed, timeout=10_000):
            workload.set_choice(RangeChoice.LAST_24H)
        assert [r[:3] for r in rows(workload.operator_table)] == [
            ["kim", "1", "0"],
            ["lee", "1", "1"],
        ]
        assert "3 incident(s) reported, 2 handled, 1 resolved" in workload.total_label.text()
    finally:
        qtbot.waitUntil(lambda: station.context.procedures.loaded)
        for thread in threading.enumerate():
            if thread.name in WORKERS:
                thread.join(5)
        station.close()


def test_a_missing_log_is_told_not_hidden(
    qtbot: QtBot, workstation: Workstation, shift_actions: ShiftActions, tmp_path: Path
) -> None:
    workstation.backend.location = str(tmp_path / "gone.db")
    with qtbot.waitSignal(shift_actions.workload_action.triggered):
        shift_actions.workload_action.trigger()
    dialog = shift_actions.workload_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as failed:
        dialog.refresh()
    assert "gone.db" in str(failed.args[0])
    assert "could not be computed" in dialog.status_label.text()


def test_a_pdf_that_cannot_be_written_is_told_and_the_command_line_writes_one(
    qtbot: QtBot, workstation: Workstation, shift_actions: ShiftActions, tmp_path: Path
) -> None:
    work_a_shift(qtbot, workstation)
    dialog = shift_actions.open_handover()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as failed:
        dialog.save_to(tmp_path / "no-such-folder" / "handover.pdf")
    assert "Could not save" in str(failed.args[0]) and "no-such-folder" in str(failed.args[0])
    assert dialog.save_button.isEnabled()

    out = tmp_path / "cli.pdf"
    assert handover_pdf_cli(Path(workstation.backend.location), out, "ko") == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert not (tmp_path / ".cli.pdf.part").exists()
    assert (
        handover_pdf_cli(Path(workstation.backend.location), tmp_path / "x" / "y.pdf", "en") == 1
    )
