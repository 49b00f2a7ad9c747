"""``python main.py outbox …`` and ``python main.py agency-sim …``.

- ``outbox --db PATH [--json] [--state S] [--incident ID]``: the packets of a log and where
  each stands (queued, sent, delivered, acknowledged, failed) with attempts, last error, times;
- ``outbox run --db PATH [--until-empty] [--registry FILE] [--inbound]``: the delivery worker
  headless (and, with ``--inbound``, the centre's listener for Acks and reports); one line per
  outcome; Ctrl+C stops it cleanly;
- ``agency-sim --port N [--fail-rate R] [--ack-delay S] [--ack-to URL] [--agency ID]
  [--hmac-key-env NAME] [--seed N]``, or ``agency-sim --registry FILE``: simulated agencies.

Exit status: 0 done, 1 the log, registry or port cannot be used, 2 a usage mistake.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.clock import iso_ms
from core.dispatch.tracking import PacketState
from core.errors import CityroomError

if TYPE_CHECKING:
    from core.dispatch.agency_sim import AgencySimulator

DONE, FAILED, USAGE = 0, 1, 2


def add_outbox_parser(subparsers: Any) -> None:
    """Add ``outbox [run]`` to the main command line's subcommands."""
    outbox = subparsers.add_parser("outbox", help="packets to agencies and their delivery")
    outbox.add_argument("--db", type=Path, default=None, dest="outbox_db", metavar="PATH")
    outbox.add_argument("--json", action="store_true", dest="outbox_json")
    outbox.add_argument(
        "--state", choices=[s.value for s in PacketState], default=None, dest="outbox_state"
    )
    outbox.add_argument("--incident", default=None, metavar="ID", dest="outbox_incident")
    commands = outbox.add_subparsers(dest="outbox_command", metavar="OUTBOX_COMMAND")
    run = commands.add_parser("run", help="deliver queued packets (headless worker)")
    # SUPPRESS: "outbox --db X run" keeps X instead of resetting it to a default.
    run.add_argument("--db", type=Path, default=argparse.SUPPRESS, dest="outbox_db")
    run.add_argument("--registry", type=Path, default=None, metavar="FILE")
    run.add_argument("--until-empty", action="store_true", help="exit once nothing is pending")
    run.add_argument("--inbound", action="store_true", help="also listen for Acks and reports")
    run.add_argument("--inbound-port", type=int, default=None, metavar="N")
    run.add_argument("--workers", type=int, default=4, metavar="N")
    run.add_argument("--retry-base-ms", type=int, default=1000, metavar="MS")
    run.add_argument("--seed", type=int, default=None, dest="outbox_seed")
    run.add_argument("--quiet", action="store_true", help="no line per outcome")


def add_agency_sim_parser(subparsers: Any) -> None:
    """Add ``agency-sim`` to the main command line's subcommands."""
    sim = subparsers.add_parser("agency-sim", help="run simulated agencies on 127.0.0.1")
    sim.add_argument("--port", type=int, default=None, help="first port (one per agency)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--agency", action="append", default=[], metavar="ID", dest="sim_agency")
    sim.add_argument(
        "--registry",
        type=Path,
        default=None,
        metavar="FILE",
        dest="sim_registry",
        help="play every agency of a registry whose URL is on this machine",
    )
    sim.add_argument("--fail-rate", type=float, default=0.0, metavar="R")
    sim.add_argument(
        "--ack-delay",
        type=float,
        default=0.5,
        metavar="S",
        help="seconds before the Ack (negative: never acknowledge)",
    )
    sim.add_argument("--ack-to", default=None, metavar="URL", help="the centre's inbound URL")
    sim.add_argument("--hmac-key-env", default=None, metavar="NAME")
    sim.add_argument("--seed", type=int, default=None, dest="sim_seed")
    sim.add_argument("--no-validate", action="store_true")


def run_outbox(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``outbox`` (list) or ``outbox run``."""
    out = out or sys.stdout
    db = getattr(args, "outbox_db", None) or getattr(args, "db", None)  # main's own --db too
    if db is None:
        print("cityroom outbox: give the event log with --db PATH", file=sys.stderr)
        return USAGE
    try:
        if args.outbox_command == "run":
            return run_worker(args, db, out)
        return list_packets(db, args.outbox_json, args.outbox_state, args.outbox_incident, out)
    except CityroomError as error:  # the log cannot be opened: the message says why
        print(f"cityroom outbox: {error}", file=sys.stderr)
        return FAILED


def list_packets(
    db: Path, as_json: bool, state: str | None, incident: str | None, out: TextIO
) -> int:
    """Print the packets of the log at ``db``."""
    from core.eventlog import EventLog
    from core.state import rebuild

    log = EventLog.open(db, readonly=True)
    try:
        book = rebuild(log).packets
    finally:
        log.close()
    packets = [
        p
        for p in book.packets.values()
        if (state is None or p.state.value == state)
        and (incident is None or p.incident_id == incident)
    ]
    if as_json:
        json.dump([p.to_json() for p in packets], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return DONE
    for p in packets:
        times = "  ".join(
            f"{name} {iso_ms(ms)}"
            for name, ms in (
                ("queued", p.queued_ms),
                ("sent", p.sent_ms),
                ("delivered", p.delivered_ms),
                ("acked", p.acknowledged_ms),
                ("failed", p.failed_ms),
            )
            if ms is not None
        )
        error = f"  [{p.failure_code or 'last error'}: {p.last_error}]" if p.last_error else ""
        print(
            f"{p.distribution_id}  {p.incident_id}  {p.agency_id:<14} {p.format:<5} "
            f"{p.state.value:<12} attempts {p.attempts}  {times}{error}",
            file=out,
        )
    if not packets:
        print("no packets", file=out)
    return DONE


def run_worker(args: argparse.Namespace, db: Path, out: TextIO) -> int:
    """The delivery worker (and optionally the inbound listener) until Ctrl+C or empty."""
    from core.dispatch.ack_poll import AckPoller
    from core.dispatch.agencies import AgencyFileError, Registry
    from core.dispatch.inbound import InboundListener
    from core.dispatch.outbox import Outbox
    from core.dispatch.retry import Backoff
    from core.local_backend import LocalBackend

    try:
        registry = Registry.load(args.registry)
    except AgencyFileError as error:
        print(f"cityroom outbox: {error}", file=sys.stderr)
        return FAILED
    backend = LocalBackend.open(db)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    listener: InboundListener | None = None
    poller: AckPoller | None = None
    outbox = Outbox(
        backend,
        registry,
        workers=args.workers,
        backoff=Backoff(base_ms=args.retry_base_ms),
        seed=args.outbox_seed,
    )
    try:
        backend.ready.result()
        feed = None
        if not args.quiet:  # outcomes from now on, not the log's history
            now_seq = backend.snapshot().result().last_seq
            feed = backend.subscribe(lambda batch: _say_outcomes(batch, out), now_seq)
        if args.inbound:
            port = args.inbound_port or registry.centre.inbound.port
            listener = InboundListener(
                backend, host=registry.centre.inbound.host, port=port, registry=registry
            ).start()
            poller = AckPoller(listener, registry)
            poller.start()
            print(f"listening for Acks and reports on {listener.url('/acks')}", file=out)
        outbox.start()
        while not stop.wait(0.1):
            if args.until_empty and outbox.status().running and outbox.wait_until_idle(0):
                break
        if feed is not None:
            feed.cancel()
    except (CityroomError, OSError) as error:
        print(f"cityroom outbox: {error}", file=sys.stderr)
        return FAILED
    finally:
        signal.signal(signal.SIGINT, previous)
        outbox.stop()
        if poller is not None:
            poller.stop()
        if listener is not None:
            listener.stop()
        backend.close()
    counts = _counts(db)
    print("outbox: " + ", ".join(f"{n} {state}" for state, n in counts.items()), file=out)
    return DONE


def _say_outcomes(batch: list[Any], out: TextIO) -> None:
    for record in batch:
        if not record.type.startswith("packet.") or record.type == "packet.queued":
            continue
        payload = record.payload
        what = record.type.split(".", 1)[1]
        detail = payload.get("detail") or payload.get("reason") or payload.get("receipt") or ""
        print(
            f"{iso_ms(record.ts_ms)} {what:<15} {payload['distribution_id']} "
            f"-> {payload['agency_id']} {detail}".rstrip(),
            file=out,
            flush=True,
        )


def _counts(db: Path) -> dict[str, int]:
    from core.eventlog import EventLog
    from core.state import rebuild

    log = EventLog.open(db, readonly=True)
    try:
        packets = rebuild(log).packets.packets.values()
    finally:
        log.close()
    counts = {state.value: 0 for state in PacketState}
    for packet in packets:
        counts[packet.state.value] += 1
    return counts


def run_agency_sim(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run simulated agencies until Ctrl+C."""
    out = out or sys.stdout
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            print(line, file=out, flush=True)

    try:
        sims = _simulators(args, say)
    except (ValueError, CityroomError) as error:
        print(f"cityroom agency-sim: {error}", file=sys.stderr)
        return USAGE if isinstance(error, ValueError) else FAILED
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    started = []
    try:
        for sim in sims:
            started.append(sim.start())
            modes, settings = sim.modes, sim.settings
            delay = modes.ack_delay_s
            acks = "no Acks" if delay is None else f"Acks after {delay:g} s"
            where = f" to {settings.ack_to}" if settings.ack_to else " (GET /acks)"
            signed = ", HMAC checked" if settings.hmac_key else ""
            say(
                f"agency-sim {settings.agency_id} listening on {sim.url} "
                f"(fail rate {modes.fail_rate:g}, {acks}{where}{signed})"
            )
        stop.wait()
    except OSError as error:
        print(f"cityroom agency-sim: cannot listen: {error}", file=sys.stderr)
        return FAILED
    finally:
        signal.signal(signal.SIGINT, previous)
        for sim in started:
            sim.stop()
    say("agency-sim stopped")
    return DONE


def _simulators(args: argparse.Namespace, say: Callable[[str], None]) -> list[AgencySimulator]:
    """The simulators the command line asks for; ``ValueError`` for a usage mistake."""
    from core.dispatch.agencies import AgencyFileError, Registry
    from core.dispatch.agency_sim import AgencySimulator, SimModes, SimSettings, simulators_for

    if not 0 <= args.fail_rate <= 1:
        raise ValueError("--fail-rate must be between 0 and 1 (e.g. 0.3)")
    modes = SimModes(
        fail_rate=args.fail_rate, ack_delay_s=args.ack_delay if args.ack_delay >= 0 else None
    )
    validate = not args.no_validate
    if args.sim_registry is not None:
        try:
            registry = Registry.load(args.sim_registry)
        except AgencyFileError as error:
            raise CityroomError(str(error)) from None
        sims = simulators_for(
            registry, modes=modes, seed=args.sim_seed, validate=validate, on_line=say
        )
        if not sims:
            raise CityroomError(f"{args.sim_registry}: no agency has an http URL on this machine")
        return sims
    if args.port is None:
        raise ValueError("give --port N (or --registry FILE to play a registry's agencies)")
    key: bytes | None = None
    if args.hmac_key_env:
        value = os.environ.get(args.hmac_key_env, "").strip()
        if not value:
            raise ValueError(f"the environment variable {args.hmac_key_env} is not set")
        key = value.encode("utf-8")
    return [
        AgencySimulator(
            SimSettings(
                agency_id=agency,
                host=args.host,
                port=args.port + i if args.port else 0,
                hmac_key=key,
                ack_to=args.ack_to,
                seed=args.sim_seed,
                validate=validate,
                modes=modes,
            ),
            on_line=say,
        )
        for i, agency in enumerate(args.sim_agency or ["sim-agency"])
    ]


def main(argv: list[str] | None = None) -> int:
    """``python -m core.dispatch.outbox_cli outbox …|agency-sim …`` (what main.py wires)."""
    parser = argparse.ArgumentParser(prog="cityroom")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_outbox_parser(commands)
    add_agency_sim_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "outbox":
        return run_outbox(args)
    return run_agency_sim(args)


if __name__ == "__main__":
    sys.exit(main())
