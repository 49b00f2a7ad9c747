"""The still part of the replay timeline, drawn once into a pixmap: the time axis in local
time, the density of sensor readings, events as ticks coloured by kind, incidents as spans in
lanes, bookmarks as flags and annotations as notes. ``TimelineView`` draws it again only when
the size, the visible range or what it shows changes; while playing it adds just the
position line."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from datetime import timedelta

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPixmap, QPolygonF

from core.model import Bookmark
from core.replay import IncidentSpan, MarkKind, ReplayIndex
from panels.replay.kinds import DRAW_ORDER, KIND_COLOURS
from ui.replay_time import local
from ui.theme import EXERCISE_COLOUR, severity_colour

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
STEPS_MS = (
    *(s * SECOND_MS for s in (1, 2, 5, 10, 15, 30)),
    *(m * MINUTE_MS for m in (1, 2, 5, 10, 15, 30)),
    *(h * HOUR_MS for h in (1, 2, 3, 6, 12, 24)),
)
MIN_SPAN_MS = 10 * SECOND_MS  # the closest zoom
MARGIN = 10
AXIS_H = 16
FLAG_TOP, FLAG_H = 18, 13
MARK_TOP, MARK_H = 33, 11
DENSITY_TOP, DENSITY_H = 45, 8
SPAN_TOP, LANE_H, LANE_GAP = 58, 7, 2
BACKGROUND = QColor("#10151c")
GRID = QColor(255, 255, 255, 18)
DENSITY = QColor(110, 150, 255, 120)  # sensor readings per minute
LABEL = QColor("#9aa8b8")
BOOKMARK_COLOUR = QColor("#ffd166")
NOTE_COLOUR = QColor("#8ec5ff")
POSITION_COLOUR = QColor("#ffffff")
EXERCISE_TINT = QColor(EXERCISE_COLOUR.red(), EXERCISE_COLOUR.green(), EXERCISE_COLOUR.blue(), 70)


@dataclass(frozen=True, slots=True)
class Hit:
    """What is drawn under a point: a bookmark or an incident's span, and where."""

    rect: QRectF
    span: IncidentSpan | None = None
    bookmark: Bookmark | None = None


@dataclass(slots=True)
class Placed:
    """A span laid out: from x0 to x1 in a lane; ``cut`` when a newer one hides its end
    (``end_x``: where it really ends)."""

    x0: float
    x1: float
    lane: int
    span: IncidentSpan
    cut: bool = False
    end_x: float = 0.0


@dataclass
class TimelinePicture:
    """Draws the range ``lo``..``hi`` at ``width`` × ``height``; ``render`` returns the
    pixmap and leaves where the bookmarks (``flags``) and spans (``placed``) went."""

    lo: int
    hi: int
    width: int
    height: int
    font: QFont
    index: ReplayIndex | None = None
    spans: list[IncidentSpan] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)
    kinds: set[MarkKind] = field(default_factory=lambda: set(MarkKind))
    selected: str | None = None  # the selected incident, outlined
    log_end: int = 0  # where spans still open end
    unindexed_from: int | None = None  # the index has not reached past this yet
    unindexed_text: str = ""
    flags: list[Hit] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)

    @property
    def inner(self) -> int:
        """The drawing's width inside the margins."""
        return max(self.width - 2 * MARGIN, 1)

    @property
    def scale(self) -> float:
        """Pixels per millisecond."""
        return self.inner / max(self.hi - self.lo, 1)

    def x_of(self, ms: float) -> float:
        """Where instant ``ms`` is drawn."""
        return MARGIN + (ms - self.lo) * self.scale

    def render(self, ratio: float) -> QPixmap:
        """The picture, at ``ratio`` device pixels per pixel."""
        pixmap = QPixmap(max(int(self.width * ratio), 1), max(int(self.height * ratio), 1))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(BACKGROUND)
        self.flags, self.placed = [], []
        painter = QPainter(pixmap)
        painter.setFont(self.font)
        self._paint_axis(painter)
        index = self.index
        if index is not None:
            # Readings are counted per minute: no bin narrower than that.
            bins = max(min(self.inner // 3, (self.hi - self.lo) // MINUTE_MS), 1)
            counts = index.reading_density(self.lo, self.hi, bins)
            self._paint_density(painter, _per_minute(counts, self.lo, self.hi))
            self._paint_marks(painter, index)
            self._paint_spans(painter)
        if self.unindexed_from is not None:
            self._paint_unindexed(painter, max(self.unindexed_from, self.lo))
        self._paint_bookmarks(painter)
        painter.end()
        return pixmap

    def _paint_axis(self, painter: QPainter) -> None:
        lo, hi = self.lo, self.hi
        step = next((s for s in STEPS_MS if s * self.inner / (hi - lo) >= 72), STEPS_MS[-1])
        offset = _utc_offset_ms(lo)
        tick = math.ceil((lo + offset) / step) * step - offset
        painter.setPen(LABEL)
        metrics = painter.fontMetrics()
        while tick <= hi:
            x = self.x_of(tick)
            painter.fillRect(QRectF(x, AXIS_H - 3, 1, self.height), GRID)
            moment = local(tick)
            if moment.hour == 0 and moment.minute == 0 and moment.second == 0:
                label = moment.strftime("%m-%d")
            else:
                label = moment.strftime("%H:%M:%S" if step < MINUTE_MS else "%H:%M")
            width = metrics.horizontalAdvance(label)
            painter.drawText(QPointF(x - width / 2, AXIS_H - 4), label)
            tick += step

    def _paint_density(self, painter: QPainter, counts: list[float]) -> None:
        """Readings as a small histogram: a chart, never mistaken for an incident's span."""
        painter.fillRect(QRectF(MARGIN, DENSITY_TOP + DENSITY_H, self.inner, 1), GRID)
        peak = max(counts, default=0.0)
        if peak <= 0:
            return
        width = self.inner / len(counts)
        bottom = DENSITY_TOP + DENSITY_H
        bars = []
        for i, count in enumerate(counts):
            if count:
                height = max(DENSITY_H * count / peak, 1.0)
                bars.append(QRectF(MARGIN + i * width, bottom - height, max(width, 1), height))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(DENSITY)
        painter.drawRects(bars)

    def _paint_marks(self, painter: QPainter, index: ReplayIndex) -> None:
        if not self.kinds:
            return
        lo, hi, scale = self.lo, self.hi, self.scale
        by_kind: dict[MarkKind, set[int]] = {}
        for mark in index.marks_between(lo, hi, self.kinds):
            by_kind.setdefault(mark.kind, set()).add(int(MARGIN + (mark.ts_ms - lo) * scale))
        painter.setPen(Qt.PenStyle.NoPen)
        for kind in DRAW_ORDER:
            xs = by_kind.get(kind)
            if xs:
                # One call per kind, not one per tick: a day holds thousands of them.
                painter.setBrush(KIND_COLOURS[kind])
                painter.drawRects([QRectF(x, MARK_TOP, 1.5, MARK_H) for x in xs])

    def _paint_spans(self, painter: QPainter) -> None:
        lo, hi, log_end = self.lo, self.hi, self.log_end
        lanes = max((self.height - SPAN_TOP - 2) // (LANE_H + LANE_GAP), 1)
        left, right = float(MARGIN), float(self.width - MARGIN)
        scale = self.scale
        placed: list[Placed] = []
        # The lanes by when they are free again: a span takes the one free soonest.
        free: list[tuple[float, int, Placed | None]] = [(-math.inf, i, None) for i in range(lanes)]
        for span in self.spans:
            end = span.end_ms if span.end_ms is not None else log_end
            if end < lo or span.start_ms > hi:
                continue
            x0 = max(MARGIN + (span.start_ms - lo) * scale, left)
            x1 = min(max(MARGIN + (end - lo) * scale, x0 + 3), right)
            _, lane, older = heapq.heappop(free)
            if older is not None and older.x1 + 2 >= x0:
                # More at once than lanes: the newer one hides the rest of the older, which
                # is cut short (each pixel is painted once).
                older.x1, older.cut = max(older.x0 + 1, x0 - 1), True
            entry = Placed(x0, x1, lane, span, end_x=x1)
            placed.append(entry)
            heapq.heappush(free, (x1, lane, entry))
        self.placed = placed
        self._paint_placed(painter, placed)

    def _paint_placed(self, painter: QPainter, placed: list[Placed]) -> None:
        selected_id = self.selected
        selected: QRectF | None = None
        by_look: dict[int, list[QRectF]] = {}  # severity, or 0 for exercises
        open_ends: list[QRectF] = []
        for p in placed:
            span = p.span
            rect = span_rect(p)
            by_look.setdefault(0 if span.exercise else span.severity, []).append(rect)
            if span.end_ms is None and not p.cut:
                open_ends.append(rect)
            if span.incident_id == selected_id:
                # Outlined whole, over whatever hides its end.
                selected = QRectF(rect.left(), rect.top(), p.end_x - p.x0, rect.height())
        painter.setPen(Qt.PenStyle.NoPen)
        for look, rects in by_look.items():
            if look == 0:
                painter.setBrush(EXERCISE_TINT)
                painter.drawRects(rects)
                painter.setBrush(QBrush(EXERCISE_COLOUR, Qt.BrushStyle.BDiagPattern))
            else:
                painter.setBrush(severity_colour(look))
            painter.drawRects(rects)
        # Still open: an arrow at the right end says it goes on.
        painter.setBrush(QColor(255, 255, 255, 170))
        for rect in open_ends:
            x, top = rect.right(), rect.top()
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(x, top - 1),
                        QPointF(x + 5, top + LANE_H / 2),
                        QPointF(x, top + LANE_H + 1),
                    ]
                )
            )
        if selected is not None:
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(selected.adjusted(-1, -1, 1, 1))

    def _paint_unindexed(self, painter: QPainter, from_ms: int) -> None:
        x0 = self.x_of(from_ms)
        rect = QRectF(x0, FLAG_TOP, self.width - MARGIN - x0, self.height - FLAG_TOP)
        if rect.width() <= 1:
            return
        painter.fillRect(rect, QBrush(QColor(255, 255, 255, 28), Qt.BrushStyle.Dense6Pattern))
        painter.setPen(LABEL)
        painter.drawText(
            rect.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self.unindexed_text
        )

    def _paint_bookmarks(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for bookmark in self.bookmarks:
            if not self.lo <= bookmark.at_ms <= self.hi:
                continue
            x = self.x_of(bookmark.at_ms)
            if bookmark.kind == "annotation":
                rect = QRectF(x - 4, FLAG_TOP + 1, 9, FLAG_H - 2)
                painter.setPen(QPen(NOTE_COLOUR.darker(160), 1))
                painter.setBrush(NOTE_COLOUR)
                painter.drawRect(rect)
                painter.setPen(QPen(NOTE_COLOUR.darker(200), 1))
                for row in (4, 7):
                    painter.drawLine(
                        QPointF(rect.left() + 2, rect.top() + row),
                        QPointF(rect.right() - 2, rect.top() + row),
                    )
            else:
                rect = QRectF(x - 1, FLAG_TOP, 9, FLAG_H)
                painter.setPen(QPen(BOOKMARK_COLOUR, 1.5))
                painter.drawLine(QPointF(x, FLAG_TOP), QPointF(x, MARK_TOP + MARK_H))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(BOOKMARK_COLOUR)
                painter.drawPolygon(
                    QPolygonF(
                        [
                            QPointF(x, FLAG_TOP),
                            QPointF(x + 8, FLAG_TOP + 3.5),
                            QPointF(x, FLAG_TOP + 7),
                        ]
                    )
                )
            self.flags.append(Hit(rect.adjusted(-2, -1, 2, 1), bookmark=bookmark))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def span_rect(placed: Placed) -> QRectF:
    top = SPAN_TOP + placed.lane * (LANE_H + LANE_GAP)
    return QRectF(placed.x0, top, placed.x1 - placed.x0, LANE_H)


def _per_minute(counts: list[int], lo: int, hi: int) -> list[float]:
    """Readings per minute in each bin: bins hold whole minutes, some one more than others,
    which would otherwise show as stripes."""
    if (hi - lo) // MINUTE_MS > 20_000:
        return [float(c) for c in counts]
    minutes = [0] * len(counts)
    width = (hi - lo) / len(counts)
    first = lo // MINUTE_MS
    for minute in range(first, hi // MINUTE_MS + 1):
        centre = minute * MINUTE_MS + MINUTE_MS // 2
        if lo <= centre <= hi:
            minutes[min(int((centre - lo) / width), len(counts) - 1)] += 1
    return [c / m if m else 0.0 for c, m in zip(counts, minutes, strict=True)]


def _utc_offset_ms(ms: int) -> int:
    offset = local(ms).utcoffset() or timedelta(0)
    return int(offset.total_seconds() * 1000)
