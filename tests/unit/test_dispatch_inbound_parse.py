"""Reading inbound messages: reports, location fixes and Acks, and refusing bad input clearly."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from core.dispatch.formats import (
    MAX_BODY_BYTES,
    AckMessage,
    InboundError,
    InboundReport,
    LocationFix,
    build_ack,
    parse_message,
    render,
)
from core.dispatch.model import (
    CONTENT_TYPES,
    CapCategory,
    CapSeverity,
    CircleArea,
    DistributionKind,
    DistributionStatus,
    Format,
    Packet,
    Point,
    PointArea,
    PolygonArea,
)
from core.sop.definitions import Recipient

DATA = Path(__file__).resolve().parents[1] / "data" / "dispatch"
SENT = 1_740_790_800_000  # 2025-03-01T10:00:00+09:00
XML = "application/xml"
JSON = "application/json"

AREAS = {
    "point": PointArea(at=Point(lat=37.4981, lon=127.0276)),
    "circle": CircleArea(centre=Point(lat=37.5561, lon=126.9723), radius_m=150),
    "polygon": PolygonArea(
        points=(
            Point(lat=37.530, lon=127.060),
            Point(lat=37.535, lon=127.060),
            Point(lat=37.535, lon=127.070),
            Point(lat=37.530, lon=127.070),
            Point(lat=37.530, lon=127.060),
        )
    ),
}


def make_packet(shape: str = "circle", **changes: Any) -> Packet:
    fields: dict[str, Any] = {
        "distribution_id": "uoc-20250301-0007",
        "incident_id": "inc-0301-0042",
        "agency_id": "police-seoul",
        "recipient": Recipient.POLICE,
        "sender_id": "uoc@seoul.go.kr",
        "sent_ms": SENT,
        "expires_ms": SENT + 3_600_000,
        "event_code": "P-ASL",
        "event_ko": "폭행",
        "event_en": "assault",
        "category": CapCategory.SECURITY,
        "severity": CapSeverity.SEVERE,
        "headline_ko": "강남역 폭행 용의자 도주",
        "summary_ko": "검은 점퍼 남성, 역삼역 방향 도보 도주",
        "area": AREAS[shape],
        "area_desc_ko": "서울 강남구 강남대로 396",
        "purpose": "범죄 수사",
        "legal_basis": "경찰청 MOU 2015.7",
    }
    fields.update(changes)
    return Packet(**fields)


def refused(body: bytes, content_type: str = XML) -> str:
    with pytest.raises(InboundError) as caught:
        parse_message(body, content_type)
    return caught.value.reason


# --- round trips of what the room renders ---------------------------------------------------


@pytest.mark.parametrize("shape", sorted(AREAS))
@pytest.mark.parametrize("fmt", [Format.CAP, Format.EDXL, Format.JSON])
def test_rendered_packets_read_back_as_reports(fmt: Format, shape: str) -> None:
    packet = make_packet(shape, status=DistributionStatus.EXERCISE, exercise=True)
    report = parse_message(render(packet, fmt), CONTENT_TYPES[fmt])
    assert isinstance(report, InboundReport)
    assert report.source_format == fmt.value
    assert report.reference == packet.distribution_id
    assert report.sender == packet.sender_id
    assert report.sent_ms == packet.sent_ms
    assert report.status is DistributionStatus.EXERCISE and report.exercise
    assert report.incident_type == "P-ASL"
    assert report.severity is CapSeverity.SEVERE
    assert report.incident_id == "inc-0301-0042"
    assert report.headline == packet.headline_ko and report.summary == packet.summary_ko
    assert report.area_desc == packet.area_desc_ko
    assert report.expires_ms == packet.expires_ms
    expected = {"point": (37.4981, 127.0276), "circle": (37.5561, 126.9723)}
    lat, lon = expected.get(shape, (37.5325, 127.065))
    assert report.lat == pytest.approx(lat, abs=1e-6)
    assert report.lon == pytest.approx(lon, abs=1e-6)
    if shape == "circle":
        assert report.radius_m == pytest.approx(150)
    if fmt is not Format.CAP:
        assert report.distribution_id == packet.distribution_id


@pytest.mark.parametrize("shape", sorted(AREAS))
def test_a_packet_sent_as_cot_reads_back_by_its_cityroom_detail(shape: str) -> None:
    packet = make_packet(shape, status=DistributionStatus.EXERCISE, exercise=True)
    report = parse_message(render(packet, Format.COT), CONTENT_TYPES[Format.COT])
    assert isinstance(report, InboundReport)
    assert report.source_format == "cot" and report.status is DistributionStatus.EXERCISE
    # The event's uid names the incident's marker; the packet is named in detail/cityroom.
    assert report.distribution_id == report.reference == packet.distribution_id
    assert report.sender == packet.sender_id and report.sent_ms == packet.sent_ms
    assert report.incident_type == "P-ASL" and report.incident_id == packet.incident_id
    assert report.headline == packet.headline_ko
    assert packet.summary_ko in report.summary
    assert report.expires_ms == packet.expires_ms


def test_a_foreign_cot_event_is_refused() -> None:
    body = re.sub(rb"\s*<cityroom [^>]*/>", b"", render(make_packet(), Format.COT), flags=re.S)
    assert "without Cityroom's detail" in refused(body)
    stale = render(make_packet(), Format.COT).replace(
        b'stale="2025-03-01T02', b'stale="2025-02-01T02'
    )
    assert refused(stale).startswith("not a valid CoT event: /event/@stale")


def test_an_update_reads_back_with_what_it_updates() -> None:
    update = make_packet(
        distribution_id="uoc-20250301-0008",
        kind=DistributionKind.UPDATE,
        references=("uoc-20250301-0007",),
    )
    body = render(update, Format.EDXL, reference_sent={"uoc-20250301-0007": SENT - 60_000})
    report = parse_message(body, XML)
    assert isinstance(report, InboundReport)
    assert report.msg_type == "Update" and report.references == ("uoc-20250301-0007",)


# --- the example files -----------------------------------------------------------------------


def test_a_112_cap_report() -> None:
    report = parse_message((DATA / "cap-report-112.xml").read_bytes(), "application/cap+xml")
    assert isinstance(report, InboundReport)
    assert report.incident_type == "P-ASL"
    assert report.reference == "KNPA-112-20250301-000417"
    assert report.sender == "112@police.example.kr"
    assert report.incident_id == "112-2025-0301-0417"
    assert report.status is DistributionStatus.ACTUAL and not report.exercise
    assert (report.lat, report.lon, report.radius_m) == (37.498095, 127.02761, 50.0)
    assert report.sent_ms == 1_740_831_245_000  # 2025-03-01T21:14:05+09:00
    assert report.summary.startswith("남성 2명이")


def test_an_edxl_ack_file() -> None:
    ack = parse_message((DATA / "edxl-ack.xml").read_bytes(), XML)
    assert isinstance(ack, AckMessage)
    assert ack.acked_ids == ("uoc-20250301-f-fire-0001",)
    assert ack.sender == "119@fire.example.kr" and ack.agency_id == "fire-seoul"
    assert ack.note.startswith("접수 완료")


def test_json_location_fix_and_report_files() -> None:
    fix = parse_message((DATA / "location-fix.json").read_bytes(), JSON)
    assert fix == LocationFix(
        reference="SKT-LBS-20250301-88213",
        lat=37.55612,
        lon=126.97231,
        accuracy_m=150.0,
        fixed_ms=1_740_805_331_000,
        subject="PERSON-5d1c0e7a",
        operator="SKT",
        incident_id="inc-v-miss-0301",
    )
    report = parse_message((DATA / "report-119.json").read_bytes(), JSON)
    assert isinstance(report, InboundReport)
    assert report.incident_type == "F-FIRE"
    assert report.severity is CapSeverity.EXTREME  # the catalogue's severity 1
    assert report.event == "화재"


# --- Acks ------------------------------------------------------------------------------------


def ack_body(status: DistributionStatus = DistributionStatus.ACTUAL, note: str = "") -> bytes:
    return build_ack(
        acked_distribution_id="uoc-20250301-0007",
        acked_sender_id="uoc@seoul.go.kr",
        acked_sent_ms=SENT,
        sender_id="112@police.example.kr",
        agency_id="police-seoul",
        sent_ms=SENT + 4_000,
        note=note,
        status=status,
    )


def test_acks_from_build_ack_read_back() -> None:
    ack = parse_message(ack_body(DistributionStatus.EXERCISE, "지령 하달"), XML)
    assert isinstance(ack, AckMessage)
    assert ack.acked_ids == ("uoc-20250301-0007",)
    assert ack.sender == "112@police.example.kr" and ack.agency_id == "police-seoul"
    assert ack.sent_ms == SENT + 4_000 and ack.note == "지령 하달"
    assert ack.status is DistributionStatus.EXERCISE
    # The same Ack sent twice keeps its id, so the room sees a duplicate, not a new Ack.
    again = parse_message(ack_body(DistributionStatus.EXERCISE, "지령 하달"), XML)
    assert isinstance(again, AckMessage) and again.ack_id == ack.ack_id


def test_a_bare_cap_ack_reads_back() -> None:
    alert = etree.fromstring(ack_body()).find(".//{urn:oasis:names:tc:emergency:cap:1.2}alert")
    body = etree.tostring(alert, xml_declaration=True, encoding="UTF-8")
    ack = parse_message(body, "application/cap+xml")
    assert isinstance(ack, AckMessage)
    assert ack.acked_ids == ("uoc-20250301-0007",) and ack.agency_id is None


def test_a_json_ack() -> None:
    body = json.dumps(
        {
            "kind": "ack",
            "ack_id": "A-1",
            "sender": "disaster@ndms.example.kr",
            "sent": "2025-03-01T10:00:05+09:00",
            "acked": ["uoc-20250301-0007", "uoc-20250301-0007"],
        }
    ).encode()
    ack = parse_message(body, JSON)
    assert isinstance(ack, AckMessage) and ack.acked_ids == ("uoc-20250301-0007",)


def test_an_ack_that_names_nothing_is_refused() -> None:
    body = re.sub(rb"\s*<references>.*</references>", b"", ack_body())
    body = re.sub(rb"\s*<keyword>.*?</keyword>", b"", body, flags=re.S)
    assert "what it acknowledges" in refused(body)


# --- inbound reports without our code --------------------------------------------------------


def report_alert(**swap: str) -> bytes:
    body = (DATA / "cap-report-112.xml").read_bytes()
    for old, new in swap.items():
        body = body.replace(old.encode(), new.encode())
    return body


def test_without_an_event_code_the_event_name_or_category_decides() -> None:
    no_code = re.sub(rb"\s*<eventCode>.*?</eventCode>", b"", report_alert(), flags=re.S)
    report = parse_message(no_code, XML)  # event 폭행 is the catalogue's P-ASL
    assert isinstance(report, InboundReport) and report.incident_type == "P-ASL"
    fire = no_code.replace("폭행".encode(), "상가 화재".encode()).replace(b"Security", b"Fire")
    report = parse_message(fire, XML)
    assert isinstance(report, InboundReport) and report.incident_type == "F-FIRE"
    unknown = no_code.replace("폭행".encode(), "소란".encode())
    assert "cannot tell the incident type" in refused(unknown)


def test_a_polygon_report_is_placed_at_its_centre() -> None:
    ring = "37.50,127.02 37.50,127.04 37.52,127.04 37.52,127.02 37.50,127.02"
    body = report_alert(
        **{"<circle>37.498095,127.027610 0.05</circle>": f"<polygon>{ring}</polygon>"}
    )
    report = parse_message(body, XML)
    assert isinstance(report, InboundReport)
    assert (report.lat, report.lon) == (pytest.approx(37.51), pytest.approx(127.03))
    assert report.radius_m == pytest.approx(1400, rel=0.1)


def test_test_status_is_kept_and_draft_is_refused() -> None:
    report = parse_message(report_alert(**{"<status>Actual": "<status>Test"}), XML)
    assert isinstance(report, InboundReport) and report.status is DistributionStatus.TEST
    assert "only Actual, Exercise and Test" in refused(report_alert(**{"Actual": "Draft"}))


# --- bad input, each with its reason ---------------------------------------------------------


def test_not_well_formed_xml() -> None:
    reason = refused((DATA / "cap-malformed.xml").read_bytes())
    assert reason.startswith("not well-formed XML at line 7")


def test_a_schema_problem_names_its_line_and_element() -> None:
    reason = refused((DATA / "cap-missing-status.xml").read_bytes())
    assert reason.startswith("not a valid CAP 1.2 alert: line 6, /alert/msgType:")
    assert "Expected is ( cap:status )" in reason


def test_a_wrong_namespace() -> None:
    body = report_alert(**{"urn:oasis:names:tc:emergency:cap:1.2": "urn:oasis:cap:1.1"})
    assert refused(body).startswith("wrong namespace or root")


def test_an_entity_bomb_is_refused_without_expanding_it() -> None:
    started = time.perf_counter()
    reason = refused((DATA / "xml-entity-bomb.xml").read_bytes())
    assert "DOCTYPE" in reason and "never expanded" in reason
    assert time.perf_counter() - started < 1.0


def test_external_entities_are_refused() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier>'
        b"</alert>"
    )
    assert "DOCTYPE" in refused(body)
    utf16 = body.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    assert "DOCTYPE" in refused(utf16.encode("utf-16"))


def test_an_oversized_body() -> None:
    body = b"<alert>" + b" " * MAX_BODY_BYTES + b"</alert>"
    assert refused(body).startswith("message too large")


@pytest.mark.parametrize(
    ("swap", "expected"),
    [
        ({"37.498095,127.027610 0.05": "137.498095,127.027610 0.05"}, "coordinates out of range"),
        ({"37.498095,127.027610 0.05": "37.498095;127.027610 0.05"}, "is not a 'lat,lon' pair"),
        ({"<eventCode>": "<eventCode>", ">P-ASL<": ">P-XYZ<"}, "unknown incident type 'P-XYZ'"),
    ],
)
def test_bad_values_in_a_cap_report(swap: dict[str, str], expected: str) -> None:
    assert expected in refused(report_alert(**swap))


def test_a_report_without_a_place() -> None:
    body = re.sub(rb"\s*<circle>.*</circle>", b"", report_alert())
    assert "no area with a circle or polygon" in refused(body)


def test_an_exercise_envelope_around_an_actual_alert_is_refused() -> None:
    packet = make_packet(status=DistributionStatus.EXERCISE, exercise=True)
    body = render(packet, Format.EDXL).replace(b"<status>Exercise", b"<status>Actual")
    assert "an exercise is never sent as Actual" in refused(body)


def test_an_edxl_envelope_with_foreign_content_is_refused() -> None:
    body = render(make_packet(), Format.EDXL)
    body = re.sub(
        rb"<alert .*</alert>", b'<message xmlns="urn:emergency:cisu:2.0"/>', body, flags=re.S
    )
    reason = refused(body)
    assert reason.startswith("not a valid EDXL-DE 2.0 distribution")
    assert "strict wildcard" in reason


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"lat": 37.5}, 'missing or unknown "kind"'),
        (
            {**json.loads((DATA / "location-fix.json").read_text()), "lon": -181},
            "coordinates out of range: lon -181",
        ),
        (
            {
                k: v
                for k, v in json.loads((DATA / "location-fix.json").read_text()).items()
                if k != "subject"
            },
            "subject: Field required",
        ),
        (
            {**json.loads((DATA / "location-fix.json").read_text()), "phone": "010-1234-5678"},
            "phone: Extra inputs are not permitted",
        ),
        (
            {**json.loads((DATA / "location-fix.json").read_text()), "fixed_at": "14:02"},
            "fixed_at",
        ),
        (
            {**json.loads((DATA / "report-119.json").read_text()), "incident_type": "FIRE"},
            "unknown incident type 'FIRE'",
        ),
    ],
)
def test_bad_json(doc: dict[str, Any], expected: str) -> None:
    assert expected in refused(json.dumps(doc).encode(), JSON)


def test_the_out_of_range_fix_file() -> None:
    reason = refused((DATA / "location-fix-out-of-range.json").read_bytes(), JSON)
    assert reason.startswith("coordinates out of range: lat 137.55612")


def test_not_json_and_unknown_content_types() -> None:
    assert refused(b'{"kind": "report",', JSON).startswith("not JSON: line 1")
    assert refused(b"[1, 2]", JSON).startswith("a JSON message is an object")
    assert "unsupported content type 'text/plain'" in refused(b"hello", "text/plain")
    # Without a content type the first byte decides.
    fix = parse_message((DATA / "location-fix.json").read_bytes(), "")
    assert isinstance(fix, LocationFix)


def test_a_cityroom_packet_with_a_broken_packet_is_refused() -> None:
    doc = json.loads(render(make_packet(), Format.JSON))
    doc["packet"]["area"]["centre"]["lat"] = 123.0
    reason = refused(json.dumps(doc).encode(), JSON)
    assert reason.startswith("not a valid cityroom-packet: packet.area.circle.centre.lat")
