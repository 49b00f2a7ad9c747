"""Password hashing (Argon2id) and the centre's password rule."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import CityroomError

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing is deliberately slow; an unbounded input would be a lever for abuse

PASSWORD_RULE = (
    f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters and at least two kinds of "
    "character (letters, digits, other signs such as spaces or punctuation)"
)

# argon2-cffi's defaults follow RFC 9106's recommended low-memory profile for Argon2id.
_HASHER = PasswordHasher()


class WeakPassword(CityroomError, ValueError):
    """A new password does not follow the rule; the message states the rule."""


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` with a fresh salt, in the PHC string format."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (a damaged hash never matches)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's and should be redone."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def check_password_policy(password: str) -> None:
    """Raise :class:`WeakPassword` stating the rule unless ``password`` follows it."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"the password is too short ({len(password)} characters): {PASSWORD_RULE}"
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            f"the password is too long ({len(password)} characters): {PASSWORD_RULE}"
        )
    kinds = {"letter" if c.isalpha() else "digit" if c.isdigit() else "other" for c in password}
    if len(kinds) < 2:
        raise WeakPassword(f"the password has only one kind of character: {PASSWORD_RULE}")


@cache
def dummy_hash() -> str:
    """A hash to verify against when the user name is unknown, so that an unknown name takes
    as long to refuse as a wrong password (and names cannot be probed by timing)."""
    return _HASHER.hash("no account has this password: it only costs time")
