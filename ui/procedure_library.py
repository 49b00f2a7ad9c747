"""The procedure library: every response procedure in force, read-only, grouped by linked
service, searchable, with each one's incident types, timers, sharing and steps."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.catalogue import CATALOGUE, SERVICE_NAMES, Service
from core.sop.definitions import (
    DATA_NAMES,
    OWNER_NAMES,
    RECIPIENT_NAMES,
    TIMER_EVENTS,
    DraftPacket,
    NearestFacilities,
    Notify,
    OpenCameras,
    Procedure,
    StartTimer,
    Step,
    TakeStill,
    Timer,
)
from core.sop.loading import LoadedProcedure
from ui.context import AppContext

PROCEDURE_ID = Qt.ItemDataRole.UserRole

# What stops a timer, by the event types TIMER_EVENTS lists.
STOP_NAMES: dict[str, tuple[str, str]] = {
    "incident.acknowledged": ("사건 확인", "the incident acknowledged"),
    "camera.viewed": ("CCTV 영상 확인", "a camera opened"),
    "evidence.captured": ("증거 영상 저장", "a still or clip saved"),
    "incident.dispatched": ("출동 처리", "agencies dispatched"),
    "incident.resolved": ("상황 해결", "the incident resolved"),
    "incident.closed": ("사건 종결", "the incident closed"),
    "packet.sent": ("기관 전송", "a packet sent"),
    "packet.acknowledged": ("기관 수신 확인", "an agency acknowledged"),
}

_STYLE = """
h2 { color: #e5ecf4; margin-bottom: 2px; }
h3 { color: #9fb3c8; margin-top: 14px; margin-bottom: 4px; }
.meta { color: #9fb3c8; }
.muted { color: #7d8b9c; }
.must { color: #f5c26b; font-weight: bold; }
.code { color: #8fc3ff; }
td { padding: 2px 8px 2px 0; vertical-align: top; }
th { color: #9fb3c8; text-align: left; padding: 2px 8px 2px 0; }
"""


def duration(seconds: float) -> str:
    """A target as a clock reads: 1:00, 10:00, 1:30:00."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProcedureLibraryDialog(QDialog):
    """Lists the procedures in force by linked service, with a search box; the selected one
    is shown in full. Follows reloads of the procedure files while open."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProcedureLibraryDialog")
        self.setWindowTitle(self.tr("Procedure library"))
        self.resize(1100, 720)
        self._context = context
        self._korean = context.language == "ko"
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search titles, incident types and steps"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        left_layout.addWidget(self.search)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)
        left_layout.addWidget(self.tree, 1)
        splitter.addWidget(left)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.document().setDefaultStyleSheet(_STYLE)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([380, 720])
        layout.addWidget(splitter, 1)
        bottom = QHBoxLayout()
        self.folders = QLabel()
        self.folders.setObjectName("procedureFolders")
        self.folders.setWordWrap(True)
        self.folders.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.folders, 1)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        context.procedures.changed.connect(self.refresh)
        self.refresh()

    # -- the list -----------------------------------------------------------------------------

    def _pick(self, names: tuple[str, str]) -> str:
        return names[0] if self._korean else names[1]

    def refresh(self) -> None:
        """Fill the list from the library in force, keeping the selection where it can."""
        service = self._context.procedures
        shipped, *own = service.folders
        text = self.tr("Shipped procedures: %1").replace("%1", str(shipped))
        if own:
            text += " · " + self.tr("Your own procedures: %1").replace("%1", str(own[-1]))
        self.folders.setText(text)
        current = self.selected_id()
        self.tree.clear()
        if not service.loaded:
            self.details.setHtml(_muted(self.tr("Reading the procedures…")))
            return
        groups: dict[Service, list[LoadedProcedure]] = {}
        for loaded in service.library.procedures():
            groups.setdefault(loaded.procedure.service, []).append(loaded)
        for group in Service:  # the catalogue's order of services
            if group not in groups:
                continue
            name = self._pick(SERVICE_NAMES[group])
            header = QTreeWidgetItem([name[:1].upper() + name[1:]])  # a heading: capitalised
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            self.tree.addTopLevelItem(header)
            members = sorted(groups[group], key=lambda p: p.procedure.title(self._korean))
            for loaded in members:
                item = QTreeWidgetItem([loaded.procedure.title(self._korean)])
                item.setData(0, PROCEDURE_ID, loaded.procedure.id)
                item.setToolTip(0, f"{loaded.procedure.title(self._korean)}\n{loaded.path}")
                header.addChild(item)
            header.setExpanded(True)
        self._filter(self.search.text())
        if not self.select(current or "") and not self._select_first():
            self._show(None)

    def selected_id(self) -> str | None:
        """The id of the procedure shown, if any."""
        item = self.tree.currentItem()
        value = item.data(0, PROCEDURE_ID) if item is not None else None
        return str(value) if value else None

    def select(self, procedure_id: str) -> bool:
        """Show the procedure ``procedure_id``; False if it is not in the list."""
        for item in self._procedure_items():
            if item.data(0, PROCEDURE_ID) == procedure_id and not item.isHidden():
                self.tree.setCurrentItem(item)
                return True
        return False

    def _select_first(self) -> bool:
        visible = [i for i in self._procedure_items() if not i.isHidden()]
        if visible:
            self.tree.setCurrentItem(visible[0])
        return bool(visible)

    def _procedure_items(self) -> list[QTreeWidgetItem]:
        headers = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        items = [h.child(j) for h in headers if h is not None for j in range(h.childCount())]
        return [i for i in items if i is not None]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        library = self._context.procedures.library
        for index in range(self.tree.topLevelItemCount()):
            header = self.tree.topLevelItem(index)
            if header is None:
                continue
            shown = 0
            for j in range(header.childCount()):
                item = header.child(j)
                if item is None:
                    continue
                loaded = library.get(str(item.data(0, PROCEDURE_ID)))
                hit = loaded is not None and (not needle or needle in _haystack(loaded.procedure))
                item.setHidden(not hit)
                shown += hit
            header.setHidden(shown == 0)

    def _on_search_text_changed(self, text: str) -> None:
        self._filter(text)
        item = self.tree.currentItem()
        if (item is None or item.isHidden()) and not self._select_first():
            self._show(None)

    def _on_tree_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        procedure_id = current.data(0, PROCEDURE_ID) if current is not None else None
        if procedure_id:
            self._show(self._context.procedures.library.get(str(procedure_id)))

    # -- the procedure ------------------------------------------------------------------------

    def _show(self, loaded: LoadedProcedure | None) -> None:
        if loaded is None:
            self.details.setHtml(_muted(self.tr("No procedure matches the search.")))
            return
        self.details.setHtml(self._html(loaded))

    def _html(self, loaded: LoadedProcedure) -> str:
        p, k = loaded.procedure, self._korean
        parts = [f"<h2>{escape(p.title(k))}</h2>"]
        meta = self.tr("Version %1 · %2 · %3").replace("%1", str(p.version))
        meta = meta.replace("%2", escape(self._pick(SERVICE_NAMES[p.service])))
        file = loaded.path.name if loaded.path is not None else p.id
        parts.append(f"<p class='meta'>{meta.replace('%3', escape(file))}</p>")
        summary = p.summary_ko if k else p.summary_en
        if summary:
            parts.append(f"<p>{escape(summary)}</p>")
        parts.append(_h3(self.tr("Incident types")))
        if p.incident_types:
            types = []
            for code in p.incident_types:
                entry = CATALOGUE.get(code)
                name = (entry.name_ko if k else entry.name_en) if entry else "?"
                types.append(f"<span class='code'>{escape(code)}</span> {escape(name)}")
            parts.append("<p>" + " · ".join(types) + "</p>")
        else:
            parts.append(_muted(self.tr("Started by hand only")))
        if p.timer:
            parts.append(_h3(self.tr("Golden-time timers")))
            parts.append(self._timers(p))
        if p.share:
            parts.append(_h3(self.tr("Shared with")))
            rows = [_header_row(self.tr("To"), self.tr("What"), self.tr("Why"))]
            for share in p.share:
                data = ", ".join(self._pick(DATA_NAMES[d]) for d in share.data)
                why = share.purpose_ko if k else share.purpose_en
                rows.append(
                    f"<tr><td>{escape(self._pick(RECIPIENT_NAMES[share.to]))}</td>"
                    f"<td>{escape(data)}</td><td>{escape(why)}</td></tr>"
                )
            parts.append("<table>" + "".join(rows) + "</table>")
        parts.append(_h3(self.tr("Steps")))
        parts.append(self._steps(p))
        return "".join(parts)

    def _timers(self, p: Procedure) -> str:
        rows = [
            _header_row(self.tr("Timer"), self.tr("Target"), self.tr("From"), self.tr("Until"))
        ]
        either = self.tr(" or ")
        for timer in p.timer:
            rows.append(
                f"<tr><td>{escape(timer.label(self._korean))}</td>"
                f"<td>{duration(timer.target_s)}</td>"
                f"<td>{escape(self._timer_start(p, timer))}</td>"
                f"<td>{escape(either.join(self._stop(p, s) for s in timer.stop))}</td>"
                "</tr>"
            )
        return "<table>" + "".join(rows) + "</table>"

    def _timer_start(self, p: Procedure, timer: Timer) -> str:
        if timer.start == "report":
            return self.tr("the report")
        if timer.start == "action":
            return self.tr("a step's action starts it")
        return self._stop(p, timer.start)

    def _stop(self, p: Procedure, stop: str) -> str:
        if stop.startswith("step:"):
            return self.tr("step “%1” done").replace("%1", self._step_title(p, stop[5:]))
        names = STOP_NAMES.get(stop)
        return self._pick(names) if names else TIMER_EVENTS.get(stop, stop)

    def _step_title(self, p: Procedure, step_id: str) -> str:
        step = p.step_by_id(step_id)
        return step.title(self._korean) if step is not None else step_id

    def _steps(self, p: Procedure) -> str:
        rows = []
        for number, step in enumerate(p.step, 1):
            details = [
                f"<b>{escape(step.title(self._korean))}</b>",
                f"<span class='meta'>{escape(self._pick(OWNER_NAMES[step.owner]))}</span>",
            ]
            if step.mandatory:
                must = self.tr("mandatory")
                details.append(f"<span class='must'>{escape(must)}</span>")
            if step.due_s is not None:
                due = self.tr("reminder after %1").replace("%1", duration(step.due_s))
                details.append(f"<span class='meta'>{escape(due)}</span>")
            lines = [" · ".join(details)]
            look = step.look(self._korean)
            if look:
                lines.append(self._line(self.tr("Look at"), look))
            action = self._action(p, step)
            if action:
                lines.append(self._line(self.tr("Action"), action))
            lines.append(self._next(p, step, number))
            body = "<br>".join(line for line in lines if line)
            rows.append(f"<tr><td class='meta'>{number}.</td><td>{body}</td></tr>")
        return "<table>" + "".join(rows) + "</table>"

    def _line(self, label: str, text: str) -> str:
        return f"<span class='meta'>{escape(label)}:</span> {escape(text)}"

    def _next(self, p: Procedure, step: Step, number: int) -> str:
        if step.is_question:
            branches = [
                f"{escape(self._pick((a.label_ko, a.label_en)))} → "
                f"{escape(self._step_title(p, a.next))}"
                for a in step.answers
            ]
            label = escape(self.tr("Answers"))
            return f"<span class='meta'>{label}:</span> " + "; ".join(branches)
        if step.end:
            return _muted(self.tr("The procedure ends here."), "span")
        following = p.following(step)
        if step.next is not None and following is not None:
            return self._line(self.tr("Then"), self._step_title(p, following))
        if following is None and number == len(p.step):
            return _muted(self.tr("The procedure ends here."), "span")
        return ""

    def _action(self, p: Procedure, step: Step) -> str:
        action = step.action
        if isinstance(action, OpenCameras):
            text = self.tr("open the %1 nearest cameras").replace("%1", str(action.count))
            if action.radius_m is not None:
                text += self.tr(" within %1 m").replace("%1", f"{action.radius_m:g}")
            return text
        if isinstance(action, TakeStill):
            return self.tr("save a still of the highlighted camera")
        if isinstance(action, NearestFacilities):
            kind = action.facility.name_ko if self._korean else action.facility.name_en
            text = self.tr("find the nearest %1 (%2)").replace("%1", kind)
            return text.replace("%2", str(action.count))
        if isinstance(action, DraftPacket):
            to = self._pick(RECIPIENT_NAMES[action.to])
            return self.tr("draft a packet to %1").replace("%1", to)
        if isinstance(action, Notify):
            return self.tr("notify %1").replace("%1", self._pick(RECIPIENT_NAMES[action.to]))
        if isinstance(action, StartTimer):
            timer = next((t for t in p.timer if t.id == action.timer), None)
            label = timer.label(self._korean) if timer is not None else action.timer
            return self.tr("start the timer “%1”").replace("%1", label)
        return ""


def _h3(text: str) -> str:
    return f"<h3>{escape(text)}</h3>"


def _muted(text: str, tag: str = "p") -> str:
    return f"<{tag} class='muted'>{escape(text)}</{tag}>"


def _header_row(*labels: str) -> str:
    return "<tr>" + "".join(f"<th>{escape(label)}</th>" for label in labels) + "</tr>"


def _haystack(p: Procedure) -> str:
    """Everything the search box looks through, folded for case."""
    words = [p.id, p.title_ko, p.title_en, p.summary_ko, p.summary_en, *SERVICE_NAMES[p.service]]
    for code in p.incident_types:
        entry = CATALOGUE.get(code)
        words += [code] + ([entry.name_ko, entry.name_en] if entry else [])
    for step in p.step:
        words += [step.title_ko, step.title_en]
    return "\n".join(words).casefold()
