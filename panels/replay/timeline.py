"""The replay timeline: the picture of the window (``panels.replay.picture``) and the
instant shown as a line. Click or drag to seek, wheel to zoom around the pointer, drag with
the middle button (or Shift) to pan; hovering tells what is under the pointer.

What does not move while playing (everything but the position line) is drawn once into a
pixmap per size, visible range and index growth, so a repaint is the pixmap and one line.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from core.model import Bookmark
from core.replay import IncidentSpan, MarkKind
from panels.replay.kinds import kind_name
from panels.replay.picture import (
    AXIS_H,
    BACKGROUND,
    LANE_GAP,
    LANE_H,
    MARGIN,
    MARK_H,
    MARK_TOP,
    MIN_SPAN_MS,
    POSITION_COLOUR,
    SPAN_TOP,
    Hit,
    Placed,
    TimelinePicture,
    span_rect,
)
from ui.replay import ReplayController
from ui.replay_time import clock_text, date_time_text


class TimelineView(QWidget):
    """The timeline of ``controller``'s replay window."""

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayTimeline")
        self.controller = controller
        self.context = controller.context
        self.kinds: set[MarkKind] = set(MarkKind)
        self.zoom: tuple[int, int] | None = None  # None: the whole window
        self._version = 0  # bumped when what the pixmap shows changed
        self._cache: QPixmap | None = None
        self._cache_key: tuple[object, ...] = ()
        self._flags: list[Hit] = []  # the bookmarks drawn, and where
        self._placed: list[Placed] = []  # the spans drawn, and where
        self._spans_key: tuple[int, int] = (0, -1)
        self._spans_cache: list[IncidentSpan] = []
        self._drag: str | None = None  # "seek" or "pan"
        self._pan_from: tuple[float, int, int] = (0.0, 0, 0)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # the picture fills it all
        self.setMinimumHeight(SPAN_TOP + 3 * (LANE_H + LANE_GAP) + 4)
        self.setSizePolicy(
            self.sizePolicy().horizontalPolicy(), self.sizePolicy().Policy.Expanding
        )
        controller.positionChanged.connect(self.update)
        controller.marksChanged.connect(self.invalidate)
        controller.windowChanged.connect(self.invalidate)
        controller.activeChanged.connect(self._on_controller_active_changed)
        self.context.selection.incidentSelected.connect(self.invalidate)

    # -- what is shown --------------------------------------------------------------------

    def visible_range(self) -> tuple[int, int]:
        """The instants at the left and right edges (UTC ms)."""
        window = self.controller.window
        if window is None:
            return 0, 1
        start, end = window
        if self.zoom is None:
            return start, max(end, start + 1)
        lo, hi = self.zoom
        span = min(hi - lo, max(end - start, 1))
        lo = min(max(lo, start), max(end - span, start))
        return lo, lo + span

    def set_kinds(self, kinds: set[MarkKind]) -> None:
        """Draw only marks of ``kinds``."""
        self.kinds = set(kinds)
        self.invalidate()

    def reset_zoom(self) -> None:
        """Show the whole replay window."""
        self.zoom = None
        self.invalidate()

    def zoom_around(self, ms: int, factor: float) -> None:
        """Zoom by ``factor`` (< 1: closer) keeping ``ms`` where it is on screen."""
        window = self.controller.window
        if window is None:
            return
        lo, hi = self.visible_range()
        whole = max(window[1] - window[0], 1)
        span = min(max((hi - lo) * factor, MIN_SPAN_MS), whole)
        if span >= whole:
            self.reset_zoom()
            return
        new_lo = ms - (ms - lo) * span / (hi - lo)
        self.zoom = (int(new_lo), int(new_lo + span))
        self.invalidate()

    def invalidate(self, *_args: object) -> None:
        """What the pixmap shows changed: draw it again at the next paint."""
        self._version += 1
        self.update()

    def _on_controller_active_changed(self, _active: bool) -> None:
        self.zoom = None
        self.invalidate()

    # -- geometry -------------------------------------------------------------------------

    def x_of(self, ms: float) -> float:
        """Where instant ``ms`` is drawn."""
        lo, hi = self.visible_range()
        width = max(self.width() - 2 * MARGIN, 1)
        return MARGIN + (ms - lo) * width / (hi - lo)

    def ms_at(self, x: float) -> int:
        """The instant under ``x``."""
        lo, hi = self.visible_range()
        width = max(self.width() - 2 * MARGIN, 1)
        return int(lo + (x - MARGIN) * (hi - lo) / width)

    # -- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """The cached picture, then the position line and its time."""
        lo, hi = self.visible_range()
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), ratio, lo, hi, self._version)
        if self._cache is None or key != self._cache_key:
            self._cache = self._render(lo, hi, ratio)
            self._cache_key = key
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        if self.controller.clock is not None:
            self._paint_position(painter, self.controller.position_ms)
        painter.end()

    def _paint_position(self, painter: QPainter, position: int) -> None:
        x = self.x_of(position)
        if not MARGIN - 1 <= x <= self.width() - MARGIN + 1:
            return
        painter.setPen(QPen(POSITION_COLOUR, 2))
        painter.drawLine(QPointF(x, AXIS_H), QPointF(x, self.height()))
        text = clock_text(position)
        metrics = painter.fontMetrics()
        width = metrics.horizontalAdvance(text) + 8
        left = min(max(x - width / 2, 0), self.width() - width)
        box = QRectF(left, 0, width, AXIS_H)
        painter.fillRect(box, POSITION_COLOUR)
        painter.setPen(BACKGROUND)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _render(self, lo: int, hi: int, ratio: float) -> QPixmap:
        controller = self.controller
        window = controller.window
        index = controller.index
        picture = TimelinePicture(
            lo,
            hi,
            self.width(),
            self.height(),
            self.font(),
            index,
            self._spans(),
            self.context.store.state.bookmarks,  # the live store has every one made
            self.kinds,
            self.context.selection.incident_id,
            window[1] if window is not None else hi,
        )
        if index is not None and controller.index_fraction < 1.0:
            picture.unindexed_from = index.indexed_ts
            picture.unindexed_text = self.tr("Indexing… %1 %").replace(
                "%1", str(int(controller.index_fraction * 100))
            )
        pixmap = picture.render(ratio)
        self._flags, self._placed = picture.flags, picture.placed
        return pixmap

    def _spans(self) -> list[IncidentSpan]:
        """The index's spans, copied and sorted once per growth of the index (not per
        zoom, pan or resize)."""
        index = self.controller.index
        if index is None:
            return []
        key = (id(index), index.indexed_seq)
        if key != self._spans_key:
            self._spans_key, self._spans_cache = key, index.spans()
        return self._spans_cache

    # -- hover ----------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        """Tooltips: what is under the pointer."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.describe_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def drawn_bookmarks(self) -> list[Hit]:
        """The bookmarks and annotations drawn last, and where."""
        return list(self._flags)

    def drawn_spans(self) -> list[Hit]:
        """The incident spans drawn last, and where (the part not hidden by newer ones)."""
        return [Hit(span_rect(p), span=p.span) for p in self._placed]

    def hit_at(self, point: QPointF) -> Hit | None:
        """The bookmark or incident span drawn under ``point``."""
        for hit in reversed(self._flags):  # drawn last, on top
            if hit.rect.contains(point):
                return hit
        lane = int((point.y() - SPAN_TOP) // (LANE_H + LANE_GAP))
        for placed in reversed(self._placed):
            if placed.lane == lane and span_rect(placed).contains(point):
                return Hit(span_rect(placed), span=placed.span)
        return None

    def describe_at(self, point: QPointF) -> str:
        """The tooltip for ``point``."""
        if self.controller.window is None:
            return ""
        hit = self.hit_at(point)
        if hit is not None and hit.bookmark is not None:
            return self._describe_bookmark(hit.bookmark)
        if hit is not None and hit.span is not None:
            return self._describe_span(hit.span)
        if MARK_TOP - 2 <= point.y() <= MARK_TOP + MARK_H + 2:
            return self._describe_marks(point.x())
        return date_time_text(self.ms_at(point.x()))

    def _describe_bookmark(self, bookmark: Bookmark) -> str:
        title = (
            self.tr("Annotation at %1")
            if bookmark.kind == "annotation"
            else self.tr("Bookmark at %1")
        ).replace("%1", date_time_text(bookmark.at_ms))
        lines = [title, bookmark.text]
        if bookmark.incident_id:
            lines.append(self.tr("About %1").replace("%1", bookmark.incident_id))
        lines.append(
            self.tr("By %1, recorded %2")
            .replace("%1", bookmark.actor)
            .replace("%2", date_time_text(bookmark.ts_ms))
        )
        return "\n".join(lines)

    def _describe_span(self, span: IncidentSpan) -> str:
        first = f"{span.incident_id} · {span.type_code} · " + self.tr("severity %1").replace(
            "%1", str(span.severity)
        )
        if span.exercise:
            first += " · " + self.tr("exercise")
        until = self.tr("still open") if span.end_ms is None else date_time_text(span.end_ms)
        return f"{first}\n{date_time_text(span.start_ms)} – {until}\n" + self.tr(
            "Click to select it"
        )

    def _describe_marks(self, x: float) -> str:
        index = self.controller.index
        if index is None:
            return ""
        marks = index.marks_between(self.ms_at(x - 3), self.ms_at(x + 3), self.kinds)
        if not marks:
            return date_time_text(self.ms_at(x))
        lines = [
            f"{clock_text(m.ts_ms)}  {kind_name(m.kind)}: {m.type}"
            + (f" · {m.subject}" if m.subject else "")
            for m in marks[:8]
        ]
        if len(marks) > 8:
            lines.append(self.tr("… and %1 more").replace("%1", str(len(marks) - 8)))
        return "\n".join(lines)

    # -- gestures -------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Left: seek there (and select the incident clicked); middle or Shift+left: pan."""
        if self.controller.window is None:
            return
        point = event.position()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and shift
        ):
            lo, hi = self.visible_range()
            self._drag, self._pan_from = "pan", (point.x(), lo, hi)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            self._drag = "seek"
            hit = self.hit_at(point)
            if hit is not None and hit.span is not None:
                self.context.selection.select_incident(hit.span.incident_id, self)
            if hit is not None and hit.bookmark is not None:
                self.controller.seek(hit.bookmark.at_ms)
            else:
                self.controller.seek(self.ms_at(point.x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Dragging seeks (the newest position wins) or pans."""
        x = event.position().x()
        if self._drag == "seek":
            self.controller.seek(self.ms_at(x))
        elif self._drag == "pan":
            start_x, lo, hi = self._pan_from
            shift = (start_x - x) * (hi - lo) / max(self.width() - 2 * MARGIN, 1)
            self.zoom = (int(lo + shift), int(hi + shift))
            self.invalidate()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """The end of a drag."""
        self._drag = None
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """A double click with the middle button shows the whole window again."""
        if event.button() == Qt.MouseButton.MiddleButton:
            self.reset_zoom()
        else:
            self.mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom around the pointer."""
        delta = event.angleDelta().y()
        if delta == 0 or self.controller.window is None:
            return
        self.zoom_around(self.ms_at(event.position().x()), 0.8 ** (delta / 120))
        event.accept()
