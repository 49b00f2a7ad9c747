"""Access tokens: lifetime on an injected clock, tampering, another server's secret."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from core.clock import FakeClock
from server.roles import Account, Role
from server.tokens import LEEWAY_MS, Claims, TokenExpired, TokenInvalid, TokenIssuer

SECRET = b"k" * 32
KIM = Account("kim", "Kim Minji", Role.OPERATOR, frozenset({"11010"}), False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_767_225_600_123)


@pytest.fixture
def issuer(clock: FakeClock) -> TokenIssuer:
    return TokenIssuer(SECRET, minutes=15, clock=clock)


def test_a_fresh_token_names_the_account(issuer: TokenIssuer, clock: FakeClock) -> None:
    issued = issuer.issue(KIM)
    assert issued.expires_ms == clock.now_ms() + 15 * 60_000
    claims = issuer.verify(issued.token)
    assert claims == Claims(
        "kim", Role.OPERATOR, issued.expires_ms, clock.now_ms(), claims.token_id
    )
    assert claims.token_id
    assert issuer.issue(KIM).token != issued.token  # a new id each time


def test_a_token_expires_after_its_lifetime_and_the_leeway(
    issuer: TokenIssuer, clock: FakeClock
) -> None:
    issued = issuer.issue(KIM)
    clock.set(issued.expires_ms + LEEWAY_MS)  # another server's clock may run a little ahead
    assert issuer.verify(issued.token).username == "kim"
    clock.advance(1)
    with pytest.raises(TokenExpired, match="log in again") as caught:
        issuer.verify(issued.token)
    assert caught.value.expires_ms == issued.expires_ms


def test_a_token_issued_in_the_future_is_refused(clock: FakeClock) -> None:
    ahead = FakeClock(clock.now_ms() + LEEWAY_MS + 1000)
    token = TokenIssuer(SECRET, 15, clock=ahead).issue(KIM).token
    with pytest.raises(TokenInvalid, match="clocks disagree"):
        TokenIssuer(SECRET, 15, clock=clock).verify(token)


def test_a_tampered_token_is_refused(issuer: TokenIssuer) -> None:
    header, payload, signature = issuer.issue(KIM).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "administrator"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid, match=r"signature does not match.*log in again"):
        issuer.verify(f"{header}.{forged}.{signature}")


def test_a_token_of_another_secret_is_refused(issuer: TokenIssuer, clock: FakeClock) -> None:
    other = TokenIssuer(b"o" * 32, 15, clock=clock).issue(KIM).token
    with pytest.raises(TokenInvalid, match="another secret"):
        issuer.verify(other)


def test_unsigned_and_malformed_tokens_are_refused(issuer: TokenIssuer, clock: FakeClock) -> None:
    now_s = clock.now_ms() / 1000
    claims = {"sub": "kim", "role": "administrator", "iat": now_s, "exp": now_s + 60, "jti": "x"}
    unsigned = jwt.encode(claims, "", algorithm="none")
    for token in (unsigned, "", "not a token", "a.b.c"):
        with pytest.raises(TokenInvalid, match="log in again"):
            issuer.verify(token)


def test_missing_claims_and_unknown_roles_are_refused(
    issuer: TokenIssuer, clock: FakeClock
) -> None:
    now_s = clock.now_ms() / 1000
    no_id = {"sub": "kim", "role": "operator", "iat": now_s, "exp": now_s + 60}
    with pytest.raises(TokenInvalid, match="'jti' is missing"):
        issuer.verify(jwt.encode(no_id, SECRET, algorithm="HS256"))
    odd_role = dict(no_id, jti="x", role="janitor")
    with pytest.raises(TokenInvalid, match="unknown role"):
        issuer.verify(jwt.encode(odd_role, SECRET, algorithm="HS256"))


def test_a_short_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        TokenIssuer(b"short", 15)
