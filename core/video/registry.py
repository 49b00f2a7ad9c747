"""Where each camera streams from: a TOML file of stream addresses, checked when it is loaded.

```toml
[defaults]
url = "synthetic://{id}"      # cameras not listed below; {id} is the camera's id
transport = "tcp"             # RTSP transport, "tcp" or "udp"

[[camera]]
id = "CCTV-11230-00001"
url = "rtsp://viewer:secret@10.0.0.5/main"
sub_url = "rtsp://viewer:secret@10.0.0.5/sub"   # optional: a smaller stream for small tiles
transport = "udp"                               # optional: overrides the default
```

A mistake (an unknown key, a duplicate camera, an unknown transport or address scheme) is a
:class:`StreamRegistryError` naming the file, the line, the key and the fix. Messages never
contain a password from the file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import CityroomError
from core.tomlfile import TomlLines, syntax_problem
from core.video.rtsp import RtspTransport
from core.video.sources import redact_text

DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "resources" / "video" / "streams.toml"
"""The shipped registry: every camera shows the demo's synthetic scene."""

DEMO_URL = "synthetic://{id}"
"""The demo's address pattern: a synthetic moving scene named after the camera."""

SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "synthetic")
"""Address schemes a stream can have; an address without one is a video file's path."""

_TRANSPORTS = " or ".join(f'"{t.value}"' for t in RtspTransport)
_SCHEME_LIST = ", ".join(f"{s}://" for s in SCHEMES)


class StreamRegistryError(CityroomError, ValueError):
    """The stream registry cannot be used; the message names the file, line, key and fix."""


@dataclass(frozen=True, slots=True)
class CameraStream:
    """Where one camera's pictures come from."""

    camera_id: str
    url: str
    sub_url: str | None
    transport: RtspTransport

    def url_for(self, small: bool) -> str:
        """The address to open: the lower-resolution one for a small tile, when there is one."""
        return self.sub_url if small and self.sub_url else self.url


class StreamRegistry:
    """Stream addresses by camera id, with a default pattern for cameras not listed."""

    def __init__(
        self,
        cameras: Iterable[CameraStream] = (),
        *,
        default_url: str = DEMO_URL,
        default_transport: RtspTransport = RtspTransport.TCP,
        source: Path | None = None,
    ) -> None:
        self.default_url = default_url
        self.default_transport = RtspTransport(default_transport)
        self.source = source
        listed = {camera.camera_id: camera for camera in cameras}
        self.cameras: Mapping[str, CameraStream] = MappingProxyType(listed)

    @classmethod
    def default(cls) -> StreamRegistry:
        """The demo's registry: every camera shows a synthetic scene."""
        return cls()

    def stream_for(self, camera_id: str) -> CameraStream:
        """The camera's stream: its own entry, else the default pattern with its id."""
        listed = self.cameras.get(camera_id)
        if listed is not None:
            return listed
        url = self.default_url.replace("{id}", camera_id)
        return CameraStream(camera_id, url, None, self.default_transport)


# -- the file's shape ----------------------------------------------------------------------


def _check_url(value: str) -> str:
    if not value.strip():
        raise ValueError("the address is empty: write the camera's stream address")
    if value != value.strip():
        raise ValueError("the address starts or ends with spaces: remove them")
    if "://" not in value and "@" in value:
        raise ValueError(
            "the address has a user name but no scheme: begin it with rtsp:// (or the "
            "camera's scheme)"
        )
    scheme = urlsplit(value).scheme.lower()
    if scheme in SCHEMES and "://" not in value:
        raise ValueError(f"the address lacks the // after {scheme}: write {scheme}://...")
    # A one-letter "scheme" is a Windows drive (C:\video\clip.mp4): a plain path.
    if len(scheme) > 1 and scheme not in SCHEMES:
        raise ValueError(
            f"the address scheme {scheme!r} is not one Cityroom can open: use {_SCHEME_LIST} "
            "or a video file's path"
        )
    return value


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        default=DEMO_URL, description="address pattern of unlisted cameras; {id} = id"
    )
    transport: RtspTransport = Field(default=RtspTransport.TCP, description="RTSP transport")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        braces = value.replace("{id}", "")
        if "{" in braces or "}" in braces:
            raise ValueError("the pattern has a placeholder other than {id}: {id} is the only one")
        return _check_url(value)


class _Camera(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="the camera's id, as in the city data")
    url: str = Field(description="the main stream's address")
    sub_url: str | None = Field(None, description="a lower-resolution stream for small tiles")
    transport: RtspTransport | None = Field(None, description="overrides the default")

    @field_validator("url", "sub_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: _Defaults = Field(default_factory=lambda: _Defaults())
    camera: list[_Camera] = Field(default_factory=list)


_KEYS: dict[str, tuple[str, ...]] = {
    "defaults": tuple(_Defaults.model_fields),
    "camera": tuple(_Camera.model_fields),
}


# -- loading -------------------------------------------------------------------------------


def load_stream_registry(path: Path) -> StreamRegistry:
    """Read and check a stream registry file; raises :class:`StreamRegistryError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StreamRegistryError(
            f"Stream registry {path}: the file does not exist. Create it (copy "
            f"{DEMO_REGISTRY} as a start) or give the right path."
        ) from None
    except UnicodeDecodeError as exc:
        raise StreamRegistryError(
            f"Stream registry {path}: not UTF-8 text (byte {exc.start}). Save it as UTF-8."
        ) from None
    except OSError as exc:
        raise StreamRegistryError(
            f"Stream registry {path}: cannot be read ({exc.strerror or exc}). Check that it is "
            "a file you may read."
        ) from None
    lines = _Lines(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        syntax = syntax_problem(exc)
        place = (
            f"line {syntax.line}, column {syntax.column}" if syntax.line else "the end of the file"
        )
        raise StreamRegistryError(
            f"Stream registry {path}, {place}: not valid TOML "
            f"({lines.shown(syntax.problem)}). Fix the syntax there: text goes in double "
            "quotes, tables are written [defaults] and [[camera]]."
        ) from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise StreamRegistryError(_explain(exc, lines)) from None
    return _build(parsed, lines)


def _build(parsed: _File, lines: _Lines) -> StreamRegistry:
    seen: dict[str, int] = {}
    cameras = []
    for index, entry in enumerate(parsed.camera):
        if entry.id in seen:
            first = lines.key_line("camera", seen[entry.id], "id")
            raise StreamRegistryError(
                f"{lines.where('camera', index, 'id')}: camera {lines.shown(repr(entry.id))} "
                f"is listed twice (first at line {first}). Keep one [[camera]] entry per camera."
            )
        seen[entry.id] = index
        transport = entry.transport or parsed.defaults.transport
        cameras.append(CameraStream(entry.id, entry.url, entry.sub_url, transport))
    return StreamRegistry(
        cameras,
        default_url=parsed.defaults.url,
        default_transport=parsed.defaults.transport,
        source=lines.path,
    )


def _explain(exc: ValidationError, lines: _Lines) -> str:
    """The first problem pydantic found, as a sentence with its place and fix."""
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    table = str(loc[0]) if loc else ""
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else ""
    shown_key = lines.shown(repr(key))
    kind = error["type"]
    if len(loc) == 1 and kind == "extra_forbidden":
        line = lines.top_level_line(key)
        place = f"Stream registry {lines.path}" + (f", line {line}" if line else "")
        return (
            f"{place}: unknown table or key {shown_key}. Check its spelling: the file has "
            "[defaults] and [[camera]] entries."
        )
    if len(loc) == 1:
        line = lines.top_level_line(table)
        place = f"Stream registry {lines.path}" + (f", line {line}" if line else "")
        shape = "[[camera]] entries" if table == "camera" else "a [defaults] table"
        return f"{place}: {table!r} must be {shape}."
    if table == "camera" and len(loc) == 2:
        where = lines.where("camera", index, "")
        return f"{where}: each [[camera]] entry must be a table of keys (id, url, ...)."
    if kind == "missing":
        where = lines.where(table, index, "")
        return f"{where}: the key {shown_key} is missing. Every [[camera]] needs id and url."
    where = lines.where(table, index, key)
    if kind == "extra_forbidden":
        allowed = ", ".join(_KEYS.get(table, ()))
        return f"{where}: unknown key {shown_key}. Check its spelling: the keys are {allowed}."
    if key == "transport":
        value = lines.shown(repr(error.get("input")))
        return f"{where}, key 'transport': {value} is not a transport. Use {_TRANSPORTS}."
    if kind == "string_type":
        return f"{where}, key {shown_key}: must be text in double quotes."
    if kind == "string_too_short":
        return f"{where}, key {shown_key}: is empty. Write the camera's id."
    if kind == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"]))
        return f"{where}, key {shown_key}: {lines.shown(reason)}."
    return f"{where}, key {shown_key}: {lines.shown(str(error['msg']))}."


class _Lines(TomlLines):
    """Lines of the registry's tables and keys, and its passwords kept out of what is shown."""

    def __init__(self, path: Path, text: str) -> None:
        super().__init__(text)
        self.path = path
        self._secrets = _passwords_in(text)

    def where(self, table: str, index: int | None, key: str) -> str:
        """``Stream registry PATH, line N (entry)``, the start of a message."""
        line = self.key_line(table, index, key) or self.top_level_line(table)
        place = f"Stream registry {self.path}" + (f", line {line}" if line else "")
        if table == "camera" and index is not None:
            return f"{place} ([[camera]] entry {index + 1})"
        return f"{place} ([{table}])"

    def shown(self, text: str) -> str:
        """Text from the file, safe to show: any password in it replaced."""
        text = redact_text(text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _passwords_in(text: str) -> list[str]:
    """The password of every address with credentials in the file, longest first."""
    found = set()
    for candidate in re.findall(r"[^\s\"'=]+@[^\s\"']+", text):
        # user:password@host, with or without a scheme: between the user's ":" and the "@".
        userinfo = candidate.rsplit("@", 1)[0].split("//")[-1]
        password = userinfo.partition(":")[2]
        if password:
            found.add(password)
    return sorted(found, key=len, reverse=True)
