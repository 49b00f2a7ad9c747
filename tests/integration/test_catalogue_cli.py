"""``python main.py catalogue …`` as a city administrator would run it.

Every run gets its own data folder (XDG_DATA_HOME), so a site catalogue installed here never
reaches other tests or the developer's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli import REPO, cityroom

SAMPLE = REPO / "resources" / "catalogue" / "examples" / "police-112-sample.csv"
HEADER = "code,name_ko,name_en,service,severity,typical_source,procedure,agencies\n"


@pytest.fixture
def data_home(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cityroom("catalogue", *args, env={"XDG_DATA_HOME": str(data_home)})


def listing(data_home: Path, *args: str) -> list[dict[str, Any]]:
    result = run(data_home, "list", "--json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def site_folder(data_home: Path) -> Path:
    return data_home / "cityroom" / "catalogue"


def test_built_in_catalogue_is_listed_and_shown(data_home: Path) -> None:
    rows = listing(data_home)
    assert len(rows) == 35 and {r["origin"] for r in rows} == {"built-in"}
    fire = next(r for r in rows if r["code"] == "F-FIRE")
    assert fire["name_ko"] == "화재" and fire["severity"] == 1 and fire["agencies"] == ["fire"]
    shown = run(data_home, "show", "P-ASL")
    assert shown.returncode == 0, shown.stderr
    assert "name_ko: 폭행" in shown.stdout and "severity: 2 (major)" in shown.stdout
    assert "origin: built-in" in shown.stdout
    text = run(data_home, "list", "--service", "traffic")
    assert text.returncode == 0
    assert "T-ACC" in text.stdout and "P-KID" not in text.stdout
    assert "no site catalogue" in text.stdout


def test_import_merges_the_police_sample(data_home: Path) -> None:
    result = run(data_home, "import", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert "32 incident types, encoding UTF-8" in result.stdout
    assert "32 added, 0 override" in result.stdout and "67 types in force" in result.stdout
    assert (site_folder(data_home) / "site-incident-types.csv").is_file()
    rows = listing(data_home)
    origins = {r["code"]: r["origin"] for r in rows}
    assert len(rows) == 67
    assert origins["P-112-006"] == "site" and origins["F-FIRE"] == "built-in"
    theft = run(data_home, "show", "P-112-006", "--json")
    assert json.loads(theft.stdout)["name_ko"] == "절도"
    only = listing(data_home, "--service", "vulnerable")
    assert {r["code"] for r in only} >= {"V-MISS", "P-112-013", "P-112-014"}
    heading = run(data_home, "list").stdout.splitlines()[0]
    assert "35 built-in + 32 site types" in heading and "(merge)" in heading


def test_site_entries_override_built_in_ones(tmp_path: Path, data_home: Path) -> None:
    city = tmp_path / "city.csv"
    city.write_text(
        HEADER + "T-JAY,무단횡단 (안전펜스),jaywalking,traffic,3,AI CCTV,,police\n",
        encoding="utf-8",
    )
    result = run(data_home, "import", str(city), "--merge")
    assert result.returncode == 0, result.stderr
    assert "1 override built-in types (T-JAY)" in result.stdout
    row = next(r for r in listing(data_home) if r["code"] == "T-JAY")
    assert row["severity"] == 3 and row["origin"] == "site" and row["overrides_built_in"]
    text = run(data_home, "list").stdout
    line = next(x for x in text.splitlines() if x.startswith("T-JAY "))
    assert line.split()[:4] == ["T-JAY", "3", "traffic", "site*"]
    assert "34 built-in + 1 site types (1 overriding a built-in type)" in text
    # The rest of the room sees the override too, not just the listing.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.catalogue import CATALOGUE; print(int(CATALOGUE['T-JAY'].severity))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "XDG_DATA_HOME": str(data_home), "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert probe.stdout.strip() == "3", probe.stderr


def test_cp949_file_imports_and_says_its_encoding(tmp_path: Path, data_home: Path) -> None:
    korean = tmp_path / "police-cp949.csv"
    korean.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("cp949"))
    result = run(data_home, "import", str(korean))
    assert result.returncode == 0, result.stderr
    assert "encoding EUC-KR" in result.stdout
    record = json.loads((site_folder(data_home) / "site-catalogue.json").read_text("utf-8"))
    assert record["encoding"] == "EUC-KR" and record["mode"] == "merge"
    # Installed as UTF-8, names intact.
    installed = (site_folder(data_home) / "site-incident-types.csv").read_text("utf-8")
    assert "가정폭력" in installed
    assert "(EUC-KR)" in run(data_home, "list").stdout.splitlines()[0]


def test_utf8_with_bom_is_accepted(tmp_path: Path, data_home: Path) -> None:
    city = tmp_path / "excel.csv"
    city.write_bytes(b"\xef\xbb\xbf" + (HEADER + "P-1,절도,theft,police_video,2,,,\n").encode())
    result = run(data_home, "import", str(city), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "encoding UTF-8 with BOM" in result.stdout


def test_invalid_file_names_line_and_column_and_installs_nothing(
    tmp_path: Path, data_home: Path
) -> None:
    city = tmp_path / "city.csv"
    city.write_text(
        HEADER
        + "P-1,절도,theft,police_video,2,,,\nP 2,강도,robbery,police,9,,,\nP-1,x,,civic,4,,,\n",
        encoding="utf-8",
    )
    result = run(data_home, "import", str(city))
    assert result.returncode == 1
    err = result.stderr
    assert str(city) in err
    assert "line 3, column code (A): the code 'P 2' has a space" in err
    assert "line 3, column service (D): unknown service 'police'" in err and "police_video" in err
    assert "line 3, column severity (E)" in err
    assert "line 4, column code (A): the code P-1 is used twice (first on line 2)" in err
    assert "Nothing was installed" in err
    assert not site_folder(data_home).exists()


def test_replace_is_refused_naming_the_codes_rules_and_procedures_need(data_home: Path) -> None:
    result = run(data_home, "import", str(SAMPLE), "--replace")
    assert result.returncode == 1
    assert "D-FLOOD is missing" in result.stderr and "rule river-level" in result.stderr
    assert "procedure fire-blocked-access" in result.stderr
    assert not site_folder(data_home).exists()


def test_replace_with_every_needed_code(tmp_path: Path, data_home: Path) -> None:
    built_in = (REPO / "resources" / "catalogue" / "incident_types.csv").read_text("utf-8")
    city = tmp_path / "city.csv"
    sample_rows = SAMPLE.read_text(encoding="utf-8").split("\n", 1)[1]
    # The built-in codes the rules and procedures need, under the city's own names.
    city.write_text(built_in.replace("화재,fire,", "화재 (시),fire,") + sample_rows, "utf-8")
    result = run(data_home, "import", str(city), "--replace")
    assert result.returncode == 0, result.stderr
    assert "Replace:" in result.stdout
    rows = listing(data_home)
    assert {r["origin"] for r in rows} == {"site"} and len(rows) == 35 + 32
    assert next(r for r in rows if r["code"] == "F-FIRE")["name_ko"] == "화재 (시)"


def test_dry_run_installs_nothing(data_home: Path) -> None:
    result = run(data_home, "import", str(SAMPLE), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "nothing was installed" in result.stdout
    assert not site_folder(data_home).exists()
    assert len(listing(data_home)) == 35


def test_usage_mistakes_exit_2(data_home: Path) -> None:
    assert run(data_home, "import", str(SAMPLE), "--merge", "--replace").returncode == 2
    assert run(data_home, "import").returncode == 2
    assert run(data_home).returncode == 2
    bad = run(data_home, "list", "--service", "police")
    assert bad.returncode == 2 and "police_video" in bad.stderr


def test_missing_file_and_unknown_code_exit_1(tmp_path: Path, data_home: Path) -> None:
    missing = run(data_home, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    unknown = run(data_home, "show", "P-ASX")
    assert unknown.returncode == 1 and "did you mean P-ASL" in unknown.stderr


def test_a_damaged_site_catalogue_is_reported_and_left_out(data_home: Path) -> None:
    assert run(data_home, "import", str(SAMPLE)).returncode == 0
    (site_folder(data_home) / "site-incident-types.csv").write_text("code\n", encoding="utf-8")
    result = run(data_home, "list")
    assert result.returncode == 0
    assert "is not used" in result.stderr and "the header has no column" in result.stderr
    assert "35 built-in types" in result.stdout


def test_import_notes_what_will_not_happen_by_itself(tmp_path: Path, data_home: Path) -> None:
    city = tmp_path / "city.csv"
    city.write_text(
        HEADER + "P-1,폭행,assault,police_video,2,,police-video-assault,police\n"
        "P-2,분실물,,civic,4,,,\n",
        encoding="utf-8",
    )
    result = run(data_home, "import", str(city), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "note: 1 type has no English name (P-2)" in result.stdout
    assert "P-1 names the procedure police-video-assault" in result.stdout
    assert "not started by itself" in result.stdout


def test_the_sites_own_procedures_count(tmp_path: Path, data_home: Path) -> None:
    own = data_home / "cityroom" / "sop"
    own.mkdir(parents=True)
    (own / "city-theft.toml").write_text(
        'id = "city-theft"\nincident_types = ["P-112-006"]\n', encoding="utf-8"
    )
    city = tmp_path / "city.csv"
    city.write_text(HEADER + "P-112-006,절도,theft,police_video,2,,city-theft,police\n", "utf-8")
    result = run(data_home, "import", str(city))
    assert result.returncode == 0, result.stderr
    assert "note:" not in result.stdout
    assert "procedure: city-theft" in run(data_home, "show", "P-112-006").stdout
    # --replace now also needs what the site's own procedure names.
    (own / "city-robbery.toml").write_text(
        'id = "city-robbery"\nincident_types = ["P-112-002"]\n', encoding="utf-8"
    )
    refused = run(data_home, "import", str(city), "--replace")
    assert refused.returncode == 1
    assert "P-112-002 is missing; procedure city-robbery" in refused.stderr
