"""Accounts on a real PostgreSQL database: changes, logins, throttling shared by processes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import psycopg_pool
import pytest
from argon2 import PasswordHasher

from core.clock import FakeClock
from server.accounts import (
    AccountDisabled,
    AccountExists,
    AccountStore,
    DistrictChoiceError,
    InvalidUsername,
    LoginFailed,
    LoginThrottled,
    UnknownAccount,
    UnknownDistrict,
)
from server.errors import DatabaseUnavailable
from server.passwords import WeakPassword
from server.roles import Role

PASSWORD = "correct horse 42"
NOWON, MAPO = "11110", "11140"


def open_pool(url: str) -> psycopg_pool.ConnectionPool:
    pool = psycopg_pool.ConnectionPool(url, min_size=1, max_size=2, timeout=5.0, open=False)
    pool.open(wait=True)
    return pool


@pytest.fixture
def pool(pg_url: str) -> Iterator[psycopg_pool.ConnectionPool]:
    pool = open_pool(pg_url)
    yield pool
    pool.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(pool: psycopg_pool.ConnectionPool, clock: FakeClock) -> AccountStore:
    return AccountStore(pool, clock)


def test_add_get_and_list(store: AccountStore) -> None:
    kim = store.add("kim", PASSWORD, Role.OPERATOR, districts=[NOWON, MAPO], display_name="김민지")
    assert kim.role is Role.OPERATOR and kim.districts == {NOWON, MAPO}
    assert kim.display_name == "김민지" and not kim.all_districts and not kim.disabled
    lee = store.add("lee.s", PASSWORD, Role.SUPERVISOR, all_districts=True)
    assert lee.display_name == "lee.s"  # the user name when no display name is given
    assert store.get("kim") == kim
    assert store.get("nobody") is None
    assert [a.username for a in store.list()] == ["kim", "lee.s"]


def test_adding_an_existing_user_is_refused(store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    with pytest.raises(AccountExists, match="'kim' exists already"):
        store.add("kim", "another password 1", Role.AUDITOR)
    assert store.get("kim").role is Role.OPERATOR  # type: ignore[union-attr]


def test_bad_names_districts_and_passwords_are_refused(store: AccountStore) -> None:
    for name in ("", "Kim", "kim lee", "a" * 65, "김"):
        with pytest.raises(InvalidUsername, match="a-z, 0-9"):
            store.add(name, PASSWORD, Role.OPERATOR)
    with pytest.raises(UnknownDistrict, match="'99999' is not a district code") as caught:
        store.add("kim", PASSWORD, Role.OPERATOR, districts=[NOWON, "99999"])
    assert "11010 Jongno-gu" in str(caught.value)
    with pytest.raises(DistrictChoiceError):
        store.add("kim", PASSWORD, Role.OPERATOR, districts=[NOWON], all_districts=True)
    for weak in ("short1", "onlylettershere", "123456789012345"):
        with pytest.raises(WeakPassword, match="12 to 256 characters"):
            store.add("kim", weak, Role.OPERATOR)
    assert store.list() == []


def test_login_with_the_right_and_wrong_password(store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR, districts=[NOWON])
    assert store.authenticate("kim", PASSWORD).username == "kim"
    with pytest.raises(LoginFailed) as wrong:
        store.authenticate("kim", "wrong password 1")
    with pytest.raises(LoginFailed) as unknown:
        store.authenticate("nobody", PASSWORD)
    with pytest.raises(LoginFailed):
        store.authenticate("Not A Valid Name", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    assert "wrong user name or password" in str(wrong.value)


def test_disable_and_enable(store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    assert store.disable("kim").disabled
    with pytest.raises(AccountDisabled, match="users enable kim"):
        store.authenticate("kim", PASSWORD)
    # A wrong password does not reveal that the account is disabled.
    with pytest.raises(LoginFailed):
        store.authenticate("kim", "wrong password 1")
    assert not store.enable("kim").disabled
    assert store.authenticate("kim", PASSWORD).username == "kim"
    with pytest.raises(UnknownAccount, match="users list"):
        store.disable("nobody")


def test_set_role_and_districts(store: AccountStore, clock: FakeClock) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR, districts=[NOWON])
    promoted = store.set_role("kim", Role.SUPERVISOR)
    assert promoted.role is Role.SUPERVISOR and promoted.districts == {NOWON}  # scope kept
    everywhere = store.set_role("kim", Role.OPERATOR, all_districts=True)
    assert everywhere.all_districts and everywhere.districts == frozenset()
    narrowed = store.set_role("kim", Role.OPERATOR, districts=[MAPO])
    assert narrowed.districts == {MAPO} and not narrowed.all_districts
    assert store.get("kim") == narrowed
    with pytest.raises(UnknownDistrict):
        store.set_role("kim", Role.OPERATOR, districts=["1111"])
    with pytest.raises(UnknownAccount):
        store.set_role("nobody", Role.AUDITOR)


def test_set_password(store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    store.set_password("kim", "a new password 7")
    with pytest.raises(LoginFailed):
        store.authenticate("kim", PASSWORD)
    assert store.authenticate("kim", "a new password 7").username == "kim"
    with pytest.raises(WeakPassword):
        store.set_password("kim", "weak")
    with pytest.raises(UnknownAccount):
        store.set_password("nobody", "a new password 7")


def test_throttling_is_shared_between_server_processes(
    pg_url: str, store: AccountStore, clock: FakeClock
) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    other_pool = open_pool(pg_url)  # another server process: its own connections
    try:
        other = AccountStore(other_pool, clock)
        stores = [store, other, store]
        for attempt in range(3):
            with pytest.raises(LoginFailed):
                stores[attempt].authenticate("kim", "wrong password 1", max_failures=3)
            clock.advance(10_000)
        # Even the right password waits now, at either process.
        for either in (store, other):
            with pytest.raises(LoginThrottled) as caught:
                either.authenticate("kim", PASSWORD, max_failures=3, window_s=60)
            # The first failure leaves the 60 s window 30 s after the third one.
            assert caught.value.retry_after_s == 30
            assert "wait 30 s" in str(caught.value)
        # Another name is not affected.
        with pytest.raises(LoginFailed):
            other.authenticate("lee", PASSWORD, max_failures=3, window_s=60)
        clock.advance(30_000)
        assert other.authenticate("kim", PASSWORD, max_failures=3, window_s=60).username == "kim"
    finally:
        other_pool.close()


def test_parallel_guesses_cannot_pass_the_limit(
    pg_url: str, store: AccountStore, clock: FakeClock
) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    other_pool = open_pool(pg_url)
    try:
        stores = [store, AccountStore(other_pool, clock)] * 3

        def guess(at: AccountStore) -> str:
            try:
                at.authenticate("kim", "wrong password 1", max_failures=3)
            except (LoginFailed, LoginThrottled) as error:
                return type(error).__name__
            return "logged in"

        with ThreadPoolExecutor(len(stores)) as pool:
            outcomes = sorted(pool.map(guess, stores))
        assert outcomes == ["LoginFailed"] * 3 + ["LoginThrottled"] * 3
    finally:
        other_pool.close()


def test_a_successful_login_clears_the_failures(store: AccountStore, clock: FakeClock) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    with pytest.raises(LoginFailed):
        store.authenticate("kim", "wrong password 1", max_failures=2)
    store.authenticate("kim", PASSWORD, max_failures=2)
    with pytest.raises(LoginFailed):
        store.authenticate("kim", "wrong password 1", max_failures=2)
    # Two failures in the window would throttle this one, had the success not cleared them.
    assert store.authenticate("kim", PASSWORD, max_failures=2).username == "kim"


def test_a_new_password_lifts_the_throttle(store: AccountStore) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    with pytest.raises(LoginFailed):
        store.authenticate("kim", "wrong password 1", max_failures=1)
    with pytest.raises(LoginThrottled):
        store.authenticate("kim", PASSWORD, max_failures=1)
    store.set_password("kim", "a new password 7")
    assert store.authenticate("kim", "a new password 7", max_failures=1).username == "kim"


def test_an_old_hash_is_upgraded_at_login(store: AccountStore, pg_url: str) -> None:
    store.add("kim", PASSWORD, Role.OPERATOR)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE accounts SET password_hash = %s WHERE username = 'kim'", (weak,))
    store.authenticate("kim", PASSWORD)
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT password_hash FROM accounts WHERE username = 'kim'").fetchone()
    assert row is not None and row[0] != weak
    assert not PasswordHasher().check_needs_rehash(row[0])
    assert store.authenticate("kim", PASSWORD).username == "kim"


def test_an_unreachable_database_is_reported(pg_cluster: object) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://cityroom@127.0.0.1:{port}/cityroom?connect_timeout=1"
    pool = psycopg_pool.ConnectionPool(url, min_size=0, max_size=1, timeout=0.5, open=False)
    pool.open()
    try:
        store = AccountStore(pool)
        with pytest.raises(DatabaseUnavailable, match=f"127.0.0.1:{port}/cityroom"):
            store.get("kim")
        with pytest.raises(DatabaseUnavailable):
            store.authenticate("kim", PASSWORD)
    finally:
        pool.close()
