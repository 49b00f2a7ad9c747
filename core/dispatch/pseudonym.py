"""Keyed pseudonyms for plates and phone numbers, and the secret files the room keeps.

A packet names a car or a phone only by ``kind:digest``, an HMAC-SHA256 of the clear value
under the centre's pseudonymisation key. The same plate always gets the same pseudonym, so an
agency can tell two sightings of one car apart from two cars, but only the room (which holds
the key and the clear value) can say which car it is. The key is created on first use in
Cityroom's data folder, readable by its owner only, and never leaves the room.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
from pathlib import Path

from core.dispatch.model import RelatedKind
from core.errors import CityroomError
from core.user_dirs import data_dir

log = logging.getLogger("cityroom.dispatch")

PSEUDONYM_KEY_FILE = "pseudonym.key"
DIGEST_CHARS = 20  # 80 bits of the HMAC: no collisions among a city's plates and phones


class SecretFileError(CityroomError):
    """A key file cannot be created or read."""


def ensure_secret_file(path: Path, nbytes: int = 32) -> bytes:
    """The key kept in ``path``, created first (random, hex, mode 0600) when it is missing.

    Two processes creating it at once agree on one key: the file appears whole or not at all.
    """
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
            handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(secrets.token_hex(nbytes) + "\n")
            try:
                os.link(partial, path)  # fails if another process made it meanwhile
            except FileExistsError:
                pass
            finally:
                partial.unlink(missing_ok=True)
        except OSError as exc:
            raise SecretFileError(
                f"cannot create the key file {path} ({exc.strerror or exc}). "
                "Check that its folder is writable (XDG_DATA_HOME moves Cityroom's data folder)"
            ) from None
    return read_secret_file(path)


def read_secret_file(path: Path) -> bytes:
    """The key in ``path`` (its text without surrounding white space)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"cannot read the key file {path} ({exc})") from None
    if not text:
        raise SecretFileError(f"the key file {path} is empty. Delete it to have a new key made")
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("key file %s can be read by others; run chmod 600 on it", path)
    return text.encode("utf-8")


def pseudonym_key(folder: Path | None = None) -> bytes:
    """The centre's pseudonymisation key (from the data folder; made on first use)."""
    return ensure_secret_file((data_dir() if folder is None else folder) / PSEUDONYM_KEY_FILE)


def normalise(kind: RelatedKind, value: str) -> str:
    """The form that is hashed: a plate without spaces or dashes, a phone number's digits
    (+82 written as a leading 0), a person's name as written."""
    text = value.strip()
    if kind is RelatedKind.PLATE:
        return re.sub(r"[\s\-]", "", text)
    if kind is RelatedKind.PHONE:
        digits = re.sub(r"\D", "", text)
        return "0" + digits[2:] if digits.startswith("82") and text.startswith("+") else digits
    return text


class Pseudonymiser:
    """Turns clear plates, phone numbers and names into their keyed pseudonyms."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key

    def pseudonym(self, kind: RelatedKind, value: str) -> str:
        """``kind:digest``, e.g. ``plate:3f9a…``; the same value always gives the same one."""
        clear = normalise(kind, value)
        if not clear:
            raise ValueError(f"an empty {kind.value} cannot be pseudonymised")
        # The kind is hashed too: a plate and a phone number never share a digest.
        message = f"{kind.value}\x00{clear}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        return f"{kind.value}:{digest[:DIGEST_CHARS]}"
