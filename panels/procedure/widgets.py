"""The procedure panel's pieces: a golden-time chip and one row of the checklist."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.sop.definitions import (
    OWNER_NAMES,
    RECIPIENT_NAMES,
    Action,
    DraftPacket,
    NearestFacilities,
    Notify,
    OpenCameras,
    StartTimer,
    TakeStill,
)
from core.sop.progress import StepStatus, StepView, TimerLevel, TimerView
from panels.procedure.lookup import clock_time, mm_ss, who

# Colours on the dark theme: green done, amber warning, red late, blue for "now".
GREEN, AMBER, RED, BLUE, DIM = "#7ee2a8", "#ffd66b", "#ff8b8b", "#7fb2ff", "#8a9bb0"
OFF_PATH = "#4f5b6a"

CHIP_STYLES: dict[TimerLevel, str] = {
    TimerLevel.WAITING: f"color: {DIM}; border: 1px dashed #31435a;",
    TimerLevel.OK: "color: #d8dee9; border: 1px solid #3d8f6a;",
    TimerLevel.WARN: "color: #ffe08a; background: #4d3a00; border: 1px solid #d6a700;",
    TimerLevel.OVER: (
        "color: #ffffff; background: #8c1d24; border: 1px solid #ff5a60; font-weight: bold;"
    ),
    TimerLevel.MET: f"color: {GREEN}; border: 1px solid #2f8f5b;",
    TimerLevel.MISSED: f"color: {RED}; border: 1px solid #e5484d; font-weight: bold;",
}
MARKS: dict[StepStatus, tuple[str, str]] = {
    StepStatus.DONE: ("✓", GREEN),
    StepStatus.SKIPPED: ("↷", AMBER),
    StepStatus.CURRENT: ("▶", BLUE),
    StepStatus.PENDING: ("○", DIM),
    StepStatus.OFF_PATH: ("–", OFF_PATH),
}
ROW_STYLE = f"""
QFrame#stepRow {{ border: 1px solid #232b36; border-radius: 3px; }}
QFrame#stepRow[status="current"] {{ border: 1px solid #5b8bd0; background: #17243a; }}
QFrame#stepRow[status="off_path"] {{ border: 1px solid transparent; }}
QFrame#stepRow QLabel {{ background: transparent; }}
QFrame#stepRow[status="off_path"] QLabel {{ color: {OFF_PATH}; }}
QLabel#tag {{ color: {DIM}; border: 1px solid #31435a; border-radius: 3px; padding: 0 4px; }}
QLabel#mandatory {{ color: #ffb0a8; border: 1px solid #8c3a38; border-radius: 3px;
    padding: 0 4px; }}
QLabel#chip {{ border-radius: 9px; padding: 1px 8px; }}
"""


class TimerChip(QLabel):
    """One golden-time timer: elapsed time against the target, coloured by how it stands."""

    def __init__(self, timer_id: str, korean: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timer_id = timer_id
        self.setObjectName("chip")
        self._korean = korean
        self.level: TimerLevel | None = None

    def show_timer(self, view: TimerView) -> None:
        """Show ``view`` (restyled only when its level changes)."""
        timer = view.timer
        label = timer.label(self._korean)
        target = mm_ss(timer.target_s * 1000)
        elapsed = mm_ss(view.elapsed_ms) if view.elapsed_ms is not None else "--:--"
        mark = {TimerLevel.MET: "✓ ", TimerLevel.MISSED: "✗ ", TimerLevel.OVER: "⚠ "}
        self.setText(f"{mark.get(view.level, '')}{label} {elapsed} / {target}")
        states = {
            TimerLevel.WAITING: self.tr("not started"),
            TimerLevel.OK: self.tr("running"),
            TimerLevel.WARN: self.tr("running, close to the golden time"),
            TimerLevel.OVER: self.tr("running, past the golden time"),
            TimerLevel.MET: self.tr("met the golden time"),
            TimerLevel.MISSED: self.tr("missed the golden time"),
        }
        self.setToolTip(
            self.tr("%1: golden time %2, %3")
            .replace("%1", label)
            .replace("%2", target)
            .replace("%3", states[view.level])
        )
        if view.level is not self.level:
            self.level = view.level
            self.setStyleSheet(CHIP_STYLES[view.level])


class StepRow(QFrame):
    """One step: its mark, title, owner, what to look at, the record or the reminder, and
    (for a step still to do) its buttons."""

    doneRequested = Signal(str, object)  # step id, answer id or None
    skipRequested = Signal(str)
    actionRequested = Signal(str)
    expandRequested = Signal(str)

    def __init__(
        self,
        view: StepView,
        *,
        korean: bool,
        expanded: bool,
        action: tuple[bool, str] | None = None,
        timer_labels: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``action`` is (available, why not) for the step's action; ``timer_labels`` name
        the procedure's timers for a start-timer action."""
        super().__init__(parent)
        self.view = view
        self.step_id = view.step.id
        self._korean = korean
        self.buttons: dict[str, QPushButton] = {}
        self._action_available = False
        self.setObjectName("stepRow")
        self.setProperty("status", view.status.value)
        status = view.status
        self.open = status in (StepStatus.CURRENT, StepStatus.PENDING)
        self.expanded = self.open and (expanded or status is StepStatus.CURRENT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        layout.addLayout(self._title_line())
        step = view.step
        look = step.look(korean)
        if look and self.expanded:
            self.look = QLabel(self.tr("Look at: %1").replace("%1", look))
            self.look.setWordWrap(True)
            self.look.setStyleSheet(f"color: {DIM}")
            layout.addWidget(self.look)
        elif look:
            self.setToolTip(look)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self._fill_record()
        if self.expanded:
            layout.addLayout(self._button_line(action, timer_labels or {}))
        elif self.open:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def _title_line(self) -> QHBoxLayout:
        line = QHBoxLayout()
        line.setSpacing(6)
        status = self.view.status
        symbol, colour = MARKS[status]
        self.mark = QLabel(symbol)
        self.mark.setStyleSheet(f"color: {colour}; font-weight: bold")
        self.mark.setFixedWidth(14)
        self.title = QLabel(self.view.step.title(self._korean))
        self.title.setWordWrap(True)
        if status is StepStatus.CURRENT:
            self.title.setStyleSheet("font-weight: bold; color: #ffffff")
        line.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.title, 1)
        if status is StepStatus.OFF_PATH:
            self.setToolTip(self.tr("Not on the path the answers took"))
            return line
        # Done and skipped steps keep to one line: who and when on the right.
        self.record = QLabel()
        self.record.setStyleSheet(f"color: {DIM}")
        line.addWidget(self.record, 0, Qt.AlignmentFlag.AlignTop)
        if not self.open:
            return line
        if self.view.step.mandatory:
            self.mandatory = QLabel(self.tr("mandatory"))
            self.mandatory.setObjectName("mandatory")
            line.addWidget(self.mandatory, 0, Qt.AlignmentFlag.AlignTop)
        owner = OWNER_NAMES[self.view.step.owner]
        self.owner = QLabel(owner[0] if self._korean else owner[1])
        self.owner.setObjectName("tag")
        line.addWidget(self.owner, 0, Qt.AlignmentFlag.AlignTop)
        return line

    def _fill_record(self) -> None:
        record = self.view.record
        self.note.hide()
        if record is None:
            return
        when, by = clock_time(record.ts_ms), who(record.actor)
        parts = []
        if record.outcome == "done":
            said = self.tr("Done %1 by %2").replace("%1", when).replace("%2", by)
            chosen = next((a for a in self.view.step.answers if a.id == record.answer), None)
            if chosen is not None:
                parts.append("→ " + (chosen.label_ko if self._korean else chosen.label_en))
            if record.text:
                parts.append(record.text)
        else:
            said = self.tr("Skipped %1 by %2").replace("%1", when).replace("%2", by)
            if record.text:
                self.note.setText(self.tr("reason: %1").replace("%1", record.text))
                self.note.setStyleSheet(f"color: {AMBER}")
                self.note.show()
        self.record.setText(" · ".join([*parts, when, by]))
        owner = OWNER_NAMES[self.view.step.owner][0 if self._korean else 1]
        self.setToolTip(f"{said}\n{owner}")

    def set_now(self, now_ms: int) -> None:
        """Show the step's reminder as it stands at ``now_ms`` (steps still to do)."""
        due = self.view.due_ms
        if not self.open or due is None:
            return
        if now_ms >= due:
            self.note.setText(
                "⚠ "
                + self.tr("Overdue by %1 (due %2)")
                .replace("%1", mm_ss(now_ms - due))
                .replace("%2", clock_time(due))
            )
            self.note.setStyleSheet(f"color: {RED}; font-weight: bold")
            self.note.show()
        elif self.expanded:
            self.note.setText(self.tr("Due in %1").replace("%1", mm_ss(due - now_ms)))
            self.note.setStyleSheet(f"color: {DIM}")
            self.note.show()
        else:
            self.note.hide()

    @property
    def overdue_shown(self) -> bool:
        """Whether the row shows an overdue warning now."""
        return not self.note.isHidden() and self.note.text().startswith("⚠")

    def _button_line(
        self, action: tuple[bool, str] | None, timer_labels: dict[str, str]
    ) -> QHBoxLayout:
        line = QHBoxLayout()
        line.setSpacing(4)
        current = self.view.status is StepStatus.CURRENT
        step = self.view.step
        if step.action is not None:
            available, why_not = action or (True, "")
            self._action_available = available
            button = self._button(line, "action", self._action_text(step.action, timer_labels))
            button.setEnabled(available)
            if not available:
                button.setToolTip(why_not)
            button.clicked.connect(lambda: self.actionRequested.emit(self.step_id))
        if step.is_question:
            for number, answer in enumerate(step.answers, start=1):
                label = answer.label_ko if self._korean else answer.label_en
                text = f"[{number}] {label}" if current and number <= 9 else label
                button = self._button(line, f"answer:{answer.id}", text)
                button.clicked.connect(
                    lambda _=False, a=answer.id: self.doneRequested.emit(self.step_id, a)
                )
        else:
            done = self._button(line, "done", self.tr("Done") + (" [Enter]" if current else ""))
            done.clicked.connect(lambda: self.doneRequested.emit(self.step_id, None))
        skip_text = self.tr("Skip…") if step.mandatory else self.tr("Skip")
        skip = self._button(line, "skip", skip_text + (" [Ctrl+K]" if current else ""))
        skip.clicked.connect(lambda: self.skipRequested.emit(self.step_id))
        line.addStretch(1)
        return line

    def _button(self, line: QHBoxLayout, key: str, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        self.buttons[key] = button
        line.addWidget(button)
        return button

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while a command for this step is on its way."""
        for key, button in self.buttons.items():
            allowed = self._action_available if key == "action" else True
            button.setEnabled(allowed and not busy)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on a step still to do opens (or folds) its details and buttons."""
        if self.open and self.view.status is not StepStatus.CURRENT:
            self.expandRequested.emit(self.step_id)
        super().mousePressEvent(event)

    def _action_text(self, action: Action, timer_labels: dict[str, str]) -> str:
        """The label of the step's one-click action button."""
        korean = self._korean

        def pick(pair: tuple[str, str]) -> str:
            return pair[0] if korean else pair[1]

        if isinstance(action, OpenCameras):
            return self.tr("Open %1 cameras").replace("%1", str(action.count))
        if isinstance(action, TakeStill):
            return self.tr("Save a still")
        if isinstance(action, NearestFacilities):
            kind = pick((action.facility.name_ko, action.facility.name_en))
            return self.tr("Nearest %1 (%2)").replace("%1", kind).replace("%2", str(action.count))
        if isinstance(action, DraftPacket):
            return self.tr("Packet to %1…").replace("%1", pick(RECIPIENT_NAMES[action.to]))
        if isinstance(action, Notify):
            return self.tr("Notify %1…").replace("%1", pick(RECIPIENT_NAMES[action.to]))
        assert isinstance(action, StartTimer)
        label = timer_labels.get(action.timer, action.timer)
        return self.tr("Start timer: %1").replace("%1", label)
