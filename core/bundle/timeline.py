"""What each event of an incident's timeline says, in Korean or English, for the after-action
report: a short name of the kind of event and its details as plain text (the page escapes it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from core.catalogue import CATALOGUE
from core.events import EventRecord, EventType

ET = EventType
Pair = tuple[str, str]  # (Korean, English)

EVENT_NAMES: dict[str, Pair] = {
    ET.INCIDENT_REPORTED: ("접수", "Reported"),
    ET.INCIDENT_ACKNOWLEDGED: ("확인", "Acknowledged"),
    ET.INCIDENT_ASSIGNED: ("할당", "Assigned"),
    ET.INCIDENT_STARTED: ("처리 시작", "Work started"),
    ET.INCIDENT_DISPATCHED: ("출동", "Dispatched"),
    ET.INCIDENT_RESOLVED: ("해결", "Resolved"),
    ET.INCIDENT_CLOSED: ("종결", "Closed"),
    ET.INCIDENT_ESCALATED: ("상향 보고", "Escalated"),
    ET.INCIDENT_REOPENED: ("재개", "Reopened"),
    ET.INCIDENT_MERGED: ("병합", "Merged"),
    ET.INCIDENT_NOTE_ADDED: ("메모", "Note"),
    ET.INCIDENT_OBSERVED: ("현장 관찰", "Observation"),
    ET.INCIDENT_LINKED: ("자원 연결", "Resources linked"),
    ET.CAMERA_VIEWED: ("영상 열람", "Camera viewed"),
    ET.EVIDENCE_CAPTURED: ("증거 저장", "Evidence saved"),
    ET.SITUATION_DETECTED: ("상황 감지", "Situation detected"),
    ET.PROCEDURE_STARTED: ("대응 절차 시작", "Procedure started"),
    ET.PROCEDURE_STEP_DONE: ("단계 완료", "Step done"),
    ET.PROCEDURE_STEP_SKIPPED: ("단계 건너뜀", "Step skipped"),
    ET.PROCEDURE_TIMER_STARTED: ("타이머 시작", "Timer started"),
    ET.PACKET_REFUSED: ("전파 거부", "Packet refused"),
    ET.PACKET_QUEUED: ("전파 대기", "Packet queued"),
    ET.PACKET_ATTEMPT_FAILED: ("전송 재시도", "Delivery attempt failed"),
    ET.PACKET_SENT: ("전파 송신", "Packet sent"),
    ET.PACKET_DELIVERED: ("수신 확인", "Packet delivered"),
    ET.PACKET_ACKNOWLEDGED: ("기관 응답", "Agency acknowledged"),
    ET.PACKET_FAILED: ("전파 실패", "Packet failed"),
    ET.REPLAY_BOOKMARKED: ("책갈피", "Bookmark"),
    ET.REPLAY_ANNOTATED: ("주석", "Annotation"),
    ET.SENSOR_READING: ("센서 측정", "Sensor reading"),
}

_WORDS: dict[str, Pair] = {
    "severity": ("심각도", "severity"),
    "reference": ("참조", "reference"),
    "to": ("담당", "to"),
    "agencies": ("기관", "agencies"),
    "into": ("병합 대상", "into"),
    "cameras": ("카메라", "cameras"),
    "sensors": ("센서", "sensors"),
    "purpose": ("목적", "purpose"),
    "open": ("열기", "opened"),
    "close": ("닫기", "closed"),
    "rule": ("규칙", "rule"),
    "level": ("단계", "level"),
    "answer": ("응답", "answer"),
    "reason": ("사유", "reason"),
    "attempt": ("시도", "attempt"),
    "retry": ("재시도", "next try"),
    "receipt": ("수신증", "receipt"),
    "redacted": ("가림 처리", "blurred"),
    "marks": ("표시 시각", "marks"),
}


def event_name(type_: str, language: str) -> str:
    """The short name of an event type (the type itself when unknown)."""
    pair = EVENT_NAMES.get(type_)
    if pair is None:
        return type_
    return pair[0] if language == "ko" else pair[1]


class Details:
    """Turns an event into its details line. ``step_title`` names a procedure step;
    ``when`` formats a time."""

    def __init__(
        self,
        language: str,
        when: Callable[[int], str],
        step_title: Callable[[str], str] | None = None,
    ) -> None:
        self.language = language
        self.when = when
        self.step_title = step_title or (lambda step: step)

    def word(self, key: str) -> str:
        pair = _WORDS[key]
        return pair[0] if self.language == "ko" else pair[1]

    def pick(self, payload: Mapping[str, Any], ko: str, en: str) -> str:
        """The payload's text in the report's language, else the other one."""
        first, second = (ko, en) if self.language == "ko" else (en, ko)
        return str(payload.get(first) or payload.get(second) or "")

    def of(self, record: EventRecord) -> str:
        """The details of one event as plain text."""
        try:
            payload = record.payload
        except ValueError:
            return record.payload_json[:200]
        handler = _HANDLERS.get(record.type)
        parts = handler(self, payload) if handler is not None else [_generic(payload)]
        comment = str(payload.get("comment", "")).strip()
        if comment and record.type != ET.INCIDENT_REPORTED:
            parts.append(comment)
        return " · ".join(p for p in parts if p)


def _generic(payload: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in payload.items() if k not in ("incident_id", "body", "packet")}
    text = json.dumps(shown, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:199] + "…"


def _type_name(code: str, language: str) -> str:
    entry = CATALOGUE.get(code)
    if entry is None:
        return code
    return entry.name_ko if language == "ko" else entry.name_en


def _reported(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [
        _type_name(str(p.get("type_code", "")), d.language),
        f"{d.word('severity')} {p.get('severity')}",
        str(p.get("summary", "")),
    ]
    if p.get("reference"):
        parts.append(f"{d.word('reference')} {p['reference']}")
    return parts


def _linked(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = []
    if p.get("cameras"):
        parts.append(f"{d.word('cameras')}: {', '.join(map(str, p['cameras']))}")
    if p.get("sensors"):
        parts.append(f"{d.word('sensors')}: {', '.join(map(str, p['sensors']))}")
    return parts


def _camera(d: Details, p: Mapping[str, Any]) -> list[str]:
    action = str(p.get("action", "open"))
    name = d.word(action) if action in ("open", "close") else action
    return [f"{p.get('camera_id', '')} {name}", f"{d.word('purpose')}: {p.get('purpose', '')}"]


def _evidence(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [
        f"{p.get('kind', '')} {p.get('camera_id', '')}",
        str(p.get("path", "")).replace("\\", "/").rsplit("/", 1)[-1],
        f"SHA-256 {str(p.get('sha256', ''))[:16]}…",
    ]
    if p.get("redacted"):
        parts.append(f"{d.word('redacted')}: {p['redacted']}")
    return parts


def _situation(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [d.pick(p, "summary_ko", "summary_en"), f"{d.word('rule')} {p.get('rule_id', '')}"]
    if p.get("level"):
        parts.append(f"{d.word('level')} {p['level']}")
    return parts


def _step(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [d.step_title(str(p.get("step_id", "")))]
    if p.get("answer"):
        parts.append(f"{d.word('answer')}: {p['answer']}")
    if p.get("note"):
        parts.append(str(p["note"]))
    if p.get("reason"):
        parts.append(f"{d.word('reason')}: {p['reason']}")
    return parts


def _packet(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [f"{p.get('agency_id', '')} {p.get('distribution_id', '')}".strip()]
    if p.get("format"):
        parts.append(str(p["format"]).upper())
    if p.get("attempt"):
        parts.append(f"{d.word('attempt')} {p['attempt']}")
    for key in ("reason", "detail", "note", "code"):
        if p.get(key):
            parts.append(str(p[key]))
    if p.get("reasons"):
        parts.append("; ".join(map(str, p["reasons"])))
    if p.get("receipt"):
        parts.append(f"{d.word('receipt')} {p['receipt']}")
    if isinstance(p.get("retry_at_ms"), int):
        parts.append(f"{d.word('retry')} {d.when(int(p['retry_at_ms']))}")
    return parts


def _mark(d: Details, p: Mapping[str, Any]) -> list[str]:
    parts = [str(p.get("label") or p.get("text") or "")]
    if isinstance(p.get("at_ms"), int):
        parts.append(f"{d.word('marks')} {d.when(int(p['at_ms']))}")
    return parts


_HANDLERS: dict[str, Callable[[Details, Mapping[str, Any]], list[str]]] = {
    ET.INCIDENT_REPORTED: _reported,
    ET.INCIDENT_ACKNOWLEDGED: lambda d, p: [],
    ET.INCIDENT_ASSIGNED: lambda d, p: [f"{d.word('to')} {p.get('assignee', '')}"],
    ET.INCIDENT_STARTED: lambda d, p: [],
    ET.INCIDENT_DISPATCHED: lambda d, p: [
        f"{d.word('agencies')}: {', '.join(map(str, p.get('agencies') or ()))}"
    ],
    ET.INCIDENT_RESOLVED: lambda d, p: [],
    ET.INCIDENT_CLOSED: lambda d, p: [],
    ET.INCIDENT_ESCALATED: lambda d, p: [f"{d.word('severity')} {p.get('severity')}"],
    ET.INCIDENT_REOPENED: lambda d, p: [],
    ET.INCIDENT_MERGED: lambda d, p: [f"{d.word('into')} {p.get('into_id', '')}"],
    ET.INCIDENT_NOTE_ADDED: lambda d, p: [],
    ET.INCIDENT_OBSERVED: lambda d, p: [d.pick(p, "text_ko", "text_en")],
    ET.INCIDENT_LINKED: _linked,
    ET.CAMERA_VIEWED: _camera,
    ET.EVIDENCE_CAPTURED: _evidence,
    ET.SITUATION_DETECTED: _situation,
    ET.PROCEDURE_STARTED: lambda d, p: [
        f"{d.pick(p, 'title_ko', 'title_en')} (v{p.get('version')})",
        str(p.get("reason", "")),
    ],
    ET.PROCEDURE_STEP_DONE: _step,
    ET.PROCEDURE_STEP_SKIPPED: _step,
    ET.PROCEDURE_TIMER_STARTED: lambda d, p: [str(p.get("timer_id", ""))],
    ET.PACKET_REFUSED: _packet,
    ET.PACKET_QUEUED: _packet,
    ET.PACKET_ATTEMPT_FAILED: _packet,
    ET.PACKET_SENT: _packet,
    ET.PACKET_DELIVERED: _packet,
    ET.PACKET_ACKNOWLEDGED: _packet,
    ET.PACKET_FAILED: _packet,
    ET.REPLAY_BOOKMARKED: _mark,
    ET.REPLAY_ANNOTATED: _mark,
}
