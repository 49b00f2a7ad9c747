"""The server's configuration file (``server.toml``), checked key by key.

A typo or a wrong type names the file, the line, the key and the fix; nothing starts on a
configuration that is not understood. See ``resources/server/server.example.toml``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.sop.escalation import DEFAULT_AFTER_S, MAX_AFTER_S, MIN_AFTER_S
from core.tomlfile import ConfigFileError, TomlLines, parse_config, read_config

ENV_DATABASE = "CITYROOM_DATABASE_URL"
"""Overrides ``[database] url``, so a password need not sit in the file."""


class ServerConfigError(ConfigFileError):
    """``server.toml`` cannot be used."""

    KIND = "Server configuration"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListenConfig(_Section):
    """Where the server accepts workstations."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8443
    # TLS: both files or neither. Without them the server speaks plain HTTP (tests, or behind
    # a TLS-terminating load balancer) and says so at start.
    tls_cert: Path | None = None
    tls_key: Path | None = None


class DatabaseConfig(_Section):
    """The PostgreSQL database holding the centre's event log."""

    url: str = "postgresql://cityroom@127.0.0.1:5432/cityroom"
    pool_size: Annotated[int, Field(ge=2, le=200)] = 10


class AuthConfig(_Section):
    """Accounts and tokens."""

    # Tokens are signed with this secret: every server process behind one load balancer
    # must have the same one (a file readable only by the server's account).
    secret_file: Path | None = None
    token_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 15.0
    failed_logins: Annotated[int, Field(ge=1, le=100)] = 5  # within the window, then wait
    failed_window_s: Annotated[float, Field(gt=0)] = 300.0


class FieldConfig(_Section):
    """Field data taken in centrally: workstations then receive events, not raw messages."""

    mqtt_broker: str = ""  # HOST:PORT; empty: no ingest on this server
    mqtt_topic: str | None = None
    mqtt_mapping: Path | None = None
    rules: bool = True  # run the situation rules on what is ingested here
    profile: str = "lite"  # the demo city whose cameras and sensors are registered


class DispatchConfig(_Section):
    """Packets to agencies, delivered by the server: workstations only queue them."""

    # The agency registry (an agencies.toml as the workstation reads it); None: this server
    # delivers no packets, and packets queued by workstations wait in the log.
    registry: Path | None = None
    # Demo only: play the registry's agencies whose endpoints are plain http on this machine.
    simulate_agencies: bool = False


class AutomationConfig(_Section):
    """What the centre does by itself on the log, once for all its workstations."""

    # Escalate critical incidents nobody acknowledged within escalate_after_s seconds.
    escalation: bool = False
    escalate_after_s: Annotated[float, Field(ge=MIN_AFTER_S, le=MAX_AFTER_S)] = DEFAULT_AFTER_S
    # Start each new incident's default procedure (the shipped ones and procedures_dir's).
    procedures: bool = False
    procedures_dir: Path | None = None


class ServerConfig(_Section):
    """The whole file."""

    listen: ListenConfig = ListenConfig()
    database: DatabaseConfig = DatabaseConfig()
    auth: AuthConfig = AuthConfig()
    field: FieldConfig = FieldConfig()
    dispatch: DispatchConfig = DispatchConfig()
    automation: AutomationConfig = AutomationConfig()
    instance: str = ""  # a name for this process in logs and /v1/health; default host:port

    @property
    def database_url(self) -> str:
        """The database URL, from the environment when set there."""
        return os.environ.get(ENV_DATABASE) or self.database.url

    def token_secret(self) -> bytes:
        """The token-signing secret from ``secret_file``; without one, a random secret for
        this process only (fine for one server, wrong for several: they would refuse each
        other's tokens, so ``serve`` warns)."""
        path = self.auth.secret_file
        if path is None:
            return _PROCESS_SECRET
        try:
            data = path.read_bytes().strip()
        except OSError as exc:
            raise ServerConfigError(
                path,
                f"the token secret cannot be read ({exc.strerror or exc})",
                'Create it with \'python -c "import secrets; print(secrets.token_hex(32))" > '
                "FILE' and make it readable by the server only",
                key="secret_file",
            ) from None
        if len(data) < 32:
            raise ServerConfigError(
                path,
                "the token secret is shorter than 32 characters",
                "Use at least 32 random characters (e.g. secrets.token_hex(32))",
                key="secret_file",
            )
        return data


_PROCESS_SECRET = secrets.token_bytes(32)

_FIX = "See resources/server/server.example.toml for every key and its meaning"


def load_server_config(path: Path) -> ServerConfig:
    """Read and check ``path``; raises ``ServerConfigError`` naming the line and the fix."""
    text = read_config(path, ServerConfigError, "Give the path of an existing server.toml")
    return server_config_from_text(text, path)


def server_config_from_text(text: str, path: Path | None = None) -> ServerConfig:
    """Check a configuration given as text (``path`` only names it in messages)."""
    data = parse_config(text, path, ServerConfigError, _FIX)
    try:
        config = ServerConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        lines = TomlLines(text)
        line = (
            lines.key_line(loc[0], None, loc[1])
            if len(loc) >= 2
            else lines.top_level_line(loc[0])
            if loc
            else None
        )
        problem = _problem(first)
        raise ServerConfigError(path, problem, _FIX, line=line, key=".".join(loc)) from None
    base = path.parent if path is not None else Path.cwd()
    return _check_files(_resolve_paths(config, base), path, TomlLines(text))


def _problem(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "no such key (a typo?)"
    return str(error["msg"]).replace("Input should be", "should be")


def _resolve_paths(config: ServerConfig, base: Path) -> ServerConfig:
    # Relative paths in the file are relative to the file, not to where serve was started.
    def resolve(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    listen = config.listen.model_copy(
        update={
            k: v
            for k, v in {
                "tls_cert": resolve(config.listen.tls_cert),
                "tls_key": resolve(config.listen.tls_key),
            }.items()
            if v is not None
        }
    )
    auth = config.auth
    if (secret := resolve(auth.secret_file)) is not None:
        auth = auth.model_copy(update={"secret_file": secret})
    field = config.field
    if (mapping := resolve(field.mqtt_mapping)) is not None:
        field = field.model_copy(update={"mqtt_mapping": mapping})
    dispatch = config.dispatch
    if (registry := resolve(dispatch.registry)) is not None:
        dispatch = dispatch.model_copy(update={"registry": registry})
    automation = config.automation
    if (folder := resolve(automation.procedures_dir)) is not None:
        automation = automation.model_copy(update={"procedures_dir": folder})
    if (listen.tls_cert is None) != (listen.tls_key is None):
        raise ServerConfigError(
            None,
            "[listen] has only one of tls_cert and tls_key",
            "Give both (the certificate and its private key), or neither for plain HTTP",
            key="listen",
        )
    return config.model_copy(
        update={
            "listen": listen,
            "auth": auth,
            "field": field,
            "dispatch": dispatch,
            "automation": automation,
        }
    )


def _check_files(config: ServerConfig, path: Path | None, lines: TomlLines) -> ServerConfig:
    """Files the automation reads must be there: a server that started without them would
    deliver nothing and say so only in its log."""
    registry = config.dispatch.registry
    if registry is not None and not registry.is_file():
        raise ServerConfigError(
            path,
            f"the agency registry {registry} does not exist",
            "Give the path of the centre's agencies.toml (relative paths are relative to this "
            "file), or remove the key to deliver no packets from the server",
            line=lines.key_line("dispatch", None, "registry"),
            key="dispatch.registry",
        )
    folder = config.automation.procedures_dir
    if folder is not None and not folder.is_dir():
        raise ServerConfigError(
            path,
            f"the procedure folder {folder} is not a folder",
            "Give the folder holding the site's own procedure files (*.toml), or remove the "
            "key to use the shipped procedures only",
            line=lines.key_line("automation", None, "procedures_dir"),
            key="automation.procedures_dir",
        )
    return config
