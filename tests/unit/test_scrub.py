"""The scrubber: Korean names in free text, the people the event log and the agency registry
know, one pseudonym per person, and ordinary text (UI messages, districts) left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FakeClock
from core.dispatch.agencies import DEMO_REGISTRY, Registry
from core.eventlog import EventLog
from core.events import (
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentNoteAdded,
    IncidentReported,
    ReplayBookmarked,
    SensorReading,
)
from core.scrub import Scrubber, looks_like_a_name, people_in, people_in_event_log, people_known
from core.state import CityState

T = "2026-01-05T06:00:00.123Z"


def scrubber(people: tuple[str, ...] = ()) -> Scrubber:
    return Scrubber(user="kim", home=Path("/home/kim"), people=people)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"{T} INFO cityroom.inbound [http] 112 report: 신고자 김민수(010-1234-5678) 차량 "
            "12가3456 도주",
            f"{T} INFO cityroom.inbound [http] 112 report: 신고자 <person-1>(<phone>) 차량 "
            "<plate> 도주",
        ),
        ("운영자 박지영 님이 접수", "운영자 <person-1> 님이 접수"),
        ("박지영님이 접수함", "<person-1>님이 접수함"),
        ("김민수 씨가 다시 전화함", "<person-1> 씨가 다시 전화함"),
        ("출동: 이정훈 경위, 박서준 소방관", "출동: <person-1> 경위, <person-2> 소방관"),
        ("성명: 이영희, 보호자: 남궁민수", "성명: <person-1>, 보호자: <person-2>"),
        ("담당자는 최유진으로 변경", "담당자는 <person-1>으로 변경"),
        (
            f"{T} WARNING cityroom.ingest [mqtt] reporter 김민수 called about smoke at 강남구",
            f"{T} WARNING cityroom.ingest [mqtt] reporter <person-1> called about smoke at 강남구",
        ),
        (
            "ValidationError: summary 'call from 최영희 near 강남역', assigned by 박지영",
            "ValidationError: summary 'call from <person-1> near 강남역', assigned by <person-2>",
        ),
        (
            '{"caller": "김철수", "name": "한지민"}',
            '{"caller": "<person-1>", "name": "<person-2>"}',
        ),
    ],
)
def test_korean_names_where_the_text_names_a_person(line: str, expected: str) -> None:
    assert scrubber().line(line) == expected


SURVIVE = [
    "이상 징후 감지",
    "강남구 역삼동 이동 중",
    "서초구 수위 2.5 m 관심 → 주의, 이동식 펌프 배치",
    "담당 변경됨; 담당 부서 확인 필요; 담당 구역에 배정; 신고자 정보로 확인",
    "신고자 위치 강남구, 신고자 정보 없음",
    "구조 대원 출동, 고객님 안내 완료, 선생님께서 확인, 구청장님께서 방문",
    "from 서울 센터; layer name: 강남구.geojson; name=이동식 카메라",
    "화재 F-FIRE 진압 완료 (119), 하천 수위 상승 D-FLOOD",
    "2026년 12월 3일 10시 수위 2.5 m 관심, 12일 2024건",
    "agency:112 received packet PKT-0001 (CAP 1.2) from rules:flood-2",
]


def test_korean_ui_messages_and_places_are_left_alone() -> None:
    scrub = scrubber()
    assert [scrub.line(line) for line in SURVIVE] == SURVIVE
    assert sum(scrub.counts.values()) == 0


def test_a_person_keeps_one_pseudonym_however_the_text_names_them() -> None:
    scrub = scrubber(people=("김민수", "lee", "Jane Doe"))
    lines = [
        "operator:lee assigned INC-7 to 김민수 경위",
        "김민수가 현장 도착; LEE confirmed; jane  doe called",
        "신고자 박지영, 담당 김민수",
        "user:lee opened CAM-0042 for 박지영 님",
    ]
    assert [scrub.line(line) for line in lines] == [
        "operator:<person-1> assigned INC-7 to <person-2> 경위",
        "<person-2>가 현장 도착; <person-1> confirmed; <person-3> called",
        "신고자 <person-4>, 담당 <person-2>",
        "user:<person-1> opened CAM-0042 for <person-4> 님",
    ]
    assert scrub.counts["actors"] == 2
    assert scrub.counts["known_people"] == 5
    assert scrub.counts["korean_names"] == 2
    assert len(scrub.pseudonyms) == 4


def test_known_names_never_match_inside_other_words() -> None:
    scrub = scrubber(people=("lee", "김민수"))
    lines = ["sleep 5; fleet of 3; lee-way", "김민수정 님", "김민수희 선수"]
    assert [scrub.line(line) for line in lines] == lines
    assert scrub.pseudonyms == {}


def test_generic_accounts_and_words_are_not_people() -> None:
    scrub = scrubber(people=("admin", "system", "이동", "ab", "112"))
    line = "admin system 이동 ab 112"
    assert scrub.line(line) == line
    assert not looks_like_a_name("변경됨") and not looks_like_a_name("이동중")
    assert looks_like_a_name("이동욱") and looks_like_a_name("김민수")


def test_ordinary_log_text_is_left_alone() -> None:
    scrub = Scrubber(user="kim", home=Path("/home/kim"))
    lines = [
        f"{T} INFO cityroom.rules [MainThread] INC-000123 seq 1048576 sensor:WL-01 3.52 m",
        "agency:112 received packet PKT-0001 (CAP 1.2) from rules:flood-2",
        "tokens left: 5; password policy ok; http://127.0.0.1:8443/api/v1/events?after=10",
        "PySide6 6.11.3 numpy 2.4.6 opened /srv/cityroom/data/cityroom.db",
    ]
    assert [scrub.line(line) for line in lines] == lines
    assert sum(scrub.counts.values()) == 0


def test_a_generic_account_name_is_not_treated_as_a_person() -> None:
    scrub = Scrubber(user="root", home=Path("/root"))
    assert scrub.line("root logger at /root/.local/state") == "root logger at ~/.local/state"


def test_people_in_free_text_fields() -> None:
    assert people_in("김민수 경위") == {"김민수"}
    assert people_in("112종합상황실 상황팀장") == set()
    assert people_in(" Jane   Doe ") == {"Jane Doe"}
    assert people_in("") == set()


def a_log_with_people(path: Path) -> EventLog:
    log = EventLog.open(path, FakeClock())
    report = IncidentReported("INC-000001", "F-FIRE", 1, 37.5, 127.0, "11680", "화재")
    log.append(
        [
            report.to_new("workstation", "operator:kim"),
            SensorReading("WL-01", 3.2).to_new("simulator", "sensor:WL-01"),
            IncidentAcknowledged("INC-000001").to_new("workstation", "supervisor:박지은"),
            IncidentAssigned("INC-000001", "", "김철수 경위").to_new("workstation", "user:lee"),
            IncidentAssigned("INC-000001", "", "operator:choi").to_new("workstation", "lee"),
            IncidentNoteAdded("INC-000001", "연락함").to_new("rules", "rules:flood-2"),
            ReplayBookmarked(None, 0, "start").to_new("workstation", "operator:han"),
        ]
    )
    return log


def test_the_people_an_event_log_names(tmp_path: Path) -> None:
    log = a_log_with_people(tmp_path / "city.db")
    state = CityState()
    state.apply_all(log.read())
    log.close()

    everyone = {"kim", "박지은", "김철수", "lee", "choi", "han"}
    assert people_in_event_log(tmp_path / "city.db") == everyone
    # The folded state keeps only the incident's current assignee.
    assert people_known(state) == everyone - {"김철수"}


def test_the_people_an_agency_registry_names(tmp_path: Path) -> None:
    demo = Registry.load(DEMO_REGISTRY)
    assert people_known(registry=demo) == set()  # its contacts are desks, not people
    text = DEMO_REGISTRY.read_text(encoding="utf-8").replace(
        'name = "112종합상황실 상황팀장"', 'name = "112종합상황실 박영수 경감"', 1
    )
    site = Registry.from_text(text, tmp_path / "agencies.toml", base=DEMO_REGISTRY.parent)
    assert people_known(registry=site) == {"박영수"}
