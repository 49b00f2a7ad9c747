"""The agency registry: the demo's file, mistakes named with their line and key, keys that
never sit in the file, the site's own registry, and keyed pseudonyms."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.dispatch.agencies import (
    DEMO_REGISTRY,
    AgencyFileError,
    AgencyKeyError,
    Registry,
    Transport,
    registry_path,
)
from core.dispatch.model import SENSITIVE, Format, RelatedKind
from core.dispatch.pseudonym import Pseudonymiser, pseudonym_key
from core.errors import UnknownNameError
from core.sop.definitions import DataClass, Recipient

NOW = 1_790_000_000_000  # 2026-09

SMALL = """\
[centre]
sender_id = "uoc@seoul.go.kr"
name_ko = "서울특별시 도시통합운영센터"
name_en = "Seoul Urban Operations Centre"
inbound = { host = "127.0.0.1", port = 18100 }

[[agency]]
id = "police-112"
name_ko = "112종합상황실"
name_en = "112 Situation Room"
kind = "police"
formats = ["edxl", "cap"]
data_classes = ["summary", "still"]

[[agency.legal_basis]]
name_ko = "112 긴급영상 지원 업무협약"
name_en = "112 emergency video MOU"
date = "2015-07"
covers = ["summary", "still"]

[agency.endpoint]
transport = "https"
url = "https://112.example.kr/cap"
auth = { kind = "hmac", key_env = "CITYROOM_TEST_KEY_112" }
"""


def load(text: str, tmp_path: Path | None = None) -> Registry:
    path = (tmp_path or Path("/nowhere")) / "agencies.toml"
    return Registry.from_text(text, path, base=tmp_path, now_ms=NOW)


def refusal(text: str, tmp_path: Path | None = None) -> AgencyFileError:
    with pytest.raises(AgencyFileError) as caught:
        load(text, tmp_path)
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_demo_registry_has_the_seoul_agencies_on_local_ports() -> None:
    registry = Registry.load(DEMO_REGISTRY)
    assert registry.centre.sender_id == "uoc@seoul.go.kr"
    assert {a.kind for a in registry.agencies} == set(Recipient)
    assert [a.id for a in registry.for_kind(Recipient.TELECOM)] == [
        "telecom-skt",
        "telecom-kt",
        "telecom-lgu",
    ]
    for agency in registry.agencies:
        assert agency.endpoint.transport is Transport.HTTP
        assert agency.endpoint.url and agency.endpoint.url.startswith("http://127.0.0.1:181")
        assert agency.endpoint.auth.kind == "hmac"
        for data_class in set(agency.data_classes) & SENSITIVE:
            assert agency.bases_for(data_class, NOW), (agency.id, data_class)
    police = registry.get("police-112")
    assert police.preferred_format is Format.EDXL
    assert police.bases_for(DataClass.VIDEO_LINK)[0].date == "2015-07"
    assert registry.get("fire-119").bases_for(DataClass.STILL)[0].date == "2015-09"
    assert registry.get("telecom-kt").legal_basis[0].date == "2016-07"
    assert registry.get("telecom-kt").data_classes == (DataClass.SUMMARY,)
    assert registry.get("tax-38").data_classes == (DataClass.SUMMARY, DataClass.PLATE)
    ports = {int(a.endpoint.url.rsplit(":", 1)[1].split("/")[0]) for a in registry.agencies}
    assert len(ports) == len(registry.agencies) and all(18110 <= p <= 18130 for p in ports)
    with pytest.raises(UnknownNameError, match="police-112, fire-119"):
        registry.get("police-911")


def test_a_misspelt_key_is_named_with_its_line() -> None:
    text = SMALL.replace('formats = ["edxl", "cap"]', 'formts = ["edxl", "cap"]')
    error = refusal(text)
    assert error.line == line_of(text, "formts") and error.key == "formts"
    assert "did you mean 'formats'" in str(error).lower()
    assert error.entry_id == "police-112"


def test_a_wrong_value_names_the_choices() -> None:
    text = SMALL.replace(
        'data_classes = ["summary", "still"]', 'data_classes = ["summary", "stil"]'
    )
    error = refusal(text)
    assert error.line == line_of(text, "data_classes") and "stil" in error.problem
    assert "person_location" in error.fix


def test_plain_http_is_refused_to_another_machine() -> None:
    text = SMALL.replace('transport = "https"', 'transport = "http"').replace(
        "https://112.example.kr/cap", "http://112.example.kr/cap"
    )
    error = refusal(text)
    assert error.key == "endpoint.url" and error.line == line_of(text, "url =")
    assert "127.0.0.1" in error.problem and "https" in error.fix
    local = text.replace("http://112.example.kr/cap", "http://localhost:18111/packets")
    assert load(local).get("police-112").endpoint.url == "http://localhost:18111/packets"


def test_personal_data_needs_a_dated_legal_basis_in_force() -> None:
    uncovered = SMALL.replace(
        'data_classes = ["summary", "still"]', 'data_classes = ["summary", "still", "plate"]'
    )
    error = refusal(uncovered)
    assert error.key == "data_classes" and "plate" in error.problem
    too_wide = SMALL.replace('covers = ["summary", "still"]', 'covers = ["summary", "phone"]')
    error = refusal(too_wide)
    assert error.key == "legal_basis.covers" and "phone" in error.problem
    future = SMALL.replace('date = "2015-07"', 'date = "2031-01-01"')
    error = refusal(future)
    assert error.key == "legal_basis.date" and error.line == line_of(future, "2031")
    undated = SMALL.replace('date = "2015-07"\n', "")
    assert "no date" in refusal(undated).problem
    assert "calendar" in refusal(SMALL.replace("2015-07", "2015-13")).problem


def test_ids_are_unique() -> None:
    second = SMALL[SMALL.index("[[agency]]") :]
    error = refusal(SMALL + "\n" + second)
    assert error.key == "id" and "already used" in error.problem


def test_a_key_is_never_written_in_the_file(tmp_path: Path) -> None:
    text = SMALL.replace('key_env = "CITYROOM_TEST_KEY_112"', 'key = "s3cret"')
    error = refusal(text)
    assert "never" in error.problem and "key_env" in error.fix
    missing = SMALL.replace('key_env = "CITYROOM_TEST_KEY_112"', 'key_file = "keys/112.key"')
    error = refusal(missing, tmp_path)
    assert error.key == "endpoint.auth.key_file" and str(tmp_path / "keys") in error.problem


def test_a_missing_environment_variable_is_a_warning_and_a_clear_error_when_signing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CITYROOM_TEST_KEY_112", raising=False)
    registry = load(SMALL)
    assert any("CITYROOM_TEST_KEY_112" in w for w in registry.warnings)
    with pytest.raises(AgencyKeyError, match="CITYROOM_TEST_KEY_112"):
        registry.get("police-112").hmac_key()
    monkeypatch.setenv("CITYROOM_TEST_KEY_112", "0123456789abcdef")
    assert registry.get("police-112").hmac_key() == b"0123456789abcdef"
    assert not load(SMALL).warnings


def test_the_demo_key_file_is_made_on_first_use_for_its_owner_only(tmp_path: Path) -> None:
    text = SMALL.replace(
        'key_env = "CITYROOM_TEST_KEY_112"', 'key_file = "keys/112.key", create_key = true'
    )
    agency = load(text, tmp_path).get("police-112")
    key = agency.hmac_key()
    path = tmp_path / "keys" / "112.key"
    assert key is not None and len(key) == 64 and path.read_bytes().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert agency.hmac_key() == key  # made once, then read


def test_client_certificates_need_https_and_their_files(tmp_path: Path) -> None:
    auth = 'auth = { kind = "client_cert", cert_file = "c.pem", key_file = "k.pem" }'
    text = SMALL.replace('auth = { kind = "hmac", key_env = "CITYROOM_TEST_KEY_112" }', auth)
    assert "c.pem" in refusal(text, tmp_path).problem
    (tmp_path / "c.pem").write_text("cert")
    (tmp_path / "k.pem").write_text("key")
    agency = load(text, tmp_path).get("police-112")
    assert agency.endpoint.auth.kind == "client_cert" and agency.hmac_key() is None
    assert agency.public_json()["endpoint"]["auth"] == "client_cert"


def test_a_site_registry_in_the_data_folder_replaces_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert registry_path() == DEMO_REGISTRY
    site = tmp_path / "cityroom" / "agencies.toml"
    site.parent.mkdir(parents=True)
    site.write_text(SMALL, encoding="utf-8")
    assert registry_path() == site
    assert [a.id for a in Registry.load().agencies] == ["police-112"]


def test_pseudonyms_are_keyed_stable_and_never_the_clear_value(tmp_path: Path) -> None:
    key = pseudonym_key(tmp_path)
    assert stat.S_IMODE((tmp_path / "pseudonym.key").stat().st_mode) == 0o600
    assert pseudonym_key(tmp_path) == key
    names = Pseudonymiser(key)
    plate = names.pseudonym(RelatedKind.PLATE, "12가 3456")
    assert plate.startswith("plate:") and "3456" not in plate
    assert names.pseudonym(RelatedKind.PLATE, "12가3456") == plate
    phone = names.pseudonym(RelatedKind.PHONE, "+82 10-1234-5678")
    assert phone == names.pseudonym(RelatedKind.PHONE, "010-1234-5678")
    assert phone.startswith("phone:")
    assert Pseudonymiser(os.urandom(32)).pseudonym(RelatedKind.PLATE, "12가3456") != plate
