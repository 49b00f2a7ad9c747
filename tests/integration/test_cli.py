"""The command line as a script would use it: simulate, log stats/verify, incidents list."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli import cityroom, cityroom_json


def test_simulate_then_stats_verify_and_list(tmp_path: Path) -> None:
    db = str(tmp_path / "city.db")
    result = cityroom(
        "simulate",
        "--db",
        db,
        "--speed",
        "max",
        "--duration",
        "1200",
        "--seed",
        "5",
        "--rate",
        "10",
    )
    assert result.returncode == 0, result.stderr
    stats = cityroom_json("log", "stats", "--db", db, "--json")
    assert stats["events"] == stats["last_seq"] > 10_000
    assert stats["events_by_type"]["sensor.reading"] > 10_000
    assert stats["incidents"] == stats["incidents_by_status"]["new"] > 5
    verify = cityroom("log", "verify", "--db", db)
    assert verify.returncode == 0 and "hash chain intact" in verify.stdout
    incidents = cityroom_json("incidents", "list", "--db", db, "--json")
    assert len(incidents) == stats["incidents"]
    first = incidents[0]
    assert set(first) >= {
        "id",
        "type_code",
        "name_ko",
        "name_en",
        "severity",
        "status",
        "district_code",
        "lat",
        "lon",
        "opened",
        "last_changed",
    }
    assert first["opened"].endswith("Z")
    assert cityroom_json("incidents", "list", "--db", db, "--status", "closed", "--json") == []


def test_simulate_one_scenario_and_count(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    result = cityroom(
        "simulate",
        "--db",
        db,
        "--scenario",
        "gas_leak_near_school",
        "--speed",
        "max",
        "--rate",
        "0",
    )
    assert result.returncode == 0, result.stderr
    incidents = cityroom_json("incidents", "list", "--db", db, "--json")
    assert "H-GAS" in [i["type_code"] for i in incidents]
    assert cityroom("simulate", "--db", db, "--count", "5000").returncode == 0
    stats = cityroom_json("log", "stats", "--db", db, "--json")
    assert stats["events_by_type"]["sensor.reading"] >= 5000


def test_verify_fails_naming_the_first_bad_event(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    assert cityroom("simulate", "--db", str(db), "--count", "100").returncode == 0
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER events_append_only_update")
    con.execute("UPDATE events SET payload = '{}' WHERE seq = 42")
    con.commit()
    con.close()
    result = cityroom("log", "verify", "--db", str(db))
    assert result.returncode == 1
    assert "event 42" in result.stderr and "contents changed" in result.stderr


def test_unknown_options_print_usage_and_exit_2() -> None:
    for args in (
        ["--frobnicate"],
        ["simulate", "--db", "x.db", "--sped", "2"],
        ["log", "stats"],
        ["incidents", "list", "--db", "x", "--status", "lost"],
    ):
        result = cityroom(*args)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr


def test_bad_inputs_give_clear_errors(tmp_path: Path) -> None:
    missing = cityroom("log", "stats", "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 512)
    before = junk.read_bytes()
    for args in (
        ["log", "verify", "--db", str(junk)],
        ["simulate", "--db", str(junk), "--count", "10"],
    ):
        result = cityroom(*args)
        assert result.returncode == 1
        assert str(junk) in result.stderr and "--db" in result.stderr
    assert junk.read_bytes() == before
    bad_scenario = cityroom("simulate", "--db", str(tmp_path / "x.db"), "--scenario", "volcano")
    assert bad_scenario.returncode == 1 and "fire_blocked_access" in bad_scenario.stderr
    assert not (tmp_path / "x.db").exists()


def test_handover_writes_the_open_incidents_as_html_and_pdf(tmp_path: Path) -> None:
    from core.commands import ReportIncident
    from core.local_backend import LocalBackend

    db = tmp_path / "shift.db"
    backend = LocalBackend.open(db)
    backend.submit(
        ReportIncident("F-FIRE", 37.5, 127.0, "11230", summary="3층 화재"), "119"
    ).result()
    backend.close()
    html = tmp_path / "handover.html"
    result = cityroom("handover", "--db", str(db), "--out", str(html), "--language", "ko")
    assert result.returncode == 0, result.stderr
    page = html.read_text(encoding="utf-8")
    assert "INC-000001" in page and "화재" in page and "3층 화재" in page
    pdf = tmp_path / "handover.pdf"
    result = cityroom("handover", "--db", str(db), "--out", str(pdf), "--language", "en")
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    result = cityroom("handover", "--db", str(db), "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and ".html or .pdf" in result.stderr
    result = cityroom("handover", "--db", str(tmp_path / "none.db"), "--out", str(html))
    assert result.returncode == 1 and "none.db" in result.stderr
