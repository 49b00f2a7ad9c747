"""``python main.py users …``: the accounts of the operations backend, on the server machine.

- ``users add NAME --role ROLE [--districts CODE,CODE | --all-districts] [--display-name T]
  [--password-stdin]``: a new account (the password is asked twice unless read from stdin);
- ``users list [--json]``: every account with its role, districts and whether it is disabled;
- ``users disable NAME`` / ``users enable NAME``;
- ``users set-role NAME ROLE [--districts CODE,CODE | --all-districts]``;
- ``users set-password NAME [--password-stdin]``.

Each takes ``--config server.toml`` (``CITYROOM_DATABASE_URL`` overrides its database URL) and
first brings the database's schema up to date.

Exit status: 0 done, 1 the change was refused or the database cannot be used, 2 a usage
mistake (arguments, configuration).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.errors import CityroomError

if TYPE_CHECKING:
    from server.accounts import AccountStore
    from server.roles import Account

DONE, REFUSED, USAGE = 0, 1, 2
_PREFIX = "cityroom users:"
# Kept here as text so that building the parser imports nothing of the server.
_ROLES = ("operator", "supervisor", "administrator", "liaison", "auditor")


def _district_list(text: str) -> list[str]:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    if not codes:
        raise argparse.ArgumentTypeError("give one or more district codes, e.g. 11110,11140")
    return codes


def _add_scope(parser: argparse.ArgumentParser) -> None:
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--districts",
        type=_district_list,
        default=None,
        metavar="CODE,CODE",
        dest="users_districts",
        help="the districts (KOSTAT codes) the account works in",
    )
    scope.add_argument(
        "--all-districts",
        action="store_true",
        default=None,
        dest="users_all_districts",
        help="the account works in every district",
    )


def add_users_parser(subparsers: Any) -> None:
    """Add ``users …`` to the main command line's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        required=True,
        metavar="FILE",
        dest="users_config",
        help="the server's server.toml (CITYROOM_DATABASE_URL overrides its database URL)",
    )
    users = subparsers.add_parser("users", help="accounts of the operations backend (server)")
    commands = users.add_subparsers(dest="users_command", metavar="USERS_COMMAND", required=True)

    add = commands.add_parser("add", parents=[common], help="create an account")
    add.add_argument("users_name", metavar="NAME")
    add.add_argument("--role", choices=_ROLES, required=True, dest="users_role")
    _add_scope(add)
    add.add_argument("--display-name", default="", metavar="TEXT", dest="users_display_name")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        dest="users_password_stdin",
        help="read the password from the first line of standard input",
    )

    listing = commands.add_parser("list", parents=[common], help="every account")
    listing.add_argument("--json", action="store_true", dest="users_json")

    for name, text in (
        ("disable", "stop an account from logging in (at once, tokens included)"),
        ("enable", "let a disabled account log in again"),
    ):
        command = commands.add_parser(name, parents=[common], help=text)
        command.add_argument("users_name", metavar="NAME")

    set_role = commands.add_parser("set-role", parents=[common], help="change an account's role")
    set_role.add_argument("users_name", metavar="NAME")
    set_role.add_argument("users_role", choices=_ROLES, metavar="ROLE")
    _add_scope(set_role)

    set_password = commands.add_parser(
        "set-password", parents=[common], help="give an account a new password"
    )
    set_password.add_argument("users_name", metavar="NAME")
    set_password.add_argument(
        "--password-stdin",
        action="store_true",
        dest="users_password_stdin",
        help="read the password from the first line of standard input",
    )


def run_users(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one ``users`` subcommand; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    from server.config import ServerConfigError, load_server_config
    from server.errors import DatabaseUnavailable

    try:
        config = load_server_config(args.users_config)
    except ServerConfigError as error:
        print(f"{_PREFIX} {error}", file=err)
        return USAGE
    try:
        # Mistakes in the arguments are caught before a password is asked or the database
        # is touched.
        _check_arguments(args)
        password = _password(args)
        if password is not None:
            from server.passwords import check_password_policy

            check_password_policy(password)
    except CityroomError as error:
        print(f"{_PREFIX} {error}", file=err)
        return USAGE
    try:
        return _with_store(config.database_url, args, password, out)
    except DatabaseUnavailable as error:
        print(f"{_PREFIX} {error}", file=err)
        return REFUSED
    except CityroomError as error:
        print(f"{_PREFIX} {error}", file=err)
        return REFUSED


def _check_arguments(args: argparse.Namespace) -> None:
    from server.accounts import check_districts, check_username

    if args.users_command == "add":
        check_username(args.users_name)
    if getattr(args, "users_districts", None):
        check_districts(args.users_districts)


class _PasswordMismatch(CityroomError):
    """The password could not be read, or the two typings differ."""


def _password(args: argparse.Namespace) -> str | None:
    """The new password, for the subcommands that set one (asked before touching the
    database, so a typo costs no connection)."""
    if args.users_command not in ("add", "set-password"):
        return None
    if args.users_password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise _PasswordMismatch("no password on standard input (one line expected)")
        return password
    import getpass

    try:
        first = getpass.getpass(f"New password for {args.users_name}: ")
        second = getpass.getpass("Again: ")
    except (EOFError, KeyboardInterrupt):
        raise _PasswordMismatch("no password given; nothing was changed") from None
    if first != second:
        raise _PasswordMismatch("the two passwords differ; nothing was changed")
    return first


def _with_store(url: str, args: argparse.Namespace, password: str | None, out: TextIO) -> int:
    import psycopg_pool

    from server.accounts import AccountStore
    from server.schema import migrate

    migrate(url)
    pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
        url, min_size=1, max_size=1, timeout=10.0, open=False
    )
    pool.open()
    try:
        return _run(AccountStore(pool), args, password, out)
    finally:
        pool.close()


def _run(store: AccountStore, args: argparse.Namespace, password: str | None, out: TextIO) -> int:
    from server.roles import Role

    command = args.users_command
    if command == "list":
        _print_accounts(store.list(), args.users_json, out)
        return DONE
    name: str = args.users_name
    if command == "add":
        assert password is not None
        account = store.add(
            name,
            password,
            Role(args.users_role),
            districts=args.users_districts or (),
            all_districts=bool(args.users_all_districts),
            display_name=args.users_display_name,
        )
        print(f"Added {_describe(account)}.", file=out)
    elif command == "disable":
        account = store.disable(name)
        print(f"Disabled {account.username}: it can no longer log in or use its tokens.", file=out)
    elif command == "enable":
        account = store.enable(name)
        print(f"Enabled {account.username}.", file=out)
    elif command == "set-role":
        account = store.set_role(
            name,
            Role(args.users_role),
            districts=args.users_districts,
            all_districts=args.users_all_districts,
        )
        print(f"Changed {_describe(account)}.", file=out)
    elif command == "set-password":
        assert password is not None
        account = store.set_password(name, password)
        print(f"Set a new password for {account.username}.", file=out)
    return DONE


def _scope(account: Account) -> str:
    return "all" if account.all_districts else ",".join(sorted(account.districts)) or "-"


def _describe(account: Account) -> str:
    return f"{account.username} ({account.role}, districts {_scope(account)})"


def _print_accounts(accounts: list[Account], as_json: bool, out: TextIO) -> None:
    if as_json:
        rows = [dict(a.to_json(), disabled=a.disabled) for a in accounts]
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return
    if not accounts:
        print("No accounts. Add one with 'python main.py users add NAME --role ROLE'.", file=out)
        return
    header = ("USERNAME", "DISPLAY NAME", "ROLE", "DISTRICTS", "DISABLED")
    table = [header] + [
        (a.username, a.display_name, str(a.role), _scope(a), "yes" if a.disabled else "no")
        for a in accounts
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]), file=out)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Korean (wide) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
