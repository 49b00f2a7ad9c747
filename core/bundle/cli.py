"""``python main.py export-incident …`` and ``python main.py bundle verify|keygen …``.

- ``export-incident --db LOG --incident ID --out BUNDLE.zip``: write the incident's bundle
  (signed with ``--sign-key`` or the key ``CITYROOM_BUNDLE_KEY`` names); exit 0 written,
  1 failed (the message names the thing and the fix), 2 a usage mistake;
- ``bundle verify BUNDLE.zip [--trust PUB.pem …] [--json]``: exit 0 intact, 1 with one line per
  problem, 2 when it is not a bundle this version reads;
- ``bundle keygen --out centre.key``: a new Ed25519 key pair; prints the key id.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

# Only the standard library at import: the main command line builds these parsers on every run.
PdfWriter = Callable[[str, Path], None]
OK, FAILED, USAGE = 0, 1, 2
DEFAULT_PURPOSE = "after-action review"  # what a bundle is for, unless the operator says


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {text!r}") from None
    if not 0 <= value <= 7 * 24 * 60:
        raise argparse.ArgumentTypeError("must be between 0 and 10080 minutes (a week)")
    return value


def add_bundle_parsers(subparsers: Any) -> None:
    """Add ``export-incident`` and ``bundle verify|keygen`` to the main command line."""
    export = subparsers.add_parser(
        "export-incident",
        help="write an incident's bundle: events, readings, packets, evidence, map, report",
    )
    export.add_argument("--db", type=Path, required=True, dest="bundle_db", metavar="PATH")
    export.add_argument("--incident", required=True, dest="bundle_incident", metavar="ID")
    export.add_argument("--out", type=Path, required=True, dest="bundle_out", metavar="BUNDLE.zip")
    export.add_argument(
        "--purpose",
        default=DEFAULT_PURPOSE,
        dest="bundle_purpose",
        metavar="TEXT",
        help="why the bundle is made, recorded in the log with the export as the law asks "
        f"for every export of camera material (default: {DEFAULT_PURPOSE!r})",
    )
    export.add_argument(
        "--sign-key",
        type=Path,
        default=None,
        dest="bundle_sign_key",
        metavar="KEY.pem",
        help="sign with this Ed25519 key (default: the file CITYROOM_BUNDLE_KEY names, if set)",
    )
    export.add_argument(
        "--evidence-dir",
        type=Path,
        default=None,
        dest="bundle_evidence_dir",
        metavar="DIR",
        help="where stills and clips are kept (default: the data folder's evidence)",
    )
    export.add_argument(
        "--language", choices=("ko", "en"), default="ko", dest="bundle_language",
        help="language of the after-action report (default ko)",
    )  # fmt: skip
    export.add_argument(
        "--margin-min",
        type=_minutes,
        default=10.0,
        dest="bundle_margin_min",
        metavar="N",
        help="minutes of readings and camera views kept before and after the incident "
        "(default 10)",
    )
    export.add_argument(
        "--no-pdf", action="store_true", dest="bundle_no_pdf", help="leave out the PDF report"
    )
    export.add_argument(
        "--operator",
        default=None,
        dest="bundle_operator",
        metavar="WHO",
        help="who made the bundle (default operator:<your user name>)",
    )
    bundle = subparsers.add_parser("bundle", help="check incident bundles; make signing keys")
    commands = bundle.add_subparsers(
        dest="bundle_command", metavar="BUNDLE_COMMAND", required=True
    )
    verify = commands.add_parser(
        "verify", help="check every file and event of a bundle, and its signature"
    )
    verify.add_argument("bundle_path", type=Path, metavar="BUNDLE.zip")
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        dest="bundle_trust",
        metavar="PUB.pem",
        help="a public key whose signature is trusted; repeatable",
    )
    verify.add_argument("--json", action="store_true", dest="bundle_json")
    keygen = commands.add_parser(
        "keygen", help="make an Ed25519 key pair for signing bundles (KEY and KEY.pub)"
    )
    keygen.add_argument(
        "--out", type=Path, required=True, dest="bundle_key_out", metavar="centre.key"
    )


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"


def run_export_incident(
    args: argparse.Namespace,
    pdf_writer: Callable[[], PdfWriter] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``export-incident``; ``pdf_writer`` makes the PDF printer (Qt, from the caller)."""
    from core.bundle.export import export_incident
    from core.bundle.signing import KEY_ENV, signing_key_from
    from core.errors import CityroomError
    from core.user_dirs import data_dir

    out, err = out or sys.stdout, err or sys.stderr
    pdf: PdfWriter | None = None
    try:
        key = signing_key_from(args.bundle_sign_key)
        if not args.bundle_no_pdf:
            if pdf_writer is None:
                print(
                    "cityroom export-incident: PDF printing is not available here; give "
                    "--no-pdf (the HTML report is always in the bundle).",
                    file=err,
                )
                return USAGE
            pdf = pdf_writer()
        result = export_incident(
            args.bundle_db,
            args.bundle_incident,
            args.bundle_out,
            evidence_dir=args.bundle_evidence_dir or data_dir() / "evidence",
            sign_key=key,
            language=args.bundle_language,
            margin_ms=round(args.bundle_margin_min * 60_000),
            pdf=pdf,
            created_by=args.bundle_operator,
            purpose=args.bundle_purpose,
        )
    except CityroomError as error:
        print(f"cityroom export-incident: {error}", file=err)
        return FAILED
    signed = (
        f"signed with key {result.key_id}"
        if result.signed
        else f"not signed (give --sign-key KEY.pem or set {KEY_ENV} to sign)"
    )
    print(
        f"{result.path}: {_size(result.bytes)}, {result.events} events, {result.files} files, "
        f"{signed}; recorded in the log as exported by {_actor(args)} for "
        f"{args.bundle_purpose!r}",
        file=out,
    )
    for line in result.missing:
        print(f"missing evidence: {line}", file=err)
    return OK


def _actor(args: argparse.Namespace) -> str:
    """Who the export is recorded as."""
    import getpass

    return str(args.bundle_operator or f"operator:{getpass.getuser()}")


def run_bundle(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``bundle verify`` or ``bundle keygen``."""
    out, err = out or sys.stdout, err or sys.stderr
    if args.bundle_command == "keygen":
        return _keygen(args.bundle_key_out, out, err)
    return _verify(args.bundle_path, args.bundle_trust, args.bundle_json, out, err)


def _keygen(path: Path, out: TextIO, err: TextIO) -> int:
    from core.bundle.manifest import BundleKeyError
    from core.bundle.signing import generate_key_pair

    try:
        pair = generate_key_pair(path)
    except BundleKeyError as error:
        print(f"cityroom bundle keygen: {error}", file=err)
        return FAILED
    print(
        f"wrote {pair.private_path} (private: keep it secret; sign with --sign-key) and "
        f"{pair.public_path} (public: give it to reviewers for --trust)\nkey id {pair.key_id}",
        file=out,
    )
    return OK


def _verify(path: Path, trust: list[Path], as_json: bool, out: TextIO, err: TextIO) -> int:
    from core.bundle.manifest import BundleError
    from core.bundle.verify import check_bundle

    try:
        keys = [p.read_bytes() for p in trust]
    except OSError as error:
        print(f"cityroom bundle verify: cannot read the trusted key {error.filename}: "
              f"{error.strerror}. Check the --trust path.", file=err)  # fmt: skip
        return USAGE
    try:
        check = check_bundle(path, keys)
    except BundleError as error:
        print(f"cityroom bundle verify: {error}", file=err)
        return USAGE
    if as_json:
        print(json.dumps(check.to_json(), ensure_ascii=False, indent=2), file=out)
        return OK if check.ok else FAILED
    if check.signed and check.trusted:
        signature = f"signed by trusted key {check.key_id}"
    elif check.signed:
        signature = f"signed by key {check.key_id or '?'}"
        if not keys and check.ok:
            signature += " (not checked against a trusted key: give --trust PUB.pem)"
    else:
        signature = "not signed"
    files = check.manifest.get("files")
    count = len(files) if isinstance(files, dict) else 0
    state = "intact" if check.ok else f"{len(check.problems)} problem(s)"
    print(
        f"{path}: {state}, incident {check.incident_id}, {check.event_count} events, "
        f"{count} files, {signature}",
        file=out,
    )
    for problem in check.problems:
        print(problem.line(), file=out)
    for item in check.manifest.get("missing") or ():
        if isinstance(item, dict):
            print(
                f"note: evidence {item.get('path')} was not available at export: "
                f"{item.get('reason')}",
                file=out,
            )
    return OK if check.ok else FAILED
