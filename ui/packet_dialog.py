"""Compose a packet to an agency in one dialog: pre-filled from the incident, checked by the
lawful-sharing gate and the validators as the operator types, with a preview of exactly the
bytes that will leave the room; cameras ticked on its "Live video" line go as expiring links
(granted only once the packet is queued). Drafting, rendering and queueing run off the GUI
thread."""

from __future__ import annotations

import time
import weakref
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.dispatch.agencies import Agency, Registry
from core.dispatch.compose import LiveLink, new_distribution_id
from core.dispatch.model import DistributionKind, Format
from core.dispatch.workflow import ComposeError, ComposeRequest, Outcome, Prepared, prepare, send
from core.model import Incident
from core.sop.definitions import RECIPIENT_NAMES, Recipient, Share
from ui.context import AppContext
from ui.packet_inputs import AreaPicker, LiveVideoPicker, related_values
from ui.packet_view import can_unmask, contents_html, gate_html
from ui.theme import EXERCISE_COLOUR
from ui.workers import run_in_thread

if TYPE_CHECKING:
    pass

CHECK_DELAY_MS = 400  # typing pauses this long before the packet is checked again
KINDS = (DistributionKind.DISPATCH, DistributionKind.UPDATE, DistributionKind.CANCEL)


class PacketDialog(QDialog):
    """One packet for one incident to one agency. ``recipient`` preselects the first agency
    of that kind (a procedure step's "Packet to 119…")."""

    def __init__(
        self,
        context: AppContext,
        registry: Registry,
        incident: Incident,
        recipient: Recipient | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PacketDialog")
        self.context = context
        self.registry = registry
        self.incident = incident
        self.korean = context.language == "ko"
        self.prepared: Prepared | None = None
        self.outcome: Outcome | None = None
        self._distribution_id: str | None = None
        self._edited: set[str] = set()  # fields the operator wrote: the draft never overwrites
        self._generation = 0  # answers from an older check are dropped
        self._sending = False
        self.setWindowTitle(self.tr("Packet to an agency — %1").replace("%1", incident.id))
        self.resize(1180, 760)
        self._build(recipient)
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)
        self.check()

    # -- layout ---------------------------------------------------------------------------

    def _build(self, recipient: Recipient | None) -> None:
        layout = QVBoxLayout(self)
        entry = self.incident.incident_type
        name = self.context.pick(entry.name_ko, entry.name_en) if entry else ""
        heading = QLabel(f"{self.incident.id} · {name} · {self.incident.summary}")
        heading.setObjectName("heading")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        if self.incident.exercise:
            drill = QLabel(
                self.tr("EXERCISE — a drill's packet is marked Exercise, never Actual.")
            )
            drill.setStyleSheet(f"background: {EXERCISE_COLOUR}; color: #00201d; padding: 4px")
            layout.addWidget(drill)
        layout.addLayout(self._selectors(recipient))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._form())
        splitter.addWidget(self._preview())
        splitter.setSizes([560, 620])
        layout.addWidget(splitter, 1)
        self.gate = QLabel()
        self.gate.setWordWrap(True)
        self.gate.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.gate)
        buttons = QHBoxLayout()
        self.busy = QLabel()
        buttons.addWidget(self.busy, 1)
        self.send_button = QPushButton(self.tr("Send [Ctrl+Enter]"))
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        for button in (self.send_button, cancel):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.send)

    def _selectors(self, recipient: Recipient | None) -> QHBoxLayout:
        line = QHBoxLayout()
        self.agency_box = QComboBox()
        agencies = sorted(
            (a for a in self.registry.agencies if a.enabled),
            key=lambda a: (a.kind is not recipient, list(Recipient).index(a.kind), a.id),
        )
        for agency in agencies:
            kind = RECIPIENT_NAMES[agency.kind][0 if self.korean else 1]
            self.agency_box.addItem(f"{agency.name(self.korean)} — {kind}", agency.id)
        self.agency_box.currentIndexChanged.connect(self._on_agency_changed)
        self.format_box = QComboBox()
        self.format_box.currentIndexChanged.connect(self._on_changed)
        self.kind_box = QComboBox()
        for kind in KINDS:
            self.kind_box.addItem(kind.value, kind)
        self.kind_box.currentIndexChanged.connect(self._on_changed)
        self.test_box = QCheckBox(self.tr("Test (to the agency's test endpoint)"))
        self.test_box.setEnabled(not self.incident.exercise)
        self.test_box.toggled.connect(self._on_changed)
        for label, widget in (
            (self.tr("&Agency"), self.agency_box),
            (self.tr("&Format"), self.format_box),
            (self.tr("&Kind"), self.kind_box),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            line.addWidget(caption)
            line.addWidget(widget, 2 if widget is self.agency_box else 0)
        line.addWidget(self.test_box)
        self._fill_formats()
        return line

    def _form(self) -> QWidget:
        host = QWidget()
        form = QFormLayout(host)
        self.headline = QLineEdit()
        self.headline.setMaxLength(160)
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.requested = QLineEdit()
        self.requested.setPlaceholderText(
            self.tr("In Korean, e.g. dispatch to the scene and clear the access road")
        )
        self.purpose = QLineEdit()
        # Clear values stay in this dialog; the packet carries only keyed pseudonyms.
        self.plates = QLineEdit()
        self.plates.setPlaceholderText(self.tr("e.g. 12가3456, 34나5678 (sent as pseudonyms)"))
        self.phones = QLineEdit()
        self.phones.setPlaceholderText(self.tr("e.g. 010-1234-5678 (sent as a pseudonym)"))
        self.unmask = QLineEdit()
        self.unmask.setPlaceholderText(
            self.tr("Only when faces or plates must be seen: why (logged)")
        )
        self.basis = QLabel()
        self.basis.setWordWrap(True)
        self.basis.setStyleSheet("color: #8a9bb0")
        self.confirm = QCheckBox(self.tr("I confirm the purpose and the legal basis (logged)"))
        self.contents = QLabel()
        self.contents.setWordWrap(True)
        self.contents.setTextFormat(Qt.TextFormat.RichText)
        self.contents.setAlignment(Qt.AlignmentFlag.AlignTop)
        form.addRow(self.tr("&Headline"), self.headline)
        form.addRow(self.tr("&Summary"), self.summary)
        form.addRow(self.tr("&Requested action"), self.requested)
        form.addRow(self.tr("&Purpose"), self.purpose)
        form.addRow(self.tr("Legal basis"), self.basis)
        self.area = AreaPicker(self.incident)
        self.area.changed.connect(self._on_changed)
        form.addRow(self.tr("Ar&ea"), self.area)
        form.addRow(self.tr("P&lates"), self.plates)
        form.addRow(self.tr("Ph&one numbers"), self.phones)
        form.addRow(self.tr("&Unmask reason"), self.unmask)
        self.live_video = LiveVideoPicker(self.context, self.incident)
        self.live_video.changed.connect(self._on_changed)
        form.addRow(self.tr("Li&ve video"), self.live_video)
        form.addRow("", self.confirm)
        form.addRow(self.tr("Contents"), self.contents)
        for field, edit in (
            ("headline_ko", self.headline),
            ("requested_action_ko", self.requested),
            ("purpose", self.purpose),
            ("unmask", self.unmask),
            ("plates", self.plates),
            ("phones", self.phones),
        ):
            edit.textEdited.connect(partial(self._on_edited, field))
        self.summary.textChanged.connect(self._on_summary_changed)
        self.confirm.toggled.connect(self._on_changed)
        return host

    def _preview(self) -> QWidget:
        host = QWidget()
        box = QVBoxLayout(host)
        box.setContentsMargins(0, 0, 0, 0)
        caption = QLabel(self.tr("What leaves the room (exactly these bytes)"))
        caption.setStyleSheet("font-weight: bold")
        box.addWidget(caption)
        self.body = QPlainTextEdit()
        self.body.setReadOnly(True)
        self.body.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.body.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        box.addWidget(self.body, 1)
        return host

    # -- choices --------------------------------------------------------------------------

    def agency(self) -> Agency:
        """The chosen agency."""
        return self.registry.get(str(self.agency_box.currentData()))

    def _fill_formats(self) -> None:
        self.format_box.blockSignals(True)
        self.format_box.clear()
        if self.agency_box.count():
            for fmt in self.agency().formats:
                self.format_box.addItem(fmt.value.upper(), fmt)
        self.format_box.blockSignals(False)

    def _on_agency_changed(self) -> None:
        self._fill_formats()
        self._distribution_id = None  # another agency: another packet
        self._edited.discard("purpose")  # its own purpose comes from the share for its kind
        self.check()

    def _on_summary_changed(self) -> None:
        if self.summary.hasFocus():
            self._on_edited("summary_ko")

    def _on_edited(self, field: str, _text: str = "") -> None:
        self._edited.add(field)
        self._on_changed()

    def _on_changed(self) -> None:
        self.send_button.setEnabled(False)
        self._check_timer.start()

    def _request(self) -> ComposeRequest:
        # The operator's words replace the draft's, whichever agency is chosen.
        written = {
            "headline_ko": self.headline.text().strip(),
            "summary_ko": self.summary.toPlainText().strip(),
            "requested_action_ko": self.requested.text().strip(),
        }
        edits: dict[str, Any] = {k: v for k, v in written.items() if k in self._edited}
        purpose = self.purpose.text().strip() if "purpose" in self._edited else ""
        fmt = self.format_box.currentData()
        live = self._live_links()
        return ComposeRequest(
            self.incident.id,
            str(self.agency_box.currentData()),
            fmt if isinstance(fmt, Format) else None,
            self.kind_box.currentData(),
            purpose=purpose or None,
            purpose_confirmed=self.confirm.isChecked(),
            unmask_reason=self.unmask.text().strip(),
            related=related_values(self.plates.text(), self.phones.text()),
            live_links=live,
            area=self.area.area(),
            test=self.test_box.isChecked(),
            operator=self.context.actor,
            edits=edits,
            distribution_id=self._distribution_id,
        )

    def _live_links(self) -> tuple[LiveLink, ...]:
        """The ticked cameras as the packet's links: the same URL at every check of this
        packet, granted only when it is queued."""
        chosen = self.live_video.chosen()
        if not chosen:
            return ()
        if self._distribution_id is None:
            self._distribution_id = new_distribution_id()  # the links are the packet's
        return self.live_video.links(chosen, self._distribution_id)

    # -- checking and sending -------------------------------------------------------------

    def check(self) -> None:
        """Draft, gate, render and validate again with what the dialog says now."""
        if not self.agency_box.count():
            self.gate.setText(self.tr("The agency registry has no enabled agency."))
            return
        self._check_timer.stop()
        self._generation += 1
        generation = self._generation
        request = self._request()
        work = self._preparer(request)
        self.busy.setText(self.tr("Checking…"))
        future = run_in_thread(work, "packet check")
        this = weakref.ref(self)

        def done(prepared: Prepared) -> None:
            dialog = this()
            if dialog is not None and generation == dialog._generation:
                dialog._show(prepared)

        def failed(error: BaseException) -> None:
            dialog = this()
            if dialog is not None and generation == dialog._generation:
                dialog._show_error(error)

        self.context.invoker.when_done(future, done, failed)

    def _preparer(self, request: ComposeRequest) -> Any:
        context, registry, incident = self.context, self.registry, self.incident
        shares = self._shares()
        district = next(
            (d.name for d in context.city.districts if d.code == incident.district_code), None
        )
        evidence_dir = context.settings.evidence_dir

        def work() -> Prepared:
            return prepare(
                context.backend,
                registry,
                request,
                now_ms=time.time_ns() // 1_000_000,
                evidence_dir=evidence_dir,
                procedure_shares=shares,
                district_ko=district,
                incident=incident,
            )

        return work

    def _shares(self) -> tuple[Share, ...]:
        library = self.context.procedures.library
        run = self.incident.procedure
        loaded = (
            library.get(run.procedure_id, run.version)
            if run is not None
            else library.for_type(self.incident.type_code)
        )
        return loaded.procedure.share if loaded is not None else ()

    def _show(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self._distribution_id = prepared.packet.distribution_id
        packet = prepared.packet
        self.area.follow(packet.area)
        for field, edit, value in (
            ("headline_ko", self.headline, packet.headline_ko),
            ("requested_action_ko", self.requested, packet.requested_action_ko),
            ("purpose", self.purpose, packet.purpose),
        ):
            if field not in self._edited and edit.text() != value:
                edit.setText(value)
        if "summary_ko" not in self._edited and self.summary.toPlainText() != packet.summary_ko:
            self.summary.setPlainText(packet.summary_ko)
        self.basis.setText(packet.legal_basis or self.tr("none needed for a summary"))
        self.unmask.setEnabled(can_unmask(prepared) or bool(self.unmask.text()))
        self.contents.setText(contents_html(prepared, self.korean))
        self.body.setPlainText(prepared.rendered.body.decode("utf-8", errors="replace"))
        self.gate.setText(gate_html(prepared, self.korean))
        self.busy.setText(
            self.tr("Packet %1 · %2")
            .replace("%1", packet.distribution_id)
            .replace("%2", packet.status.value)
        )
        self.send_button.setEnabled(not prepared.blocking and not self._sending)

    def _show_error(self, error: BaseException) -> None:
        self.prepared = None
        self.send_button.setEnabled(False)
        self.busy.setText("")
        text = str(error) if isinstance(error, ComposeError) else repr(error)
        self.gate.setText(f"<span style='color:#ff8b8b'>⛔ {text}</span>")
        self.body.setPlainText("")

    def send(self) -> None:
        """Queue the packet shown (Ctrl+Enter); a changed form is checked first."""
        prepared = self.prepared
        if (
            prepared is None
            or self._sending
            or self._check_timer.isActive()
            or not self.send_button.isEnabled()
        ):
            return
        self._sending = True
        self.send_button.setEnabled(False)
        self.busy.setText(self.tr("Queueing…"))
        backend, actor, share = self.context.backend, self.context.actor, self.live_video.share()

        def work() -> Outcome:
            outcome = send(backend, prepared, actor)
            if outcome.queued and share is not None:
                share.admit_packet(prepared.packet)  # its live links open from now on
            return outcome

        future = run_in_thread(work, "packet send")
        this = weakref.ref(self)

        def done(outcome: Outcome) -> None:
            dialog = this()
            if dialog is not None:
                dialog._sent(outcome)

        def failed(error: BaseException) -> None:
            dialog = this()
            if dialog is not None:
                dialog._sending = False
                dialog._show_error(error)

        self.context.invoker.when_done(future, done, failed)

    def _sent(self, outcome: Outcome) -> None:
        self._sending = False
        self.outcome = outcome
        if outcome.queued:
            self.accept()
            return
        self.send_button.setEnabled(False)
        lines = "<br>".join(f"⛔ {reason}" for reason in outcome.reasons)
        self.gate.setText(f"<span style='color:#ff8b8b'>{lines}</span>")
        self.busy.setText(self.tr("Refused and logged; nothing was sent."))
