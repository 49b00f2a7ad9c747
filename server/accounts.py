"""The accounts of the operations centre in PostgreSQL: who may log in, in which role and
districts, and the failed logins that throttle password guessing across every server process.
"""

from __future__ import annotations

import builtins
import math
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg.rows import dict_row

from core.clock import Clock, SystemClock
from core.errors import CityroomError
from server.errors import DatabaseUnavailable, describe_database
from server.passwords import (
    check_password_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from server.roles import Account, Role, known_districts

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{1,64}")
_USERNAME_RULE = "1 to 64 characters of a-z, 0-9, '.', '_' and '-' (lower case)"
_DISPLAY_NAME_MAX = 200
_LIST_HINT = "'python main.py users list' shows the accounts"

_T = TypeVar("_T")


class AccountError(CityroomError):
    """An account change or a login that is refused; the message names the account and why."""


class InvalidUsername(AccountError, ValueError):
    """A user name that breaks the naming rule."""

    def __init__(self, username: str) -> None:
        super().__init__(f"the user name {username!r} is not allowed: use {_USERNAME_RULE}")


class UnknownAccount(AccountError, LookupError):
    """No account has this user name."""

    def __init__(self, username: str) -> None:
        super().__init__(f"there is no account {username!r}; {_LIST_HINT}")
        self.username = username


class AccountExists(AccountError):
    """An account with this user name exists already."""

    def __init__(self, username: str) -> None:
        super().__init__(
            f"the account {username!r} exists already; choose another user name, or change it "
            f"with 'python main.py users set-role' or 'users set-password'"
        )
        self.username = username


class UnknownDistrict(AccountError, ValueError):
    """A district code that is not one of the demo city's."""

    def __init__(self, code: str) -> None:
        known = ", ".join(f"{c} {name}" for c, name in known_districts().items())
        super().__init__(
            f"{code!r} is not a district code of the city; use the five-digit KOSTAT codes "
            f"(listed in resources/city/districts.geojson): {known}"
        )
        self.code = code


class DistrictChoiceError(AccountError, ValueError):
    """Both a list of districts and "all districts" were asked for."""

    def __init__(self) -> None:
        super().__init__(
            "give either a list of districts or all districts, not both "
            "(--districts CODE,CODE or --all-districts)"
        )


class LoginFailed(AccountError):
    """Wrong user name or password: deliberately the same message for either."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password; check both and try again")


class LoginThrottled(AccountError):
    """Too many failed logins for this user name lately: wait before trying again."""

    def __init__(self, username: str, retry_after_s: int) -> None:
        super().__init__(
            f"too many failed logins for {username!r}; wait {retry_after_s} s and try again "
            "(an administrator can set a new password with 'python main.py users set-password')"
        )
        self.username = username
        self.retry_after_s = retry_after_s


class AccountDisabled(AccountError):
    """The password is right but the account may not log in."""

    def __init__(self, username: str) -> None:
        super().__init__(
            f"the account {username!r} is disabled; an administrator can enable it with "
            f"'python main.py users enable {username}'"
        )
        self.username = username


def check_username(username: str) -> None:
    """Raise :class:`InvalidUsername` unless ``username`` follows the naming rule."""
    if USERNAME_PATTERN.fullmatch(username) is None:
        raise InvalidUsername(username)


def check_districts(codes: Collection[str]) -> frozenset[str]:
    """The codes as a set; raises :class:`UnknownDistrict` naming the first unknown one."""
    known = known_districts()
    for code in sorted(codes):
        if code not in known:
            raise UnknownDistrict(code)
    return frozenset(codes)


_COLUMNS = "username, display_name, role, districts, all_districts, disabled"


class AccountStore:
    """Accounts and failed logins in the server's database (shared by every server process)."""

    def __init__(self, pool: psycopg_pool.ConnectionPool[Any], clock: Clock | None = None) -> None:
        self._pool = pool
        self._clock: Clock = clock or SystemClock()
        self._database = describe_database(str(pool.conninfo))

    # -- reading -----------------------------------------------------------------------------

    def get(self, username: str) -> Account | None:
        """The account named ``username``, or None."""
        row = self._one(f"SELECT {_COLUMNS} FROM accounts WHERE username = %s", (username,))
        return None if row is None else _account(row)

    def list(self) -> builtins.list[Account]:
        """Every account, by user name."""

        def run(conn: psycopg.Connection[Any]) -> builtins.list[Account]:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(f"SELECT {_COLUMNS} FROM accounts ORDER BY username")
                return [_account(row) for row in cur.fetchall()]

        return self._run(run)

    # -- changing ----------------------------------------------------------------------------

    def add(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        districts: Collection[str] = (),
        all_districts: bool = False,
        display_name: str = "",
    ) -> Account:
        """Create an account; raises InvalidUsername, WeakPassword, UnknownDistrict,
        DistrictChoiceError or AccountExists."""
        check_username(username)
        role = Role(role)
        codes = check_districts(districts)
        if codes and all_districts:
            raise DistrictChoiceError()
        check_password_policy(password)
        display_name = _display_name(display_name, username)
        password_hash = hash_password(password)
        now = self._clock.now_ms()
        row = self._one(
            f"""INSERT INTO accounts (username, display_name, role, districts, all_districts,
                    password_hash, disabled, created_ms, changed_ms)
                VALUES (%s, %s, %s, %s, %s, %s, false, %s, %s)
                ON CONFLICT (username) DO NOTHING
                RETURNING {_COLUMNS}""",
            (
                username,
                display_name,
                str(role),
                sorted(codes),
                all_districts,
                password_hash,
                now,
                now,
            ),
        )
        if row is None:
            raise AccountExists(username)
        return _account(row)

    def disable(self, username: str) -> Account:
        """Stop the account from logging in and from using the tokens it holds."""
        return self._update(username, "disabled = true", ())

    def enable(self, username: str) -> Account:
        """Let a disabled account log in again."""
        return self._update(username, "disabled = false", ())

    def set_role(
        self,
        username: str,
        role: Role,
        *,
        districts: Collection[str] | None = None,
        all_districts: bool | None = None,
    ) -> Account:
        """Change the role; ``districts`` / ``all_districts`` replace the district scope when
        given (a list of districts means "only these"), else it stays as it was."""
        role = Role(role)
        assignments = ["role = %s"]
        params: builtins.list[Any] = [str(role)]
        if districts is not None:
            codes = check_districts(districts)
            if codes and all_districts:
                raise DistrictChoiceError()
            assignments.append("districts = %s")
            params.append(sorted(codes))
            if all_districts is None:
                all_districts = False
        if all_districts is not None:
            assignments.append("all_districts = %s")
            params.append(all_districts)
            if all_districts and districts is None:
                assignments.append("districts = '{}'")
        return self._update(username, ", ".join(assignments), tuple(params))

    def set_password(self, username: str, password: str) -> Account:
        """Give the account a new password (checked against the rule); clears its failed
        logins, so a throttled person can log in at once with the new one."""
        check_password_policy(password)
        password_hash = hash_password(password)

        def run(conn: psycopg.Connection[Any]) -> Account:
            account = self._update_on(conn, username, "password_hash = %s", (password_hash,))
            conn.execute("DELETE FROM login_failures WHERE username = %s", (username,))
            return account

        return self._run(run)

    # -- logging in --------------------------------------------------------------------------

    def authenticate(
        self,
        username: str,
        password: str,
        *,
        remote: str = "",
        max_failures: int = 5,
        window_s: float = 300.0,
    ) -> Account:
        """The account if the password is right; raises LoginFailed (unknown name or wrong
        password: one message for both), LoginThrottled (``max_failures`` failures of this
        name within ``window_s``, counted by every server process) or AccountDisabled
        (which counts as a failure too: the name may not log in either way)."""
        if USERNAME_PATTERN.fullmatch(username) is None:
            # Never stored, so junk names cannot fill the failure table; still as slow as a
            # real check, so timing does not tell which names exist.
            verify_password(dummy_hash(), password)
            raise LoginFailed()
        window_ms = math.ceil(window_s * 1000)
        now = self._clock.now_ms()

        def admit(
            conn: psycopg.Connection[Any],
        ) -> tuple[dict[str, Any] | None, LoginThrottled | None]:
            # One admission at a time per user name across every process: the count is exact.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('login:' || %s))", (username,))
            conn.execute(
                "DELETE FROM login_failures WHERE username = %s AND ts_ms <= %s",
                (username, now - window_ms),
            )
            recent = conn.execute(
                "SELECT ts_ms FROM login_failures WHERE username = %s ORDER BY ts_ms DESC "
                "LIMIT %s",
                (username, max_failures),
            ).fetchall()
            if len(recent) >= max_failures:
                # Trying again is possible once the max_failures-th latest failure leaves
                # the window. Returned, not raised, so the clean-up above is committed.
                wait_ms = recent[-1][0] + window_ms - now
                return None, LoginThrottled(username, max(1, math.ceil(wait_ms / 1000)))
            # Every attempt counts as a failure until it succeeds: parallel guesses at any
            # number of processes cannot pass the limit, and no connection (nor the lock) is
            # held while the deliberately slow hash is checked.
            conn.execute(
                "INSERT INTO login_failures (username, ts_ms, remote) VALUES (%s, %s, %s)",
                (username, now, remote[:200]),
            )
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(
                    f"SELECT {_COLUMNS}, password_hash FROM accounts WHERE username = %s",
                    (username,),
                )
                return cur.fetchone(), None

        row, throttled = self._run(admit)
        if throttled is not None:
            raise throttled
        stored = dummy_hash() if row is None else str(row["password_hash"])
        if not verify_password(stored, password) or row is None:
            raise LoginFailed()
        account = _account(row)
        if account.disabled:
            raise AccountDisabled(username)
        rehashed = hash_password(password) if needs_rehash(stored) else None

        def succeed(conn: psycopg.Connection[Any]) -> None:
            conn.execute("DELETE FROM login_failures WHERE username = %s", (username,))
            if rehashed is not None:
                # Only if the password was not changed meanwhile.
                conn.execute(
                    "UPDATE accounts SET password_hash = %s "
                    "WHERE username = %s AND password_hash = %s",
                    (rehashed, username, stored),
                )

        self._run(succeed)
        return account

    # -- plumbing ----------------------------------------------------------------------------

    def _update(self, username: str, assignments: str, params: tuple[Any, ...]) -> Account:
        return self._run(lambda conn: self._update_on(conn, username, assignments, params))

    def _update_on(
        self,
        conn: psycopg.Connection[Any],
        username: str,
        assignments: str,
        params: tuple[Any, ...],
    ) -> Account:
        with conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                f"UPDATE accounts SET {assignments}, changed_ms = %s WHERE username = %s "
                f"RETURNING {_COLUMNS}",
                (*params, self._clock.now_ms(), username),
            )
            row = cur.fetchone()
        if row is None:
            raise UnknownAccount(username)
        return _account(row)

    def _one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        def run(conn: psycopg.Connection[Any]) -> dict[str, Any] | None:
            with conn.cursor(row_factory=dict_row) as cur:
                cur.execute(sql, params)
                return cur.fetchone()

        return self._run(run)

    def _run(self, fn: Callable[[psycopg.Connection[Any]], _T]) -> _T:
        """``fn`` in one transaction (committed when it returns, rolled back when it raises);
        a lost or unreachable database becomes DatabaseUnavailable."""
        with self._database_errors(), self._pool.connection() as conn, conn.transaction():
            return fn(conn)

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg_pool.PoolTimeout as error:
            raise DatabaseUnavailable(
                self._database, f"no connection within the timeout ({error})"
            ) from error
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable(self._database, _first_line(error)) from error


def _account(row: dict[str, Any]) -> Account:
    return Account(
        username=str(row["username"]),
        display_name=str(row["display_name"]),
        role=Role(row["role"]),
        districts=frozenset(row["districts"]),
        all_districts=bool(row["all_districts"]),
        disabled=bool(row["disabled"]),
    )


def _display_name(display_name: str, username: str) -> str:
    name = display_name.strip() or username
    if len(name) > _DISPLAY_NAME_MAX:
        raise AccountError(
            f"the display name of {username!r} is longer than {_DISPLAY_NAME_MAX} characters; "
            "shorten it"
        )
    return name


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
