"""The remote backend's wire format: events, new events and commands as JSON.

Both the server (``server/``) and the workstation's client use these functions, so the two
can never disagree on a field. An event's payload travels as the exact canonical JSON string
it was hashed over, so a replica stores byte-identical records and its hash chain verifies.
Every ``*_from_json`` raises ``WireError`` naming the bad field, never a bare ``KeyError``.

A backlog can also travel as ``chain`` pages: rows of the hashed fields only, with the hash
before the first row and the hash of the last. The reader recomputes every hash and the page
is good only when the last one comes out as the server's, so any change on the way is caught
while the 130 bytes of hashes per event stay at home.

An account that sees only some districts receives the other districts' events *withheld*:
sequence number, time and both hashes, no contents (``{"withheld": true, ...}`` in an event
list, a four-field row ``[seq, ts_ms, prev_hash, hash]`` in a chain page). Its replica still
holds one unbroken chain; the contents of those events never leave the server.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, fields
from typing import Any, Union

from core import commands as incident_commands
from core.commands import Command
from core.errors import CityroomError
from core.eventlog import chain_hash
from core.events import (
    EVENT_CLASSES,
    WITHHELD_TYPE,
    EventRecord,
    EventType,
    NewEvent,
    is_withheld,
    withheld,
)
from core.sop import commands as procedure_commands

PROTOCOL_VERSION = 2
"""Bumped when a change would make an older workstation misread the server (or the reverse)."""
PROTOCOL_HEADER = "Cityroom-Protocol"

_HASH_BYTES = 32
_CHAIN_FIELDS = 7
_WITHHELD_FIELDS = 4
_NAME_MAX = 200


class WireError(CityroomError, ValueError):
    """A message that does not have the documented shape; the text names the field."""


def _commands() -> dict[str, type[Command]]:
    found: dict[str, type[Command]] = {}
    for module in (incident_commands, procedure_commands):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Command)
                and value is not Command
                and value.__module__ == module.__name__
                and value.__name__ not in ("IncidentCommand", "ProcedureCommand")
            ):
                found[value.__name__] = value
    return found


COMMANDS: dict[str, type[Command]] = _commands()
"""Every command a client may send, by class name."""


# -- events --------------------------------------------------------------------------------


def record_to_json(record: EventRecord) -> dict[str, Any]:
    """A stored event as JSON: every field, hashes in hex, the payload as its exact string
    (a withheld event: its sequence number, time and hashes)."""
    if is_withheld(record):
        return {
            "seq": record.seq,
            "ts_ms": record.ts_ms,
            "withheld": True,
            "prev_hash": record.prev_hash.hex(),
            "hash": record.hash.hex(),
        }
    return {
        "seq": record.seq,
        "ts_ms": record.ts_ms,
        "type": record.type,
        "source": record.source,
        "actor": record.actor,
        "subject": record.subject,
        "payload": record.payload_json,
        "prev_hash": record.prev_hash.hex(),
        "hash": record.hash.hex(),
    }


def record_from_json(data: Any) -> EventRecord:
    """Inverse of :meth:`record_to_json`."""
    obj = _object(data, "event")
    if obj.get("withheld") is True:
        return EventRecord(
            _int(obj, "seq", minimum=1),
            _int(obj, "ts_ms"),
            WITHHELD_TYPE,
            "",
            "",
            None,
            "{}",
            _hash(obj, "prev_hash"),
            _hash(obj, "hash"),
        )
    return EventRecord(
        seq=_int(obj, "seq", minimum=1),
        ts_ms=_int(obj, "ts_ms"),
        type=_str(obj, "type"),
        source=_str(obj, "source"),
        actor=_str(obj, "actor"),
        subject=_optional_str(obj, "subject"),
        payload_json=_str(obj, "payload", limit=None),
        prev_hash=_hash(obj, "prev_hash"),
        hash=_hash(obj, "hash"),
    )


def chain_message(prev_hash: bytes, last_hash: bytes, rows_json: str) -> str:
    """A ``chain`` page: ``rows_json`` is a JSON array of ``[seq, ts_ms, type, source, actor,
    subject, payload]`` rows, consecutive events whose first follows ``prev_hash`` and whose
    last hashes to ``last_hash``."""
    return (
        f'{{"kind":"chain","prev":"{prev_hash.hex()}","hash":"{last_hash.hex()}",'
        f'"rows":{rows_json}}}'
    )


def chain_rows_json(records: Sequence[EventRecord]) -> str:
    """The ``rows`` of a chain page for ``records`` (withheld ones as four-field rows)."""
    rows: list[list[Any]] = []
    for r in records:
        if is_withheld(r):
            rows.append([r.seq, r.ts_ms, r.prev_hash.hex(), r.hash.hex()])
        else:
            rows.append([r.seq, r.ts_ms, r.type, r.source, r.actor, r.subject, r.payload_json])
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def chain_from_json(data: Any) -> list[EventRecord]:
    """The events of a ``chain`` page, each hash recomputed from its fields; raises
    ``WireError`` when a row is malformed or the last hash does not come out as the page's
    (the events were altered on the way)."""
    obj = _object(data, "chain page")
    prev = _hash(obj, "prev")
    last = _hash(obj, "hash")
    rows = obj.get("rows")
    if not isinstance(rows, list) or not rows:
        raise WireError("field 'rows' must be a non-empty list")
    records: list[EventRecord] = []
    append = records.append
    for row in rows:
        if isinstance(row, list) and len(row) == _WITHHELD_FIELDS:
            record = _withheld_row(row, prev)
            append(record)
            prev = record.hash
            continue
        if not isinstance(row, list) or len(row) != _CHAIN_FIELDS:
            raise WireError(
                f"a chain row must be a list of {_CHAIN_FIELDS} fields "
                f"(or {_WITHHELD_FIELDS} for a withheld event)"
            )
        seq, ts_ms, type_, source, actor, subject, payload = row
        if (
            type(seq) is not int
            or type(ts_ms) is not int
            or type(type_) is not str
            or type(source) is not str
            or type(actor) is not str
            or type(payload) is not str
            or (subject is not None and type(subject) is not str)
        ):
            raise WireError(f"chain row {seq!r} has a field of the wrong type")
        digest = chain_hash(prev, seq, ts_ms, type_, source, actor, subject, payload)
        append(EventRecord(seq, ts_ms, type_, source, actor, subject, payload, prev, digest))
        prev = digest
    if prev != last:
        raise WireError(
            f"the events {records[0].seq}..{records[-1].seq} do not hash to the page's last "
            "hash: they were altered on the way"
        )
    return records


def _withheld_row(row: list[Any], prev: bytes) -> EventRecord:
    """A withheld event's chain row, checked to follow ``prev`` (so a change to the event
    before it is caught here, not only at the page's end)."""
    seq, ts_ms, prev_hex, hash_hex = row
    if type(seq) is not int or type(ts_ms) is not int:
        raise WireError(f"withheld chain row {seq!r} has a field of the wrong type")
    obj = {"prev_hash": prev_hex, "hash": hash_hex}
    record = withheld(
        EventRecord(seq, ts_ms, "", "", "", None, "", _hash(obj, "prev_hash"), _hash(obj, "hash"))
    )
    if record.prev_hash != prev:
        raise WireError(
            f"event {seq} does not follow the event before it in its page: the events were "
            "altered on the way"
        )
    return record


def view_key(log_id: str, districts: Sequence[str] | None) -> str:
    """The name of a workstation's replica of ``log_id`` as seen by an account that sees
    ``districts`` (None: every district). A replica holds one view: when an account's
    districts change, its events arrive withheld differently, so another replica is used."""
    if districts is None:
        return log_id
    digest = hashlib.sha256(",".join(sorted(districts)).encode("utf-8")).hexdigest()
    return f"{log_id}.v{digest[:8]}"


def same_log(key: str, other: str) -> bool:
    """Whether two replica names (``view_key``) are views of the same server log."""
    return key.split(".v", 1)[0] == other.split(".v", 1)[0]


def view_from_json(data: Any) -> list[str] | None:
    """The ``view`` the server names (its districts, None for all); raises ``WireError``."""
    if data is None:
        return None
    if not isinstance(data, list) or not all(isinstance(c, str) for c in data):
        raise WireError("field 'view' must be a list of district codes or null")
    return [str(c) for c in data]


def new_event_to_json(event: NewEvent) -> dict[str, Any]:
    """An event to append, as JSON."""
    return {
        "type": str(event.type),
        "source": event.source,
        "actor": event.actor,
        "payload": event.payload,
        "subject": event.subject,
        "ts_ms": event.ts_ms,
    }


def new_event_from_json(data: Any) -> NewEvent:
    """Inverse of :meth:`new_event_to_json`; the type must be one this version knows."""
    obj = _object(data, "event")
    type_name = _str(obj, "type")
    try:
        event_type = EventType(type_name)
    except ValueError:
        raise WireError(f"event type {type_name!r} is not one this backend knows") from None
    payload = checked_payload(type_name, obj.get("payload"))
    ts_ms = obj.get("ts_ms")
    if ts_ms is not None:
        ts_ms = _int(obj, "ts_ms")
    return NewEvent(
        event_type,
        _str(obj, "source"),
        _str(obj, "actor"),
        payload,
        _optional_str(obj, "subject"),
        ts_ms,
    )


def checked_payload(type_name: str, payload: Any) -> dict[str, Any]:
    """``payload`` checked field by field against the typed event of ``type_name``, so a
    malformed fact is refused at the door instead of breaking every reader's fold later."""
    if not isinstance(payload, dict):
        raise WireError("event field 'payload' must be a JSON object")
    cls = EVENT_CLASSES.get(type_name)
    if cls is None:
        raise WireError(f"event type {type_name!r} cannot be appended by a client")
    hints = typing.get_type_hints(cls)
    checked: dict[str, Any] = {}
    for spec in fields(cls):
        name = spec.name
        if name not in payload:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise WireError(f"a {type_name} event needs the payload field {name!r}")
            continue
        value = _convert(payload[name], hints[name], f"{type_name}.{name}")
        checked[name] = list(value) if isinstance(value, tuple) else value
    unknown = sorted(set(payload) - set(checked) - {f.name for f in fields(cls)})
    if unknown:
        raise WireError(f"a {type_name} event has no payload field(s) {', '.join(unknown)}")
    return checked


# -- commands ------------------------------------------------------------------------------


def command_to_json(command: Command) -> dict[str, Any]:
    """A command as ``{"command": class name, "fields": {...}}`` (tuples as lists)."""
    values: dict[str, Any] = {}
    for f in fields(command):
        value = getattr(command, f.name)
        values[f.name] = list(value) if isinstance(value, tuple) else value
    return {"command": type(command).__name__, "fields": values}


def command_from_json(name: Any, values: Any) -> Command:
    """The command ``name`` with ``values``, every field checked against its declared type."""
    if not isinstance(name, str) or name not in COMMANDS:
        raise WireError(f"unknown command {name!r}; known: {', '.join(sorted(COMMANDS))}")
    cls = COMMANDS[name]
    if not isinstance(values, dict):
        raise WireError(f"the fields of {name} must be a JSON object")
    hints = typing.get_type_hints(cls)
    declared = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise WireError(f"{name} has no field(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for field_name, spec in declared.items():
        if field_name not in values:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise WireError(f"{name} needs the field {field_name!r}")
            continue
        kwargs[field_name] = _convert(
            values[field_name], hints[field_name], f"{name}.{field_name}"
        )
    return cls(**kwargs)


def _convert(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(value, option, where)
            except WireError as error:
                errors.append(str(error))
        raise WireError(errors[0] if errors else f"{where} may not be null")
    if origin is tuple:
        if not isinstance(value, list):
            raise WireError(f"{where} must be a list")
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{where}[]") for v in value)
        if len(value) != len(args):
            raise WireError(f"{where} must be a list of {len(args)} items")
        return tuple(
            _convert(v, a, f"{where}[{i}]")
            for i, (v, a) in enumerate(zip(value, args, strict=False))
        )
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise WireError(f"{where} must be a JSON object")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise WireError(f"{where} must be plain JSON") from None
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise WireError(f"{where} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise WireError(f"{where} must be a whole number")
        if abs(value) >= 1 << 63:
            raise WireError(f"{where} is out of range")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WireError(f"{where} must be a number")
        if value != value or value in (float("inf"), float("-inf")):
            raise WireError(f"{where} must be a finite number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise WireError(f"{where} must be text")
        if "\x00" in value:
            raise WireError(f"{where} may not contain NUL characters")
        return value
    if hint is typing.Any:
        return value
    raise WireError(f"{where} has a type the wire format does not carry ({hint!r})")


# -- field checks --------------------------------------------------------------------------


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise WireError(f"an {what} must be a JSON object")
    return data


def _int(obj: dict[str, Any], key: str, minimum: int | None = None) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireError(f"field {key!r} must be a whole number")
    if minimum is not None and value < minimum:
        raise WireError(f"field {key!r} must be {minimum} or more")
    return value


def _str(obj: dict[str, Any], key: str, limit: int | None = _NAME_MAX) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise WireError(f"field {key!r} must be text")
    if limit is not None and len(value) > limit:
        raise WireError(f"field {key!r} is longer than {limit} characters")
    if "\x00" in value:
        raise WireError(f"field {key!r} may not contain NUL characters")
    return value


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _str(obj, key)


def _hash(obj: dict[str, Any], key: str) -> bytes:
    text = _str(obj, key)
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise WireError(f"field {key!r} must be hexadecimal") from None
    if len(value) != _HASH_BYTES:
        raise WireError(f"field {key!r} must be {_HASH_BYTES} bytes")
    return value
