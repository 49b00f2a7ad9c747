"""The shift hand-over report: what is still open at an instant, where each incident's
procedure stands, the last note on it, and the outgoing shift's figures, as one printable
HTML page (A4, inline CSS, Korean or English).

Pure and headless: ``build_handover`` folds events; ``render_html`` writes the page. Every text
that comes from people or files (summaries, notes, names, step titles) is escaped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from core.catalogue import CATALOGUE
from core.clock import Clock, SystemClock
from core.events import EventRecord, EventType
from core.model import STATUS_NAMES, Incident, IncidentStatus
from core.sop.library import ProcedureLibrary
from core.sop.progress import StepStatus, TimerLevel, progress
from core.state import CityState
from core.workload import (
    DEFAULT_PLAN,
    HOUR_MS,
    ShiftPlan,
    ShiftWindow,
    WorkFigures,
    WorkloadReport,
    compute_workload,
    format_duration,
    local_time,
    read_work_events,
)

HANDOVER_GRACE_MS = HOUR_MS // 2
"""A report made this soon after a shift change covers the shift that just ended (hand-over
happens across the change)."""

Pair = tuple[str, str]  # (Korean, English)


@dataclass(frozen=True, slots=True)
class TimerLine:
    """One golden-time timer of an open incident."""

    label: Pair
    level: TimerLevel
    elapsed_ms: int | None
    target_ms: int


@dataclass(frozen=True, slots=True)
class ProcedureLine:
    """Where an incident's procedure stands. ``available`` is False when this installation
    does not have the version the incident runs; then only the title is known."""

    procedure_id: str
    version: int
    title: Pair
    available: bool
    current: Pair | None = None
    overdue: tuple[Pair, ...] = ()
    timers: tuple[TimerLine, ...] = ()
    steps_total: int = 0
    steps_settled: int = 0  # done or skipped


@dataclass(frozen=True, slots=True)
class NoteLine:
    """The newest note on an incident."""

    ts_ms: int
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident still open at the report's instant."""

    id: str
    type_code: str
    severity: int
    status: IncidentStatus
    assignee: str | None
    opened_ms: int
    age_ms: int
    summary: str
    escalations: int
    procedure: ProcedureLine | None
    last_note: NoteLine | None

    def type_name(self, language: str) -> str:
        """The catalogue name of the incident's type (the code when unknown)."""
        entry = CATALOGUE.get(self.type_code)
        if entry is None:
            return self.type_code
        return entry.name_ko if language == "ko" else entry.name_en


@dataclass(frozen=True, slots=True)
class HandoverReport:
    """Everything on the hand-over page."""

    at_ms: int
    plan: ShiftPlan
    shift: ShiftWindow
    incidents: tuple[OpenIncident, ...]
    workload: WorkloadReport


def outgoing_shift(
    at_ms: int, plan: ShiftPlan = DEFAULT_PLAN, grace_ms: int = HANDOVER_GRACE_MS
) -> ShiftWindow:
    """The shift being handed over at ``at_ms``: the one on duty, or the one that ended less
    than ``grace_ms`` ago."""
    window = plan.window_at(at_ms)
    if at_ms - window.start_ms < grace_ms:
        return plan.window_at(window.start_ms - 1)
    return window


def build_handover(
    events: Iterable[EventRecord],
    at_ms: int,
    library: ProcedureLibrary | None = None,
    plan: ShiftPlan = DEFAULT_PLAN,
    grace_ms: int = HANDOVER_GRACE_MS,
) -> HandoverReport:
    """The hand-over at ``at_ms`` from ``events`` in log order (later events are ignored).

    ``library`` gives procedure definitions; without it (or without the version an incident
    runs) a procedure is reported as not available.
    """
    known = [r for r in events if r.ts_ms <= at_ms]
    state = CityState()
    notes: dict[str, NoteLine] = {}
    for record in known:
        state.apply(record)
        if record.type == EventType.INCIDENT_NOTE_ADDED and record.subject:
            text = str(record.payload.get("comment", ""))
            notes[record.subject] = NoteLine(record.ts_ms, record.actor, text)
    shift = outgoing_shift(at_ms, plan, grace_ms)
    workload = compute_workload(known, shift.start_ms, min(shift.end_ms, at_ms + 1), plan)
    open_incidents = sorted(
        (i for i in state.incidents.values() if i.status.is_open),
        key=lambda i: (i.severity, i.opened_ms, i.id),
    )
    rows = tuple(
        OpenIncident(
            id=i.id,
            type_code=i.type_code,
            severity=i.severity,
            status=i.status,
            assignee=i.assignee,
            opened_ms=i.opened_ms,
            age_ms=max(0, at_ms - i.opened_ms),
            summary=i.summary,
            escalations=i.escalations,
            procedure=_procedure_line(i, library, at_ms),
            last_note=notes.get(i.id),
        )
        for i in open_incidents
    )
    return HandoverReport(at_ms, plan, shift, rows, workload)


def _procedure_line(
    incident: Incident, library: ProcedureLibrary | None, at_ms: int
) -> ProcedureLine | None:
    run = incident.procedure
    if run is None:
        return None
    title = (run.title_ko, run.title_en)
    loaded = library.get(run.procedure_id, run.version) if library is not None else None
    same = (
        loaded is not None
        and loaded.procedure.version == run.version
        and (loaded.digest == run.digest or [s.id for s in loaded.procedure.step] == run.steps)
    )
    if loaded is None or not same:
        return ProcedureLine(run.procedure_id, run.version, title, available=False)
    view = progress(loaded.procedure, run, incident, at_ms)
    current = view.current
    settled = sum(1 for s in view.steps if s.record is not None)
    on_path = sum(1 for s in view.steps if s.status is not StepStatus.OFF_PATH)
    return ProcedureLine(
        run.procedure_id,
        run.version,
        title,
        available=True,
        current=(current.step.title_ko, current.step.title_en) if current else None,
        overdue=tuple((s.step.title_ko, s.step.title_en) for s in view.overdue),
        timers=tuple(
            TimerLine(
                (t.timer.label_ko, t.timer.label_en),
                t.level,
                t.elapsed_ms,
                int(t.timer.target_s * 1000),
            )
            for t in view.timers
        ),
        steps_total=on_path,
        steps_settled=settled,
    )


# -- rendering ----------------------------------------------------------------------------------

_TEXT: dict[str, Pair] = {
    "title": ("근무 인수인계 보고서", "Shift hand-over report"),
    "at": ("기준 시각", "As of"),
    "shift": ("인계 근무조", "Shift handed over"),
    "prepared": ("작성", "Prepared by"),
    "open": ("미결 사건", "Open incidents"),
    "none_open": ("미결 사건이 없습니다.", "No incidents are open."),
    "id": ("사건 번호", "Incident"),
    "type": ("유형", "Type"),
    "severity": ("심각도", "Severity"),
    "status": ("상태", "Status"),
    "assignee": ("담당자", "Assignee"),
    "opened": ("접수", "Reported"),
    "age": ("경과", "Age"),
    "summary": ("개요", "Summary"),
    "procedure": ("대응 절차", "Procedure"),
    "no_procedure": ("대응 절차 없음", "no procedure"),
    "unavailable": (
        "절차 버전을 사용할 수 없음 (이 설치본에 해당 버전이 없음)",
        "procedure version not available (this installation lacks it)",
    ),
    "current": ("현재 단계", "Current step"),
    "finished": ("모든 단계 완료", "all steps settled"),
    "overdue": ("지연 단계", "Overdue"),
    "timers": ("골든타임", "Timers"),
    "note": ("최근 메모", "Last note"),
    "no_note": ("메모 없음", "no notes"),
    "unassigned": ("미지정", "unassigned"),
    "escalated": ("상향", "escalated"),
    "figures": ("근무조 처리 실적", "The shift's figures"),
    "whole_shift": ("근무조 전체", "Whole shift"),
    "operator": ("상황요원", "Operator"),
    "handled": ("처리 사건", "Handled"),
    "resolved": ("해결", "Resolved"),
    "to_ack": ("접수→확인", "Report → acknowledged"),
    "to_video": ("접수→첫 영상", "Report → first video"),
    "to_packet": ("접수→첫 전파", "Report → first packet"),
    "median": ("중앙값", "median"),
    "p90": ("90백분위", "90th pct."),
    "skipped": ("건너뛴 단계 (필수)", "Skipped (mandatory)"),
    "duplicates": ("제외된 중복 사건", "Merged duplicates left out"),
    "settled": ("%1/%2 단계 처리", "%1 of %2 steps settled"),
    "escalations": ("상향 보고", "Escalations"),
    "reported": ("접수 사건", "Reported"),
    "waiting": ("미확인 상태로 인계", "Still unacknowledged"),
    "no_work": ("이 근무조에 처리 기록이 없습니다.", "No work was logged in this shift."),
    "sign_out": ("인계자 서명", "Handed over by"),
    "sign_in": ("인수자 서명", "Taken over by"),
    "footnote": (
        "소요 시간은 사건 접수부터 첫 확인·첫 영상 열람·첫 출동 또는 전파까지이며, 그 행위를 한 "
        "요원과 근무조에 집계합니다. 병합된 중복 사건은 제외합니다.",
        "Times run from the report to the first acknowledgement, first camera view and first "
        "dispatch or packet, and count for whoever did it, in the shift it happened. Merged "
        "duplicates are left out.",
    ),
    "generated": ("Cityroom 작성", "Generated by Cityroom"),
}

_SEVERITY: dict[int, Pair] = {
    1: ("긴급", "critical"),
    2: ("중요", "major"),
    3: ("경미", "minor"),
    4: ("정보", "info"),
}
_SEVERITY_COLOUR = {1: "#c62828", 2: "#d84315", 3: "#8d6e00", 4: "#546e7a"}

_LEVEL: dict[TimerLevel, Pair] = {
    TimerLevel.WAITING: ("대기", "waiting"),
    TimerLevel.OK: ("진행", "running"),
    TimerLevel.WARN: ("임박", "nearly due"),
    TimerLevel.OVER: ("초과", "over"),
    TimerLevel.MET: ("달성", "met"),
    TimerLevel.MISSED: ("미달", "missed"),
}
_LEVEL_COLOUR = {
    TimerLevel.WAITING: "#546e7a",
    TimerLevel.OK: "#2e7d32",
    TimerLevel.WARN: "#8d6e00",
    TimerLevel.OVER: "#c62828",
    TimerLevel.MET: "#2e7d32",
    TimerLevel.MISSED: "#c62828",
}

# A subset of CSS that both browsers and Qt's rich-text engine (used for the PDF) understand;
# widths and borders are also given as attributes, which Qt honours where it ignores the CSS.
_STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "Noto Sans CJK KR", "Malgun Gothic", "NanumGothic", "Apple SD Gothic Neo",
       sans-serif; font-size: 9pt; color: #1a1a1a; }
h1 { font-size: 16pt; margin-top: 0px; margin-bottom: 4px; }
h2 { font-size: 12pt; margin-top: 18px; margin-bottom: 6px; }
p.meta { margin-top: 0px; margin-bottom: 2px; color: #333333; }
table { border-collapse: collapse; width: 100%; }
th { background-color: #e4e8ee; text-align: left; font-weight: bold; }
th, td { border: 1px solid #9aa3ad; padding: 3px; vertical-align: top; }
td.num, th.num { text-align: right; }
th.group { text-align: center; }
table.figures th { font-size: 8pt; }
table.top, td.top { border: 0px; padding: 0px; }
tr.detail td { background-color: #f6f7f9; font-size: 8pt; }
tr { page-break-inside: avoid; }
span.label { color: #555555; }
span.late { color: #c62828; font-weight: bold; }
p.note { color: #555555; font-size: 8pt; margin-top: 10px; }
"""
_TABLE = 'width="100%" cellspacing="0" cellpadding="3" border="1"'


def _esc(text: str) -> str:
    """Escape text for HTML, keeping its line breaks."""
    return escape(text, quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def _nbsp(text: str) -> str:
    """Escaped text that never breaks across lines."""
    return _esc(text).replace(" ", "&nbsp;")


def _who(actor: str) -> str:
    """An actor as the panels show it: operators by their name alone."""
    return actor.removeprefix("operator:")


class _Page:
    def __init__(self, language: str, report: HandoverReport) -> None:
        self.language = language
        self.zone = report.plan.zone
        self.day = local_time(report.at_ms, self.zone)[:10]

    def t(self, key: str) -> str:
        """Fixed report text (trusted, but escaped anyway)."""
        return _esc(self.pick(_TEXT[key]))

    def pick(self, pair: Pair) -> str:
        return pair[0] if self.language == "ko" else pair[1]

    def time(self, ts_ms: int) -> str:
        """Full date and time."""
        return _esc(local_time(ts_ms, self.zone))

    def short_time(self, ts_ms: int) -> str:
        """The time alone on the report's day, else month, day and time."""
        text = local_time(ts_ms, self.zone)
        return _esc(text[11:] if text[:10] == self.day else text[5:])


def render_html(report: HandoverReport, language: str = "ko", prepared_by: str = "") -> str:
    """The report as one self-contained HTML page (``language`` "ko" or "en")."""
    page = _Page(language, report)
    shift = _esc(report.shift.label(language, page.zone))
    meta = [
        f'<span class="label">{page.t("at")}:</span> {page.time(report.at_ms)} '
        f"({_esc(report.plan.timezone)})",
        f'<span class="label">{page.t("shift")}:</span> {shift}',
    ]
    if prepared_by:
        meta.append(f'<span class="label">{page.t("prepared")}:</span> {_esc(prepared_by)}')
    # The sign-off box sits top right, as on Korean forms (결재란), where no page break can
    # split it.
    sign_off = (
        f'<table {_TABLE}><tr><th width="50%" class="group">{page.t("sign_out")}</th>'
        f'<th width="50%" class="group">{page.t("sign_in")}</th></tr>'
        "<tr><td>&nbsp;<br>&nbsp;<br>&nbsp;</td><td>&nbsp;<br>&nbsp;<br>&nbsp;</td></tr></table>"
    )
    parts = [
        f'<!DOCTYPE html>\n<html lang="{"ko" if language == "ko" else "en"}">\n<head>'
        '<meta charset="utf-8">',
        f"<title>{page.t('title')} — {shift}</title>",
        f"<style>{_STYLE}</style></head>\n<body>",
        '<table width="100%" cellspacing="0" cellpadding="0" border="0" class="top"><tr>'
        f'<td class="top" width="68%"><h1>{page.t("title")}</h1>'
        f'<p class="meta">{"<br>".join(meta)}</p></td>'
        f'<td class="top" width="32%">{sign_off}</td></tr></table>',
        f"<h2>{page.t('open')} ({len(report.incidents)})</h2>",
        _incident_table(page, report) if report.incidents else f"<p>{page.t('none_open')}</p>",
        f"<h2>{page.t('figures')} — {shift}</h2>",
        _figures_table(page, report.workload),
        f'<p class="note">{page.t("footnote")}<br>{page.t("generated")} · '
        f"{page.time(report.at_ms)}</p>",
        "</body>\n</html>\n",
    ]
    return "\n".join(parts)


_INCIDENT_COLUMNS = (
    ("id", "15%"),
    ("type", "17%"),
    ("severity", "13%"),
    ("status", "14%"),
    ("assignee", "15%"),
    ("opened", "14%"),
    ("age", "12%"),
)


def _incident_table(page: _Page, report: HandoverReport) -> str:
    head = "".join(
        f'<th width="{width}"{" class=num" if key == "age" else ""}>{page.t(key)}</th>'
        for key, width in _INCIDENT_COLUMNS
    )
    rows = [f'<table class="incidents" {_TABLE}>', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for incident in report.incidents:
        severity = incident.severity
        colour = _SEVERITY_COLOUR.get(severity, "#1a1a1a")
        severity_name = page.pick(_SEVERITY.get(severity, (str(severity), str(severity))))
        escalated = (
            f'<br><span class="late">{page.t("escalated")} ×{incident.escalations}</span>'
            if incident.escalations
            else ""
        )
        assignee = _who(incident.assignee) if incident.assignee else page.pick(_TEXT["unassigned"])
        rows.append(
            "<tr>"
            f"<td><b>{_esc(incident.id)}</b></td>"
            f"<td>{_esc(incident.type_name(page.language))}</td>"
            f'<td><span style="color: {colour}; font-weight: bold;">{severity} '
            f"{_esc(severity_name)}</span>{escalated}</td>"
            f"<td>{_esc(page.pick(STATUS_NAMES[incident.status]))}</td>"
            f"<td>{_esc(assignee)}</td>"
            f"<td>{page.short_time(incident.opened_ms).replace(' ', '&nbsp;')}</td>"
            f'<td class="num">{_nbsp(format_duration(incident.age_ms))}</td>'
            "</tr>"
        )
        rows.append(
            f'<tr class="detail"><td colspan="{len(_INCIDENT_COLUMNS)}">'
            f"{_details(page, incident)}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _details(page: _Page, incident: OpenIncident) -> str:
    lines: list[str] = []
    if incident.summary:
        lines.append(f'<span class="label">{page.t("summary")}:</span> {_esc(incident.summary)}')
    lines.extend(_procedure(page, incident))
    note = incident.last_note
    if note is None:
        lines.append(f'<span class="label">{page.t("note")}:</span> {page.t("no_note")}')
    else:
        lines.append(
            f'<span class="label">{page.t("note")} ({page.short_time(note.ts_ms)}, '
            f"{_esc(_who(note.actor))}):</span> {_esc(note.text)}"
        )
    return "<br>".join(lines)


def _procedure(page: _Page, incident: OpenIncident) -> list[str]:
    label = f'<span class="label">{page.t("procedure")}:</span>'
    line = incident.procedure
    if line is None:
        return [f"{label} {page.t('no_procedure')}"]
    head = f"{label} {_esc(page.pick(line.title))} (v{line.version})"
    if not line.available:
        return [f'{head} — <span class="late">{page.t("unavailable")}</span>']
    settled = page.pick(_TEXT["settled"]).replace("%1", str(line.steps_settled))
    lines = [f"{head} · {_esc(settled.replace('%2', str(line.steps_total)))}"]
    if line.current is not None:
        lines.append(
            f'<span class="label">{page.t("current")}:</span> {_esc(page.pick(line.current))}'
        )
    else:
        lines.append(page.t("finished"))
    if line.overdue:
        names = ", ".join(_esc(page.pick(s)) for s in line.overdue)
        lines.append(f'<span class="late">{page.t("overdue")}: {names}</span>')
    if line.timers:
        timers = " · ".join(_timer(page, t) for t in line.timers)
        lines.append(f'<span class="label">{page.t("timers")}:</span> {timers}')
    return lines


def _timer(page: _Page, timer: TimerLine) -> str:
    colour = _LEVEL_COLOUR[timer.level]
    level = _esc(page.pick(_LEVEL[timer.level]))
    elapsed = format_duration(timer.elapsed_ms) if timer.elapsed_ms is not None else "—"
    return (
        f"{_esc(page.pick(timer.label))} {_esc(elapsed)}/{_esc(format_duration(timer.target_ms))}"
        f' <span style="color: {colour}; font-weight: bold;">{level}</span>'
    )


def _skipped(figures: WorkFigures) -> str:
    """Skips, with the mandatory ones in brackets ("+?" where a procedure is unknown)."""
    if figures.skipped == 0:
        return "0"
    unknown = "" if figures.skipped_known == figures.skipped else "+?"
    return f"{figures.skipped} ({figures.skipped_mandatory}{unknown})"


def _figure_cells(figures: WorkFigures) -> str:
    cells = [str(figures.handled), str(figures.resolved)]
    for durations in (figures.to_acknowledge, figures.to_video, figures.to_packet):
        cells += [format_duration(durations.median_ms), format_duration(durations.p90_ms)]
    cells += [_skipped(figures), str(figures.escalations)]
    # Non-breaking spaces: Qt's rich text ignores "nowrap" and would break "20m 00s".
    return "".join(f'<td class="num">{_nbsp(c)}</td>' for c in cells)


def _figures_table(page: _Page, workload: WorkloadReport) -> str:
    median, p90 = page.t("median"), page.t("p90")
    first = (
        f'<tr><th rowspan="2">{page.t("operator")}</th>'
        f'<th rowspan="2" class="num">{page.t("handled")}</th>'
        f'<th rowspan="2" class="num">{page.t("resolved")}</th>'
        + "".join(
            f'<th colspan="2" class="group">{page.t(key)}</th>'
            for key in ("to_ack", "to_video", "to_packet")
        )
        + f'<th rowspan="2" class="num">{page.t("skipped")}</th>'
        f'<th rowspan="2" class="num">{page.t("escalations")}</th></tr>'
    )
    pair = f'<th class="num">{median}</th><th class="num">{p90}</th>'
    second = f"<tr>{pair * 3}</tr>"
    rows = [f'<table class="figures" {_TABLE}>', f"<thead>{first}{second}</thead><tbody>"]
    for actor, figures in workload.operators.items():
        rows.append(f"<tr><td>{_esc(_who(actor))}</td>{_figure_cells(figures)}</tr>")
    if not workload.operators:
        rows.append(f'<tr><td colspan="11">{page.t("no_work")}</td></tr>')
    rows.append(
        f"<tr><th>{_nbsp(page.pick(_TEXT['whole_shift']))}</th>{_figure_cells(workload.total)}</tr>"
        "</tbody></table>"
    )
    rows.append(
        f'<p class="meta"><span class="label">{page.t("reported")}:</span> {workload.reported}'
        f' &nbsp;·&nbsp; <span class="label">{page.t("waiting")}:</span> '
        f"{workload.unacknowledged} &nbsp;·&nbsp; "
        f'<span class="label">{page.t("duplicates")}:</span> {workload.duplicates}</p>'
    )
    return "\n".join(rows)


# -- from a log file ----------------------------------------------------------------------------


def parse_at(text: str, plan: ShiftPlan = DEFAULT_PLAN) -> int:
    """An instant for ``--at``: ISO-8601 with an offset, or without one in the plan's local
    time ("2026-01-05T15:00" is 15:00 in Seoul). Raises ValueError for other text."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=plan.zone)
    return int(moment.timestamp() * 1000)


def handover_from_log(
    path: str | os.PathLike[str],
    at_ms: int,
    library: ProcedureLibrary | None = None,
    plan: ShiftPlan = DEFAULT_PLAN,
) -> HandoverReport:
    """The hand-over at ``at_ms`` from the log at ``path`` (read-only; any thread). Without a
    ``library`` the built-in procedures are read."""
    if library is None:
        library = ProcedureLibrary()
        library.load()
    return build_handover(read_work_events(path, until_ms=at_ms), at_ms, library, plan)


def handover_html_cli(
    db: Path, out: Path, language: str, at_ms: int | None = None, clock: Clock | None = None
) -> int:
    """``main.py handover --out FILE.html``: write the page; the exit status."""
    when = at_ms if at_ms is not None else (clock or SystemClock()).now_ms()
    report = handover_from_log(db, when)
    try:
        out.write_text(render_html(report, language), encoding="utf-8")
    except OSError as error:
        print(f"cityroom handover: cannot write {out}: {error}", file=sys.stderr)
        return 1
    shift = report.shift.label("en", report.plan.zone)
    print(f"{out}: {len(report.incidents)} open incident(s); shift {shift}")
    return 0
