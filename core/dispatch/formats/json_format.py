"""A packet as JSON, for agencies that take JSON: the canonical packet plus its embedded stills.

    {"format": "cityroom-packet", "version": 1, "packet": {…Packet.canonical()…},
     "stills": [{"sha256": …, "mime": …, "data": base64}]}

``stills`` is there only when a still's file was at hand. The JSON Schema of the document is
resources/schemas/cityroom-packet-1.schema.json (written by ``document_schema``); documents are
checked here by hand for the envelope and by the pydantic model for the packet, so no JSON
Schema library is needed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.dispatch.formats.common import SCHEMA_DIR, Problem
from core.dispatch.formats.evidence_files import available
from core.dispatch.model import AttachmentKind, Packet

FORMAT_NAME = "cityroom-packet"
FORMAT_VERSION = 1
SCHEMA_FILE = SCHEMA_DIR / "cityroom-packet-1.schema.json"

_TOP_KEYS = {"format", "version", "packet", "stills"}
_STILL_KEYS = {"sha256", "mime", "data"}


def render_json(packet: Packet, *, attachments_dir: Path | None = None) -> bytes:
    """The packet as a cityroom-packet JSON document (UTF-8)."""
    stills = []
    for attachment in packet.attachments:
        found = available(attachments_dir, attachment)
        if found and attachment.kind is AttachmentKind.STILL:
            data = base64.b64encode(found.path.read_bytes()).decode("ascii")
            stills.append({"sha256": attachment.sha256, "mime": attachment.mime, "data": data})
    # The packet's canonical text goes in byte for byte, so its digest can be checked.
    parts = [f'"format":"{FORMAT_NAME}"', f'"packet":{packet.canonical()}']
    if stills:
        parts.append(f'"stills":{json.dumps(stills, separators=(",", ":"))}')
    parts.append(f'"version":{FORMAT_VERSION}')
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def document_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a cityroom-packet document; the packet part is the model's."""
    packet_schema = Packet.model_json_schema(ref_template="#/$defs/{model}")
    defs: dict[str, Any] = packet_schema.pop("$defs", {})
    defs["Packet"] = packet_schema
    defs["Still"] = {
        "type": "object",
        "description": "A still embedded whole; its SHA-256 is the one the packet records.",
        "required": ["sha256", "mime", "data"],
        "additionalProperties": False,
        "properties": {
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "mime": {"type": "string", "minLength": 1},
            "data": {"type": "string", "contentEncoding": "base64"},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:cityroom:schema:cityroom-packet:1",
        "title": "Cityroom dispatch packet",
        "description": "One packet from the city operations centre to an agency.",
        "type": "object",
        "required": ["format", "version", "packet"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT_NAME},
            "version": {"const": FORMAT_VERSION},
            "packet": {"$ref": "#/$defs/Packet"},
            "stills": {"type": "array", "items": {"$ref": "#/$defs/Still"}},
        },
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema file's text (a test keeps the file in step with the model)."""
    return json.dumps(document_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _field(loc: tuple[int | str, ...]) -> str:
    return "packet." + ".".join(str(part) for part in loc) if loc else "packet"


def load_document(body: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse a cityroom-packet document; the problems say what is wrong with its envelope."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem("/", f"not JSON text: {exc}")]
    if not isinstance(doc, dict):
        return None, [Problem("/", "a cityroom-packet document is a JSON object")]
    problems = [
        Problem(f"/{key}", "unknown member; remove it") for key in sorted(set(doc) - _TOP_KEYS)
    ]
    for key in ("format", "version", "packet"):
        if key not in doc:
            problems.append(Problem(f"/{key}", "missing"))
    if doc.get("format", FORMAT_NAME) != FORMAT_NAME:
        problems.append(Problem("/format", f"must be {FORMAT_NAME!r}"))
    if doc.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        problems.append(Problem("/version", f"must be {FORMAT_VERSION}"))
    stills = doc.get("stills", [])
    if not isinstance(stills, list):
        problems.append(Problem("/stills", "must be a list"))
        stills = []
    for index, still in enumerate(stills):
        problems += _still_problems(index, still)
    return doc, problems


def _still_problems(index: int, still: Any) -> list[Problem]:
    where = f"/stills[{index + 1}]"
    if not isinstance(still, dict) or set(still) != _STILL_KEYS:
        return [Problem(where, "a still has exactly sha256, mime and data")]
    try:
        data = base64.b64decode(str(still["data"]), validate=True)
    except (binascii.Error, ValueError):
        return [Problem(f"{where}/data", "not base64")]
    if hashlib.sha256(data).hexdigest() != still["sha256"]:
        return [Problem(f"{where}/data", "its SHA-256 is not the one given; embed the file again")]
    return []


def packet_from_document(doc: dict[str, Any]) -> tuple[Packet | None, list[Problem]]:
    """The packet a document carries, or the problems the model finds in it."""
    try:
        return Packet.model_validate(doc.get("packet")), []
    except ValidationError as exc:
        return None, [
            Problem(_field(tuple(error["loc"])), str(error["msg"])) for error in exc.errors()
        ]
