"""Checking an incident bundle: is every byte the one that was exported, and who signed it?

``check_bundle`` is pure (reads the zip, writes nothing) and safe on a worker thread. It names
every problem it finds, never stopping at the first: each file altered, missing or added, each
event altered, missing, added or out of its chain, and the signature. A zip cut short is read
as far as it goes. Files are hashed in 1 MiB pieces, streamed from the zip.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.bundle.manifest import (
    EVENTS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SIGNATURE,
    UNLISTED,
    BundleKeyError,
    BundleVersionError,
    NotABundleError,
    is_safe_member,
)
from core.bundle.signing import key_id, load_public_key, signature_matches
from core.bundle.zipread import Members, MemberUnreadable, open_members
from core.eventlog import chain_hash

_FIX = "Ask for the bundle again: only a whole Cityroom incident bundle can be checked."


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bundle: ``kind`` is "file", "event", "manifest", "signature",
    "bundle", or "trust" (intact, but not shown to come from a trusted key: unsigned, or
    signed by another key); ``where`` names the file or the event; ``what`` says what is
    wrong."""

    kind: str
    where: str
    what: str

    def line(self) -> str:
        """One line for people, e.g. ``event 12 (incident.closed): missing``."""
        if self.kind in ("file", "event"):
            return f"{self.kind} {self.where}: {self.what}"
        return f"{self.where}: {self.what}"

    def to_json(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "where": self.where, "what": self.what, "line": self.line()}


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """The outcome of :func:`check_bundle`."""

    path: Path
    problems: list[Problem]
    signed: bool  # the bundle carries a signature (valid or not: see problems)
    key_id: str | None
    trusted: bool | None  # None: not signed; True: valid and by one of the trusted keys
    manifest: dict[str, Any]
    event_count: int  # events read from events.jsonl
    altered_seqs: frozenset[int] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def intact(self) -> bool:
        """True when every file and event is as exported and any signature matches (the
        only problems, if any, are about trusting its origin)."""
        return all(p.kind == "trust" for p in self.problems)

    @property
    def incident_id(self) -> str:
        """The bundle's incident."""
        incident = self.manifest.get("incident")
        return str(incident.get("id", "")) if isinstance(incident, dict) else ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (``bundle verify --json``)."""
        events = self.manifest.get("events")
        return {
            "path": str(self.path),
            "ok": self.ok,
            "incident": self.incident_id,
            "events": self.event_count,
            "events_expected": events.get("count") if isinstance(events, dict) else None,
            "signed": self.signed,
            "key_id": self.key_id,
            "trusted": self.trusted,
            "missing_evidence": self.manifest.get("missing") or [],
            "problems": [p.to_json() for p in self.problems],
        }


def check_bundle(path: Path, trusted_keys: Sequence[bytes] = ()) -> BundleCheck:
    """Check the bundle at ``path`` against its manifest, and its signature against the
    manifest bytes (trusted only when by one of ``trusted_keys``, PEM public keys).

    Raises ``NotABundleError`` when the file is not a bundle or too damaged to read its
    manifest, ``BundleVersionError`` when a newer Cityroom made it, and ``BundleKeyError``
    for a trusted key that is not an Ed25519 public key.
    """
    path = Path(path)
    trusted = [
        load_public_key(pem, f"trusted key {number}") for number, pem in enumerate(trusted_keys, 1)
    ]
    with open_members(path) as members:
        problems: list[Problem] = []
        if members.damaged:
            problems.append(
                Problem("bundle", path.name, f"{members.damaged}; what could be read was checked")
            )
        raw = _read_manifest(members, path)
        manifest = _parse_manifest(raw, path)
        signed, signer, is_trusted = _check_signature(members, manifest, raw, trusted, problems)
        _check_files(members, manifest, problems)
        count, altered = _check_events(members, manifest, problems)
    return BundleCheck(path, problems, signed, signer, is_trusted, manifest, count, altered)


def _read_manifest(members: Members, path: Path) -> bytes:
    if MANIFEST not in members.names:
        problem = (
            "is cut short before its manifest.json: too little is left to check"
            if members.damaged
            else "is a zip but not an incident bundle: it has no manifest.json"
        )
        raise NotABundleError(path, problem, _FIX)
    try:
        return members.read(MANIFEST)
    except MemberUnreadable as exc:
        raise NotABundleError(path, f"its manifest.json cannot be read ({exc})", _FIX) from exc


def _parse_manifest(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotABundleError(
            path, f"its manifest.json is not readable JSON ({exc})", _FIX
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise NotABundleError(path, "is not a Cityroom incident bundle (unknown format)", _FIX)
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise NotABundleError(
            path, f"its manifest has no valid format_version ({version!r})", _FIX
        )
    if version > FORMAT_VERSION:
        raise BundleVersionError(path, version, str(manifest.get("app_version", "")))
    return manifest


def _check_signature(
    members: Members,
    manifest: dict[str, Any],
    raw: bytes,
    trusted: list[Any],
    problems: list[Problem],
) -> tuple[bool, str | None, bool | None]:
    """Whether the bundle is signed, by which key, and whether that key is trusted."""
    block = manifest.get("signature")
    has_sig = SIGNATURE in members.names
    if not has_sig and block is None:
        if trusted:
            problems.append(
                Problem(
                    "trust",
                    SIGNATURE,
                    "the bundle is not signed, so it cannot be shown to come from a trusted key",
                )
            )
        return False, None, None
    if not isinstance(block, dict):
        problems.append(
            Problem(
                "signature",
                MANIFEST,
                "manifest.sig is there but the manifest names no signing key: the manifest "
                "was changed after signing",
            )
        )
        return True, None, False
    named = str(block.get("key_id", ""))
    if not has_sig:
        problems.append(
            Problem("signature", SIGNATURE, f"missing: the manifest says key {named} signed it")
        )
        return True, named or None, False
    try:
        public = load_public_key(str(block.get("public_key", "")).encode("ascii", "replace"))
    except BundleKeyError:
        problems.append(Problem("signature", MANIFEST, "the embedded public key is unreadable"))
        return True, named or None, False
    actual = key_id(public)
    if named != actual:
        problems.append(
            Problem("signature", MANIFEST, f"the key id {named} does not match its public key")
        )
    try:
        text = members.read(SIGNATURE).decode("ascii")
    except (MemberUnreadable, UnicodeDecodeError):
        text = ""
    if not signature_matches(public, text, raw):
        problems.append(
            Problem(
                "signature",
                SIGNATURE,
                "signature does not match: the manifest was changed after signing",
            )
        )
        return True, actual, False
    is_trusted = any(key_id(t) == actual for t in trusted)
    if trusted and not is_trusted:
        known = ", ".join(key_id(t) for t in trusted)
        problems.append(
            Problem(
                "trust",
                SIGNATURE,
                f"signed by key {actual}, which is not among the trusted keys ({known})",
            )
        )
    return True, actual, is_trusted


def _digest(members: Members, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for piece in members.chunks(name):
        digest.update(piece)
        size += len(piece)
    return digest.hexdigest(), size


def _check_files(members: Members, manifest: dict[str, Any], problems: list[Problem]) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        problems.append(Problem("manifest", MANIFEST, "its list of files is unreadable"))
        listed = {}
    present = Counter(members.names)
    for name, count in present.items():
        if count > 1:
            problems.append(Problem("file", name, f"appears {count} times in the zip"))
    for name in sorted(listed):
        entry = listed[name]
        if name not in present:
            problems.append(Problem("file", name, "missing"))
            continue
        try:
            digest, size = _digest(members, name)
        except MemberUnreadable as exc:
            problems.append(Problem("file", name, f"could not be read ({exc})"))
            continue
        expected = entry if isinstance(entry, dict) else {}
        if digest != expected.get("sha256") or size != expected.get("bytes"):
            problems.append(
                Problem(
                    "file",
                    name,
                    f"altered, its SHA-256 does not match the manifest ({size} bytes, "
                    f"the manifest says {expected.get('bytes')})",
                )
            )
    for name in present:
        if name in listed or name in UNLISTED or name.endswith("/"):
            continue  # a folder entry (zip tools add them when re-packing) holds no bytes
        unsafe = "" if is_safe_member(name) else " (its path is unsafe; it is never extracted)"
        problems.append(Problem("file", name, f"added, it is not in the manifest{unsafe}"))


def _lines(members: Members, digest: Any) -> Iterator[bytes]:
    """The lines of events.jsonl, feeding ``digest`` with every byte on the way."""
    rest = b""
    for piece in members.chunks(EVENTS):
        digest.update(piece)
        rest += piece
        *whole, rest = rest.split(b"\n")
        yield from whole
    if rest:
        yield rest


def _check_events(
    members: Members, manifest: dict[str, Any], problems: list[Problem]
) -> tuple[int, frozenset[int]]:
    """Check events.jsonl line by line against the chain and the manifest's hashes; return
    how many events were read and the seqs of the altered ones."""
    block = manifest.get("events")
    block = block if isinstance(block, dict) else {}
    expected: dict[int, str] = {}
    for item in block.get("hashes") or ():
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], int):
            expected[item[0]] = str(item[1])
    if EVENTS not in members.names:
        problems.append(Problem("file", EVENTS, f"missing, with all {len(expected)} events"))
        return 0, frozenset()
    digest = hashlib.sha256()
    checker = _EventChecker(expected, problems)
    try:
        for number, line in enumerate(_lines(members, digest), 1):
            if line.strip():
                checker.add(number, line)
    except MemberUnreadable as exc:
        problems.append(Problem("file", EVENTS, f"could not be read to its end ({exc})"))
        checker.cut_short = True
    checker.finish()
    if digest.hexdigest() != block.get("digest") and not checker.found_any:
        problems.append(
            Problem("file", EVENTS, "altered, its SHA-256 does not match the manifest")
        )
    return checker.count, frozenset(checker.altered)


class _EventChecker:
    """Follows events.jsonl line by line: hashes, the chain between neighbours, the
    manifest's list."""

    def __init__(self, expected: dict[int, str], problems: list[Problem]) -> None:
        self.expected = expected
        self.problems = problems
        self.seen: dict[int, str] = {}
        self.altered: set[int] = set()
        self.previous: tuple[int, str] | None = None
        self.count = 0
        self.found_any = False
        self.cut_short = False

    def problem(self, where: str, what: str) -> None:
        self.found_any = True
        self.problems.append(Problem("event", where, what))

    def add(self, number: int, line: bytes) -> None:
        try:
            event = _parse_event(line)
        except (ValueError, TypeError, KeyError) as exc:
            self.problem(f"on line {number}", f"cannot be read ({exc})")
            return
        seq, type_, prev_hex, hash_hex = event[0], event[2], event[7], event[8]
        self.count += 1
        where = f"{seq} ({type_})"
        recomputed = chain_hash(bytes.fromhex(prev_hex), *event[:7]).hex()
        if recomputed != hash_hex:
            self.altered.add(seq)
            self.problem(where, "altered, its contents do not match its hash")
        elif seq in self.expected and self.expected[seq] != hash_hex:
            self.altered.add(seq)
            self.problem(where, "altered, its hash differs from the manifest's")
        if seq in self.seen:
            self.problem(where, "appears twice")
        elif seq not in self.expected:
            self.problem(where, "added, it is not in the manifest")
        previous = self.previous
        if previous is not None and seq <= previous[0]:
            self.problem(where, f"out of order (after event {previous[0]})")
        elif previous is not None and seq == previous[0] + 1 and prev_hex != previous[1]:
            self.problem(where, f"broken link, its previous hash is not event {previous[0]}'s")
        self.seen[seq] = type_
        self.previous = (seq, hash_hex)

    def finish(self) -> None:
        lost = sorted(set(self.expected) - set(self.seen))
        if self.cut_short and len(lost) > 1:
            self.problem(f"{lost[0]}–{lost[-1]}", f"{len(lost)} events missing (cut short)")
            return
        for seq in lost:
            self.problem(str(seq), "missing")


def _parse_event(
    line: bytes,
) -> tuple[int, int, str, str, str, str | None, str, str, str]:
    """(seq, ts, type, source, actor, subject, payload, prev_hash, hash) of one line."""
    data = json.loads(line.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    seq, ts = data["seq"], data["ts_ms"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(ts, int):
        raise ValueError("seq and ts_ms must be whole numbers")
    texts = [data[k] for k in ("type", "source", "actor", "payload", "prev_hash", "hash")]
    subject = data["subject"]
    if not all(isinstance(t, str) for t in texts) or not isinstance(subject, str | None):
        raise ValueError("a field has the wrong kind of value")
    type_, source, actor, payload, prev_hash, digest = texts
    bytes.fromhex(prev_hash)
    bytes.fromhex(digest)
    return seq, ts, type_, source, actor, subject, payload, prev_hash, digest
