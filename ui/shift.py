"""Shift tools: the workload dashboard and the shift hand-over report (preview, HTML, PDF).

Both read the event log through their own read-only connection on a worker thread, so the GUI
thread never waits on the disk; results come back through the ``GuiInvoker``.
``install_shift_actions`` puts them in a "Shift" menu of the main window.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QMarginsF,
    QObject,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QKeySequence,
    QPageLayout,
    QPageSize,
    QPalette,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.backend import log_file
from core.clock import Clock, SystemClock
from core.handover import HandoverReport, handover_from_log, render_html
from core.sop.library import ProcedureLibrary
from core.workload import (
    DEFAULT_PLAN,
    Durations,
    RangeChoice,
    ShiftFigures,
    ShiftPlan,
    WorkFigures,
    WorkloadReport,
    compute_workload,
    format_duration,
    local_time,
    range_for,
    read_work_events,
)
from ui.context import AppContext
from ui.table_model import Index, TitledTableModel
from ui.workers import run_in_thread

ERROR_COLOUR = "#ff8b8b"
WORKLOAD_SHORTCUT = "Ctrl+Shift+D"
HANDOVER_SHORTCUT = "Ctrl+Shift+H"


def log_path(context: AppContext) -> Path | None:
    """The event log file this workstation reads (a remote workstation's replica), or None
    when it has none here."""
    return log_file(context.backend)


# -- PDF ----------------------------------------------------------------------------------------


def write_pdf(html: str, path: Path, title: str = "") -> None:
    """Print ``html`` to an A4 PDF at ``path`` with Qt's rich-text engine. Needs a
    QGuiApplication; may run on a worker thread. Raises OSError when the file cannot be
    written (Qt only says so by writing nothing), leaving any earlier file as it was."""
    partial_path = path.with_name(f".{path.name}.part")
    partial_path.unlink(missing_ok=True)
    writer = QPdfWriter(str(partial_path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    # QTextDocument.print_ lays the page out inside its own 2 cm margin (and numbers the
    # pages in it), so the paper needs none of its own.
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Cityroom")
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)
    del writer  # closes the file
    if not partial_path.exists() or partial_path.stat().st_size == 0:
        partial_path.unlink(missing_ok=True)
        raise OSError(f"the PDF could not be written in {path.parent}")
    partial_path.replace(path)


def ensure_gui_application() -> QCoreApplication:
    """The running Qt application, or a new offscreen one for headless use (the PDF needs
    fonts, hence a QGuiApplication)."""
    app = QCoreApplication.instance()
    if app is not None:
        return app
    if sys.platform == "linux" and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication(sys.argv[:1])


def handover_pdf_cli(
    db: Path, out: Path, language: str, at_ms: int | None = None, clock: Clock | None = None
) -> int:
    """``main.py handover --out FILE.pdf``: write the hand-over as a PDF; the exit status."""
    ensure_gui_application()
    when = at_ms if at_ms is not None else (clock or SystemClock()).now_ms()
    report = handover_from_log(db, when)
    html = render_html(report, language)
    try:
        write_pdf(html, out, _report_title(report, language))
    except OSError as error:
        print(f"cityroom handover: cannot write {out}: {error}", file=sys.stderr)
        return 1
    shift = report.shift.label("en", report.plan.zone)
    print(f"{out}: {len(report.incidents)} open incident(s); shift {shift}")
    return 0


def _report_title(report: HandoverReport, language: str) -> str:
    title = "근무 인수인계 보고서" if language == "ko" else "Shift hand-over report"
    return f"{title} — {report.shift.label(language, report.plan.zone)}"


def save_report(html: str, path: Path, title: str = "") -> Path:
    """Write the report to ``path``: a PDF for ``.pdf``, the HTML page otherwise."""
    if path.suffix.lower() == ".pdf":
        write_pdf(html, path, title)
    else:
        path.write_text(html, encoding="utf-8")
    return path


# -- the workload dashboard ---------------------------------------------------------------------

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class WorkloadTableModel(TitledTableModel):
    """Figures by operator or by shift; the sort role gives raw numbers."""

    def __init__(self, by_shift: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.by_shift = by_shift
        self.rows: list[tuple[str, Any, WorkFigures, ShiftFigures | None]] = []
        first = [self.tr("Shift")] if by_shift else [self.tr("Operator")]
        if by_shift:
            first += [self.tr("Reported"), self.tr("Left\nunacknowledged")]
        titles = [
            *first,
            self.tr("Handled"),
            self.tr("Resolved"),
            self.tr("Acknowledge\nmedian"),
            self.tr("Acknowledge\n90th pct."),
            self.tr("First video\nmedian"),
            self.tr("First video\n90th pct."),
            self.tr("First packet\nmedian"),
            self.tr("First packet\n90th pct."),
            self.tr("Steps\nskipped"),
            self.tr("Mandatory\nshare"),
            self.tr("Escalations"),
        ]
        self._headers = dict(enumerate(titles))

    def row_total(self) -> int:
        """One row per operator or shift."""
        return len(self.rows)

    def set_rows(self, rows: list[tuple[str, Any, WorkFigures, ShiftFigures | None]]) -> None:
        """Replace the rows: (label, sort key of the label, figures, the shift's extras)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Text for display, raw values for sorting, numbers aligned right."""
        if not index.isValid():
            return None
        label, label_key, figures, shift = self.rows[index.row()]
        cells = self._cells(label, label_key, figures, shift)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cells[column][0]
        if role == SORT_ROLE:
            return cells[column][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _cells(
        self, label: str, label_key: Any, figures: WorkFigures, shift: ShiftFigures | None
    ) -> list[tuple[str, Any]]:
        def count(n: int) -> tuple[str, Any]:
            return str(n), n

        def time(value: float | None) -> tuple[str, Any]:
            return format_duration(value), value if value is not None else float("inf")

        def times(d: Durations) -> list[tuple[str, Any]]:
            return [time(d.median_ms), time(d.p90_ms)]

        share = figures.mandatory_share
        cells: list[tuple[str, Any]] = [(label, label_key)]
        if shift is not None:
            cells += [count(shift.reported), count(shift.unacknowledged)]
        cells += [
            count(figures.handled),
            count(figures.resolved),
            *times(figures.to_acknowledge),
            *times(figures.to_video),
            *times(figures.to_packet),
            count(figures.skipped),
            (f"{share:.0%}" if share is not None else "—", share if share is not None else -1.0),
            count(figures.escalations),
        ]
        return cells


class WorkloadDialog(QDialog):
    """Workload by operator and by shift over a chosen range, computed off the GUI thread."""

    computed = Signal()  # new figures are shown
    failed = Signal(str)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Clock | None = None,
        plan: ShiftPlan = DEFAULT_PLAN,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WorkloadDialog")
        self.setWindowTitle(self.tr("Operator workload"))
        self.resize(1400, 560)
        self.context = context
        self._clock = clock or SystemClock()
        self.plan = plan
        self._generation = 0
        self.report: WorkloadReport | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Range:")))
        self.range_box = QComboBox()
        for text, choice in (
            (self.tr("This shift"), RangeChoice.THIS_SHIFT),
            (self.tr("Last 24 hours"), RangeChoice.LAST_24H),
            (self.tr("Last 7 days"), RangeChoice.LAST_7D),
        ):
            self.range_box.addItem(text, choice.value)
        self.range_box.currentIndexChanged.connect(self._on_range_box_changed)
        top.addWidget(self.range_box)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.tabs = QTabWidget()
        self.operator_model = WorkloadTableModel(by_shift=False, parent=self)
        self.shift_model = WorkloadTableModel(by_shift=True, parent=self)
        self.operator_table = self._table(self.operator_model)
        self.shift_table = self._table(self.shift_model)
        self.tabs.addTab(self.operator_table, self.tr("By operator"))
        self.tabs.addTab(self.shift_table, self.tr("By shift"))
        layout.addWidget(self.tabs, 1)
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        self.total_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.total_label)
        note = QLabel(
            self.tr(
                "Times run from the report to the first acknowledgement, the first camera view "
                "and the first dispatch or packet, and count for whoever did it, in the shift "
                "it happened. Merged duplicates are left out."
            )
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #8b98a8")
        layout.addWidget(note)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)

    def _table(self, model: WorkloadTableModel) -> QTableView:
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(model)
        proxy.setSortRole(SORT_ROLE)
        table = QTableView()
        table.setModel(proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    @property
    def choice(self) -> RangeChoice:
        """The range chosen."""
        return RangeChoice(self.range_box.currentData())

    def set_choice(self, choice: RangeChoice) -> None:
        """Choose a range (and recompute)."""
        self.range_box.setCurrentIndex(self.range_box.findData(choice.value))

    def _on_range_box_changed(self, _index: int) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute the figures for the chosen range on a worker thread."""
        path = log_path(self.context)
        self._generation += 1
        generation = self._generation
        if path is None:
            self._show_failure(
                generation,
                self.tr(
                    "Workload figures need a copy of the event log on this workstation, and "
                    "this backend keeps none here. Open the log file itself (python main.py "
                    "--db FILE)."
                ),
            )
            return
        start, end = range_for(self.choice, self._clock.now_ms(), self.plan)
        plan = self.plan
        zone = plan.zone
        self.status_label.setText(
            self.tr("Computing the figures from %1 to %2…")
            .replace("%1", local_time(start, zone))
            .replace("%2", local_time(end - 1, zone))
        )
        self.refresh_button.setEnabled(False)

        def work() -> WorkloadReport:
            return compute_workload(read_work_events(path, until_ms=end), start, end, plan)

        future = run_in_thread(work, "workload figures")
        self.context.invoker.when_done(
            future,
            partial(self._on_computed, generation),
            lambda error: self._show_failure(generation, str(error)),
        )

    def _on_computed(self, generation: int, report: WorkloadReport) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # closed, or a newer range was asked for meanwhile
        self.report = report
        self.refresh_button.setEnabled(True)
        self.status_label.setStyleSheet("")
        zone = report.plan.zone
        language = self.context.language
        self.operator_model.set_rows(
            [
                (actor.removeprefix("operator:"), actor, f, None)
                for actor, f in report.operators.items()
            ]
        )
        self.shift_model.set_rows(
            [
                (s.window.label(language, zone), s.window.start_ms, s.figures, s)
                for s in report.shifts
            ]
        )
        self.status_label.setText(
            self.tr("From %1 to %2 (%3): %4 operator(s), %5 shift(s).")
            .replace("%1", local_time(report.start_ms, zone))
            .replace("%2", local_time(report.end_ms - 1, zone))
            .replace("%3", report.plan.timezone)
            .replace("%4", str(len(report.operators)))
            .replace("%5", str(len(report.shifts)))
        )
        total = report.total
        self.total_label.setText(
            self.tr(
                "In total: %1 incident(s) reported, %2 handled, %3 resolved; %4 still "
                "unacknowledged at the end; %5 merged duplicate(s) left out. Acknowledged in "
                "%6 (median), %7 (90th percentile)."
            )
            .replace("%1", str(report.reported))
            .replace("%2", str(total.handled))
            .replace("%3", str(total.resolved))
            .replace("%4", str(report.unacknowledged))
            .replace("%5", str(report.duplicates))
            .replace("%6", format_duration(total.to_acknowledge.median_ms))
            .replace("%7", format_duration(total.to_acknowledge.p90_ms))
        )
        self.computed.emit()

    def _show_failure(self, generation: int, text: str) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.refresh_button.setEnabled(True)
        self.status_label.setText(
            self.tr("The figures could not be computed: %1").replace("%1", text)
        )
        self.failed.emit(text)


# -- the hand-over report -----------------------------------------------------------------------


class HandoverDialog(QDialog):
    """A preview of the shift hand-over report, built off the GUI thread, and saving it as a
    PDF or an HTML page."""

    ready = Signal()  # the preview shows a freshly built report
    saved = Signal(str)  # the path written
    failed = Signal(str)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Clock | None = None,
        plan: ShiftPlan = DEFAULT_PLAN,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HandoverDialog")
        self.setWindowTitle(self.tr("Shift hand-over report"))
        self.resize(900, 760)
        self.context = context
        self._clock = clock or SystemClock()
        self.plan = plan
        self._generation = 0
        self.report: HandoverReport | None = None
        self.html = ""
        layout = QVBoxLayout(self)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        # The page is printed on white paper: preview it so, whatever the theme.
        palette = self.preview.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
        palette.setColor(QPalette.ColorRole.Text, QColor("#1a1a1a"))
        self.preview.setPalette(palette)
        self.preview.setStyleSheet("QTextBrowser { background: #ffffff; color: #1a1a1a; }")
        layout.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.build)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        self.save_button = QPushButton(self.tr("&Save…"))
        self.save_button.setToolTip(self.tr("Save the report as a PDF or an HTML page"))
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.save_button.setEnabled(False)
        buttons.addWidget(self.save_button)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def build(self) -> None:
        """Build the report as of now on a worker thread, then show it."""
        path = log_path(self.context)
        self._generation += 1
        generation = self._generation
        if path is None:
            self._show_failure(
                generation,
                self.tr(
                    "The hand-over report needs a copy of the event log on this workstation, "
                    "and this backend keeps none here. Open the log file itself (python "
                    "main.py --db FILE)."
                ),
            )
            return
        now = self._clock.now_ms()
        plan, language = self.plan, self.context.language
        service = self.context.procedures
        folders = service.library.folders
        ready_library = service.library if service.loaded else None
        prepared_by = self.context.actor

        def work() -> tuple[HandoverReport, str]:
            library = ready_library
            if library is None:  # the workstation has not read its procedures yet
                library = ProcedureLibrary(folders)
                library.load()
            report = handover_from_log(path, now, library, plan)
            return report, render_html(report, language, prepared_by)

        self.status_label.setText(self.tr("Building the report…"))
        self.refresh_button.setEnabled(False)
        self.save_button.setEnabled(False)
        future = run_in_thread(work, "hand-over report")
        self.context.invoker.when_done(
            future,
            partial(self._on_built, generation),
            lambda error: self._show_failure(generation, str(error)),
        )

    def _on_built(self, generation: int, result: tuple[HandoverReport, str]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.report, self.html = result
        self.status_label.setStyleSheet("")
        self.preview.setHtml(self.html)
        self.refresh_button.setEnabled(True)
        self.save_button.setEnabled(True)
        report = self.report
        self.status_label.setText(
            self.tr("As of %1: %2 open incident(s); shift %3.")
            .replace("%1", local_time(report.at_ms, report.plan.zone))
            .replace("%2", str(len(report.incidents)))
            .replace("%3", report.shift.label(self.context.language, report.plan.zone))
        )
        self.ready.emit()

    def default_path(self) -> Path:
        """~/cityroom-handover-YYYYMMDD-HHMM.pdf, for the report's instant."""
        at = self.report.at_ms if self.report is not None else self._clock.now_ms()
        moment = datetime.fromtimestamp(at / 1000, self.plan.zone)
        return Path.home() / f"cityroom-handover-{moment:%Y%m%d-%H%M}.pdf"

    def _on_save_button_clicked(self) -> None:
        pdf, html = self.tr("PDF document (*.pdf)"), self.tr("HTML page (*.html)")
        chosen, selected = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the hand-over report"),
            str(self.default_path()),
            f"{pdf};;{html}",
        )
        if not chosen:
            return
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(".html" if selected == html else ".pdf")
        self.save_to(path)

    def save_to(self, path: Path) -> Future[Path]:
        """Write the report shown to ``path`` (PDF or HTML by its suffix) off the GUI thread."""
        html = self.html
        title = (
            _report_title(self.report, self.context.language) if self.report is not None else ""
        )
        self.save_button.setEnabled(False)
        self.status_label.setText(self.tr("Saving %1…").replace("%1", str(path)))
        generation = self._generation
        future = run_in_thread(lambda: save_report(html, path, title), "hand-over save")
        self.context.invoker.when_done(
            future,
            self._on_saved,
            lambda error: self._show_failure(
                generation,
                self.tr("Could not save %1: %2. Choose another folder or file name.")
                .replace("%1", str(path))
                .replace("%2", str(error)),
            ),
        )
        return future

    def _on_saved(self, path: Path) -> None:
        if not shiboken6.isValid(self):
            return
        self.save_button.setEnabled(True)
        self.status_label.setStyleSheet("")
        self.status_label.setText(self.tr("Saved %1.").replace("%1", str(path)))
        self.saved.emit(str(path))

    def _show_failure(self, generation: int, text: str) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.refresh_button.setEnabled(True)
        self.save_button.setEnabled(bool(self.html))
        self.status_label.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.status_label.setText(text)
        self.failed.emit(text)


# -- the menu -----------------------------------------------------------------------------------


class ShiftActions(QObject):
    """The "Shift" menu: the workload dashboard and the hand-over report (one dialog each,
    raised when already open)."""

    def __init__(
        self,
        window: QMainWindow,
        context: AppContext,
        *,
        clock: Clock | None = None,
        plan: ShiftPlan = DEFAULT_PLAN,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self._clock = clock
        self.plan = plan
        self.workload_dialog: WorkloadDialog | None = None
        self.handover_dialog: HandoverDialog | None = None
        self.menu = window.menuBar().addMenu(self.tr("S&hift"))
        self.workload_action = self._action(
            self.tr("&Workload dashboard…"), self.open_workload, WORKLOAD_SHORTCUT
        )
        self.handover_action = self._action(
            self.tr("Shift &hand-over report…"), self.open_handover, HANDOVER_SHORTCUT
        )

    def _action(self, text: str, slot: Callable[[], object], shortcut: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def open_workload(self) -> WorkloadDialog:
        """Show the workload dashboard and compute its figures."""
        if self.workload_dialog is None:
            self.workload_dialog = WorkloadDialog(
                self.context, self.window, clock=self._clock, plan=self.plan
            )
        dialog = self.workload_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.refresh()
        return dialog

    def open_handover(self) -> HandoverDialog:
        """Show the hand-over report as of now."""
        if self.handover_dialog is None:
            self.handover_dialog = HandoverDialog(
                self.context, self.window, clock=self._clock, plan=self.plan
            )
        dialog = self.handover_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        dialog.build()
        return dialog


def install_shift_actions(
    window: QMainWindow,
    context: AppContext,
    *,
    clock: Clock | None = None,
    plan: ShiftPlan = DEFAULT_PLAN,
) -> ShiftActions:
    """Add the "Shift" menu (workload dashboard Ctrl+Shift+D, hand-over report Ctrl+Shift+H)
    to ``window``; the returned object lives as long as the window."""
    return ShiftActions(window, context, clock=clock, plan=plan)
