"""The incident catalogue as data: the built-in CSV, a city's site file, its checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.catalogue import (
    BUILT_IN_CSV,
    CATALOGUE,
    IncidentType,
    Origin,
    Service,
    Severity,
    incident_type,
)
from core.catalogue_file import (
    CatalogueFileError,
    check_links,
    decode,
    parse_catalogue_text,
    read_catalogue_file,
)
from core.catalogue_site import (
    SITE_CSV,
    SITE_INFO,
    Mode,
    install,
    load_in_force,
    missing_for_replace,
    needed_codes,
    procedure_ids,
)
from core.city.kinds import AgencyKind
from core.errors import UnknownNameError

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "catalogue" / "examples" / "police-112-sample.csv"
HEADER = "code,name_ko,name_en,service,severity,typical_source,procedure,agencies\n"
AGENCY_KINDS = [k.value for k in AgencyKind]
SHIPPED_SOP = [REPO / "resources" / "sop"]  # not the test data folder's own procedures


def _problems(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue_text(text, Path("city.csv"))
    assert "city.csv" in str(caught.value)
    return [(p.line, p.column, str(p)) for p in caught.value.problems]


# -- the built-in catalogue ---------------------------------------------------------------------


def test_built_in_csv_gives_the_domain_catalogue(tmp_path: Path) -> None:
    in_force = load_in_force(BUILT_IN_CSV, tmp_path / "no-site")
    entries = in_force.entries
    assert len(entries) == 35 and in_force.site is None and in_force.problem is None
    assert set(in_force.origins.values()) == {Origin.BUILT_IN}
    # Rows of DOMAIN.md's starting catalogue: names, service and severity.
    expected = {
        "P-KID": ("납치", "kidnapping", Service.POLICE_VIDEO, 1),
        "P-ASL": ("폭행", "assault", Service.POLICE_VIDEO, 2),
        "F-EMS": ("구급", "emergency medical", Service.FIRE_DISPATCH, 2),
        "F-BLOCK": (
            "소방차 진입로 불법주정차",
            "illegal parking blocking fire access",
            Service.FIRE_DISPATCH,
            2,
        ),
        "D-CARFLD": ("침수 위험 주차차량", "parked cars at flood risk", Service.DISASTER, 2),
        "V-TOUR": ("외국인 관광객 도움요청", "tourist help request", Service.PROTECTION, 3),
        "T-JAY": ("무단횡단", "jaywalking (safe fence)", Service.TRAFFIC, 4),
        "C-CYBER": ("사이버 침해 경보", "cyber-intrusion alert", Service.CENTRE, 2),
    }
    for code, (ko, en, service, severity) in expected.items():
        entry = entries[code]
        assert (entry.name_ko, entry.name_en, entry.service, entry.severity) == (
            ko,
            en,
            service,
            Severity(severity),
        ), code
    assert entries["F-FIRE"].typical_source == "119 report, CCTV"
    assert entries["F-FIRE"].procedure == "fire-blocked-access"
    assert entries["D-DIS"].agencies == ("disaster", "fire", "police")
    assert entries["T-JAY"].agencies == ()
    assert list(entries)[:3] == ["P-KID", "P-ROB", "P-ASL"]  # the file's order is kept


def test_module_catalogue_is_loaded_once_and_looks_up() -> None:
    assert incident_type("F-FIRE") is CATALOGUE["F-FIRE"]
    with pytest.raises(UnknownNameError, match="did you mean F-FIRE"):
        incident_type("F-FIR")


def test_incident_type_keeps_its_old_constructor() -> None:
    entry = IncidentType("X-1", "시험", "test", Service.CIVIC, "tests", Severity.INFO)
    assert entry.procedure is None and entry.agencies == ()


def test_catalogue_csv_round_trips(tmp_path: Path) -> None:
    from core.catalogue_file import catalogue_csv

    built_in = read_catalogue_file(BUILT_IN_CSV)
    again = parse_catalogue_text(catalogue_csv(built_in.entries))
    assert again.entries == built_in.entries
    assert catalogue_csv(built_in.entries) == BUILT_IN_CSV.read_text(encoding="utf-8")


def test_built_in_links_hold() -> None:
    built_in = read_catalogue_file(BUILT_IN_CSV)
    procedures = procedure_ids(SHIPPED_SOP)
    check_links(built_in, procedures, AGENCY_KINDS)
    # The procedure column says what the procedure files say, both ways.
    for procedure, codes in procedures.items():
        for code in codes:
            assert built_in.entries[built_in.codes.index(code)].procedure == procedure, (
                f"resources/sop names {procedure} for {code}: put it in the procedure column "
                "of resources/catalogue/incident_types.csv"
            )
    for entry in built_in.entries:
        if entry.procedure is not None:
            assert entry.code in procedures[entry.procedure], entry.code
    assert set(needed_codes(None, SHIPPED_SOP)) <= set(built_in.codes)


# -- encodings ---------------------------------------------------------------------------------


def test_encodings_are_detected_and_said() -> None:
    text = HEADER + "P-1,절도,theft,police_video,2,112 report,,police\n"
    assert decode(text.encode("utf-8")) == (text, "UTF-8")
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "UTF-8 with BOM")
    assert decode(text.encode("cp949")) == (text, "EUC-KR")
    # 똠 is outside EUC-KR (KS X 1001); only CP949 (Korean Windows) has it.
    extended = text.replace("절도", "똠방각하")
    assert decode(extended.encode("cp949")) == (extended, "CP949")
    with pytest.raises(CatalogueFileError, match="UTF-16"):
        decode(text.encode("utf-16"))


def test_undecodable_bytes_name_the_line() -> None:
    data = (
        HEADER + "P-1,절도,theft,police_video,2,,,\n"
    ).encode() + b"P-2,\xff\xff,x,civic,4,,,\n"
    with pytest.raises(CatalogueFileError) as caught:
        decode(data, Path("city.csv"))
    assert caught.value.problems[0].line == 3
    assert "not UTF-8 or CP949/EUC-KR" in str(caught.value)


def test_cp949_sample_reads_like_the_utf8_one(tmp_path: Path) -> None:
    utf8 = read_catalogue_file(SAMPLE)
    copy = tmp_path / "police-cp949.csv"
    copy.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("cp949"))
    korean = read_catalogue_file(copy)
    assert korean.encoding in ("EUC-KR", "CP949") and utf8.encoding == "UTF-8"
    assert korean.entries == utf8.entries


# -- checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        ("P 1,절도,theft,police_video,2,,,", "code (A)", "has a space"),
        (",절도,theft,police_video,2,,,", "code (A)", "the code is empty"),
        ("P/1,절도,theft,police_video,2,,,", "code (A)", "is not a code"),
        ("P-1,,theft,police_video,2,,,", "name_ko (B)", "the Korean name is empty"),
        ("P-1,절도,theft,police,2,,,", "service (D)", "police_video (112 긴급영상 지원)"),
        ("P-1,절도,theft,police_video,5,,,", "severity (E)", "not 1 to 4"),
        ("P-1,절도,theft,police_video,,,,", "severity (E)", "no severity"),
        ("P-1,절도,theft,police_video,2,,River Flood,", "procedure (G)", "not a procedure id"),
        ("P-1,절도,theft,police_video,2,,,police;fire dept", "agencies (H)", "agency kind"),
        ("P-1,절도,theft,police_video,2,,,,extra", "I", "beyond the 8 header columns"),
    ],
)
def test_each_mistake_names_line_column_and_fix(row: str, column: str, says: str) -> None:
    text = HEADER + "P-0,강도,robbery,police_video,1,,,\n" + row + "\n"
    problems = _problems(text)
    assert len(problems) == 1, problems
    line, where, message = problems[0]
    assert line == 3 and where == column
    assert says in message
    assert f"line 3, column {column}" in message
    assert ". " in message  # the problem, then the fix


def test_unknown_service_lists_the_services() -> None:
    [(_, _, message)] = _problems(HEADER + "P-1,절도,theft,police,2,,,\n")
    for service in Service:
        assert service.value in message


def test_duplicate_code_names_the_first_line() -> None:
    text = (
        HEADER
        + "P-1,절도,theft,police_video,2,,,\n\nP-2,강도,,police_video,1,,,\nP-1,x,,civic,4,,,\n"
    )
    [(line, column, message)] = _problems(text)
    assert (line, column) == (5, "code (A)")
    assert "P-1 is used twice (first on line 2)" in message


def test_every_mistake_of_a_file_is_reported_at_once() -> None:
    text = HEADER + "P 1,,theft,nope,9,,,\nP-2,강도,,police_video,1,,,\nP-3,,x,civic,0,,,\n"
    problems = _problems(text)
    assert [(p[0], p[1]) for p in problems] == [
        (2, "code (A)"),
        (2, "name_ko (B)"),
        (2, "service (D)"),
        (2, "severity (E)"),
        (4, "name_ko (B)"),
        (4, "severity (E)"),
    ]


def test_header_mistakes() -> None:
    [(line, column, message)] = _problems("code,name_ko,service,severity,비고\nP-1,x,civic,4,y\n")
    assert (line, column) == (1, "비고 (E)") and "unknown column" in message
    [(_, _, message)] = _problems("code,name_ko,name_en\nP-1,x,y\n")
    assert "no column service, severity" in message
    [(_, _, message)] = _problems("code;name_ko;service;severity\nP-1;x;civic;4\n")
    assert "Separate the columns with commas" in message
    [(_, _, message)] = _problems("")
    assert "header row" in message
    [(_, _, message)] = _problems(HEADER)
    assert "no incident types" in message


def test_lines_count_quoted_line_breaks() -> None:
    text = HEADER + 'P-1,절도,"theft,\nat night",civic,4,,,\nP-2,강도,robbery,civic,7,,,\n'
    [(line, _, _)] = _problems(text)
    assert line == 4


def test_optional_columns_and_names() -> None:
    parsed = parse_catalogue_text(
        "Severity,CODE,name_ko,service\n3,P-1,절도,112 emergency video\n4,P-2,분실물,생활 서비스\n"
    )
    first, second = parsed.entries
    assert (first.code, first.severity, first.service) == ("P-1", 3, Service.POLICE_VIDEO)
    assert first.name_en == "절도"  # no English name: the Korean one stands in
    assert second.service is Service.CIVIC
    assert "2 types have no English name" in parsed.notes[0]


def test_links_to_procedures_and_agencies_are_checked() -> None:
    parsed = parse_catalogue_text(
        HEADER + "P-1,절도,theft,police_video,2,,no-such-sop,\nP-2,강도,x,civic,1,,,police;navy\n",
        Path("city.csv"),
    )
    with pytest.raises(CatalogueFileError) as caught:
        check_links(parsed, procedure_ids(SHIPPED_SOP), AGENCY_KINDS)
    first, second = caught.value.problems
    assert (first.line, first.column) == (2, "procedure (G)")
    assert "river-flood" in str(first)
    assert (second.line, second.column) == (3, "agencies (H)")
    assert "'navy'" in str(second) and "district_office" in str(second)


def test_police_sample_is_a_valid_site_file() -> None:
    parsed = read_catalogue_file(SAMPLE)
    check_links(parsed, procedure_ids(SHIPPED_SOP), AGENCY_KINDS)
    assert 28 <= len(parsed.entries) <= 40
    assert parsed.codes[0] == "P-112-001" and all(c.startswith("P-112-") for c in parsed.codes)
    names = {e.name_ko for e in parsed.entries}
    assert {"살인", "강도", "절도", "폭력", "성폭력", "가정폭력", "아동학대", "주취자"} <= names
    assert {"분실물"} <= names and any(n.startswith("실종") for n in names)
    assert any(n.startswith("교통사고") for n in names)
    by_name = {e.name_ko: e for e in parsed.entries}
    assert by_name["살인"].severity == Severity.CRITICAL
    assert by_name["분실물"].severity == Severity.INFO


# -- the site catalogue ------------------------------------------------------------------------


def test_merge_adds_and_overrides_by_code(tmp_path: Path) -> None:
    parsed = parse_catalogue_text(
        HEADER + "F-FIRE,화재 (관내),fire in the city,fire_dispatch,2,119,,fire\n"
        "P-112-006,절도,theft,police_video,3,112 report,,police\n",
        Path("city.csv"),
        "CP949",
    )
    site = install(parsed, Mode.MERGE, tmp_path)
    assert site.path == tmp_path / SITE_CSV and site.entries == 2
    record = json.loads((tmp_path / SITE_INFO).read_text(encoding="utf-8"))
    assert record["mode"] == "merge" and record["encoding"] == "CP949"
    assert record["source"] == "city.csv" and record["imported"].endswith("Z")
    in_force = load_in_force(BUILT_IN_CSV, tmp_path)
    assert in_force.problem is None and in_force.site is not None
    assert len(in_force.entries) == 36
    assert in_force.entries["F-FIRE"].name_ko == "화재 (관내)"
    assert in_force.entries["F-FIRE"].severity == Severity.MAJOR
    assert in_force.origins["F-FIRE"] is Origin.SITE
    assert in_force.origins["P-112-006"] is Origin.SITE
    assert in_force.origins["P-KID"] is Origin.BUILT_IN
    assert list(in_force.entries)[-1] == "P-112-006"
    # The installed copy is UTF-8 whatever the file came as.
    assert "절도" in (tmp_path / SITE_CSV).read_text(encoding="utf-8")


def test_replace_keeps_the_site_entries_alone(tmp_path: Path) -> None:
    parsed = read_catalogue_file(SAMPLE)
    install(parsed, Mode.REPLACE, tmp_path)
    in_force = load_in_force(BUILT_IN_CSV, tmp_path)
    assert list(in_force.entries) == parsed.codes
    assert set(in_force.origins.values()) == {Origin.SITE}


def test_a_new_import_replaces_the_previous_site_catalogue(tmp_path: Path) -> None:
    install(read_catalogue_file(SAMPLE), Mode.MERGE, tmp_path)
    install(parse_catalogue_text(HEADER + "Z-1,시험,test,civic,4,,,\n"), Mode.MERGE, tmp_path)
    in_force = load_in_force(BUILT_IN_CSV, tmp_path)
    assert "P-112-001" not in in_force.entries and "Z-1" in in_force.entries


def test_replace_is_refused_while_rules_or_procedures_need_a_code() -> None:
    refusal = missing_for_replace(read_catalogue_file(SAMPLE), needed_codes(None, SHIPPED_SOP))
    assert refusal is not None
    message = str(refusal)
    assert "D-FLOOD is missing" in message
    assert "rule river-level (resources/rules/default.toml)" in message
    assert "procedure fire-blocked-access (resources/sop/fire-blocked-access.toml)" in message
    assert "--merge" in message
    built_in = read_catalogue_file(BUILT_IN_CSV)
    assert missing_for_replace(built_in, needed_codes(None, SHIPPED_SOP)) is None


def test_needed_codes_reads_rules_and_procedures(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nid = "a"\n[rule.produces]\nincident_type = "X-1"\n'
        '[[rule]]\nid = "b"\nconditions = [{ incident_type = "X-2" }]\n',
        encoding="utf-8",
    )
    sops = tmp_path / "sop"
    sops.mkdir()
    (sops / "p.toml").write_text('id = "p"\nincident_types = ["X-1", "X-3"]\n', encoding="utf-8")
    needed = needed_codes(rules, [sops])
    assert set(needed) == {"X-1", "X-2", "X-3"}
    assert needed["X-1"] == [f"rule a ({rules})", f"procedure p ({sops / 'p.toml'})"]


def test_a_broken_site_catalogue_leaves_the_built_in_one_in_force(tmp_path: Path) -> None:
    install(read_catalogue_file(SAMPLE), Mode.REPLACE, tmp_path)
    (tmp_path / SITE_CSV).write_text(HEADER + "P-1,,x,civic,4,,,\n", encoding="utf-8")
    in_force = load_in_force(BUILT_IN_CSV, tmp_path)
    assert len(in_force.entries) == 35 and in_force.site is None
    assert in_force.problem is not None and "Korean name is empty" in in_force.problem
    (tmp_path / SITE_INFO).write_text("{", encoding="utf-8")
    assert "cannot be read" in (load_in_force(BUILT_IN_CSV, tmp_path).problem or "")
    (tmp_path / SITE_INFO).unlink()
    assert "no site-catalogue.json" in (load_in_force(BUILT_IN_CSV, tmp_path).problem or "")
