"""The backend's HTTP API: REST for commands and queries, a WebSocket event stream.

Every answer that is not a success has the same JSON shape, ``{"error": code, "message":
sentence, ...}``, and the sentence names the thing and the fix. The routes hold no state of
their own: the database decides, so any number of these processes can serve one centre.
The contract is written down in docs/remote-backend.md; ``/openapi.json`` is its schema.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.city import City
from core.commands import Command, IncidentCommand, ReportIncident
from core.errors import CommandRejected, ConflictError, IllegalTransition
from core.events import EventRecord, EventType, NewEvent
from core.remote.wire import (
    COMMANDS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    WireError,
    command_from_json,
    new_event_from_json,
    record_to_json,
)
from core.state import CityState
from server.accounts import AccountDisabled, AccountStore, LoginFailed, LoginThrottled
from server.audit import AuditTrail
from server.cameras import CameraRegistry
from server.config import ServerConfig
from server.errors import DatabaseUnavailable
from server.pg_backend import PgBackend
from server.pg_log import PgEventLog
from server.roles import (
    Account,
    may_publish,
    may_read_audit,
    may_see_incident,
    may_submit,
    visible_districts,
)
from server.tokens import TokenExpired, TokenInvalid, TokenIssuer
from server.visibility import DistrictResolver, as_seen, view_of

T = TypeVar("T")
_ACCOUNT_TTL_S = 1.0  # a disabled account or a changed role takes effect within this
MAX_LIMIT = 10_000


@dataclass
class ServerServices:
    """What the routes work with; one set per server process."""

    config: ServerConfig
    backend: PgBackend
    log: PgEventLog
    accounts: AccountStore
    tokens: TokenIssuer
    cameras: CameraRegistry
    city: City
    audit: AuditTrail
    instance: str
    leading: Callable[[], bool] | None = None
    """Whether this process holds the centre's leader lock now (None: it runs no central
    duty, so it never contends)."""


class ApiError(Exception):
    """An answer other than success, in the API's one error shape."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status_code
        self.code = code
        self.message = message
        self.headers = headers
        self.extra = extra

    def response(self) -> JSONResponse:
        """The JSON answer."""
        body = {"error": self.code, "message": self.message, **self.extra}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


# -- request and answer bodies (they make the OpenAPI schema) -------------------------------


class LoginBody(BaseModel):
    """A login."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


CommandName = StrEnum(  # type: ignore[misc]
    "CommandName", {name: name for name in sorted(COMMANDS)}
)


class CommandBody(BaseModel):
    """A command: its class name and fields, as core.remote.wire writes them."""

    command: CommandName
    fields: dict[str, Any]
    expected_version: Annotated[int, Field(ge=0, lt=1 << 62)] | None = None
    ts_ms: Annotated[int, Field(ge=0, lt=1 << 62)] | None = None
    client_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class EventsBody(BaseModel):
    """Facts from a workstation to append."""

    events: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=5000)]
    client_ref: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class RecordOut(BaseModel):
    """A stored event (the payload is its exact canonical JSON text)."""

    seq: int
    ts_ms: int
    type: str
    source: str
    actor: str
    subject: str | None
    payload: str
    prev_hash: str
    hash: str


class WithheldOut(BaseModel):
    """An event of a district the account does not see: its place in the chain only."""

    seq: int
    ts_ms: int
    withheld: bool
    prev_hash: str
    hash: str


class RecordsOut(BaseModel):
    """Events."""

    records: list[RecordOut | WithheldOut]
    last_seq: int | None = None


class AccountOut(BaseModel):
    """Who is logged in."""

    username: str
    display_name: str
    role: str
    districts: list[str]
    all_districts: bool
    disabled: bool = False


class TokenOut(BaseModel):
    """A fresh access token."""

    token: str
    expires_ms: int
    account: AccountOut
    log_id: str
    last_seq: int
    view: list[str] | None = None
    """The districts whose events this account receives in full (null: every district);
    the others' arrive withheld."""


class ErrorOut(BaseModel):
    """Every failure."""

    error: str
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 426, 429, 503)
}


# -- the application ------------------------------------------------------------------------


def create_app(services: ServerServices) -> FastAPI:
    """The ASGI application of one server process."""
    app = FastAPI(
        title="Cityroom operations backend",
        version=str(PROTOCOL_VERSION),
        description="Commands, queries and the live event stream of a centre's shared log. "
        f"Every call but /v1/health carries the header {PROTOCOL_HEADER}: "
        f"{PROTOCOL_VERSION}.",
        responses=_ERRORS,
    )
    app.state.services = services
    _install_error_handlers(app)
    _install_audit(app, services)
    cache: dict[str, tuple[float, Account | None]] = {}
    app.state.account_cache = cache
    resolver = DistrictResolver(lambda: services.backend.state_now().incidents, services.city)

    def seen_by(me: Account, records: list[EventRecord]) -> list[EventRecord]:
        view = view_of(me)
        if view.everything:
            return records
        return as_seen(records, resolver.districts_of(records), view)

    @app.get("/v1/health", tags=["status"])
    async def health() -> dict[str, Any]:
        """Whether this process and its database are up (no login needed)."""
        ok = services.backend.database_ok
        return {
            "status": "ok" if ok else "degraded",
            "database": "ok" if ok else "unavailable",
            "instance": services.instance,
            "protocol": PROTOCOL_VERSION,
            "log_id": services.log.log_id,
            "last_seq": services.backend.state_now().last_seq,
            # Which process runs ingest, delivery and escalation (none contends: null).
            "leader": None if services.leading is None else services.leading(),
        }

    @app.post("/v1/login", tags=["session"], dependencies=[Depends(require_protocol)])
    async def login(body: LoginBody, request: Request) -> TokenOut:
        """Exchange a user name and password for a short-lived token."""
        remote = request.client.host if request.client else ""
        request.state.username = body.username
        try:
            found = await _run(
                services.accounts.authenticate,
                body.username,
                body.password,
                remote=remote,
                max_failures=services.config.auth.failed_logins,
                window_s=services.config.auth.failed_window_s,
            )
        except LoginThrottled as exc:
            services.audit.record(
                EventType.AUDIT_LOGIN_FAILED, body.username, {"remote": remote, "why": "throttled"}
            )
            wait = max(1, round(exc.retry_after_s))
            raise ApiError(
                429,
                "throttled",
                str(exc),
                headers={"Retry-After": str(wait)},
                retry_after_s=wait,
            ) from None
        except (LoginFailed, AccountDisabled) as exc:
            why = "disabled" if isinstance(exc, AccountDisabled) else "password"
            services.audit.record(
                EventType.AUDIT_LOGIN_FAILED, body.username, {"remote": remote, "why": why}
            )
            raise ApiError(401, "unauthorized", str(exc)) from None
        services.audit.record(EventType.AUDIT_LOGIN, found.username, {"remote": remote})
        return token_for(services, found)

    @app.post("/v1/token", tags=["session"])
    async def refresh(me: Me) -> TokenOut:
        """A fresh token for a session whose token is still valid."""
        return token_for(services, me)

    @app.get("/v1/me", tags=["session"])
    async def whoami(me: Me) -> AccountOut:
        """The logged-in account, as the server sees it now."""
        return AccountOut(**me.to_json())

    @app.post("/v1/commands", tags=["log"], response_model=RecordsOut)
    async def submit(body: CommandBody, me: Me) -> Response:
        """Decide a command against the shared state and append its events."""
        try:
            command = command_from_json(str(body.command), body.fields)
        except WireError as exc:
            raise ApiError(422, "bad_request", str(exc)) from None

        def allowed(state: CityState) -> None:
            denial = may_submit(me, str(body.command), _district_of(state, command))
            if denial is not None:
                raise PermissionError(denial.message)

        # A workstation's own time (a command made while the server was away) is taken, but
        # never one later than this server's clock: it would drag the log's time ahead.
        ts_ms = None if body.ts_ms is None else min(body.ts_ms, time.time_ns() // 1_000_000)
        records = await _wait(
            services.backend.submit(
                command,
                actor_of(me),
                ts_ms,
                expected_version=body.expected_version,
                client_ref=_scoped(me, body.client_ref),
                check=allowed,
            )
        )
        return _records(records)

    @app.post("/v1/events", tags=["log"], response_model=RecordsOut)
    async def publish(body: EventsBody, me: Me) -> Response:
        """Append facts from a workstation (camera views, evidence, packets)."""
        events: list[NewEvent] = []
        now_ms = time.time_ns() // 1_000_000
        for index, raw in enumerate(body.events):
            try:
                event = new_event_from_json(raw)
            except WireError as exc:
                raise ApiError(422, "bad_request", f"events[{index}]: {exc}") from None
            if str(event.type).startswith("audit."):
                raise ApiError(403, "forbidden", "Audit events are written by the server only.")
            camera_id = event.payload.get("camera_id")
            if isinstance(camera_id, str) and not services.city.has_camera(camera_id):
                raise ApiError(
                    422,
                    "bad_request",
                    f"events[{index}]: there is no camera {camera_id!r} in the registry.",
                )
            denial = may_publish(me, str(event.type), _camera_district(services.city, event))
            if denial is not None:
                raise ApiError(403, "forbidden", denial.message)
            # Who published it is the logged-in account, whatever the body says.
            events.append(
                NewEvent(
                    event.type,
                    event.source,
                    actor_of(me),
                    event.payload,
                    event.subject,
                    # A fact kept while the server was away keeps its time, bounded like a
                    # command's: never later than this server's clock.
                    None if event.ts_ms is None else min(event.ts_ms, now_ms),
                )
            )
        future = services.backend.publish(events, client_ref=_scoped(me, body.client_ref))
        return _records(await _wait(future))

    @app.get("/v1/events", tags=["log"], response_model=RecordsOut)
    async def read_events(
        me: Me,
        after: Annotated[int, Query(ge=0, lt=1 << 62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 5000,
    ) -> Response:
        """Events after a sequence number, oldest first (the stream's backlog, in pages)."""
        records = await _wait(services.backend.read_after(after, limit))
        return _records(seen_by(me, records), services.backend.state_now().last_seq)

    @app.get("/v1/events/at", tags=["log"], response_model=RecordsOut)
    async def events_at(me: Me, seq: Annotated[list[int], Query(max_length=1000)]) -> Response:
        """The events with these sequence numbers."""
        return _records(seen_by(me, await _wait(services.backend.events_at(seq))))

    @app.get("/v1/incidents", tags=["incidents"])
    async def incidents(me: Me) -> dict[str, Any]:
        """Every incident as folded now, in the caller's districts."""
        state = services.backend.state_now()
        seen = visible_districts(me)
        chosen = [
            i.to_json()
            for i in list(state.incidents.values())
            if seen is None or i.district_code is None or i.district_code in seen
        ]
        return {"incidents": chosen, "last_seq": state.last_seq}

    @app.get("/v1/incidents/{incident_id}/events", tags=["incidents"], response_model=RecordsOut)
    async def incident_events(
        incident_id: Annotated[str, Field(max_length=64)],
        me: Me,
        type: Annotated[list[str] | None, Query(max_length=64)] = None,
    ) -> Response:
        """Every event about one incident, in order."""
        incident = services.backend.state_now().incidents.get(incident_id)
        if incident is None:
            raise ApiError(404, "not_found", f"There is no incident {incident_id}.")
        denial = may_see_incident(me, incident.district_code)
        if denial is not None:
            raise ApiError(403, "forbidden", denial.message)
        return _records(await _wait(services.backend.incident_events(incident_id, type)))

    @app.get("/v1/sensors/{sensor_id}/history", tags=["sensors"])
    async def sensor_history(
        sensor_id: Annotated[str, Field(max_length=64)],
        me: Me,
        start_ms: Annotated[int, Query(ge=0, lt=1 << 62)],
        end_ms: Annotated[int, Query(ge=0, lt=1 << 62)],
        max_points: Annotated[int, Query(ge=1, le=100_000)] = 2000,
    ) -> dict[str, Any]:
        """One sensor's readings, raw or as a min/max envelope."""
        if end_ms < start_ms:
            raise ApiError(422, "bad_request", "end_ms must not be before start_ms.")
        history = await _wait(
            services.backend.sensor_history(sensor_id, start_ms, end_ms, max_points)
        )
        return {
            "sensor_id": history.sensor_id,
            "start_ms": history.start_ms,
            "end_ms": history.end_ms,
            "ts_ms": [int(v) for v in history.ts_ms],
            "low": [float(v) for v in history.low],
            "high": [float(v) for v in history.high],
            "bucket_ms": history.bucket_ms,
            "last_seq": history.last_seq,
        }

    @app.get("/v1/stats", tags=["log"])
    async def stats(me: Me) -> dict[str, Any]:
        """Counts over the whole log."""
        found = await _wait(services.backend.stats())
        return {
            "events": found.events,
            "last_seq": found.last_seq,
            "by_type": found.by_type,
            "incidents_by_status": found.incidents_by_status,
            "first_ts_ms": found.first_ts_ms,
            "last_ts_ms": found.last_ts_ms,
        }

    @app.get("/v1/cameras/nearest", tags=["cameras"])
    async def nearest_cameras(
        me: Me,
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=180)],
        n: Annotated[int, Query(ge=1, le=100)] = 4,
    ) -> dict[str, Any]:
        """The cameras nearest a point, among those the caller may see."""
        hits = await _run(services.cameras.nearest, lat, lon, n, visible_districts(me))
        return {"cameras": [h.to_json() for h in hits]}

    @app.get("/v1/cameras/within", tags=["cameras"])
    async def cameras_within(
        me: Me,
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=180)],
        radius_m: Annotated[float, Query(gt=0, le=50_000)],
    ) -> dict[str, Any]:
        """The cameras within a radius of a point, nearest first, among the caller's."""
        hits = await _run(services.cameras.within, lat, lon, radius_m, visible_districts(me))
        return {"cameras": [h.to_json() for h in hits]}

    @app.get("/v1/audit", tags=["audit"], response_model=RecordsOut)
    async def audit(
        me: Me,
        after: Annotated[int, Query(ge=0, lt=1 << 62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    ) -> Response:
        """The audit trail (auditors, supervisors and administrators)."""
        denial = may_read_audit(me)
        if denial is not None:
            raise ApiError(403, "forbidden", denial.message)
        return _records(await _run(services.log.read_audit, after, limit))

    from server.stream import install_stream  # the WebSocket half, in a module of its own

    install_stream(app, services, cache)
    return app


async def require_protocol(
    version: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None,
) -> None:
    """Every call but the health check names the protocol it speaks."""
    check_protocol(version)


_bearer = HTTPBearer(auto_error=False)


async def current_account(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _: Annotated[None, Depends(require_protocol)],
) -> Account:
    """The logged-in account of a request, as it is now."""
    if credentials is None:
        raise ApiError(
            401, "unauthorized", "Log in first: this call needs 'Authorization: Bearer TOKEN'."
        )
    services: ServerServices = request.app.state.services
    found = await authenticated(services, credentials.credentials, request.app.state.account_cache)
    request.state.username = found.username
    return found


Me = Annotated[Account, Depends(current_account)]


def check_protocol(version: str | None) -> None:
    """Refuse a client that speaks another protocol version, saying which side to update."""
    if version == str(PROTOCOL_VERSION):
        return
    if version is None:
        message = (
            f"This is a Cityroom backend: send the header {PROTOCOL_HEADER}: {PROTOCOL_VERSION}."
        )
    else:
        newer = version.isdigit() and int(version) > PROTOCOL_VERSION
        side = "this backend" if newer else "the workstation"
        message = (
            f"The workstation speaks protocol {version}; this backend speaks "
            f"{PROTOCOL_VERSION}. Update {side} to the same Cityroom version."
        )
    raise ApiError(
        426,
        "protocol",
        message,
        server_protocol=PROTOCOL_VERSION,
        client_protocol=version,
    )


async def authenticated(
    services: ServerServices, token: str, cache: dict[str, tuple[float, Account | None]]
) -> Account:
    """The account a token belongs to, as it is now (role, districts, disabled)."""
    try:
        claims = services.tokens.verify(token)
    except TokenExpired as exc:
        raise ApiError(401, "token_expired", str(exc)) from None
    except TokenInvalid as exc:
        raise ApiError(401, "unauthorized", str(exc)) from None
    now = time.monotonic()
    cached = cache.get(claims.username)
    if cached is not None and now - cached[0] < _ACCOUNT_TTL_S:
        found = cached[1]
    else:
        found = await _run(services.accounts.get, claims.username)
        cache[claims.username] = (now, found)
    if found is None or found.disabled:
        raise ApiError(
            401,
            "unauthorized",
            f"The account {claims.username} is disabled or no longer exists; ask an "
            "administrator.",
        )
    return found


def token_for(services: ServerServices, account: Account) -> TokenOut:
    """A new token for ``account``, with what a workstation needs to start."""
    issued = services.tokens.issue(account)
    return TokenOut(
        token=issued.token,
        expires_ms=issued.expires_ms,
        account=AccountOut(**account.to_json()),
        log_id=services.log.log_id,
        last_seq=services.backend.state_now().last_seq,
        view=view_of(account).to_json(),
    )


def actor_of(account: Account) -> str:
    """The actor recorded on events: the role's prefix and the user name."""
    return f"{account.role}:{account.username}"


def _scoped(account: Account, client_ref: str | None) -> str | None:
    # One user cannot replay, or learn the outcome of, another user's reference.
    return None if client_ref is None else f"{account.username}/{client_ref}"


def _district_of(state: CityState, command: Command) -> str | None:
    if isinstance(command, ReportIncident):
        return command.district_code
    incident_id = getattr(command, "incident_id", None)
    if not isinstance(incident_id, str):
        return None
    incident = state.incidents.get(incident_id)
    if incident is None and isinstance(command, IncidentCommand):
        return None  # the decision says the incident does not exist
    return incident.district_code if incident is not None else None


def _camera_district(city: City, event: NewEvent) -> str | None:
    camera_id = event.payload.get("camera_id")
    if isinstance(camera_id, str) and city.has_camera(camera_id):
        return city.camera(camera_id).district_code
    return None


def _records(records: list[EventRecord], last_seq: int | None = None) -> Response:
    """The ``RecordsOut`` answer, encoded straight from the records (a page holds up to
    10,000: validating each through the model would cost more than the query)."""
    body = {"records": [record_to_json(r) for r in records], "last_seq": last_seq}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, media_type="application/json")


async def _wait(future: Future[T]) -> T:
    return await asyncio.wrap_future(future)


async def _run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> JSONResponse:
        services: ServerServices = request.app.state.services
        incident = services.backend.state_now().incidents.get(exc.incident_id)
        return ApiError(
            409,
            "conflict",
            str(exc),
            incident=incident.to_json() if incident is not None else None,
            current_version=exc.current_version,
            expected_version=exc.expected_version,
        ).response()

    @app.exception_handler(IllegalTransition)
    async def illegal(_: Request, exc: IllegalTransition) -> JSONResponse:
        return ApiError(
            422,
            "rejected",
            str(exc),
            incident_id=exc.incident_id,
            command=exc.command,
            status=exc.status,
            hint=exc.hint,
        ).response()

    @app.exception_handler(CommandRejected)
    async def rejected(_: Request, exc: CommandRejected) -> JSONResponse:
        return ApiError(422, "rejected", str(exc)).response()

    @app.exception_handler(PermissionError)
    async def denied(_: Request, exc: PermissionError) -> JSONResponse:
        return ApiError(403, "forbidden", str(exc)).response()

    @app.exception_handler(DatabaseUnavailable)
    async def unavailable(_: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return ApiError(503, "unavailable", str(exc), headers={"Retry-After": "2"}).response()

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            problems.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
        return ApiError(
            422, "bad_request", "The request is malformed: " + "; ".join(problems) + "."
        ).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "bad_request", 401: "unauthorized", 403: "forbidden"}
        text = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404:
            text = "No such endpoint; see /openapi.json for the API."
        return ApiError(
            exc.status_code, codes.get(exc.status_code, "bad_request"), text
        ).response()


def _install_audit(app: FastAPI, services: ServerServices) -> None:
    """Record every HTTP request (who, what, the answer, how long) in the audit trail."""
    app.add_middleware(_AuditRequests, audit=services.audit)


class _AuditRequests:
    """ASGI middleware recording each HTTP request once its answer has gone out.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``: that one runs each request in a
    task group with a memory stream between the two halves, a large share of a short request's
    CPU; this one only watches the response's start message for the status."""

    def __init__(self, app: ASGIApp, audit: AuditTrail) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            # The route's authentication put the user name in the request's state.
            state = scope.get("state") or {}
            client = scope.get("client")
            self.audit.record(
                EventType.AUDIT_REQUEST,
                str(state.get("username", "") or ""),
                {
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope.get("query_string", b"").decode("latin-1")[:500],
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "remote": client[0] if client else "",
                },
            )
