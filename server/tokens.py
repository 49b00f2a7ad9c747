"""Short-lived access tokens: signed JSON Web Tokens (HS256) that prove who is calling.

A token proves identity until it expires, nothing more: the caller re-reads the account's role
and districts from the database on every request, so disabling an account or changing its role
takes effect at once. Every server process behind one load balancer signs with the same secret,
so a token from one is good at all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from core.clock import Clock, SystemClock, iso_ms
from core.errors import CityroomError
from server.roles import Account, Role

ALGORITHM = "HS256"
LEEWAY_MS = 5_000
"""Clock skew tolerated between the server that issued a token and the one checking it."""
MIN_SECRET_BYTES = 32
_CLAIMS = ("sub", "role", "iat", "exp", "jti")


class TokenError(CityroomError):
    """A token cannot be accepted; the caller must log in again."""


class TokenExpired(TokenError):
    """The token was good but its time is over."""

    def __init__(self, expires_ms: int) -> None:
        super().__init__(f"the session expired at {iso_ms(expires_ms)}; log in again")
        self.expires_ms = expires_ms


class TokenInvalid(TokenError):
    """The token is malformed, altered, or signed with another secret."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the session token is not valid ({reason}); log in again")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A fresh token and when it stops being accepted (UTC milliseconds)."""

    token: str
    expires_ms: int


@dataclass(frozen=True, slots=True)
class Claims:
    """What a valid token says: who, in which role when it was issued, and its lifetime."""

    username: str
    role: Role
    expires_ms: int
    issued_ms: int
    token_id: str = ""


class TokenIssuer:
    """Issues and checks tokens signed with ``secret`` that live ``minutes`` minutes."""

    def __init__(self, secret: bytes, minutes: float, clock: Clock | None = None) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a token secret needs at least {MIN_SECRET_BYTES} bytes")
        if minutes <= 0:
            raise ValueError("a token must live longer than 0 minutes")
        self._secret = secret
        self._lifetime_ms = round(minutes * 60_000)
        self._clock: Clock = clock or SystemClock()

    @property
    def lifetime_ms(self) -> int:
        """How long a token lives, in milliseconds."""
        return self._lifetime_ms

    def issue(self, account: Account) -> IssuedToken:
        """A new token for ``account``, valid from now for the configured lifetime."""
        issued_ms = self._clock.now_ms()
        expires_ms = issued_ms + self._lifetime_ms
        claims = {
            "sub": account.username,
            "role": str(account.role),
            # NumericDate may carry fractions (RFC 7519): milliseconds survive the round trip.
            "iat": issued_ms / 1000,
            "exp": expires_ms / 1000,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
        return IssuedToken(token, expires_ms)

    def verify(self, token: str) -> Claims:
        """The claims of ``token``; raises :class:`TokenExpired` or :class:`TokenInvalid`."""
        payload = self._decode(token)
        issued_ms = _millis(payload, "iat")
        expires_ms = _millis(payload, "exp")
        now_ms = self._clock.now_ms()
        if issued_ms > now_ms + LEEWAY_MS:
            raise TokenInvalid("issued in the future: the servers' clocks disagree")
        if now_ms > expires_ms + LEEWAY_MS:
            raise TokenExpired(expires_ms)
        try:
            role = Role(payload["role"])
        except ValueError:
            raise TokenInvalid("it names an unknown role") from None
        username, token_id = payload["sub"], payload["jti"]
        if not isinstance(username, str) or not isinstance(token_id, str):
            raise TokenInvalid("its subject or id is not text")
        return Claims(username, role, expires_ms, issued_ms, token_id)

    def _decode(self, token: str) -> dict[str, Any]:
        # Time is checked against the injected clock below, not by the library's wall clock.
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "require": list(_CLAIMS)},
            )
        except jwt.InvalidSignatureError:
            raise TokenInvalid(
                "its signature does not match: altered, or issued by a server with another secret"
            ) from None
        except jwt.MissingRequiredClaimError as error:
            raise TokenInvalid(f"the claim {error.claim!r} is missing") from None
        except jwt.InvalidTokenError:
            raise TokenInvalid("it is not a token this server issues") from None
        return payload


def _millis(payload: dict[str, Any], claim: str) -> int:
    value = payload[claim]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenInvalid(f"the claim {claim!r} is not a time")
    return round(value * 1000)
