"""``python main.py serve --config server.toml``: one process of a centre's backend.

Run as many as the load needs, on one PostgreSQL database, behind a load balancer: they share
nothing but the database (and the token secret file). Field-data ingest runs in one of them
at a time, chosen by a database lock (see ``server/field.py``).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import CityroomError

if TYPE_CHECKING:
    from server.config import ServerConfig

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
    field: Any

    def close(self) -> None:
        """Stop ingest, write the audit trail out, close the log."""
        if self.field is not None:
            self.field.stop()
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
    field = None
    if config.field.mqtt_broker:
        from server.field import FieldService

        field = FieldService(config, url, backend, city)
        field.start()
    return RunningServer(services, field)


def run_serve(args: argparse.Namespace) -> int:
    """Run one backend process until it is stopped (Ctrl+C or SIGTERM)."""
    import uvicorn

    from server.config import load_server_config

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
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
    try:  # uvicorn stops on SIGINT and SIGTERM, finishing requests under way
        server.run()
    finally:
        running.close()
    return 0
