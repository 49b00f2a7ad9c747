"""The score of a drill on screen and as an HTML page: per exercise incident and golden-time
timer the target, the time it took and whether it was met, the steps done and skipped, and the
share of golden times met over the whole drill (``core.sop.drill.score_drill``).

Scoring reads the replica (GUI-thread state) and folds a handful of incidents, so it runs on
the GUI thread; writing the page goes to a worker thread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.clock import Clock, SystemClock
from core.sop.drill import DrillScore, IncidentScore, score_drill
from core.sop.progress import StepStatus, TimerLevel, TimerView
from ui.context import AppContext
from ui.escalation import format_waited
from ui.workers import run_in_thread


class Verdict(StrEnum):
    """What a golden-time timer means for the score."""

    MET = "met"
    MISSED = "missed"
    RUNNING = "running"  # within its target and still running: not counted yet
    NOT_STARTED = "not_started"  # never started: not counted


VERDICT_OF = {
    TimerLevel.MET: Verdict.MET,
    TimerLevel.MISSED: Verdict.MISSED,
    TimerLevel.OVER: Verdict.MISSED,  # still running past its target: missed already
    TimerLevel.OK: Verdict.RUNNING,
    TimerLevel.WARN: Verdict.RUNNING,
    TimerLevel.WAITING: Verdict.NOT_STARTED,
}
VERDICT_COLOURS = {
    Verdict.MET: "#3fb950",
    Verdict.MISSED: "#ff6b6b",
    Verdict.RUNNING: "#f5c26b",
    Verdict.NOT_STARTED: "#8b98a9",
}
# The page is read on white paper: the same meanings in darker inks.
PAGE_COLOURS = {
    Verdict.MET: "#1a7f37",
    Verdict.MISSED: "#c62828",
    Verdict.RUNNING: "#9a6700",
    Verdict.NOT_STARTED: "#57606a",
}
ERROR_COLOUR = "#ff8b8b"


@dataclass(frozen=True, slots=True)
class TimerLine:
    """One golden-time timer as the dialog and the page show it."""

    incident_id: str
    timer_id: str
    label: str
    target: str
    actual: str
    verdict: Verdict
    result: str


def local_time(ms: int) -> str:
    """A timestamp in the workstation's time zone, to the second."""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class DrillScoreDialog(QDialog):
    """The drill's score as it stands (or stood when the drill stopped), with Refresh and
    Save as HTML…"""

    scored = Signal()  # the tree shows a fresh score
    saved = Signal(str)  # the path written
    failed = Signal(str)  # why saving failed

    def __init__(
        self,
        context: AppContext,
        scenario_title: str,
        since_ms: int | None,
        *,
        until_ms: int | None = None,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DrillScoreDialog")
        self.context = context
        self.korean = context.language == "ko"
        self.scenario_title = scenario_title
        self.since_ms = since_ms
        self.until_ms = until_ms  # the drill stopped then: score it as it stood
        self._clock = clock or SystemClock()
        self.score: DrillScore | None = None
        self.scored_at_ms = 0
        self.html = ""
        self.timer_lines: dict[tuple[str, str], TimerLine] = {}
        self.timer_items: dict[tuple[str, str], QTreeWidgetItem] = {}
        self.incident_items: dict[str, QTreeWidgetItem] = {}
        self.setWindowTitle(self.tr("Drill score — %1").replace("%1", scenario_title))
        self.resize(860, 560)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.score_label = QLabel()
        self.score_label.setObjectName("drillScore")
        layout.addWidget(self.score_label)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(
            [
                self.tr("Incident / golden time"),
                self.tr("Target"),
                self.tr("Actual"),
                self.tr("Result"),
            ]
        )
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        layout.addWidget(self.tree, 1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.setToolTip(self.tr("Score the drill again as it stands now"))
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh_button.setVisible(until_ms is None)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        self.save_button = QPushButton(self.tr("Save as &HTML…"))
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.save_button.setEnabled(False)
        buttons.addWidget(self.save_button)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        context.procedures.changed.connect(self._on_procedures_changed)
        self.refresh()

    # -- scoring --------------------------------------------------------------------------

    def _on_procedures_changed(self) -> None:
        if self.score is None:
            self.refresh()  # the library was not read yet when the dialog opened

    def refresh(self) -> None:
        """Score the drill's exercise incidents and show them."""
        service = self.context.procedures
        if not service.loaded:
            self._show_status(
                self.tr("The procedures are still being read; the score follows in a moment."),
                error=True,
            )
            return
        at = self.until_ms if self.until_ms is not None else self._clock.now_ms()
        incidents = self.context.store.state.incidents.values()
        self.score = score_drill(incidents, service.library, at, self.since_ms or 0)
        self.scored_at_ms = at
        self._fill(self.score)
        self.html = self.render_html()
        self.save_button.setEnabled(True)
        self._show_status("")
        self.scored.emit()

    def _fill(self, score: DrillScore) -> None:
        self.heading.setText(self._heading_text(score))
        self.score_label.setText(self.overall_text(score))
        self.tree.clear()
        self.timer_lines.clear()
        self.timer_items.clear()
        self.incident_items.clear()
        for scored in score.incidents:
            incident_id = scored.incident.id
            top = QTreeWidgetItem([self.incident_text(scored), "", "", self.tally(scored)])
            self.tree.addTopLevelItem(top)
            self.incident_items[incident_id] = top
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            if scored.progress is None:
                top.setForeground(3, QBrush(QColor(VERDICT_COLOURS[Verdict.NOT_STARTED])))
            for line in self.timer_lines_of(scored):
                item = QTreeWidgetItem(
                    ["    " + line.label, line.target, line.actual, line.result]
                )
                item.setData(0, Qt.ItemDataRole.UserRole, line.timer_id)
                item.setForeground(3, QBrush(QColor(VERDICT_COLOURS[line.verdict])))
                top.addChild(item)
                self.timer_lines[(incident_id, line.timer_id)] = line
                self.timer_items[(incident_id, line.timer_id)] = item
            for text, detail, verdict in self.step_lines(scored):
                item = QTreeWidgetItem(["    " + text, "", "", detail])
                if verdict is not None:
                    item.setForeground(3, QBrush(QColor(VERDICT_COLOURS[verdict])))
                top.addChild(item)
            top.setExpanded(True)
        if not score.incidents:
            empty = QTreeWidgetItem([self.tr("No exercise incident has been reported yet.")])
            self.tree.addTopLevelItem(empty)

    # -- the words, shared by the tree and the page ---------------------------------------

    def _heading_text(self, score: DrillScore) -> str:
        since = local_time(self.since_ms) if self.since_ms else self.tr("an unknown time")
        return (
            self.tr("Drill: %1. Started %2; scored as of %3; %4 exercise incident(s).")
            .replace("%1", self.scenario_title)
            .replace("%2", since)
            .replace("%3", local_time(self.scored_at_ms))
            .replace("%4", str(len(score.incidents)))
        )

    def overall_text(self, score: DrillScore) -> str:
        """The drill's score in one line."""
        if score.percent is None:
            return self.tr("Score: no golden-time timer has run yet")
        return (
            self.tr("Score: %1 % — %2 of %3 golden times met")
            .replace("%1", f"{score.percent:.0f}")
            .replace("%2", str(score.timers_met))
            .replace("%3", str(score.timers_ran))
        )

    def incident_text(self, scored: IncidentScore) -> str:
        """The incident's id, type and procedure."""
        incident = scored.incident
        kind = incident.incident_type
        name = (kind.name_ko if self.korean else kind.name_en) if kind else incident.type_code
        parts = [incident.id, name]
        if scored.progress is not None:
            procedure = scored.progress.procedure
            parts.append(procedure.title_ko if self.korean else procedure.title_en)
        return " · ".join(parts)

    def tally(self, scored: IncidentScore) -> str:
        """How the incident's timers did."""
        if scored.progress is None:
            return self.tr("Not scored: no procedure, or its version is not known here")
        if scored.timers_ran == 0:
            return self.tr("No timer has run yet")
        return (
            self.tr("%1 of %2 met")
            .replace("%1", str(scored.timers_met))
            .replace("%2", str(scored.timers_ran))
        )

    def timer_lines_of(self, scored: IncidentScore) -> list[TimerLine]:
        """The incident's timers, in the procedure's order."""
        return [self._timer_line(scored.incident.id, view) for view in scored.timers]

    def _timer_line(self, incident_id: str, view: TimerView) -> TimerLine:
        timer = view.timer
        verdict = VERDICT_OF[view.level]
        results = {
            Verdict.MET: self.tr("Met"),
            Verdict.MISSED: self.tr("Missed"),
            Verdict.RUNNING: self.tr("Running, within the target (not counted yet)"),
            Verdict.NOT_STARTED: self.tr("Not started (not counted)"),
        }
        result = results[verdict]
        if view.level is TimerLevel.OVER:
            result = self.tr("Missed (still running)")
        actual = format_waited(view.elapsed_ms) if view.elapsed_ms is not None else "—"
        return TimerLine(
            incident_id,
            timer.id,
            timer.label_ko if self.korean else timer.label_en,
            format_waited(int(timer.target_s * 1000)),
            actual,
            verdict,
            result,
        )

    def step_lines(self, scored: IncidentScore) -> list[tuple[str, str, Verdict | None]]:
        """(what, detail, the verdict its colour follows) lines about the incident's steps."""
        view = scored.progress
        if view is None:
            return []
        done = sum(1 for s in view.steps if s.status is StepStatus.DONE)
        skipped = sum(1 for s in view.steps if s.status is StepStatus.SKIPPED)
        lines: list[tuple[str, str, Verdict | None]] = [
            (
                self.tr("Steps"),
                self.tr("%1 done, %2 skipped")
                .replace("%1", str(done))
                .replace("%2", str(skipped)),
                None,
            )
        ]

        def titles(step_ids: tuple[str, ...]) -> str:
            found = (view.procedure.step_by_id(i) for i in step_ids)
            return ", ".join(
                (s.title_ko if self.korean else s.title_en) if s is not None else i
                for s, i in zip(found, step_ids, strict=True)
            )

        if scored.mandatory_skipped:
            lines.append(
                (
                    self.tr("Mandatory steps skipped"),
                    titles(scored.mandatory_skipped),
                    Verdict.RUNNING,
                )
            )
        if scored.mandatory_open:
            lines.append(
                (
                    self.tr("Mandatory steps left open"),
                    titles(scored.mandatory_open),
                    Verdict.MISSED,
                )
            )
        else:
            lines.append(
                (
                    self.tr("Mandatory steps"),
                    self.tr("All done or skipped"),
                    Verdict.MET,
                )
            )
        return lines

    # -- the page -------------------------------------------------------------------------

    def render_html(self) -> str:
        """The score shown, as a self-contained HTML page."""
        score = self.score
        if score is None:
            return ""
        e = html.escape
        title = self.tr("Drill score — %1").replace("%1", self.scenario_title)
        header = "".join(
            f"<th>{e(self.tree.headerItem().text(c))}</th>" for c in range(self.tree.columnCount())
        )
        body: list[str] = []
        for scored in score.incidents:
            body.append(
                f'<tr class="incident"><td colspan="3">{e(self.incident_text(scored))}</td>'
                f"<td>{e(self.tally(scored))}</td></tr>"
            )
            for line in self.timer_lines_of(scored):
                colour = PAGE_COLOURS[line.verdict]
                body.append(
                    f'<tr><td class="sub">{e(line.label)}</td><td>{e(line.target)}</td>'
                    f'<td>{e(line.actual)}</td><td style="color:{colour}">'
                    f"<b>{e(line.result)}</b></td></tr>"
                )
            for text, detail, verdict in self.step_lines(scored):
                style = f' style="color:{PAGE_COLOURS[verdict]}"' if verdict is not None else ""
                body.append(
                    f'<tr><td class="sub">{e(text)}</td><td></td><td></td>'
                    f"<td{style}>{e(detail)}</td></tr>"
                )
        if not score.incidents:
            none = self.tr("No exercise incident has been reported yet.")
            body.append(f'<tr><td colspan="4">{e(none)}</td></tr>')
        language = "ko" if self.korean else "en"
        marker = self.tr("훈련 — EXERCISE")  # on paper too, never mistaken for a real incident
        return (
            f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title><style>"
            "body{font-family:sans-serif;margin:2em;color:#1a1a1a}"
            "table{border-collapse:collapse;width:100%}"
            "th,td{border-bottom:1px solid #ccc;padding:4px 8px;text-align:left}"
            "tr.incident td{background:#e6f6f9;font-weight:bold;padding-top:10px}"
            "td.sub{padding-left:2em}.exercise{color:#0b6f80;font-weight:bold}"
            "</style></head><body>"
            f'<p class="exercise">{e(marker)}</p>'
            f"<h1>{e(title)}</h1><p>{e(self._heading_text(score))}</p>"
            f"<h2>{e(self.overall_text(score))}</h2>"
            f"<table><tr>{header}</tr>{''.join(body)}</table></body></html>\n"
        )

    # -- saving ---------------------------------------------------------------------------

    def default_path(self) -> Path:
        """~/cityroom-drill-YYYYMMDD-HHMM.html, for the instant scored."""
        at = datetime.fromtimestamp((self.scored_at_ms or self._clock.now_ms()) / 1000)
        return Path.home() / f"cityroom-drill-{at:%Y%m%d-%H%M}.html"

    def _on_save_button_clicked(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the drill score"),
            str(self.default_path()),
            self.tr("HTML page (*.html)"),
        )
        if not chosen:
            return
        path = Path(chosen)
        self.save_to(path if path.suffix else path.with_suffix(".html"))

    def save_to(self, path: Path) -> None:
        """Write the page shown to ``path`` on a worker thread; ``saved`` or ``failed``
        tells how it went."""
        page = self.html
        if not page:
            self._on_save_failed(path, ValueError(self.tr("there is no score to save yet")))
            return
        self.save_button.setEnabled(False)
        self._show_status(self.tr("Saving %1…").replace("%1", str(path)))
        future = run_in_thread(lambda: write_page(page, path), "drill score save")
        self.context.invoker.when_done(
            future, self._on_saved, lambda error: self._on_save_failed(path, error)
        )

    def _on_saved(self, path: Path) -> None:
        if not shiboken6.isValid(self):
            return
        self.save_button.setEnabled(True)
        self._show_status(self.tr("Saved %1.").replace("%1", str(path)))
        self.saved.emit(str(path))

    def _on_save_failed(self, path: Path, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        text = (
            self.tr("Could not save %1: %2. Choose another folder or file name.")
            .replace("%1", str(path))
            .replace("%2", reason)
        )
        self.save_button.setEnabled(bool(self.html))
        self._show_status(text, error=True)
        self.failed.emit(text)

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet(f"color: {ERROR_COLOUR}" if error else "")
        self.status_label.setText(text)


def write_page(page: str, path: Path) -> Path:
    """Write ``page`` to ``path`` through a temporary file beside it, so a failed write never
    leaves half a page where an earlier score was."""
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_text(page, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
