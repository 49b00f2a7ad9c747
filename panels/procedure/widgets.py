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

# Colours on the dark theme: green done, amber warning, red late, blue for "now". The chips'
# read on the panel's ground in both themes (tests/gui/test_theme.py measures them).
GREEN, AMBER, RED, BLUE, DIM = "#7ee2a8", "#ffd66b", "#ff8b8b", "#7fb2ff", "#8a9bb0"
# A step on a branch the answers did not take: dimmer than the steps on the path, in italics
# (the theme's "offpath" tone), yet readable (5.4:1); the high-contrast theme has its own grey.
OFF_PATH = "#858e99"

# A chip's border tells its state apart from the panel (3:1 or more, as WCAG asks of a state
# indicator): a timer not started yet wears a dashed one in its text's grey.
CHIP_STYLES: dict[TimerLevel, str] = {
    TimerLevel.WAITING: f"color: {DIM}; border: 1px dashed {DIM};",
    TimerLevel.OK: "color: #d8dee9; border: 1px solid #3d8f6a;",
    TimerLevel.WARN: "color: #ffe08a; background: #4d3a00; border: 1px solid #d6a700;",
    TimerLevel.OVER: (
        "color: #ffffff; background: #8c1d24; border: 1px solid #ff5a60; font-weight: bold;"
    ),
    TimerLevel.MET: f"color: {GREEN}; border: 1px solid #2f8f5b;",
    TimerLevel.MISSED: f"color: {RED}; border: 1px solid #e5484d; font-weight: bold;",
}
MARKS: dict[StepStatus, tuple[str, str]] = {  # symbol and colour (the theme's tones)
    StepStatus.DONE: ("✓", GREEN),
    StepStatus.SKIPPED: ("↷", AMBER),
    StepStatus.CURRENT: ("▶", BLUE),
    StepStatus.PENDING: ("○", DIM),
    StepStatus.OFF_PATH: ("–", OFF_PATH),
}


# The row's frame and tags are styled by the theme (resources/theme/dark.qss: QFrame#stepRow,
# QLabel#tag, QLabel[tone=…]); a stylesheet on the panel would make every widget in it pay for
# a second style layer each time a checklist is shown.
def set_tone(label: QLabel, tone: str) -> None:
    """Colour ``label`` by a theme tone ("" for the default); restyled only on a change."""
    if label.property("tone") == tone:
        return
    label.setProperty("tone", tone)
    style = label.style()
    style.unpolish(label)
    style.polish(label)


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
    (for a step still to do) its buttons.

    A row is made once and bound to step after step: selecting another incident only changes
    texts and visibility, which keeps the checklist within its 100 ms of the selection."""

    doneRequested = Signal(str, object)  # step id, answer id or None
    skipRequested = Signal(str)
    actionRequested = Signal(str)
    expandRequested = Signal(str)

    def __init__(self, korean: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._korean = korean
        self.view: StepView | None = None
        self.step_id = ""
        self.open = False
        self.expanded = False
        self.buttons: dict[str, QPushButton] = {}
        self._action_available = False
        self._action_tip = ""  # why the action is not available here ("" when it is)
        self.setObjectName("stepRow")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        line = QHBoxLayout()
        line.setSpacing(6)
        self.mark = QLabel()
        self.mark.setObjectName("stepMark")
        self.mark.setFixedWidth(14)
        self.title = QLabel()
        self.title.setWordWrap(True)
        # Done and skipped steps keep to one line: who and when on the right.
        self.record = QLabel()
        set_tone(self.record, "dim")
        self.mandatory = QLabel(self.tr("mandatory"))
        self.mandatory.setObjectName("mandatory")
        self.owner = QLabel()
        self.owner.setObjectName("tag")
        line.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.title, 1)
        for label in (self.record, self.mandatory, self.owner):
            line.addWidget(label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(line)
        self.look = QLabel()
        self.look.setWordWrap(True)
        set_tone(self.look, "dim")
        layout.addWidget(self.look)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.note)
        self.button_bar = QWidget()
        self.button_bar.setObjectName("stepButtons")
        self._bar = QHBoxLayout(self.button_bar)
        self._bar.setContentsMargins(0, 0, 0, 0)
        self._bar.setSpacing(4)
        self.action_button = self._new_button()
        self.action_button.clicked.connect(lambda: self.actionRequested.emit(self.step_id))
        self.answer_buttons: list[QPushButton] = []
        self.done_button = self._new_button()
        self.done_button.clicked.connect(lambda: self.doneRequested.emit(self.step_id, None))
        self.skip_button = self._new_button()
        self.skip_button.clicked.connect(lambda: self.skipRequested.emit(self.step_id))
        self._bar.addStretch(1)
        layout.addWidget(self.button_bar)

    def _new_button(self) -> QPushButton:
        button = QPushButton()
        button.setAutoDefault(False)
        self._bar.addWidget(button)
        return button

    def bind(
        self,
        view: StepView,
        *,
        expanded: bool,
        action: tuple[bool, str] | None = None,
        timer_labels: dict[str, str] | None = None,
    ) -> None:
        """Show ``view``. ``action`` is (available, why not) for the step's action;
        ``timer_labels`` name the procedure's timers for a start-timer action."""
        self.view = view
        self.step_id = view.step.id
        status = view.status
        self.open = status in (StepStatus.CURRENT, StepStatus.PENDING)
        self.expanded = self.open and (expanded or status is StepStatus.CURRENT)
        if self.property("status") != status.value:
            self.setProperty("status", status.value)
            self.style().unpolish(self)
            self.style().polish(self)
        self.setToolTip("")
        self._bind_title()
        step = view.step
        look = step.look(self._korean)
        self.look.setVisible(bool(look) and self.expanded)
        if look and self.expanded:
            self.look.setText(self.tr("Look at: %1").replace("%1", look))
        elif look:
            self.setToolTip(look)
        self.note.hide()
        self.record.setText("")
        if view.record is not None:
            self._fill_record()
        self._bind_buttons(action, timer_labels or {})
        if self.open and not self.expanded:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def _bind_title(self) -> None:
        assert self.view is not None
        status, step = self.view.status, self.view.step
        symbol, _colour = MARKS[status]
        self.mark.setText(symbol)
        set_tone(self.mark, _MARK_TONES[status])
        self.title.setText(step.title(self._korean))
        title_tone = {StepStatus.CURRENT: "bright", StepStatus.OFF_PATH: "offpath"}
        set_tone(self.title, title_tone.get(status, ""))
        off_path = status is StepStatus.OFF_PATH
        self.record.setVisible(not off_path)
        self.mandatory.setVisible(self.open and step.mandatory)
        self.owner.setVisible(self.open)
        if self.open:
            owner = OWNER_NAMES[step.owner]
            self.owner.setText(owner[0] if self._korean else owner[1])
        if off_path:
            self.setToolTip(self.tr("Not on the path the answers took"))

    def _fill_record(self) -> None:
        assert self.view is not None and self.view.record is not None
        record = self.view.record
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
                set_tone(self.note, "amber")
                self.note.show()
        self.record.setText(" · ".join([*parts, when, by]))
        owner = OWNER_NAMES[self.view.step.owner][0 if self._korean else 1]
        self.setToolTip(f"{said}\n{owner}")

    def set_now(self, now_ms: int) -> None:
        """Show the step's reminder as it stands at ``now_ms`` (steps still to do)."""
        due = self.view.due_ms if self.view is not None else None
        if not self.open or due is None:
            return
        if now_ms >= due:
            self.note.setText(
                "⚠ "
                + self.tr("Overdue by %1 (due %2)")
                .replace("%1", mm_ss(now_ms - due))
                .replace("%2", clock_time(due))
            )
            set_tone(self.note, "red")
            self.note.show()
        elif self.expanded:
            self.note.setText(self.tr("Due in %1").replace("%1", mm_ss(due - now_ms)))
            set_tone(self.note, "dim")
            self.note.show()
        else:
            self.note.hide()

    @property
    def overdue_shown(self) -> bool:
        """Whether the row shows an overdue warning now."""
        return not self.note.isHidden() and self.note.text().startswith("⚠")

    def _bind_buttons(self, action: tuple[bool, str] | None, timer_labels: dict[str, str]) -> None:
        assert self.view is not None
        self.buttons = {}
        self.button_bar.setVisible(self.expanded)
        if not self.expanded:
            return
        current = self.view.status is StepStatus.CURRENT
        step = self.view.step
        self.action_button.setVisible(step.action is not None)
        self._action_available = False
        if step.action is not None:
            available, why_not = action or (True, "")
            self._action_available = available
            self.action_button.setText(self._action_text(step.action, timer_labels))
            self._action_tip = "" if available else why_not
            self.action_button.setEnabled(available)
            self.action_button.setToolTip(self._action_tip)
            self.buttons["action"] = self.action_button
        self._bind_answers(current)
        self.done_button.setVisible(not step.is_question)
        if not step.is_question:
            self.done_button.setText(self.tr("Done") + (" [Enter]" if current else ""))
            self.buttons["done"] = self.done_button
        skip_text = self.tr("Skip…") if step.mandatory else self.tr("Skip")
        self.skip_button.setText(skip_text + (" [Ctrl+K]" if current else ""))
        self.buttons["skip"] = self.skip_button

    def _bind_answers(self, current: bool) -> None:
        assert self.view is not None
        answers = self.view.step.answers if self.view.step.is_question else ()
        while len(self.answer_buttons) < len(answers):
            button = QPushButton()
            button.setAutoDefault(False)
            # After the action button and the answers made before it.
            self._bar.insertWidget(1 + len(self.answer_buttons), button)
            button.clicked.connect(
                lambda _=False, b=button: self.doneRequested.emit(
                    self.step_id, b.property("answer")
                )
            )
            self.answer_buttons.append(button)
        for index, button in enumerate(self.answer_buttons):
            if index >= len(answers):
                button.hide()
                continue
            answer, number = answers[index], index + 1
            label = answer.label_ko if self._korean else answer.label_en
            button.setText(f"[{number}] {label}" if current and number <= 9 else label)
            button.setProperty("answer", answer.id)
            button.show()
            self.buttons[f"answer:{answer.id}"] = button

    def set_busy(self, busy: bool, locked: str = "") -> None:
        """Disable the buttons while a command for this step is on its way, or all of them
        while ``locked`` says why they cannot be used (the panel shows a replay)."""
        for key, button in self.buttons.items():
            allowed = self._action_available if key == "action" else True
            button.setEnabled(allowed and not busy and not locked)
            button.setToolTip(locked or (self._action_tip if key == "action" else ""))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on a step still to do opens (or folds) its details and buttons."""
        view = self.view
        if self.open and view is not None and view.status is not StepStatus.CURRENT:
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


_MARK_TONES: dict[StepStatus, str] = {
    StepStatus.DONE: "green",
    StepStatus.SKIPPED: "amber",
    StepStatus.CURRENT: "blue",
    StepStatus.PENDING: "dim",
    StepStatus.OFF_PATH: "offpath",
}
