"""The agency registry: who the room may send packets to, in what formats, which data, on
what legal basis, and how to reach them.

One TOML file holds the centre's own ``[centre]`` table and one ``[[agency]]`` table per
agency (see ``resources/agencies/README.md``). The demo's registry is shipped; a site installs
its own as ``agencies.toml`` in Cityroom's data folder, which then replaces the demo's.
Secrets never live in the file: an HMAC key is named by an environment variable or a key file.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from core.dispatch.model import DistributionStatus, Format
from core.dispatch.pseudonym import SecretFileError, ensure_secret_file, read_secret_file
from core.errors import CityroomError, UnknownNameError
from core.sop.definitions import ID_PATTERN, DataClass, Recipient
from core.tomlfile import ConfigFileError
from core.user_dirs import data_dir

DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "resources" / "agencies" / "seoul-demo.toml"
"""The registry of the Seoul demo's agencies (all on 127.0.0.1)."""

SITE_REGISTRY_NAME = "agencies.toml"
KST = timezone(timedelta(hours=9))  # legal dates are Korean calendar dates
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def site_registry_path() -> Path:
    """Where a site installs its own registry: ``agencies.toml`` in Cityroom's data folder."""
    return data_dir() / SITE_REGISTRY_NAME


def registry_path() -> Path:
    """The registry in force: the site's own if installed, else the demo's."""
    site = site_registry_path()
    return site if site.exists() else DEMO_REGISTRY


class AgencyFileError(ConfigFileError):
    """A registry file cannot be used; names the file, line, agency, key, problem and fix."""

    KIND = "Agency registry"
    ENTRY = "agency"


class AgencyKeyError(CityroomError):
    """An agency's HMAC key cannot be had now (its environment variable is not set, its file
    is missing): the packet waits, and the message says what to set."""


def _resolve_path(value: object, info: ValidationInfo) -> object:
    """A path as written: ``{data_dir}`` is Cityroom's data folder, ``~`` the home folder,
    and a relative path is relative to the registry file's folder."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise ValueError("a path cannot be empty")
    path = Path(value.replace("{data_dir}", str(data_dir()))).expanduser()
    base = (info.context or {}).get("base")
    return base / path if not path.is_absolute() and isinstance(base, Path) else path


FilePath = Annotated[Path, BeforeValidator(_resolve_path)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Transport(StrEnum):
    """How packets reach an agency."""

    HTTPS = "https"
    HTTP = "http"  # only to this machine (the demo's simulator)
    FOLDER = "folder"  # a drop folder for an air-gapped link


class AckMode(StrEnum):
    """How the agency's acknowledgements come back."""

    INBOUND = "inbound"  # the agency posts them to the centre's inbound listener
    POLL = "poll"  # the centre fetches them from poll_url


class LegalBasis(_Model):
    """An agreement or a statute that lets the room give an agency some classes of data."""

    name_ko: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    date: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    covers: tuple[DataClass, ...] = Field(min_length=1)
    reference: str = ""  # e.g. "112 긴급영상 지원 업무협약"

    def since(self) -> dt.date | None:
        """The first day it is in force (a month alone means its first day)."""
        if self.date is None:
            return None
        year, month, *day = (int(part) for part in self.date.split("-"))
        return dt.date(year, month, day[0] if day else 1)

    def effective_ms(self) -> int | None:
        """The first instant it is in force (midnight of its date, Seoul time), UTC ms."""
        since = self.since()
        if since is None:
            return None
        start = datetime(since.year, since.month, since.day, tzinfo=KST)
        return int(start.astimezone(UTC).timestamp() * 1000)

    def label(self, korean: bool = True) -> str:
        """Its name and date, as packets and lists show it."""
        name = self.name_ko if korean else self.name_en
        return f"{name} ({self.date})" if self.date else name


class Contact(_Model):
    """A person or desk at the agency."""

    name: str = Field(min_length=1)
    phone: str = ""
    email: str = ""
    role: str = ""


class HmacAuth(_Model):
    """Requests signed with a shared key, read from an environment variable or a key file."""

    kind: Literal["hmac"]
    key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    key_file: FilePath | None = None
    create_key: bool = False  # demo only: make a random key file on first use

    def read_key(self, owner: str) -> bytes:
        """The key: the environment variable when set, else the key file."""
        if self.key_env:
            value = os.environ.get(self.key_env, "").strip()
            if value:
                return value.encode("utf-8")
        try:
            if self.key_file is not None and self.create_key:
                return ensure_secret_file(self.key_file)
            if self.key_file is not None and self.key_file.exists():
                return read_secret_file(self.key_file)
        except SecretFileError as error:
            raise AgencyKeyError(f"{owner}: {error}") from None
        wanted = [f"set the environment variable {self.key_env}"] if self.key_env else []
        wanted += [f"create the key file {self.key_file}"] if self.key_file else []
        raise AgencyKeyError(f"{owner}: no HMAC key to sign with; {' or '.join(wanted)}")


class ClientCertAuth(_Model):
    """A TLS client certificate and its private key (PEM files)."""

    kind: Literal["client_cert"]
    cert_file: FilePath
    key_file: FilePath


class NoAuth(_Model):
    """No authentication (drop folders, or an endpoint that needs none)."""

    kind: Literal["none"] = "none"


Auth = Annotated[HmacAuth | ClientCertAuth | NoAuth, Field(discriminator="kind")]
AUTH_KINDS = ("hmac", "client_cert", "none")


class Endpoint(_Model):
    """Where and how packets are delivered to an agency."""

    transport: Transport
    url: str | None = None  # https and http
    folder: FilePath | None = None  # folder
    auth: Auth = NoAuth()
    ca_file: FilePath | None = None  # the CA that signed the agency's server certificate
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    ack: AckMode = AckMode.INBOUND
    poll_url: str | None = None

    def describe(self) -> str:
        """Transport and target without any secret, e.g. ``https https://…`` or a folder."""
        target = str(self.folder) if self.transport is Transport.FOLDER else self.url
        return f"{self.transport.value} {target} (auth {self.auth.kind}, ack {self.ack.value})"


class Agency(_Model):
    """One agency the room may send packets to."""

    id: str = Field(pattern=ID_PATTERN)
    name_ko: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    kind: Recipient
    formats: tuple[Format, ...] = Field(min_length=1)  # accepted; the first is preferred
    data_classes: tuple[DataClass, ...] = Field(min_length=1)  # what it may be given
    legal_basis: tuple[LegalBasis, ...] = ()
    contacts: tuple[Contact, ...] = ()
    district_code: str | None = None  # a district office's district
    endpoint: Endpoint
    test_endpoint: Endpoint | None = None
    enabled: bool = True

    def name(self, korean: bool = True) -> str:
        """The agency's name in the interface language."""
        return self.name_ko if korean else self.name_en

    @property
    def preferred_format(self) -> Format:
        """The format it prefers."""
        return self.formats[0]

    def bases_for(self, data_class: DataClass, now_ms: int | None = None) -> list[LegalBasis]:
        """Its legal bases covering ``data_class`` (in force at ``now_ms`` when given)."""
        found = [b for b in self.legal_basis if data_class in b.covers]
        if now_ms is None:
            return found
        return [b for b in found if (b.effective_ms() or 0) <= now_ms]

    def endpoint_for(self, status: DistributionStatus) -> Endpoint:
        """Where a packet of this status goes: Test packets to the test endpoint if any."""
        if status is DistributionStatus.TEST and self.test_endpoint is not None:
            return self.test_endpoint
        return self.endpoint

    def public_json(self) -> dict[str, Any]:
        """Everything about the agency that may be shown (never a key)."""
        data = self.model_dump(mode="json")
        for which in ("endpoint", "test_endpoint"):
            if data[which] is not None:
                data[which]["auth"] = data[which]["auth"]["kind"]
        return data

    def hmac_key(self, endpoint: Endpoint | None = None) -> bytes | None:
        """The key that signs requests to ``endpoint`` (default: the main one), or None when
        it is not HMAC-signed; raises :class:`AgencyKeyError` saying what to set."""
        auth = (endpoint or self.endpoint).auth
        if not isinstance(auth, HmacAuth):
            return None
        return auth.read_key(f"agency {self.id}")


class Inbound(_Model):
    """Where the centre listens for reports and acknowledgements."""

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(ge=1, le=65535)


class LiveShareAddress(_Model):
    """Where the centre serves live links to cameras shared with agencies."""

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(ge=1, le=65535)
    # The address agencies open when it is not http://host:port (a TLS proxy in front).
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$")

    @model_validator(mode="after")
    def _encrypted_beyond_this_machine(self) -> LiveShareAddress:
        public = urlsplit(self.public_url) if self.public_url else None
        host = public.hostname if public is not None else self.host
        if host not in LOCAL_HOSTS and (public is None or public.scheme != "https"):
            raise ValueError(
                "live video leaves this machine only encrypted: set public_url to the "
                "https:// address of a TLS proxy in front of host and port, or listen on "
                "127.0.0.1"
            )
        return self


class Centre(_Model):
    """The centre itself, as it names itself in packets."""

    sender_id: str = Field(min_length=3)  # e.g. "uoc@seoul.go.kr"
    name_ko: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    inbound: Inbound
    live_share: LiveShareAddress | None = None  # None: no live video is shared
    # (min_lon, min_lat, max_lon, max_lat): packets' areas must lie inside.
    bounds: tuple[float, float, float, float] | None = None

    def name(self, korean: bool = True) -> str:
        """The centre's name in the interface language."""
        return self.name_ko if korean else self.name_en


class RegistryFile(_Model):
    """A whole registry file."""

    centre: Centre
    agency: tuple[Agency, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Registry:
    """The agencies in force, checked, with the warnings loading found."""

    centre: Centre
    agencies: tuple[Agency, ...]
    path: Path | None = None
    warnings: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path | str | None = None, *, now_ms: int | None = None) -> Registry:
        """Read and check a registry file (default: the one in force, see
        :func:`registry_path`); raises :class:`AgencyFileError`. Legal bases must be dated
        no later than ``now_ms`` (default: now)."""
        from core.dispatch.agency_file import load_registry_file

        return load_registry_file(Path(path) if path is not None else registry_path(), now_ms)

    @classmethod
    def from_text(
        cls,
        text: str,
        path: Path | None = None,
        *,
        base: Path | None = None,
        now_ms: int | None = None,
    ) -> Registry:
        """Parse and check registry text; relative paths are taken from ``base``."""
        from core.dispatch.agency_file import load_registry_text

        return load_registry_text(text, path, base=base, now_ms=now_ms)

    def get(self, agency_id: str) -> Agency:
        """The agency with this id; an unknown id names the known ones."""
        for agency in self.agencies:
            if agency.id == agency_id:
                return agency
        known = ", ".join(a.id for a in self.agencies)
        raise UnknownNameError(f"unknown agency {agency_id!r}; the registry has {known}")

    def for_kind(self, recipient: Recipient, *, include_disabled: bool = False) -> list[Agency]:
        """The agencies of one kind, in the file's order (enabled ones only by default)."""
        return [
            a for a in self.agencies if a.kind is recipient and (a.enabled or include_disabled)
        ]
