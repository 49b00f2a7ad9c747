"""``python main.py serve --config server.toml``: one process of a centre's backend.

Run as many as the load needs, on one PostgreSQL database, behind a load balancer: they share
nothing but the database (and the token secret file). The centre's central work (field-data
ingest, packet delivery, the agencies' inbound listener, escalation, the procedure starter)
runs in one of them at a time, chosen by a database lock (see ``server/field.py``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import CityroomError
from core.logfiles import start_log_files

if TYPE_CHECKING:
    from core.city import City
    from core.dispatch.agencies import Registry
    from server.config import ServerConfig
    from server.field import LeaderService
    from server.pg_backend import PgBackend

log = logging.getLogger("cityroom.server")


def add_serve_parser(commands: Any) -> None:
    """The ``serve`` subcommand."""
    serve = commands.add_parser(
        "serve", help="run the centre's operations backend (PostgreSQL) for many workstations"
    )
    serve.add_argument(
        "--config",
        type=Path,
        required=True,
        metavar="server.toml",
        help="the server's configuration (see resources/server/server.example.toml)",
    )


@dataclass
class RunningServer:
    """What ``start_services`` opened, to close in reverse order."""

    services: Any
    leader: LeaderService | None  # None: no central duty is configured here

    def close(self) -> None:
        """Stop the central duties (sends under way finish and are logged), write the audit
        trail out, close the log."""
        if self.leader is not None:
            self.leader.stop()
        self.services.audit.stop()
        self.services.backend.close()


def start_services(config: ServerConfig) -> RunningServer:
    """Migrate the database and open everything one server process works with."""
    from core.city import load_city
    from server.accounts import AccountStore
    from server.app import ServerServices
    from server.audit import AuditTrail
    from server.cameras import CameraRegistry
    from server.pg_backend import PgBackend
    from server.pg_log import PgEventLog
    from server.schema import migrate
    from server.tokens import TokenIssuer

    # Read first, in every process, so a registry with a mistake stops serve at once.
    registry = read_registry(config)
    url = config.database_url
    migrate(url)
    event_log = PgEventLog.open(url, max_size=config.database.pool_size)
    instance = config.instance or f"{socket.gethostname()}:{config.listen.port}"
    backend = PgBackend(event_log, url=url, source="server")
    backend.ready.result(timeout=600)
    city = load_city(config.field.profile)
    cameras = CameraRegistry(event_log.pool)
    cameras.sync(city)
    services = ServerServices(
        config=config,
        backend=backend,
        log=event_log,
        accounts=AccountStore(event_log.pool),
        tokens=TokenIssuer(config.token_secret(), config.auth.token_minutes),
        cameras=cameras,
        city=city,
        audit=AuditTrail(event_log, instance),
        instance=instance,
    )
    leader = start_leader(config, backend, city, registry, instance)
    services.leading = (lambda: leader.leading) if leader is not None else None
    return RunningServer(services, leader)


def read_registry(config: ServerConfig) -> Registry | None:
    """The agency registry ``[dispatch] registry`` names (None when none); raises
    ``AgencyFileError`` naming the line and the fix when it is refused."""
    from core.dispatch.agencies import Registry

    path = config.dispatch.registry
    if path is None:
        return None
    registry = Registry.load(path)
    for warning in registry.warnings:
        log.warning("agency registry %s: %s", path, warning)
    return registry


def start_leader(
    config: ServerConfig,
    backend: PgBackend,
    city: City,
    registry: Registry | None,
    instance: str,
) -> LeaderService | None:
    """Contend for the leader's lock with the central duties ``config`` switches on (None
    when it switches on none)."""
    from server.automation import automation_duties
    from server.field import Duty, FieldIngest, LeaderService

    duties: list[Duty] = []
    if config.field.mqtt_broker:
        duties.append(FieldIngest(config, backend, city))
    duties += automation_duties(config, backend, registry)
    if registry is None:
        log.info("no [dispatch] registry: packets queued by workstations are not delivered")
    if not config.automation.escalation:
        log.warning(
            "[automation] escalation is off: workstations of this server do not escalate "
            "either, so unacknowledged critical incidents are not escalated"
        )
    if not config.automation.procedures:
        log.info("[automation] procedures is off: new incidents get no procedure by themselves")
    if not duties:
        return None
    leader = LeaderService(config.database_url, duties, instance=instance)
    leader.start()
    return leader


def run_serve(args: argparse.Namespace) -> int:
    """Run one backend process until it is stopped (Ctrl+C or SIGTERM)."""
    import uvicorn

    from server.config import load_server_config

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # After basicConfig, which does nothing once the root logger has a handler.
    start_log_files(name="cityroom-serve")
    try:
        config = load_server_config(args.config)
        running = start_services(config)
    except CityroomError as exc:
        print(f"cityroom serve: {exc}", file=sys.stderr)
        return 1
    from server.app import create_app

    listen = config.listen
    scheme = "https" if listen.tls_cert else "http"
    if listen.tls_cert is None:
        log.warning(
            "no TLS certificate in [listen]: speaking plain HTTP. Use this only behind a "
            "TLS-terminating load balancer or for tests."
        )
    if config.auth.secret_file is None:
        log.warning(
            "no [auth] secret_file: tokens are signed with a secret of this process only; "
            "a second server process would refuse them."
        )
    app = create_app(running.services)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=listen.host,
            port=listen.port,
            ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
            ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
            log_level="warning",
            access_log=False,  # every request is in the audit trail instead
            ws_ping_interval=10.0,
            ws_ping_timeout=20.0,
            timeout_graceful_shutdown=5,
        )
    )
    print(
        f"cityroom serve: {running.services.instance} listening on "
        f"{scheme}://{listen.host}:{listen.port} "
        f"(last event {running.services.backend.state_now().last_seq})",
        flush=True,
    )
    # uvicorn stops on SIGINT and SIGTERM, finishing requests under way, then raises the
    # signal again for the handler it found: without one of ours SIGTERM would end the
    # process there, before the central duties and the audit trail are closed below.
    signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        server.run()
    finally:
        running.close()
    return 0


def _exit_on_term(signum: int, _frame: object) -> None:
    raise SystemExit(0)
