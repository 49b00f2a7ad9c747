"""The top of the procedure panel: the incident, the procedure's title and progress, its
golden-time chips, and what the panel says when there is no checklist to show."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.sop.progress import ProcedureProgress, StepStatus
from panels.procedure.lookup import Lookup, Showing, clock_time
from panels.procedure.widgets import RED, TimerChip, set_tone
from ui.context import AppContext


class ProcedureHeader(QWidget):
    """Title, progress line, start/change button, timer chips and the no-checklist message."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._korean = context.language == "ko"
        self.chips: list[TimerChip] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(0)
        self.subject = QLabel()
        set_tone(self.subject, "dim")
        self.meta = QLabel()
        set_tone(self.meta, "dim")
        self.title = QLabel()
        self.title.setObjectName("heading")
        self.title.setWordWrap(True)
        # One line for the incident and the run's progress, one for the title.
        facts = QHBoxLayout()
        facts.setSpacing(10)
        facts.addWidget(self.subject)
        facts.addWidget(self.meta, 1)
        # A small mark of the instant shown; the window's banner says replay loudly.
        self.replay_mark = QLabel()
        set_tone(self.replay_mark, "amber")
        self.replay_mark.hide()
        facts.addWidget(self.replay_mark)
        titles.addLayout(facts)
        titles.addWidget(self.title)
        top.addLayout(titles, 1)
        self.start_button = QPushButton(self.tr("Start procedure…"))
        self.start_button.setAutoDefault(False)
        top.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.chip_row = QHBoxLayout()
        self.chip_row.setSpacing(4)
        self.chip_row.addStretch(1)
        layout.addLayout(self.chip_row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        set_tone(self.message, "dim")
        self.message.setContentsMargins(2, 12, 2, 12)
        layout.addWidget(self.message)

    def show_lookup(self, lookup: Lookup) -> None:
        """Say what the panel shows for ``lookup``."""
        incident, pick = lookup.incident, self._context.pick
        if incident is None:
            self.subject.setText("")
        else:
            entry = incident.incident_type
            name = pick(entry.name_ko, entry.name_en) if entry else incident.type_code
            subject = f"{incident.id} · {name}"
            if incident.exercise:
                mark = self.tr("[EXERCISE]")
                subject = f"{mark} {subject}"
            self.subject.setText(subject)
        set_tone(self.subject, "exercise" if incident is not None and incident.exercise else "dim")
        showing, run = lookup.showing, lookup.run
        self.start_button.setVisible(showing not in (Showing.NO_INCIDENT, Showing.LOADING))
        self.start_button.setText(
            self.tr("Start procedure…") if run is None else self.tr("Change procedure…")
        )
        self.message.setVisible(showing is not Showing.READY)
        self._fill_chips(lookup.progress)
        if showing is Showing.READY:
            assert lookup.loaded is not None
            self.title.setText(lookup.loaded.procedure.title(self._korean))
            return
        self.meta.setText("")
        if showing in (Showing.NO_INCIDENT, Showing.LOADING):
            self.title.setText(self.tr("Procedure"))
            self.message.setText(
                self.tr("Select an incident to see its procedure.")
                if showing is Showing.NO_INCIDENT
                else self.tr("Reading the procedures…")
            )
        elif showing is Showing.NO_PROCEDURE:
            self.title.setText(self.tr("No procedure"))
            if lookup.default is None:
                text = self.tr("No procedure for this incident type.")
            else:
                text = self.tr("This incident has no procedure yet; its type's is %1.").replace(
                    "%1", lookup.default.procedure.title(self._korean)
                )
            self.message.setText(text + " " + self.tr("Start one with “Start procedure…”."))
        else:
            assert run is not None
            self.title.setText(run.title_ko if self._korean else run.title_en)
            self.message.setText(
                self.tr(
                    "This incident follows %1 version %2, which this workstation's library "
                    "does not have: its steps cannot be shown."
                )
                .replace("%1", run.procedure_id)
                .replace("%2", str(run.version))
            )

    def show_instant(self, replay_ms: int | None) -> None:
        """Mark the replay instant shown (None: live, no mark)."""
        self.replay_mark.setVisible(replay_ms is not None)
        if replay_ms is not None:
            self.replay_mark.setText(self.tr("Replay %1").replace("%1", clock_time(replay_ms)))

    def show_not_reported(self, incident_id: str, at_ms: int) -> None:
        """Say that the selected incident did not exist yet at the replay instant shown."""
        self.message.setText(
            self.tr("%1 was not reported yet at %2.")
            .replace("%1", incident_id)
            .replace("%2", clock_time(at_ms))
        )

    def lock(self, why: str) -> None:
        """Disable starting or changing a procedure, saying ``why`` ("": enable it)."""
        self.start_button.setEnabled(not why)
        self.start_button.setToolTip(why)

    def _fill_chips(self, progress: ProcedureProgress | None) -> None:
        ids = [t.timer.id for t in progress.timers] if progress is not None else []
        if ids == [c.timer_id for c in self.chips]:
            return  # the same timers: the chips stay, the tick restyles them
        for chip in self.chips:
            self.chip_row.removeWidget(chip)
            chip.deleteLater()
        self.chips = []
        for timer_id in ids:
            chip = TimerChip(timer_id, self._korean)
            self.chip_row.insertWidget(len(self.chips), chip)
            self.chips.append(chip)

    def show_progress(self, state: ProcedureProgress, lookup: Lookup) -> None:
        """The timers and the progress line as they stand in ``state``."""
        for chip, view in zip(self.chips, state.timers, strict=False):
            chip.show_timer(view)
        on_path = [s for s in state.steps if s.status is not StepStatus.OFF_PATH]
        finished = sum(s.status in (StepStatus.DONE, StepStatus.SKIPPED) for s in on_path)
        parts = [
            f"v{state.procedure.version}",
            self.tr("%1 of %2 steps")
            .replace("%1", str(finished))
            .replace("%2", str(len(on_path))),
        ]
        if state.finished:
            parts.append(self.tr("finished"))
        if state.overdue:
            overdue = self.tr("%1 overdue").replace("%1", str(len(state.overdue)))
            parts.append(f"<span style='color:{RED}'>{overdue}</span>")
        if lookup.other_version and lookup.run is not None:
            parts.append(
                self.tr("the incident follows version %1").replace("%1", str(lookup.run.version))
            )
        self.meta.setText(" · ".join(parts))
