"""The user's settings file: where it is, its version and migration, and a damaged file set
aside. Usable before the QApplication exists (QSettings on an explicit file needs none)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from core.notices import NoticeLevel

SETTINGS_VERSION = 2
VERSION_KEY = "meta/version"
_NAME = "Cityroom"


def settings_path() -> Path:
    """The user's settings file: ~/.config/Cityroom/Cityroom.conf on Linux (as before),
    %APPDATA%\\Cityroom\\Cityroom.ini on Windows."""
    # On Linux the native format is this very INI file (and keeps its .conf name); elsewhere
    # the native store is the registry or a plist, which cannot be set aside or inspected.
    native = sys.platform not in ("win32", "darwin")
    kind = QSettings.Format.NativeFormat if native else QSettings.Format.IniFormat
    return Path(QSettings(kind, QSettings.Scope.UserScope, _NAME, _NAME).fileName())


def open_store(path: Path | None = None) -> QSettings:
    """The settings file at ``path`` (default: the user's) as INI, on every platform."""
    return QSettings(str(path or settings_path()), QSettings.Format.IniFormat)


def legacy_registry() -> QSettings | None:
    """Where older versions kept the settings on Windows (the registry); None elsewhere."""
    if sys.platform != "win32":
        return None
    registry = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, _NAME, _NAME)
    # Only the user's own values: not the organisation's or the machine's defaults.
    registry.setFallbacksEnabled(False)
    return registry


def as_bytes(value: object) -> bytes | None:
    """A stored binary value (Qt's byte array, or the Python bytes older versions stored)."""
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return None


class Damage(StrEnum):
    """Why a settings file cannot be used."""

    UNREADABLE = "unreadable"
    BINARY = "binary"
    FORMAT = "format"
    VERSION = "version"
    VALUE = "value"


@dataclass(frozen=True)
class SettingsFileCheck:
    """What the start-up found in the settings file and did about it."""

    path: Path
    version: int = SETTINGS_VERSION  # the version the file was written as
    damage: Damage | None = None
    detail: str = ""  # the damage's particulars: an OS error, a key, a value
    set_aside: Path | None = None  # where a damaged file was moved
    move_error: str = ""  # why a damaged file could not be moved
    migrated: bool = False  # an older file was brought to this version
    migrated_backup: Path | None = None  # the file as it was before the migration
    from_registry: int = 0  # values copied from an older version's registry

    @property
    def newer(self) -> bool:
        """Whether a newer Cityroom wrote the file (it is read as far as understood)."""
        return self.version > SETTINGS_VERSION

    def notices(self) -> list[tuple[NoticeLevel, str]]:
        """What to tell the operator, one sentence or two each (translated when a translator
        is installed)."""
        said: list[tuple[NoticeLevel, str]] = []
        if self.damage is not None:
            said.append(self._damage_notice())
        if self.from_registry:
            text = QCoreApplication.translate(
                "SettingsFile",
                "The settings of the earlier version were copied from the registry into %1; "
                "the registry was left as it was.",
            )
            said.append((NoticeLevel.INFO, text.replace("%1", str(self.path))))
        if self.migrated and self.migrated_backup is not None:
            text = QCoreApplication.translate(
                "SettingsFile",
                "The settings file %1 was updated from version %2 to %3; the file as it was "
                "is kept as %4.",
            )
            said.append((NoticeLevel.INFO, self._filled(text, self.migrated_backup)))
        if self.newer:
            text = QCoreApplication.translate(
                "SettingsFile",
                "The settings file %1 was written by a newer Cityroom (settings version %2; this "
                "one knows version %3). What this version understands is used; the rest is kept "
                "as it is and the file stays at version %2.",
            )
            said.append((NoticeLevel.WARNING, self._filled(text)))
        return said

    def _filled(self, text: str, other: Path | None = None) -> str:
        return (
            text.replace("%1", str(self.path))
            .replace("%2", str(self.version))
            .replace("%3", str(SETTINGS_VERSION))
            .replace("%4", str(other))
        )

    def _damage_notice(self) -> tuple[NoticeLevel, str]:
        why = self._why()
        if self.set_aside is None:
            text = QCoreApplication.translate(
                "SettingsFile",
                "The settings file %1 is damaged (%2) and could not be moved aside (%3). "
                "Cityroom runs with the default layout and preferences; move or delete the file, "
                "then start Cityroom again.",
            )
            filled = text.replace("%1", str(self.path)).replace("%2", why)
            return NoticeLevel.ERROR, filled.replace("%3", self.move_error)
        text = QCoreApplication.translate(
            "SettingsFile",
            "The settings file %1 is damaged (%2): your layout and preferences are back to the "
            "defaults; the old file is kept as %3 for support. Set your preferences again in "
            "Settings; nothing else (the event log, recordings, evidence) was affected.",
        )
        filled = text.replace("%1", str(self.path)).replace("%2", why)
        return NoticeLevel.WARNING, filled.replace("%3", str(self.set_aside))

    def _why(self) -> str:
        if self.damage is Damage.UNREADABLE:
            text = QCoreApplication.translate("SettingsFile", "it cannot be read: %1")
        elif self.damage is Damage.BINARY:
            text = QCoreApplication.translate(
                "SettingsFile", "it holds binary data, not settings text"
            )
        elif self.damage is Damage.VERSION:
            text = QCoreApplication.translate(
                "SettingsFile", "its settings version %1 is not a number"
            )
        elif self.damage is Damage.VALUE:
            text = QCoreApplication.translate("SettingsFile", "a stored value cannot be read: %1")
        else:
            text = QCoreApplication.translate("SettingsFile", "it is not in the settings format")
        return text.replace("%1", self.detail)


def check_settings_file(
    path: Path, legacy: QSettings | None = None, now: datetime | None = None
) -> SettingsFileCheck:
    """Make the settings file at ``path`` usable before anything reads it: a damaged one is
    renamed to NAME.corrupt-YYYYMMDD-HHMMSS next to it (so the defaults apply); with no file,
    the values an older version kept in ``legacy`` (the Windows registry) are copied in once;
    an older file is migrated to :data:`SETTINGS_VERSION` (a copy of it kept as NAME.vN); a
    newer one is left as it is. Says what it did; raises nothing."""
    copied = 0
    try:
        exists = path.exists()
    except OSError:  # e.g. a folder we may not look into: reading it says why
        exists = True
    if not exists:
        copied = _copy_legacy(legacy, path) if legacy is not None else 0
        if not copied:
            _new_file(path)
            return SettingsFileCheck(path)
    damage, detail = _damage(path)
    if damage is not None:
        return _set_aside(path, damage, detail, now or datetime.now())
    store = open_store(path)
    version = _version(store)
    if version > SETTINGS_VERSION:
        return SettingsFileCheck(path, version=version, from_registry=copied)
    if version == SETTINGS_VERSION:
        return SettingsFileCheck(path, from_registry=copied)
    backup = None
    if not copied:  # a file just copied from the registry has the registry behind it
        backup = path.with_name(f"{path.name}.v{version}")
        try:
            if not backup.exists():  # one there already is the earlier original: keep it
                shutil.copy2(path, backup)
        except OSError:
            backup = None  # the migration keeps every value; the copy is a courtesy
    for step in range(version, SETTINGS_VERSION):
        _MIGRATIONS[step](store)
    store.setValue(VERSION_KEY, str(SETTINGS_VERSION))
    store.sync()
    return SettingsFileCheck(
        path, version=version, migrated=True, migrated_backup=backup, from_registry=copied
    )


def _copy_legacy(legacy: QSettings, path: Path) -> int:
    keys = legacy.allKeys()
    if not keys:
        return 0
    store = open_store(path)
    for key in keys:
        try:
            value = legacy.value(key)
        except Exception:  # undecodable (see _damage): left in the registry, not copied
            continue
        store.setValue(key, value)
    store.sync()
    return len(keys)


def _damage(path: Path) -> tuple[Damage | None, str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        return Damage.UNREADABLE, error.strerror or str(error)
    if b"\0" in data:
        return Damage.BINARY, ""
    # Parsed from a copy: QSettings objects on one file share what Qt parsed, and only the
    # first one made in the process would report a format error.
    with tempfile.TemporaryDirectory(prefix="cityroom-settings-") as folder:
        copy = Path(folder) / "check.conf"
        copy.write_bytes(data)
        try:
            return _store_damage(data, open_store(copy))
        except Exception as error:  # a stored Python object that does not unpickle
            return Damage.VALUE, str(error)


def _store_damage(data: bytes, store: QSettings) -> tuple[Damage | None, str]:
    if store.status() is QSettings.Status.FormatError or _text_without_keys(data, store):
        return Damage.FORMAT, ""
    raw = store.value(VERSION_KEY)
    if raw is not None and _parsed_version(raw) is None:
        return Damage.VERSION, repr(raw)
    for key in store.allKeys():
        try:
            store.value(key)
        except Exception as error:  # PySide raises what unpickling a stored object raised
            return Damage.VALUE, f"{key}: {error}"
    return None, ""


def _text_without_keys(data: bytes, store: QSettings) -> bool:
    # Qt skips lines it cannot parse, and its next write would drop them: a file of text in
    # which it finds no setting at all is not a settings file (a single bad line is let be).
    if store.allKeys():
        return False
    lines = (line.strip() for line in data.splitlines())
    return any(line and not line.startswith((b";", b"#", b"[")) for line in lines)


def _parsed_version(raw: object) -> int | None:
    try:
        version = int(str(raw).strip())
    except ValueError:
        return None
    return version if version >= 1 else None


def _version(store: QSettings) -> int:
    raw = store.value(VERSION_KEY)
    return 1 if raw is None else (_parsed_version(raw) or 1)


def _set_aside(path: Path, damage: Damage, detail: str, now: datetime) -> SettingsFileCheck:
    stem = f"{path.name}.corrupt-{now:%Y%m%d-%H%M%S}"
    target = path.with_name(stem)
    number = 1
    while target.exists():
        number += 1
        target = path.with_name(f"{stem}-{number}")
    try:
        path.rename(target)
    except OSError as error:
        return SettingsFileCheck(path, damage=damage, detail=detail, move_error=str(error))
    _new_file(path)
    return SettingsFileCheck(path, damage=damage, detail=detail, set_aside=target)


def _new_file(path: Path) -> None:
    # Written at once, so the next start does not take the defaults written later for an
    # older file.
    store = open_store(path)
    store.setValue(VERSION_KEY, str(SETTINGS_VERSION))
    store.sync()


def _to_version_2(store: QSettings) -> None:
    """Version 1 → 2: the window's layout as Qt byte arrays (version 1 kept pickled Python
    objects, which only PySide could read, and reading them unpickled whatever the file
    held); the interface language joins the desk's preferences."""
    for key in ("window/geometry", "window/state"):
        if store.contains(key):
            data = as_bytes(store.value(key))
            if data is None:
                store.remove(key)  # unreadable: the first-run layout applies
            else:
                store.setValue(key, QByteArray(data))
    if store.contains("ui/language"):
        if not store.contains("desk/language"):
            store.setValue("desk/language", store.value("ui/language"))
        store.remove("ui/language")


# Step from version N to N+1.
_MIGRATIONS: dict[int, Callable[[QSettings], None]] = {1: _to_version_2}

_user_check: SettingsFileCheck | None = None


def checked_user_settings() -> SettingsFileCheck:
    """Check the user's settings file (:func:`check_settings_file`) once per run; later calls
    return what the first found."""
    global _user_check
    if _user_check is None:
        _user_check = check_settings_file(settings_path(), legacy_registry())
    return _user_check
