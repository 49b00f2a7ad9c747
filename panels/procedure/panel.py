"""The selected incident's procedure as a checklist: golden-time timers on top, the steps in
order, and the buttons (and keys) that work the current step.

It shows ``context.view``: the live city, or the procedure as it stood at a replay instant
(steps done by then, timers and reminders measured from it, the buttons off)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.sop.commands import CompleteStep, SkipStep
from core.sop.definitions import ActionKind, Step
from core.sop.progress import progress as progress_at
from core.sop.starter import start_command
from panels.procedure.dialogs import SkipDialog, StartProcedureDialog
from panels.procedure.header import ProcedureHeader
from panels.procedure.lookup import Lookup, Showing, look_up
from panels.procedure.placement import own_dock, place_beside_detail
from panels.procedure.steps import StepActions
from panels.procedure.widgets import StepRow, TimerChip
from panels.procedure.work import SeenRun
from ui.banner import TimedBanner
from ui.context import AppContext
from ui.visibility import timer_while_visible

# While a replay plays, the timers follow its instant at most this often.
REPAINT_EVERY_S = 0.25


class ProcedurePanel(QWidget):
    """Follows the selected incident; refreshes when its events arrive or the library is
    (re)read; the timers tick once a second while the panel is on screen."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.korean = context.language == "ko"
        # The instant shown (the wall clock live, the replay position in replay); the timers
        # and reminders read it. Tests put a fake clock here.
        self.now_ms: Callable[[], int] = context.view.now_ms
        self.incident_id: str | None = context.selection.incident_id
        self.lookup = Lookup(Showing.NO_INCIDENT)
        self.rows: dict[str, StepRow] = {}  # the rows showing the current steps, by step id
        self._row_pool: list[StepRow] = []  # every row made so far, reused in order
        self.expanded: set[str] = set()
        self.skip_dialog: SkipDialog | None = None
        self.start_dialog: StartProcedureDialog | None = None
        self.steps = StepActions(self)
        self.work = self.steps.work
        self.work.refused.connect(lambda text: self.show_banner(text, error=True))
        self.work.settled.connect(self._mark_busy)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._painted_at = 0.0
        self._replay_tip = self.tr("Replay shows the past: press F8 to go back to live to act.")
        self._build()
        self._build_keys()
        context.selection.incidentSelected.connect(self._on_selection_incident_selected)
        view = context.view
        view.incidentsChanged.connect(self._on_view_incidents_changed)
        view.loaded.connect(self.refresh)
        view.originChanged.connect(self._on_view_origin_changed)
        view.positionChanged.connect(self._on_view_position_changed)
        context.procedures.changed.connect(self.refresh)
        self._tick_timer = timer_while_visible(self, 1000, self.tick)
        self._on_screen = True  # False while the dock's tab is behind another one
        place_beside_detail(self, context.settings, self.bring_forward, self._on_docked)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.header = ProcedureHeader(self.context)
        self.header.start_button.clicked.connect(self.open_start_dialog)
        layout.addWidget(self.header)
        # The tests and the keys reach these directly.
        self.title, self.meta, self.subject = (
            self.header.title,
            self.header.meta,
            self.header.subject,
        )
        self.message, self.start_button = self.header.message, self.header.start_button
        self.banner = TimedBanner(6_000)
        layout.addWidget(self.banner)
        self.step_area = QScrollArea()
        self.step_area.setWidgetResizable(True)
        self.step_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.step_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list_host = QWidget()
        self.list_layout = QVBoxLayout(self.list_host)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(3)
        self.list_layout.addStretch(1)
        self.step_area.setWidget(self.list_host)
        layout.addWidget(self.step_area, 1)

    def _build_keys(self) -> None:
        """Keys that work while the panel (or anything in it) has the focus."""
        # Named, so the shortcuts overlay (F1) can say what each does.
        keys: list[tuple[str, list[str], Callable[[], object]]] = [
            (self.tr("Mark the current step done"), ["Return", "Enter"], self.done_current),
            (self.tr("Skip the current step"), ["Ctrl+K"], self.skip_current),
        ]
        for number in range(1, 10):
            text = self.tr("Answer %1 to the current step's question").replace("%1", str(number))
            keys.append((text, [str(number)], partial(self.answer_current, number)))
        for text, sequences, slot in keys:
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(s) for s in sequences])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # -- following the selection and the view ---------------------------------------------

    def _on_selection_incident_selected(self, incident_id: str | None, _origin: object) -> None:
        self.show_incident(incident_id)

    def _on_view_incidents_changed(self, ids: set[str]) -> None:
        if self.incident_id in ids:
            self.refresh()

    def _on_view_origin_changed(self, _origin: str) -> None:
        self.refresh()  # the buttons go off in replay and come back live

    def _on_view_position_changed(self, _position_ms: int) -> None:
        now = time.monotonic()
        if not self._on_screen or not self.isVisible() or now - self._painted_at < REPAINT_EVERY_S:
            return  # the tick timer catches up within a second
        self._painted_at = now
        if self.lookup.showing is Showing.NO_INCIDENT and self.incident_id is not None:
            self.refresh()  # "not reported yet at" the new instant, or reported by now
        else:
            self.tick()

    @property
    def locked(self) -> str:
        """Why the steps cannot be worked here ("" when they can): a replay shows the past."""
        return self._replay_tip if self.context.view.is_replay else ""

    def _refuse_when_locked(self) -> bool:
        """Say why nothing is sent, and return True, while the panel shows a replay."""
        if self.locked:
            self.show_banner(self.locked)
            return True
        return False

    def show_incident(self, incident_id: str | None) -> None:
        """Show ``incident_id``'s procedure (None: nothing selected)."""
        if incident_id != self.incident_id:
            self.expanded.clear()
            self.banner.hide()
        self.incident_id = incident_id
        self.refresh()

    def refresh(self) -> None:
        """Look the incident up again and rebuild the checklist."""
        self.lookup = look_up(
            self.context.view.state,
            self.context.procedures.library,
            self.context.procedures.loaded,
            self.incident_id,
            self.now_ms(),
        )
        lookup = self.lookup
        replay = self.context.view.is_replay
        if lookup.run is not None and self.incident_id is not None and not replay:
            # Only the live run settles commands: they were sent to the live city.
            self.work.forget_settled(self.incident_id, set(lookup.run.records))
        self.header.show_lookup(lookup)
        self.header.lock(self.locked)
        if replay and lookup.showing is Showing.NO_INCIDENT and self.incident_id is not None:
            # Selected at another instant; it comes back when playback reaches its report.
            self.header.show_not_reported(self.incident_id, self.context.view.now_ms())
        self.step_area.setVisible(lookup.showing is Showing.READY)
        self._fill_steps()
        self.tick()

    def _fill_steps(self) -> None:
        focus = QApplication.focusWidget()
        progress = self.lookup.progress
        views = progress.steps if progress is not None else ()
        if focus is not None and self.isAncestorOf(focus):
            self.setFocus()  # the focused button may go or change; keep the keys working
        self.rows = {}
        self.list_host.setUpdatesEnabled(False)  # one repaint for the whole list
        try:
            while len(self._row_pool) < len(views):
                self._row_pool.append(self._new_row())
            timer_labels = (
                {t.id: t.label(self.korean) for t in progress.procedure.timer}
                if progress is not None
                else {}
            )
            for row, view in zip(self._row_pool, views, strict=False):
                row.bind(
                    view,
                    expanded=view.step.id in self.expanded,
                    action=self._action_state(view.step),
                    timer_labels=timer_labels,
                )
                row.show()
                self.rows[view.step.id] = row
            for row in self._row_pool[len(views) :]:
                row.hide()
        finally:
            self.list_host.setUpdatesEnabled(True)
        self._mark_busy()
        current = progress.current if progress is not None else None
        if current is not None:
            QTimer.singleShot(0, partial(self._scroll_to, current.step.id))

    def _new_row(self) -> StepRow:
        row = StepRow(self.korean)
        row.doneRequested.connect(self.complete)
        row.skipRequested.connect(self.skip)
        row.actionRequested.connect(self.steps.run_action)
        row.expandRequested.connect(self._on_row_expand_requested)
        self.list_layout.insertWidget(len(self._row_pool), row)
        return row

    def _action_state(self, step: Step) -> tuple[bool, str] | None:
        """(available, why not) for the step's action, None for a step without one."""
        if step.action is None:
            return None
        kind = ActionKind(step.action.kind)
        return self.context.actions.available(kind), self.steps.why_unavailable(kind)

    def _scroll_to(self, step_id: str) -> None:
        """Put the step near the top of the list, with the one before it still in sight."""
        row = self.rows.get(step_id)
        if row is None:
            return
        self.list_layout.activate()
        ids = list(self.rows)
        index = ids.index(step_id)
        above = self.rows[ids[index - 1]].height() if index else 0
        self.step_area.verticalScrollBar().setValue(max(0, row.y() - above - 6))

    def _mark_busy(self) -> None:
        locked = self.locked
        for step_id, row in self.rows.items():
            if self.incident_id is not None:
                row.set_busy(self.work.is_pending(self.incident_id, step_id), locked)

    def _on_row_expand_requested(self, step_id: str) -> None:
        self.expanded ^= {step_id}
        self._fill_steps()
        self.tick()

    def _on_docked(self, dock: QDockWidget) -> None:
        # A dock in a tab behind another is moved out of sight, not hidden: its widget gets
        # no hide event, so the tab's own signal stops and starts the ticking.
        dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        self._on_screen = visible
        if visible and self.isVisible():
            self._tick_timer.start()
            self.tick()
        else:
            self._tick_timer.stop()

    def tick(self) -> None:
        """Bring the timers and reminders to the current time (once a second, when shown)."""
        if not self._on_screen:
            self._tick_timer.stop()  # shown again with the window, yet behind another tab
        view = self.context.view
        self.header.show_instant(view.now_ms() if view.is_replay else None)
        lookup = self.lookup
        if lookup.showing is not Showing.READY or lookup.loaded is None:
            return
        assert lookup.run is not None and lookup.incident is not None
        now = self.now_ms()
        state = progress_at(lookup.loaded.procedure, lookup.run, lookup.incident, now)
        for row in self.rows.values():
            row.set_now(now)
        self.header.show_progress(state, lookup)

    # -- working the steps ----------------------------------------------------------------

    def done_current(self) -> None:
        """Enter: the focused button if one of ours has the focus, else Done on the current
        step (a question needs its answer: 1–9)."""
        if self._asking() or self._refuse_when_locked():
            return
        focus = QApplication.focusWidget()
        if isinstance(focus, QPushButton) and self.isAncestorOf(focus) and focus.isEnabled():
            focus.click()
            return
        current = self._current()
        if current is None:
            return
        if current.is_question:
            self.show_banner(
                self.tr("Answer the question with its number key (1–%1).").replace(
                    "%1", str(min(9, len(current.answers)))
                )
            )
            return
        self.complete(current.id, None)

    def answer_current(self, number: int) -> None:
        """1–9: give the current question its answer number ``number``."""
        current = self._current()
        if self._asking() or self._refuse_when_locked():
            return
        if current is not None and 1 <= number <= len(current.answers):
            self.complete(current.id, current.answers[number - 1].id)

    def skip_current(self) -> None:
        """Ctrl+K: skip the current step (asking why when it is mandatory)."""
        current = self._current()
        if current is not None and not self._asking() and not self._refuse_when_locked():
            self.skip(current.id)

    def _asking(self) -> bool:
        """Whether one of the panel's questions is open (its keys belong to the question)."""
        dialogs = (self.skip_dialog, self.start_dialog, self.steps.confirm_box)
        return any(d is not None and d.isVisible() for d in dialogs)

    def _current(self) -> Step | None:
        progress = self.lookup.progress
        view = progress.current if progress is not None else None
        return view.step if view is not None else None

    def complete(self, step_id: str, answer: str | None = None, note: str = "") -> bool:
        """Mark ``step_id`` done (with ``answer`` for a question)."""
        if self.incident_id is None or self._refuse_when_locked():
            return False
        sent = self.work.send(CompleteStep(self.incident_id, step_id, answer, note), step_id)
        self._mark_busy()
        return sent

    def skip(self, step_id: str) -> None:
        """Skip a step: a mandatory one asks for a reason first, an optional one does not."""
        if self._refuse_when_locked():
            return
        progress = self.lookup.progress
        step = progress.procedure.step_by_id(step_id) if progress is not None else None
        if step is None:
            return
        if not step.mandatory:
            self.skip_step(step_id, "")
            return
        dialog = SkipDialog(step.title(self.korean), self)
        dialog.accepted.connect(lambda: self.skip_step(step_id, dialog.reason.text()))
        dialog.finished.connect(lambda _result: setattr(self, "skip_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        self.skip_dialog = dialog
        dialog.open()

    def skip_step(self, step_id: str, reason: str) -> bool:
        """Send the skip (the backend refuses a mandatory step without a reason)."""
        if self.incident_id is None or self._refuse_when_locked():
            return False
        sent = self.work.send(SkipStep(self.incident_id, step_id, reason.strip()), step_id)
        self._mark_busy()
        return sent

    # -- starting a procedure -------------------------------------------------------------

    def open_start_dialog(self) -> StartProcedureDialog | None:
        """Offer the library's procedures for the incident (a replacement needs a reason)."""
        lookup = self.lookup
        incident = lookup.incident
        if incident is None or self._refuse_when_locked():
            return None
        procedures = self.context.procedures.library.procedures()
        if not procedures:
            self.show_banner(self.tr("The procedure library is empty."), error=True)
            return None
        run = lookup.run
        preferred = run.procedure_id if run is not None else None
        if preferred is None and lookup.default is not None:
            preferred = lookup.default.procedure.id
        dialog = StartProcedureDialog(
            self.subject.text(),
            procedures,
            self.korean,
            preferred=preferred,
            replacing=(run.title_ko if self.korean else run.title_en) if run else None,
            parent=self,
        )
        incident_id = incident.id
        # The run the operator decides to start or replace, taken as the dialog opens: a
        # procedure someone else starts or changes meanwhile must not be silently replaced.
        seen = SeenRun.of(incident)

        def start() -> None:
            chosen = dialog.chosen()
            if chosen is not None:
                reason = dialog.reason.text().strip()
                self.work.send(start_command(incident_id, chosen, reason), seen=seen)

        dialog.accepted.connect(start)
        dialog.finished.connect(lambda _result: setattr(self, "start_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        self.start_dialog = dialog
        dialog.open()
        return dialog

    # -- messages, focus ------------------------------------------------------------------

    def show_banner(self, text: str, error: bool = False) -> None:
        """A message over the checklist (errors stay 15 s, information 6 s)."""
        self.banner.say(text, error)

    def bring_forward(self) -> None:
        """Ctrl+J: show the procedure (its tab raised) and give it the keyboard."""
        dock = own_dock(self)
        if dock is not None:
            dock.show()
            dock.raise_()
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click anywhere on the checklist gives it the keys."""
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    @property
    def chips(self) -> list[TimerChip]:
        """The golden-time chips, in the procedure's order."""
        return self.header.chips

    def label_of(self, step_id: str) -> str:
        """A step's title in the interface language (for messages)."""
        progress = self.lookup.progress
        step = progress.procedure.step_by_id(step_id) if progress is not None else None
        return step.title(self.korean) if step is not None else step_id
