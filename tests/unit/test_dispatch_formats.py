"""Rendering packets as CAP 1.2, EDXL-DE 2.0, JSON and CoT, and validating what would be sent."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from lxml import etree

from core.dispatch.formats import Problem, not_expired, render, validate
from core.dispatch.formats.json_format import SCHEMA_FILE, schema_text
from core.dispatch.model import (
    Attachment,
    AttachmentKind,
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
    RelatedKind,
    RelatedObject,
)
from core.sop.definitions import DataClass, Recipient

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "resources" / "schemas"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
DE = "urn:oasis:names:tc:emergency:EDXL:DE:2.0"
NS = {"cap": CAP, "de": DE}
SEOUL = (126.76, 37.41, 127.19, 37.72)  # min_lon, min_lat, max_lon, max_lat
SENT = 1_740_790_800_000  # 2025-03-01T10:00:00+09:00
HOUR = 3_600_000

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


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[Path, Attachment]:
    """A real small JPEG in an evidence folder, and the still attachment naming it."""
    image = np.zeros((48, 64, 3), np.uint8)
    cv2.rectangle(image, (8, 8), (40, 30), (0, 0, 255), -1)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    data = encoded.tobytes()
    folder = tmp_path / "evidence"
    (folder / "stills").mkdir(parents=True)
    (folder / "stills" / "cam-7.jpg").write_bytes(data)
    still = Attachment(
        kind=AttachmentKind.STILL,
        description="CCTV-7 현장 정지영상",
        mime="image/jpeg",
        camera_id="cam-7",
        path="stills/cam-7.jpg",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
    return folder, still


def live_link(expires_ms: int = SENT + 10 * 60_000) -> Attachment:
    return Attachment(
        kind=AttachmentKind.LIVE_LINK,
        description="CCTV-7 실시간 영상",
        mime="application/vnd.apple.mpegurl",
        camera_id="cam-7",
        uri="https://uoc.example.kr/live/cam-7.m3u8?token=4f2a",
        expires_ms=expires_ms,
    )


def make_packet(shape: str = "circle", **changes: Any) -> Packet:
    """A fire dispatch to the fire service, with a route and a pseudonymised plate."""
    fields: dict[str, Any] = {
        "distribution_id": "uoc-20250301-0007",
        "incident_id": "inc-0301-0042",
        "agency_id": "fire-gangnam",
        "recipient": Recipient.FIRE,
        "sender_id": "uoc@seoul.go.kr",
        "sent_ms": SENT,
        "expires_ms": SENT + HOUR,
        "event_code": "F-FIRE",
        "event_ko": "화재",
        "event_en": "fire",
        "category": CapCategory.FIRE,
        "severity": CapSeverity.EXTREME,
        "headline_ko": "역삼동 상가 화재, 진입로 불법주정차",
        "summary_ko": "3층 음식점에서 연기. 이면도로 폭 3.5 m, 주차차량 4대.",
        "requested_action_ko": "출동 및 진입로 확보",
        "area": AREAS[shape],
        "area_desc_ko": "서울 강남구 역삼동 테헤란로 322",
        "district_code": "11680",
        "route": (Point(lat=37.4990, lon=127.0330), Point(lat=37.5000, lon=127.0360)),
        "related": (RelatedObject(kind=RelatedKind.PLATE, pseudonym="PLATE-7f3a9c2e"),),
        "attachments": (live_link(),),
        "data_classes": (
            DataClass.SUMMARY,
            DataClass.VIDEO_LINK,
            DataClass.ROUTE,
            DataClass.PLATE,
        ),
        "purpose": "화재 진압 및 인명 구조",
        "legal_basis": "소방청 MOU 2015.9",
        "operator": "operator:kim",
    }
    fields.update(changes)
    return Packet(**fields)


def with_still(packet: Packet, still: Attachment) -> Packet:
    return packet.model_copy(
        update={
            "attachments": (still, *packet.attachments),
            "data_classes": (*packet.data_classes, DataClass.STILL),
        }
    )


def wheres(problems: list[Problem]) -> list[str]:
    return [p.where for p in problems]


# --- every format, every area shape --------------------------------------------------------


@pytest.mark.parametrize("shape", sorted(AREAS))
@pytest.mark.parametrize("fmt", list(Format))
def test_each_format_renders_and_validates_with_a_still(
    fmt: Format, shape: str, evidence: tuple[Path, Attachment]
) -> None:
    folder, still = evidence
    packet = with_still(make_packet(shape), still)
    body = render(packet, fmt, attachments_dir=folder)
    assert validate(packet, body, fmt, bounds=SEOUL, attachments_dir=folder) == []


@pytest.mark.parametrize("fmt", [Format.CAP, Format.EDXL])
def test_the_still_is_embedded_with_cap_digests(
    fmt: Format, evidence: tuple[Path, Attachment]
) -> None:
    folder, still = evidence
    data = (folder / "stills" / "cam-7.jpg").read_bytes()
    body = render(with_still(make_packet(), still), fmt, attachments_dir=folder)
    resource = etree.fromstring(body).find(".//cap:resource", NS)
    assert resource is not None
    assert base64.b64decode(resource.findtext("cap:derefUri", namespaces=NS)) == data
    assert resource.findtext("cap:digest", namespaces=NS) == hashlib.sha1(data).hexdigest()
    assert f"sha256:{still.sha256}" in resource.findtext("cap:resourceDesc", namespaces=NS)
    assert resource.findtext("cap:size", namespaces=NS) == str(len(data))


def test_without_the_evidence_folder_the_still_travels_as_its_digest_only(
    evidence: tuple[Path, Attachment],
) -> None:
    _, still = evidence
    packet = with_still(make_packet(), still)
    body = render(packet, Format.CAP)
    assert b"derefUri" not in body and still.sha256.encode() in body
    assert validate(packet, body, Format.CAP) == []


def test_cap_output_is_valid_against_the_official_schema_file_itself() -> None:
    xsd = SCHEMAS / "cap-1.2" / "CAP-v1.2.xsd"
    # The vendored OASIS file is unchanged.
    assert hashlib.sha256(xsd.read_bytes()).hexdigest() == (
        "b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723"
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    schema = etree.XMLSchema(etree.parse(str(xsd), parser))
    for shape in AREAS:
        body = render(make_packet(shape), Format.CAP)
        assert schema.validate(etree.fromstring(body, parser)), schema.error_log


def test_cap_carries_the_profile_facts() -> None:
    alert = etree.fromstring(render(make_packet("point"), Format.CAP))
    info = alert.find("cap:info", NS)
    assert alert.findtext("cap:sent", namespaces=NS) == "2025-03-01T10:00:00+09:00"
    assert alert.findtext("cap:scope", namespaces=NS) == "Restricted"
    assert "소방청 MOU 2015.9" in alert.findtext("cap:restriction", namespaces=NS)
    assert alert.findtext("cap:addresses", namespaces=NS) == "fire-gangnam"
    assert alert.findtext("cap:incidents", namespaces=NS) == "inc-0301-0042"
    assert info.findtext("cap:language", namespaces=NS) == "ko-KR"
    assert info.findtext("cap:eventCode/cap:value", namespaces=NS) == "F-FIRE"
    assert info.findtext("cap:area/cap:circle", namespaces=NS) == "37.498100,127.027600 0"
    params = {
        p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
        for p in info.findall("cap:parameter", NS)
    }
    assert params["cityroom:route"] == "37.499000,127.033000 37.500000,127.036000"
    assert params["cityroom:related:plate"] == "PLATE-7f3a9c2e"
    assert params["cityroom:legal-basis"] == "소방청 MOU 2015.9"
    assert params["cityroom:district-code"] == "11680"


def test_edxl_envelope_addresses_the_agency_and_places_the_incident() -> None:
    root = etree.fromstring(render(make_packet("polygon"), Format.EDXL))
    assert root.findtext("de:distributionKind", namespaces=NS) == "Dispatch"
    address = root.find("de:descriptor/de:explicitAddress", NS)
    assert address.findtext("de:explicitAddressScheme", namespaces=NS) == "urn:cityroom:agency"
    assert address.findtext("de:explicitAddressValue", namespaces=NS) == "fire-gangnam"
    assert root.findtext("de:descriptor/de:incidentID", namespaces=NS) == "inc-0301-0042"
    pos = root.findtext(".//{http://www.opengis.net/gml/3.2}posList")
    assert pos.split()[:2] == ["37.530000", "127.060000"]
    assert root.find(".//de:embeddedXMLContent/cap:alert", NS) is not None


# --- schema validation can fail ------------------------------------------------------------


def test_a_broken_cap_document_is_refused_naming_the_element() -> None:
    packet = make_packet()
    body = re.sub(rb"\s*<status>Actual</status>", b"", render(packet, Format.CAP))
    problems = validate(packet, body, Format.CAP)
    schema = [p for p in problems if "line" in p.message]
    assert schema and schema[0].where == "/alert/msgType"
    assert "Expected is ( cap:status )" in schema[0].message
    assert any(p.where == "/alert/status" for p in problems)  # and the profile misses it


def test_a_broken_alert_inside_edxl_is_refused_at_its_path() -> None:
    packet = make_packet()
    body = render(packet, Format.EDXL).replace(b"<urgency>Immediate</urgency>\n", b"", 2)
    body = body.replace(b"<severity>Extreme</severity>", b"<severity>Dire</severity>")
    problems = validate(packet, body, Format.EDXL)
    where = "/edxlDistribution/content/contentObject/contentXML/embeddedXMLContent/alert"
    assert any(p.where.startswith(where + "/info/") for p in problems), problems
    assert any(p.where == "/edxlDistribution/descriptor/severity" for p in problems)


def test_not_well_formed_xml_is_a_problem_not_a_crash() -> None:
    packet = make_packet()
    problems = validate(packet, render(packet, Format.CAP)[:-40], Format.CAP)
    assert problems and problems[-1].where == "/"
    assert "not well-formed" in problems[-1].message


# --- exercise, update, cancel --------------------------------------------------------------


def exercise_packet() -> Packet:
    return make_packet(status=DistributionStatus.EXERCISE, exercise=True)


@pytest.mark.parametrize("fmt", list(Format))
def test_an_exercise_says_exercise_in_every_layer(fmt: Format) -> None:
    packet = exercise_packet()
    body = render(packet, fmt)
    assert validate(packet, body, fmt) == []
    assert b"Actual" not in body
    assert b"Exercise" in body


@pytest.mark.parametrize(
    ("fmt", "said", "where"),
    [
        (Format.CAP, (b"<status>Exercise", b"<status>Actual"), "/alert/status"),
        (
            Format.EDXL,
            (b"<distributionStatus>Exercise", b"<distributionStatus>Actual"),
            "/edxlDistribution/distributionStatus",
        ),
        (
            Format.EDXL,
            (b"<status>Exercise", b"<status>Actual"),
            "/edxlDistribution/content/contentObject/contentXML/embeddedXMLContent/alert/status",
        ),
        (Format.COT, (b'opex="e"', b'opex="o"'), "/event/@opex"),
        (Format.JSON, (b'"status":"Exercise"', b'"status":"Actual"'), "/packet/status"),
    ],
)
def test_an_exercise_marked_actual_anywhere_is_refused(
    fmt: Format, said: tuple[bytes, bytes], where: str
) -> None:
    packet = exercise_packet()
    body = render(packet, fmt).replace(*said)
    problems = validate(packet, body, fmt)
    assert where in wheres(problems), problems
    assert any("Exercise" in p.message for p in problems if p.where == where)


def test_an_update_refers_to_the_earlier_packet_with_its_sent_time() -> None:
    earlier = SENT - 20 * 60_000
    update = make_packet(
        distribution_id="uoc-20250301-0008",
        kind=DistributionKind.UPDATE,
        references=("uoc-20250301-0007",),
    )
    for fmt in (Format.CAP, Format.EDXL):
        body = render(update, fmt, reference_sent={"uoc-20250301-0007": earlier})
        assert validate(update, body, fmt) == []
        alert = etree.fromstring(body)
        alert = alert if alert.tag.endswith("alert") else alert.find(".//cap:alert", NS)
        assert alert.findtext("cap:msgType", namespaces=NS) == "Update"
        assert alert.findtext("cap:references", namespaces=NS) == (
            "uoc@seoul.go.kr,uoc-20250301-0007,2025-03-01T09:40:00+09:00"
        )


def test_an_update_without_the_earlier_sent_time_is_reported() -> None:
    update = make_packet(
        distribution_id="uoc-20250301-0008",
        kind=DistributionKind.UPDATE,
        references=("uoc-20250301-0007",),
    )
    problems = validate(update, render(update, Format.CAP), Format.CAP)
    assert wheres(problems) == ["/alert/references"]
    assert "reference_sent" in problems[0].message


def test_a_cancel_renders_in_every_format_and_its_marker_goes_stale_at_once() -> None:
    cancel = make_packet(
        distribution_id="uoc-20250301-0009",
        kind=DistributionKind.CANCEL,
        references=("uoc-20250301-0007",),
    )
    times = {"uoc-20250301-0007": SENT - HOUR // 2}
    for fmt in Format:
        body = render(cancel, fmt, reference_sent=times)
        assert validate(cancel, body, fmt) == [], fmt
    event = etree.fromstring(render(cancel, Format.COT))
    assert event.get("stale") == event.get("start")
    assert b"<msgType>Cancel</msgType>" in render(cancel, Format.CAP, reference_sent=times)


# --- the profile rules, each failing -------------------------------------------------------


def test_empty_texts_are_refused() -> None:
    packet = make_packet().model_copy(update={"headline_ko": "  ", "area_desc_ko": " "})
    problems = validate(packet, render(packet, Format.CAP), Format.CAP)
    assert {"packet.headline_ko", "packet.area_desc_ko"} <= set(wheres(problems))
    assert "/alert/info/headline" in wheres(problems)


def test_a_packet_must_expire_after_it_is_sent() -> None:
    packet = make_packet().model_copy(update={"expires_ms": SENT + 400})  # same second
    problems = validate(packet, render(packet, Format.EDXL), Format.EDXL)
    assert "packet.expires_ms" in wheres(problems)
    assert "/edxlDistribution/dateTimeExpires" in wheres(problems)


def test_not_expired_helper() -> None:
    packet = make_packet()
    assert not_expired(packet, SENT + 1000) == []
    late = not_expired(packet, SENT + 2 * HOUR)
    assert wheres(late) == ["packet.expires_ms"] and "compose it again" in late[0].message


@pytest.mark.parametrize(
    ("shape", "move", "where"),
    [
        ("point", {"at": Point(lat=35.1, lon=129.0)}, "packet.area.at"),
        ("circle", {"centre": Point(lat=37.5, lon=128.0)}, "packet.area.centre"),
    ],
)
def test_an_area_outside_the_city_is_refused(
    shape: str, move: dict[str, Point], where: str
) -> None:
    area = AREAS[shape].model_copy(update=move)
    packet = make_packet(shape, area=area)
    problems = validate(packet, render(packet, Format.CAP), Format.CAP, bounds=SEOUL)
    assert wheres(problems) == [where]


def test_every_polygon_vertex_must_be_inside_the_city() -> None:
    points = list(AREAS["polygon"].points)
    points[2] = Point(lat=37.80, lon=127.07)
    packet = make_packet("polygon", area=PolygonArea(points=tuple(points)))
    problems = validate(packet, render(packet, Format.JSON), Format.JSON, bounds=SEOUL)
    assert wheres(problems) == ["packet.area.points[2]"]


def test_a_missing_or_changed_evidence_file_is_refused(
    evidence: tuple[Path, Attachment],
) -> None:
    folder, still = evidence
    packet = with_still(make_packet(), still)
    body = render(packet, Format.CAP, attachments_dir=folder)
    (folder / "stills" / "cam-7.jpg").write_bytes(b"\xff\xd8 not the captured picture")
    problems = validate(packet, body, Format.CAP, attachments_dir=folder)
    assert "packet.attachments[0].sha256" in wheres(problems)
    (folder / "stills" / "cam-7.jpg").unlink()
    problems = validate(packet, body, Format.CAP, attachments_dir=folder)
    assert "packet.attachments[0].path" in wheres(problems)
    assert "not in" in problems[0].message


def test_an_evidence_path_may_not_leave_the_evidence_folder(
    evidence: tuple[Path, Attachment],
) -> None:
    folder, still = evidence
    outside = still.model_copy(update={"path": "../../etc/passwd"})
    packet = with_still(make_packet(), outside)
    problems = validate(packet, render(packet, Format.JSON), Format.JSON, attachments_dir=folder)
    assert wheres(problems) == ["packet.attachments[0].path"]
    assert "outside the evidence folder" in problems[0].message


def test_an_embedded_still_that_is_not_the_recorded_one_is_refused(
    evidence: tuple[Path, Attachment],
) -> None:
    folder, still = evidence
    packet = with_still(make_packet(), still)
    body = render(packet, Format.JSON, attachments_dir=folder)
    doc = json.loads(body)
    doc["stills"][0]["data"] = base64.b64encode(b"another picture").decode()
    problems = validate(packet, json.dumps(doc).encode(), Format.JSON)
    assert "/stills[1]/data" in wheres(problems)


def test_a_live_link_expired_when_sent_is_refused() -> None:
    packet = make_packet(attachments=(live_link(expires_ms=SENT - 1),))
    problems = validate(packet, render(packet, Format.COT), Format.COT)
    assert wheres(problems) == ["packet.attachments[0].expires_ms"]


def test_declared_data_classes_must_match_what_is_carried() -> None:
    packet = make_packet()
    undeclared = packet.model_copy(update={"data_classes": (DataClass.SUMMARY,)})
    problems = validate(undeclared, render(undeclared, Format.CAP), Format.CAP)
    assert "packet.data_classes" in wheres(problems)
    assert any("without declaring" in p.message for p in problems)
    # A body that declares less than it carries is refused even for a consistent packet.
    body = render(packet, Format.CAP).replace(
        b"summary,video_link,route,plate", b"summary,video_link"
    )
    problems = validate(packet, body, Format.CAP)
    assert wheres(problems) == ["/alert/info/parameter[cityroom:data-classes]"] * 3


def test_a_drill_marked_test_is_refused() -> None:
    packet = make_packet(status=DistributionStatus.TEST).model_copy(update={"exercise": True})
    problems = validate(packet, render(packet, Format.CAP), Format.CAP)
    assert "packet.status" in wheres(problems)


def test_identifiers_with_spaces_or_commas_are_refused() -> None:
    packet = make_packet().model_copy(update={"distribution_id": "uoc 2025,0007"})
    problems = validate(packet, render(packet, Format.CAP), Format.CAP)
    assert "packet.distribution_id" in wheres(problems)


def test_an_update_must_name_what_it_updates() -> None:
    packet = make_packet(kind=DistributionKind.UPDATE)
    problems = validate(packet, render(packet, Format.EDXL), Format.EDXL)
    assert "packet.references" in wheres(problems)


def test_a_body_for_another_packet_is_refused() -> None:
    packet, other = make_packet(), make_packet(distribution_id="uoc-20250301-0099")
    for fmt in Format:
        problems = validate(packet, render(other, fmt), fmt)
        assert problems, fmt


# --- JSON and CoT specifics ----------------------------------------------------------------


def test_the_json_schema_file_is_the_one_the_model_gives() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_json_embeds_the_canonical_packet_byte_for_byte() -> None:
    packet = make_packet()
    body = render(packet, Format.JSON).decode()
    assert f'"packet":{packet.canonical()}' in body
    doc = json.loads(body)
    assert doc["format"] == "cityroom-packet" and doc["version"] == 1
    assert Packet.model_validate(doc["packet"]) == packet


def test_json_with_an_unknown_member_or_a_bad_packet_is_refused() -> None:
    packet = make_packet()
    doc = json.loads(render(packet, Format.JSON))
    doc["extra"] = 1
    doc["packet"]["severity"] = "Apocalyptic"
    problems = validate(packet, json.dumps(doc).encode(), Format.JSON)
    assert {"/extra", "packet.severity"} <= set(wheres(problems))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ((b'lat="37.556100"', b'lat="97.556100"'), "/event/point/@lat"),
        ((b'uid="cityroom.incident.inc-0301-0042"', b'uid=""'), "/event/@uid"),
        (
            (b'stale="2025-03-01T02:00:00.000Z"', b'stale="2025-03-01T00:30:00.000Z"'),
            "/event/@stale",
        ),
        ((b'type="a-u-X-i-f"', b'type="fire!"'), "/event/@type"),
    ],
)
def test_cot_structure_is_checked(change: tuple[bytes, bytes], where: str) -> None:
    packet = make_packet()
    body = render(packet, Format.COT)
    assert change[0] in body
    problems = validate(packet, body.replace(*change), Format.COT)
    assert wheres(problems) == [where]


def test_cot_marks_the_incident_with_the_centre_as_contact() -> None:
    event = etree.fromstring(render(make_packet("polygon"), Format.COT))
    assert event.get("type") == "a-u-X-i-f" and event.get("how") == "h-e"
    assert event.find("detail/contact").get("callsign") == "uoc@seoul.go.kr"
    assert "3층 음식점에서 연기" in event.findtext("detail/remarks")
    assert event.find("detail/__video").get("url").startswith("https://uoc.example.kr/live/")
    point = event.find("point")
    assert float(point.get("lat")) == pytest.approx(37.5325)
    assert float(point.get("lon")) == pytest.approx(127.065)
    assert 400 < float(point.get("ce")) < 700  # the polygon's reach from its centre


# --- schemas on disk, threads --------------------------------------------------------------


def test_every_schema_import_is_a_local_file() -> None:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for xsd in SCHEMAS.rglob("*.xsd"):
        for ref in etree.parse(str(xsd)).iter(f"{xs}import", f"{xs}include", f"{xs}redefine"):
            location = ref.get("schemaLocation", "")
            assert "://" not in location, f"{xsd}: {location}"
            assert (xsd.parent / location).is_file(), f"{xsd}: {location}"


def test_stand_in_schemas_say_so() -> None:
    for xsd in (SCHEMAS / "edxl-standins").glob("*.xsd"):
        assert "CITYROOM STAND-IN - NOT AN OASIS FILE" in xsd.read_text(encoding="utf-8")
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    for xsd in SCHEMAS.rglob("*.xsd"):
        folder = xsd.parent.relative_to(SCHEMAS).as_posix()
        assert folder.split("/")[0] in readme, folder


def test_validation_is_safe_from_several_threads(evidence: tuple[Path, Attachment]) -> None:
    folder, still = evidence
    packets = [with_still(make_packet(shape), still) for shape in AREAS]
    jobs = [(p, fmt) for p in packets for fmt in (Format.CAP, Format.EDXL)] * 8
    broken = make_packet()
    broken_body = render(broken, Format.CAP).replace(b"scope>", b"scoop>")

    def check(job: tuple[Packet, Format]) -> list[Problem]:
        packet, fmt = job
        if packet is broken:
            return validate(packet, broken_body, fmt)
        return validate(
            packet, render(packet, fmt, attachments_dir=folder), fmt, attachments_dir=folder
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(check, [*jobs, (broken, Format.CAP)] * 2))
    assert all(r == [] for r in results[: len(jobs)])
    assert results[len(jobs)] and results[len(jobs)][0].where == "/alert/scoop"
