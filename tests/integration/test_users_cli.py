"""``python main.py users …`` against a real PostgreSQL database."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg_pool
import pytest

from main import build_parser
from server.accounts import AccountStore, LoginFailed
from server.roles import Role
from server.users_cli import run_users
from tests.cli import REPO

PASSWORD = "correct horse 42"


@pytest.fixture(autouse=True)
def no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests name their database in the file; a URL set where they run must not win."""
    monkeypatch.delenv("CITYROOM_DATABASE_URL", raising=False)


@pytest.fixture
def config(tmp_path: Path, pg_url: str) -> Path:
    path = tmp_path / "server.toml"
    path.write_text(f'[database]\nurl = "{pg_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def store(pg_url: str) -> Iterator[AccountStore]:
    pool = psycopg_pool.ConnectionPool(pg_url, min_size=1, max_size=1, open=False)
    pool.open(wait=True)
    yield AccountStore(pool)
    pool.close()


def users(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python main.py users ARGS`` in a child without a terminal (so a password prompt
    reads standard input)."""
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        start_new_session=True,  # no controlling terminal: getpass falls back to stdin
        check=False,
    )


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """``users ARGS`` in this process (fast): exit status, stdout, stderr."""
    parsed = build_parser().parse_args(["users", *args])
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        status = run_users(parsed, out, err)
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def test_help_lists_the_subcommands() -> None:
    result = users("--help")
    assert result.returncode == 0, result.stderr
    for command in ("add", "list", "disable", "enable", "set-role", "set-password"):
        assert command in result.stdout


def test_add_with_a_password_prompt(config: Path, store: AccountStore) -> None:
    added = users(
        "add",
        "kim",
        "--role",
        "operator",
        "--districts",
        "11110,11140",
        "--display-name",
        "김민지",
        "--config",
        str(config),
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Added kim (operator, districts 11110,11140)" in added.stdout
    assert store.authenticate("kim", PASSWORD).districts == {"11110", "11140"}


def test_list_shows_a_table(config: Path, store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR, districts=["11140", "11110"], display_name="김민지")
    listed = users("list", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == ["USERNAME", "DISPLAY", "NAME", "ROLE", "DISTRICTS", "DISABLED"]
    assert row.split() == ["kim", "김민지", "operator", "11110,11140", "no"]


def test_two_different_passwords_change_nothing(config: Path, store: AccountStore) -> None:
    result = users(
        "add", "kim", "--role", "auditor", "--config", str(config), stdin=f"{PASSWORD}\nother\n"
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "cityroom users: the two passwords differ; nothing was changed"
    )
    assert store.list() == []


def test_the_environment_overrides_the_database_url(
    tmp_path: Path, pg_url: str, store: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "server.toml"
    elsewhere.write_text('[database]\nurl = "postgresql://nobody@127.0.0.1:1/none"\n')
    monkeypatch.setenv("CITYROOM_DATABASE_URL", pg_url)
    status, _, err = run(
        "add",
        "lee",
        "--role",
        "supervisor",
        "--all-districts",
        "--password-stdin",
        "--config",
        str(elsewhere),
        stdin=PASSWORD + "\n",
    )
    assert status == 0, err
    lee = store.get("lee")
    assert lee is not None and lee.all_districts and lee.role is Role.SUPERVISOR


def test_disable_enable_set_role_set_password(config: Path, store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR, districts=["11110"])
    cfg = ["--config", str(config)]
    assert run("disable", "kim", *cfg)[0] == 0
    assert store.get("kim").disabled  # type: ignore[union-attr]
    assert run("enable", "kim", *cfg)[0] == 0
    assert not store.get("kim").disabled  # type: ignore[union-attr]

    status, out, _ = run("set-role", "kim", "supervisor", "--all-districts", *cfg)
    assert status == 0 and "Changed kim (supervisor, districts all)" in out
    status, _, _ = run("set-role", "kim", "operator", "--districts", "11010", *cfg)
    kim = store.get("kim")
    assert status == 0 and kim is not None
    assert kim.role is Role.OPERATOR and kim.districts == {"11010"} and not kim.all_districts

    status, _, _ = run("set-password", "kim", "--password-stdin", *cfg, stdin="brand new pass 9\n")
    assert status == 0
    with pytest.raises(LoginFailed):
        store.authenticate("kim", PASSWORD)
    assert store.authenticate("kim", "brand new pass 9").username == "kim"

    status, out, _ = run("list", "--json", *cfg)
    assert status == 0
    assert json.loads(out) == [
        {
            "username": "kim",
            "display_name": "kim",
            "role": "operator",
            "districts": ["11010"],
            "all_districts": False,
            "disabled": False,
        }
    ]


def test_refused_changes_exit_1(config: Path, store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    cfg = ["--config", str(config)]
    for args, said in (
        (("disable", "nobody"), "there is no account 'nobody'; 'python main.py users list'"),
        (("set-role", "nobody", "auditor"), "there is no account 'nobody'"),
        (("add", "kim", "--role", "auditor", "--password-stdin"), "'kim' exists already"),
    ):
        status, _, err = run(*args, *cfg, stdin=PASSWORD + "\n")
        assert status == 1, err
        assert err.startswith("cityroom users: ") and said in err


def test_bad_arguments_exit_2_before_the_database_is_touched(
    config: Path, store: AccountStore
) -> None:
    cfg = ["--config", str(config)]
    for args, said in (
        (("add", "Kim", "--role", "operator"), "the user name 'Kim' is not allowed"),
        (
            ("add", "kim", "--role", "operator", "--districts", "11999"),
            "'11999' is not a district",
        ),
        (("add", "kim", "--role", "operator", "--password-stdin"), "password is too short"),
        (("set-role", "kim", "operator", "--districts", "1"), "'1' is not a district"),
    ):
        status, _, err = run(*args, *cfg, stdin="short1\n")
        assert status == 2, err
        assert err.startswith("cityroom users: ") and said in err
    assert store.list() == []
    status, _, err = run("list", "--config", str(config.parent / "missing.toml"))
    assert status == 2 and "missing.toml" in err
    rejected = users("add", "kim", "--role", "janitor", *cfg)
    assert rejected.returncode == 2 and "invalid choice: 'janitor'" in rejected.stderr


def test_an_unreachable_database_exits_1(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "server.toml"
    path.write_text(f'[database]\nurl = "postgresql://cityroom@127.0.0.1:{port}/cityroom"\n')
    status, _, err = run("list", "--config", str(path))
    assert status == 1
    assert err.startswith("cityroom users: The database 127.0.0.1:") and "unavailable" in err
