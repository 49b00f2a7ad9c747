"""The queue's refusals of one action as the operator reads them: who changed which incident
meanwhile, that nothing was applied, what it is now and whether the action can be repeated."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from core.commands import IncidentCommand, incident_after_conflict
from core.errors import ConflictError, IllegalTransition
from core.model import STATUS_NAMES
from core.state import CityState
from panels.incidents.conflict import (
    ActionBatch,
    refusal_now,
    split_change,
)
from ui.context import AppContext


class ConflictText(QObject):
    """Words for conflicts, in the interface language (``explain`` says a lifecycle refusal
    the way the queue says it elsewhere)."""

    def __init__(
        self,
        context: AppContext,
        explain: Callable[[IllegalTransition], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._explain = explain

    def batch(self, batch: ActionBatch, state: CityState) -> str:
        """Every refusal of ``batch``, conflicts first, against the store's ``state``."""
        lines: list[str] = []
        if batch.conflicts and batch.total > 1:
            lines.append(
                self.tr(
                    "“%1”: %2 of %3 incidents were changed by someone else meanwhile and left "
                    "as they are; the others were sent."
                )
                .replace("%1", batch.label)
                .replace("%2", str(len(batch.conflicts)))
                .replace("%3", str(batch.total))
            )
        for command, error in batch.conflicts.values():
            lines.append(self.conflict(batch.label, command, error, state))
        lines.extend(batch.others)
        return "\n".join(lines)

    def conflict(
        self, label: str, command: IncidentCommand, error: ConflictError, state: CityState
    ) -> str:
        """One conflict: who changed what, that nothing was applied, the state now and what
        the operator can do."""
        change = split_change(error.last_change)
        if change is None:
            head = (
                self.tr("%1 was changed after you chose “%2”: nothing was applied to it.")
                .replace("%1", error.incident_id)
                .replace("%2", label)
            )
        else:
            action, actor = change
            head = (
                self.tr(
                    "%1 was changed by %2 (%3) after you chose “%4”: nothing was applied to it."
                )
                .replace("%1", error.incident_id)
                .replace("%2", actor)
                .replace("%3", self.change_name(action))
                .replace("%4", label)
            )
        now = incident_after_conflict(state.incidents.get(error.incident_id), error)
        if now is None:
            coming = self.tr("Its current state is on its way.")
            return f"{head} {coming}"
        status = self._context.pick(*STATUS_NAMES[now.status])
        if now.assignee:
            where = (
                self.tr("It is now %1, assigned to %2.")
                .replace("%1", status)
                .replace("%2", now.assignee.removeprefix("operator:"))
            )
        else:
            where = self.tr("It is now %1.").replace("%1", status)
        refusal = refusal_now(command, now)
        if refusal is not None:
            advice = self._explain(refusal)
        else:
            advice = self.tr("Look at it and repeat “%1” if it is still needed.").replace(
                "%1", label
            )
        return f"{head} {where} {advice}"

    def change_name(self, action: str) -> str:
        """A lifecycle step (as the log names it) in the operator's language."""
        names = {
            "reported": self.tr("report"),
            "acknowledged": self.tr("acknowledgement"),
            "assigned": self.tr("assignment"),
            "started": self.tr("start of work"),
            "dispatched": self.tr("dispatch"),
            "escalated": self.tr("escalation"),
            "resolved": self.tr("resolution"),
            "closed": self.tr("closing"),
            "reopened": self.tr("reopening"),
            "merged": self.tr("merge into another incident"),
        }
        return names.get(action, action)
