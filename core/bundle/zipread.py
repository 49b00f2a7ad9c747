"""Reading a bundle's members, from a sound zip or from what is left of a cut-short one.

A zip's directory sits at its end, so a truncated zip cannot be opened by ``zipfile`` at all.
Its members can still be found from the start: each is preceded by a local header carrying its
name, method and sizes (``zipfile`` writes them there on a seekable file). ``open_members``
gives both cases one face: the member names, the names that could not be read and why, and
each member's bytes streamed in 1 MiB pieces.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from core.bundle.manifest import CHUNK, NotABundleError

_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_ZIP64_EXTRA = 0x0001
_STORED, _DEFLATED = 0, 8
_FIX = "Ask for the bundle again: only a whole incident bundle (.zip) can be checked."


class MemberUnreadable(Exception):
    """One member's bytes could not be read (cut short, bad CRC, unknown compression)."""


@dataclass(slots=True)
class _Entry:
    name: str
    method: int
    offset: int  # where the member's data starts
    size: int  # compressed size (of what is there, when the zip is cut inside it)
    crc: int
    cut: bool = False  # the zip ends inside this member


@dataclass(slots=True)
class Members:
    """The members of a bundle zip and how to read them. Close it when done."""

    path: Path
    names: list[str]
    unreadable: dict[str, str] = field(default_factory=dict)  # name → why
    damaged: str = ""  # set when the zip's directory was unreadable and members were scanned
    _zip: zipfile.ZipFile | None = None
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _file: BinaryIO | None = None

    def chunks(self, name: str) -> Iterator[bytes]:
        """The member's bytes in pieces; ``MemberUnreadable`` when they cannot be read."""
        if name in self.unreadable:
            raise MemberUnreadable(self.unreadable[name])
        if self._zip is not None:
            yield from self._zip_chunks(self._zip, name)
        else:
            yield from self._scanned_chunks(self._entries[name])

    def read(self, name: str) -> bytes:
        """The member's whole content (for the small ones: manifest, signature)."""
        return b"".join(self.chunks(name))

    def close(self) -> None:
        """Release the file."""
        if self._zip is not None:
            self._zip.close()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Members:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _zip_chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
        try:
            with archive.open(name) as handle:
                while piece := handle.read(CHUNK):
                    yield piece
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
            raise MemberUnreadable(str(exc) or type(exc).__name__) from exc

    def _scanned_chunks(self, entry: _Entry) -> Iterator[bytes]:
        assert self._file is not None
        inflate = zlib.decompressobj(-15) if entry.method == _DEFLATED else None
        crc, left, at = 0, entry.size, entry.offset
        try:
            while left:
                self._file.seek(at)
                raw = self._file.read(min(CHUNK, left))
                if not raw:
                    raise MemberUnreadable("the zip is cut short inside it")
                at, left = at + len(raw), left - len(raw)
                piece = inflate.decompress(raw) if inflate is not None else raw
                crc = zlib.crc32(piece, crc)
                if piece:
                    yield piece
            if entry.cut:
                raise MemberUnreadable("the zip is cut short inside it")
            if inflate is not None:
                tail = inflate.flush()
                crc = zlib.crc32(tail, crc)
                if tail:
                    yield tail
        except zlib.error as exc:
            raise MemberUnreadable(f"its compressed data is damaged ({exc})") from exc
        if crc != entry.crc:
            raise MemberUnreadable("its CRC does not match: the bytes were damaged")


def open_members(path: Path) -> Members:
    """The members of the zip at ``path``. Raises ``NotABundleError`` when the file is missing
    or not a zip at all; a zip whose directory is gone is scanned member by member."""
    try:
        with path.open("rb") as probe:
            start = probe.read(4)
    except OSError as exc:
        raise NotABundleError(path, f"cannot be read ({exc.strerror or exc})", _FIX) from exc
    if start != _LOCAL:
        raise NotABundleError(path, "is not a zip file, so not an incident bundle", _FIX)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return _scan(path)
    return Members(path, archive.namelist(), _zip=archive)


def _scan(path: Path) -> Members:
    handle = path.open("rb")
    size = path.stat().st_size
    members = Members(
        path,
        [],
        damaged="the zip is cut short or damaged (its directory at the end is missing)",
        _file=handle,
    )
    at = 0
    while at + _LOCAL_HEADER.size <= size:
        handle.seek(at)
        header = handle.read(_LOCAL_HEADER.size)
        sig, _, flags, method, _, _, crc, csize, usize, name_len, extra_len = _LOCAL_HEADER.unpack(
            header
        )
        if sig != _LOCAL:
            break  # the directory (or garbage): no more members
        raw_name = handle.read(name_len)
        extra = handle.read(extra_len)
        if len(raw_name) < name_len or len(extra) < extra_len:
            break
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        members.names.append(name)
        data_at = at + _LOCAL_HEADER.size + name_len + extra_len
        if flags & 0x08:
            # Sizes only after the data: the member's end cannot be found without the directory.
            members.unreadable[name] = "its size is not recorded before its data"
            break
        if csize == 0xFFFFFFFF:
            csize = _zip64_size(extra, usize == 0xFFFFFFFF)
        if method not in (_STORED, _DEFLATED):
            members.unreadable[name] = f"it uses a compression this version cannot read ({method})"
        elif data_at + csize > size:
            # What is there can still be read (the events before the cut are checked).
            members._entries[name] = _Entry(name, method, data_at, size - data_at, crc, True)
            break
        members._entries[name] = _Entry(name, method, data_at, csize, crc)
        at = data_at + csize
    return members


def _zip64_size(extra: bytes, has_usize: bool) -> int:
    """The compressed size from a local header's Zip64 extra field."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        if tag == _ZIP64_EXTRA:
            offset = at + 4 + (8 if has_usize else 0)
            (csize,) = struct.unpack_from("<Q", extra, offset)
            return int(csize)
        at += 4 + length
    return 1 << 62  # unknown: reads as cut short
