"""``python main.py dispatch …``: list the agency registry, preview a packet, queue it.

- ``dispatch agencies [--json] [--registry FILE]``: the agencies, their formats, data classes,
  legal bases and endpoints (never a secret);
- ``dispatch render --db LOG --incident ID --agency ID [--format F]``: the packet that would
  be sent, exactly as it would leave the room (nothing is sent, nothing is written);
- ``dispatch send`` (same selectors, with ``--purpose`` and ``--confirm``): validated and
  gated, then queued as a ``packet.queued`` event for the delivery worker, or recorded as a
  ``packet.refused`` event with the reasons.

Exit status: 0 done, 1 refused or invalid (reasons on stderr), 2 a usage mistake.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

# Only the standard library at import: the main command line builds this parser on every run.
if TYPE_CHECKING:
    from core.dispatch.agencies import Registry
    from core.dispatch.workflow import Prepared

FORMATS = ("cap", "edxl", "json", "cot")  # core.dispatch.model.Format
KINDS = ("Dispatch", "Report", "Update", "Cancel")  # DistributionKind, without Ack

USAGE, REFUSED, DONE = 2, 1, 0


def add_dispatch_parser(subparsers: Any) -> None:
    """Add ``dispatch agencies|render|send`` to the main command line's subcommands."""
    dispatch = subparsers.add_parser(
        "dispatch", help="packets to agencies: the registry, a preview, queueing one"
    )
    commands = dispatch.add_subparsers(
        dest="dispatch_command", metavar="DISPATCH_COMMAND", required=True
    )
    agencies = commands.add_parser("agencies", help="the agency registry in force")
    agencies.add_argument("--json", action="store_true", dest="dispatch_json")
    _registry_option(agencies)
    render = commands.add_parser("render", help="print the packet that would be sent")
    send = commands.add_parser("send", help="validate, gate and queue a packet")
    for sub in (render, send):
        sub.add_argument("--db", type=Path, required=True, dest="dispatch_db", metavar="PATH")
        sub.add_argument("--incident", required=True, metavar="ID")
        sub.add_argument("--agency", required=True, metavar="AGENCY")
        sub.add_argument("--format", choices=FORMATS, dest="dispatch_format")
        for flag, meta, text in _TEXT_OPTIONS:
            sub.add_argument(flag, default=None, metavar=meta, help=text)
        for flag, meta, text in _LIST_OPTIONS:
            sub.add_argument(flag, action="append", default=[], metavar=meta, help=text)
        sub.add_argument("--confirm", action="store_true", help=CONFIRM_HELP)
        sub.add_argument(
            "--test",
            action="store_true",
            dest="dispatch_test",
            help="mark it Test: it goes to the agency's test endpoint, if any",
        )
        sub.add_argument(
            "--kind",
            default="Dispatch",
            type=_kind,
            dest="dispatch_kind",
            help="Dispatch (default), Report, Update or Cancel",
        )
        sub.add_argument("--operator", default=f"operator:{getpass.getuser()}", metavar="WHO")
        sub.add_argument(
            "--evidence-dir",
            type=Path,
            default=None,
            metavar="DIR",
            help="where stills and clips are kept (default: the data folder's)",
        )
        sub.add_argument("--expires-min", type=float, default=60.0, metavar="MIN")
        _registry_option(sub)


CONFIRM_HELP = "the operator confirms the purpose and the legal basis"
_TEXT_OPTIONS = (
    ("--purpose", "TEXT", "why it is shared (default: the procedure's purpose)"),
    ("--unmask-reason", "TEXT", "send evidence that was not blurred, for this reason"),
)
_LIST_OPTIONS = (
    ("--plate", "PLATE", "a plate to name (sent only as its pseudonym); repeatable"),
    ("--phone", "NUMBER", "a phone number to name (sent only as its pseudonym); repeatable"),
)


def _registry_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--registry",
        type=Path,
        default=None,
        metavar="FILE",
        help="an agency registry file (default: the site's, else the demo's)",
    )


def _kind(text: str) -> str:
    for kind in KINDS:
        if text.strip().lower() == kind.lower():
            return kind
    raise argparse.ArgumentTypeError(f"choose {', '.join(KINDS)}")


def run_dispatch(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``dispatch agencies|render|send``; returns the exit status."""
    from core.dispatch.agencies import AgencyFileError, Registry

    out, err = out or sys.stdout, err or sys.stderr
    try:
        registry = Registry.load(args.registry)
    except AgencyFileError as error:
        print(f"cityroom dispatch: {error}", file=err)
        return REFUSED
    for warning in registry.warnings:
        print(f"cityroom dispatch: warning: {warning}", file=err)
    if args.dispatch_command == "agencies":
        return list_agencies(registry, args.dispatch_json, out)
    return render_or_send(args, registry, send=args.dispatch_command == "send", out=out, err=err)


# -- agencies ----------------------------------------------------------------------------------


def list_agencies(registry: Registry, as_json: bool, out: TextIO) -> int:
    """Print the registry."""
    if as_json:
        print(
            json.dumps([a.public_json() for a in registry.agencies], ensure_ascii=False, indent=2),
            file=out,
        )
        return DONE
    centre = registry.centre
    print(
        f"Agency registry {registry.path}: {len(registry.agencies)} agencies; the centre is "
        f"{centre.name_ko} ({centre.sender_id}), inbound on "
        f"{centre.inbound.host}:{centre.inbound.port}",
        file=out,
    )
    for agency in registry.agencies:
        state = "" if agency.enabled else " [disabled]"
        print(
            f"\n{agency.id}{state}  {agency.kind.value}  {agency.name_ko} / {agency.name_en}",
            file=out,
        )
        print(f"  formats: {', '.join(f.value for f in agency.formats)}", file=out)
        print(f"  data: {', '.join(d.value for d in agency.data_classes)}", file=out)
        for basis in agency.legal_basis:
            covers = ", ".join(c.value for c in basis.covers)
            print(f"  legal basis: {basis.label()} covers {covers}", file=out)
        print(f"  endpoint: {agency.endpoint.describe()}", file=out)
        if agency.test_endpoint is not None:
            print(f"  test endpoint: {agency.test_endpoint.describe()}", file=out)
    return DONE


# -- render and send ---------------------------------------------------------------------------


def render_or_send(
    args: argparse.Namespace, registry: Registry, *, send: bool, out: TextIO, err: TextIO
) -> int:
    """Draft the packet for one incident and agency; print it, or queue it."""
    from core.errors import CityroomError
    from core.local_backend import LocalBackend

    if not args.dispatch_db.is_file():
        print(
            f"cityroom dispatch: there is no event log at {args.dispatch_db}; "
            "give the --db of the workstation's log",
            file=err,
        )
        return USAGE
    from core.eventlog import EventLog

    try:
        # A preview opens the log read-only: it writes nothing, not even a snapshot.
        backend = LocalBackend(EventLog.open(args.dispatch_db, readonly=not send))
    except CityroomError as error:
        print(f"cityroom dispatch: {error}", file=err)
        return REFUSED
    try:
        prepared = _prepare(args, registry, backend, err)
        if isinstance(prepared, int):
            return prepared
        return _finish(args, prepared, backend if send else None, out, err)
    finally:
        backend.close()


def _prepare(
    args: argparse.Namespace, registry: Registry, backend: Any, err: TextIO
) -> Prepared | int:
    from core.dispatch.compose import RelatedValue
    from core.dispatch.model import DistributionKind, Format, RelatedKind
    from core.dispatch.queueing import district_name, procedure_shares
    from core.dispatch.workflow import ComposeError, ComposeRequest, prepare
    from core.errors import UnknownNameError
    from core.user_dirs import data_dir

    try:
        agency = registry.get(args.agency)
    except UnknownNameError as error:
        print(f"cityroom dispatch: {error}", file=err)
        return USAGE
    fmt = Format(args.dispatch_format) if args.dispatch_format else agency.preferred_format
    if fmt not in agency.formats:
        accepted = ", ".join(f.value for f in agency.formats)
        print(
            f"cityroom dispatch: {agency.id} does not take {fmt.value}; it takes {accepted}",
            file=err,
        )
        return USAGE
    incidents = backend.snapshot().result().incidents
    incident = incidents.get(args.incident)
    if incident is None:
        known = sorted(incidents)
        shown = ", ".join(known[-20:]) or "none"
        print(
            f"cityroom dispatch: there is no incident {args.incident!r} in "
            f"{args.dispatch_db}; it has {len(known)} ({shown})",
            file=err,
        )
        return USAGE
    related = [RelatedValue(RelatedKind.PLATE, p) for p in args.plate]
    related += [RelatedValue(RelatedKind.PHONE, p) for p in args.phone]
    request = ComposeRequest(
        incident.id,
        agency.id,
        fmt,
        DistributionKind(args.dispatch_kind),
        purpose=args.purpose,
        purpose_confirmed=args.confirm,
        unmask_reason=args.unmask_reason or "",
        related=tuple(related),
        test=args.dispatch_test,
        expires_in_ms=int(args.expires_min * 60_000),
        operator=args.operator,
    )
    try:
        return prepare(
            backend,
            registry,
            request,
            now_ms=time.time_ns() // 1_000_000,
            evidence_dir=args.evidence_dir or data_dir() / "evidence",
            procedure_shares=procedure_shares(incident),
            district_ko=district_name(incident),
            incident=incident,
        )
    except ComposeError as error:
        print(f"cityroom dispatch: {error}", file=err)
        return REFUSED


def _finish(
    args: argparse.Namespace,
    prepared: Prepared,
    backend: Any,
    out: TextIO,
    err: TextIO,
) -> int:
    from core.dispatch.agencies import AgencyKeyError
    from core.dispatch.workflow import send as queue_packet

    packet, decision = prepared.packet, prepared.decision
    for left in prepared.draft.left_out:
        print(f"cityroom dispatch: left out {left.what}: {left.ko} / {left.en}", file=err)
    if backend is not None:
        outcome = queue_packet(backend, prepared, args.operator)
        if not outcome.queued:
            heading = (
                f"refused, {prepared.agency.id} may not be sent this packet:"
                if decision.reasons
                else f"the {prepared.fmt.value} packet does not validate:"
            )
            _say(err, heading, outcome.reasons)
            return REFUSED
        size = len(prepared.rendered.body)
        print(
            f"Queued {packet.distribution_id} for {prepared.agency.id} "
            f"({prepared.fmt.value}, {size} bytes); the delivery worker sends it.",
            file=out,
        )
        try:
            prepared.agency.hmac_key(prepared.agency.endpoint_for(packet.status))
        except AgencyKeyError as error:
            print(
                f"cityroom dispatch: warning: it waits until the key is there: {error}", file=err
            )
        return DONE
    # A preview: what the operator could not fix refuses it; what is still to do is said.
    if decision.refusals:
        texts = [r.bilingual() for r in decision.refusals]
        _say(err, f"refused, {prepared.agency.id} may not be sent this packet:", texts)
        return REFUSED
    if prepared.rendered.problems:
        heading = f"the {prepared.fmt.value} packet does not validate:"
        _say(err, heading, prepared.rendered.problems)
        return REFUSED
    body = prepared.rendered.body
    out.write(body.decode("utf-8") + ("" if body.endswith(b"\n") else "\n"))
    for reason in decision.still_to_do:
        print(f"cityroom dispatch: to send it: {reason.bilingual()}", file=err)
    return DONE


def _say(err: TextIO, heading: str, lines: Sequence[str]) -> None:
    print(f"cityroom dispatch: {heading}", file=err)
    for line in lines:
        print(f"  - {line}", file=err)
