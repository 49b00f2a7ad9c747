"""server.toml: the shipped example is valid, and mistakes name the line, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ServerConfigError, load_server_config, server_config_from_text

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "server" / "server.example.toml"


def test_the_shipped_example_is_valid_and_gives_the_defaults() -> None:
    config = load_server_config(EXAMPLE)
    assert config.listen.port == 8443 and config.listen.tls_cert is None
    assert config.auth.token_minutes == 15 and config.field.mqtt_broker == ""


def test_a_typo_names_its_line_and_key() -> None:
    with pytest.raises(ServerConfigError) as error:
        server_config_from_text("[listen]\nport = 9000\n\n[auth]\ntoken_minuts = 5\n")
    assert error.value.line == 5 and error.value.key == "auth.token_minuts"
    assert "no such key" in str(error.value)


def test_a_wrong_type_or_range_is_refused() -> None:
    with pytest.raises(ServerConfigError, match=r"listen\.port"):
        server_config_from_text("[listen]\nport = 70000\n")
    with pytest.raises(ServerConfigError, match="not valid TOML"):
        server_config_from_text("[listen\n")


def test_tls_needs_both_files_and_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    with pytest.raises(ServerConfigError, match="only one of tls_cert and tls_key"):
        server_config_from_text('[listen]\ntls_cert = "a.crt"\n')
    path = tmp_path / "server.toml"
    path.write_text('[listen]\ntls_cert = "a.crt"\ntls_key = "a.key"\n', encoding="utf-8")
    assert load_server_config(path).listen.tls_cert == tmp_path / "a.crt"


def test_the_token_secret_must_be_long_enough(tmp_path: Path) -> None:
    secret = tmp_path / "token.secret"
    secret.write_text("short")
    config = server_config_from_text(f'[auth]\nsecret_file = "{secret}"\n')
    with pytest.raises(ServerConfigError, match="shorter than 32"):
        config.token_secret()
    secret.write_text("x" * 64)
    assert config.token_secret() == b"x" * 64


def test_the_database_url_comes_from_the_environment_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = server_config_from_text('[database]\nurl = "postgresql://a@h/db"\n')
    assert config.database_url == "postgresql://a@h/db"
    monkeypatch.setenv("CITYROOM_DATABASE_URL", "postgresql://b@h/other")
    assert config.database_url == "postgresql://b@h/other"


def test_dispatch_and_automation_default_to_off_and_the_example_switches_them_on() -> None:
    config = server_config_from_text("[listen]\nport = 9000\n")
    assert config.dispatch.registry is None and not config.dispatch.simulate_agencies
    assert not config.automation.escalation and not config.automation.procedures
    assert config.automation.escalate_after_s == 60
    # What a centre copies escalates and starts procedures: workstations on it no longer do.
    example = load_server_config(EXAMPLE)
    assert example.automation.escalation and example.automation.procedures
    assert example.dispatch.registry is None  # a registry is the site's own


def test_the_registry_and_procedure_folder_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "agencies.toml").write_text("", encoding="utf-8")
    (tmp_path / "sop").mkdir()
    path = tmp_path / "server.toml"
    path.write_text(
        '[dispatch]\nregistry = "agencies.toml"\nsimulate_agencies = true\n'
        "[automation]\nescalation = true\nescalate_after_s = 15\nprocedures = true\n"
        'procedures_dir = "sop"\n',
        encoding="utf-8",
    )
    config = load_server_config(path)
    assert config.dispatch.registry == tmp_path / "agencies.toml"
    assert config.dispatch.simulate_agencies
    assert config.automation.procedures_dir == tmp_path / "sop"
    assert config.automation.escalation and config.automation.escalate_after_s == 15


def test_a_missing_registry_or_procedure_folder_names_its_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "server.toml"
    path.write_text('[listen]\nport = 9000\n[dispatch]\nregistry = "gone.toml"\n')
    with pytest.raises(ServerConfigError) as error:
        load_server_config(path)
    assert error.value.line == 4 and error.value.key == "dispatch.registry"
    assert "gone.toml does not exist" in str(error.value) and "agencies.toml" in str(error.value)
    path.write_text('[automation]\nprocedures = true\n\nprocedures_dir = "none"\n')
    with pytest.raises(ServerConfigError) as error:
        load_server_config(path)
    assert error.value.line == 4 and error.value.key == "automation.procedures_dir"
    assert "is not a folder" in str(error.value)


def test_automation_switches_and_times_are_checked() -> None:
    with pytest.raises(ServerConfigError) as error:
        server_config_from_text("[automation]\nescalation = true\nescalate_after_s = 2\n")
    assert error.value.line == 3 and error.value.key == "automation.escalate_after_s"
    assert "greater than or equal to 10" in str(error.value)
    with pytest.raises(ServerConfigError) as error:
        server_config_from_text("[automation]\nescalaton = true\n")
    assert error.value.line == 2 and error.value.key == "automation.escalaton"
    assert "no such key" in str(error.value)
    with pytest.raises(ServerConfigError, match=r"dispatch\.simulate_agencies"):
        server_config_from_text('[dispatch]\nsimulate_agencies = "maybe"\n')
