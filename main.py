"""Cityroom: the operator workstation of a smart-city integrated operations centre.

Composition root and command line. Heavy modules (Qt, the UI) are imported only on the paths
that need them, so headless subcommands start fast and never load a GUI toolkit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from core.errors import CityroomError
from core.logfiles import start_log_files
from core.user_dirs import data_dir


def _default_db() -> Path:
    """Where the standalone workstation keeps its event log unless --db says otherwise."""
    return data_dir() / "cityroom.db"


def _default_remote_dir() -> Path:
    """Where a workstation on the operations backend keeps its copy of the log and the
    commands waiting to be sent."""
    return data_dir() / "remote"


DEFAULT_DB = _default_db()
DEFAULT_REMOTE_DIR = _default_remote_dir()
PROFILES = ("lite", "full")
STATUSES = (
    "new",
    "acknowledged",
    "assigned",
    "in_progress",
    "dispatched",
    "resolved",
    "closed",
    "merged",
)


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or 'max': {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("speed must be above 0")
    return value


def _at_least(convert: type[float] | type[int], minimum: float) -> Callable[[str], float]:
    """An argparse type: a number (``convert``) no smaller than ``minimum``."""
    kind = "whole number" if convert is int else "number"

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {kind}: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum:g} or more")
        return value

    return parse


def _broker(text: str) -> str:
    """An argparse type: HOST:PORT of an MQTT broker, or "" for none."""
    if not text.strip():
        return ""
    from core.ingest.headless import parse_broker

    try:
        parse_broker(text.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text.strip()


def _backend_url(text: str) -> str:
    """An argparse type: the http(s) address of the operations backend."""
    # The same check RemoteBackend makes, here so a bad address stops before any window.
    from core.remote.backend import RemoteUrlError, checked_url

    try:
        return checked_url(text)
    except RemoteUrlError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _theme(text: str) -> str:
    """An argparse type: one of the themes (ui.theme.THEMES)."""
    from ui.theme import THEMES  # Qt only when the option is given

    if text not in THEMES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a theme; give one of {', '.join(THEMES)}"
        )
    return text


def _font_scale(text: str) -> float:
    """An argparse type: a text size factor from 1.0 to 2.0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1.0 <= value <= 2.0:
        raise argparse.ArgumentTypeError(
            f"{text} is outside 1.0 to 2.0 (e.g. 1.5 for a wall screen)"
        )
    return round(value, 1)


def _instant(text: str) -> int:
    """An argparse type: an ISO-8601 time (Seoul time without an offset) as UTC ms."""
    from core.handover import parse_at

    try:
        return parse_at(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {text!r} (e.g. 2026-01-05T15:00 or 2026-01-05T06:00Z)"
        ) from None


_rate = _at_least(float, 0)
_positive_int = _at_least(int, 1)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="cityroom",
        description="Cityroom operator workstation. Without a command, opens the window in "
        "standalone demo mode, or on the centre's operations backend with --backend URL.",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help=f"event log file (default {DEFAULT_DB})"
    )
    parser.add_argument(
        "--backend",
        type=_backend_url,
        metavar="URL",
        default=None,
        help="work on the centre's operations backend at URL (https://HOST:PORT) instead of a "
        f"local log: sign in, keep a copy of its log and the commands made offline in "
        f"{DEFAULT_REMOTE_DIR}. Remembered: a start without --backend or --db signs in there "
        "again. With --screenshot the password is read from the environment variable "
        "CITYROOM_PASSWORD",
    )
    parser.add_argument(
        "--standalone",
        action="store_true",
        help="work alone on a local log this once, even if this desk has an operations backend",
    )
    parser.add_argument(
        "--user",
        metavar="NAME",
        default=None,
        help="with --backend or the remembered backend: the account to sign in as (default: "
        "your login name)",
    )
    parser.add_argument(
        "--ca-cert",
        type=Path,
        metavar="PEM",
        default=None,
        help="with --backend: the centre's CA certificate, to verify the backend's TLS "
        "certificate (default: the system's CAs)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="lite",
        help="demo city size: lite (~2,900 cameras) or full (29,477)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="save a screenshot of the main window to PNG, then exit",
    )
    parser.add_argument(
        "--quit-after",
        type=_at_least(float, 0),
        metavar="SECONDS",
        help="exit SECONDS after the panels are on screen (with --screenshot: shoot just before)",
    )
    parser.add_argument(
        "--no-simulator", action="store_true", help="do not start the built-in city simulator"
    )
    parser.add_argument("--speed", type=_speed, default=1.0, help="simulator speed factor")
    parser.add_argument(
        "--rate", type=_rate, default=20.0, help="simulator background events per simulated second"
    )
    parser.add_argument("--seed", type=int, default=None, help="simulator seed")
    parser.add_argument(
        "--language",
        choices=("ko", "en"),
        default=None,
        help="user-interface language (default: settings, then system locale)",
    )
    parser.add_argument(
        "--theme",
        type=_theme,
        metavar="NAME",
        default=None,
        help="colour theme for this run only, dark or high-contrast (default: settings)",
    )
    parser.add_argument(
        "--font-scale",
        type=_font_scale,
        metavar="X",
        default=None,
        help="text size factor for this run only, 1.0 to 2.0, e.g. 1.5 for a wall screen "
        "(default: settings)",
    )
    parser.add_argument(
        "--streams",
        type=Path,
        metavar="TOML",
        default=None,
        help="stream registry saying where each camera streams from (remembered; "
        "see resources/video/streams.toml)",
    )
    parser.add_argument(
        "--mqtt",
        type=_broker,
        metavar="BROKER",
        default=None,
        help="HOST:PORT of the field devices' MQTT broker to take readings from "
        "(remembered; --mqtt '' turns the feed off)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sim = commands.add_parser("simulate", help="run the city simulator headless into a log")
    sim.add_argument("--db", type=Path, required=True, dest="sub_db")
    sim.add_argument("--profile", choices=PROFILES, default="lite", dest="sub_profile")
    sim.add_argument(
        "--scenario", default=None, help="play only this scenario (default: all of them in turn)"
    )
    sim.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        dest="sub_speed",
        help="simulated seconds per second, or 'max' for as fast as possible",
    )
    sim.add_argument(
        "--rate",
        type=_rate,
        default=20.0,
        dest="sub_rate",
        help="background events per simulated second",
    )
    sim.add_argument(
        "--count",
        type=_positive_int,
        default=None,
        help="append COUNT background events as fast as possible, then stop",
    )
    sim.add_argument(
        "--duration",
        type=_at_least(float, 0),
        default=None,
        help="simulated seconds to play (default: until the scenario ends or "
        "Ctrl-C; 3600 with --speed max)",
    )
    sim.add_argument("--seed", type=int, default=1, dest="sub_seed")

    log = commands.add_parser("log", help="inspect an event log")
    log_commands = log.add_subparsers(dest="log_command", metavar="LOG_COMMAND", required=True)
    stats = log_commands.add_parser("stats", help="counts of events and incidents")
    stats.add_argument("--db", type=Path, required=True, dest="sub_db")
    stats.add_argument("--json", action="store_true")
    verify = log_commands.add_parser("verify", help="check the hash chain and schema")
    verify.add_argument("--db", type=Path, required=True, dest="sub_db")

    incidents = commands.add_parser("incidents", help="list incidents of a log")
    inc_commands = incidents.add_subparsers(
        dest="inc_command", metavar="INC_COMMAND", required=True
    )
    listing = inc_commands.add_parser("list", help="print the incidents")
    listing.add_argument("--db", type=Path, required=True, dest="sub_db")
    listing.add_argument("--status", choices=STATUSES, default=None)
    listing.add_argument("--json", action="store_true")
    query = commands.add_parser("query", help="ask the demo city GIS questions")
    query_commands = query.add_subparsers(dest="query_command", metavar="QUERY", required=True)
    nearest = query_commands.add_parser(
        "nearest-cameras", help="the N cameras nearest a point, and whether each faces it"
    )
    nearest.add_argument("--lat", type=float, required=True)
    nearest.add_argument("--lon", type=float, required=True)
    nearest.add_argument("-n", type=_positive_int, default=4, dest="count")
    nearest.add_argument("--profile", choices=PROFILES, default="lite", dest="sub_profile")
    nearest.add_argument("--json", action="store_true")

    probe = commands.add_parser("probe-stream", help="open a video stream headless and report")
    probe.add_argument("url", help="rtsp://, http(s):// MJPEG, a video file or synthetic://NAME")
    probe.add_argument("--seconds", type=_at_least(float, 0.1), default=5.0)
    probe.add_argument("--json", action="store_true")
    probe.add_argument(
        "--transport", choices=("tcp", "udp"), default="tcp", help="how RTSP is carried"
    )

    ingest = commands.add_parser("ingest", help="take in field-device readings headless")
    ingest_commands = ingest.add_subparsers(dest="ingest_command", metavar="SOURCE", required=True)
    mqtt = ingest_commands.add_parser(
        "mqtt", help="subscribe to an MQTT broker, validate, run the rules, append to the log"
    )
    mqtt.add_argument("--broker", required=True, metavar="HOST:PORT")
    mqtt.add_argument(
        "--topic",
        default=None,
        help="topic filter of the documented scheme (default cityroom/sensors/{sensor_id})",
    )
    mqtt.add_argument(
        "--mapping", type=Path, default=None, help="TOML file for another topic/payload scheme"
    )
    mqtt.add_argument("--db", type=Path, required=True, dest="sub_db")
    mqtt.add_argument("--duration", type=_at_least(float, 0), required=True, metavar="S")
    mqtt.add_argument("--profile", choices=PROFILES, default="lite", dest="sub_profile")
    mqtt.add_argument("--json", action="store_true")

    layers = commands.add_parser("layers", help="inspect layer files")
    layer_commands = layers.add_subparsers(dest="layers_command", metavar="LAYERS", required=True)
    info = layer_commands.add_parser("info", help="CRS, size, bounds, fields and a sample")
    info.add_argument("path", type=Path)
    info.add_argument(
        "--crs",
        default=None,
        help="coordinate system to assume when the file names none, e.g. EPSG:5186",
    )
    info.add_argument("--json", action="store_true")

    catalogue = commands.add_parser(
        "catalogue", help="the incident catalogue: list, show, import a city's CSV"
    )
    cat_commands = catalogue.add_subparsers(
        dest="catalogue_command", metavar="CATALOGUE_COMMAND", required=True
    )
    cat_import = cat_commands.add_parser(
        "import",
        help="check a city's catalogue CSV (UTF-8 or CP949) and install it as the site catalogue",
    )
    cat_import.add_argument("file", type=Path, metavar="FILE.csv")
    cat_mode = cat_import.add_mutually_exclusive_group()
    cat_mode.add_argument(
        "--merge",
        dest="catalogue_mode",
        action="store_const",
        const="merge",
        help="site entries add to the built-in ones and override by code (default)",
    )
    cat_mode.add_argument(
        "--replace",
        dest="catalogue_mode",
        action="store_const",
        const="replace",
        help="the site entries alone (refused if the shipped rules or procedures need a "
        "code it lacks)",
    )
    cat_import.add_argument(
        "--dry-run", action="store_true", help="check and report, install nothing"
    )
    cat_list = cat_commands.add_parser(
        "list", help="the catalogue in force, with where each entry comes from"
    )
    cat_list.add_argument("--json", action="store_true")
    cat_list.add_argument("--service", default=None, metavar="S", help="only this service")
    cat_show = cat_commands.add_parser("show", help="one incident type")
    cat_show.add_argument("code")
    cat_show.add_argument("--json", action="store_true")
    diagnostics = commands.add_parser(
        "diagnostics",
        help="write a support bundle (logs, settings, versions) without personal data",
    )
    diagnostics.add_argument(
        # A string: a Path would drop the trailing separator that says "a folder".
        "--out",
        type=str,
        required=True,
        metavar="PATH",
        help="FILE.zip, or a folder for it",
    )
    diagnostics.add_argument(
        "--db", type=Path, default=None, dest="sub_db", help="the event log to describe"
    )
    handover = commands.add_parser(
        "handover", help="write the shift hand-over report of a log as HTML or PDF"
    )
    handover.add_argument("--db", type=Path, required=True, dest="sub_db")
    handover.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="FILE.html or FILE.pdf"
    )
    handover.add_argument("--language", choices=("ko", "en"), default="ko", dest="sub_language")
    handover.add_argument(
        "--at",
        type=_instant,
        default=None,
        metavar="TIME",
        help="the instant to report on, ISO-8601; without an offset it is Seoul time "
        "(default: now)",
    )
    from core.dispatch.cli import add_dispatch_parser
    from core.dispatch.outbox_cli import add_agency_sim_parser, add_outbox_parser

    add_dispatch_parser(commands)
    add_outbox_parser(commands)
    add_agency_sim_parser(commands)
    from core.bundle.cli import add_bundle_parsers

    add_bundle_parsers(commands)
    from server.serve import add_serve_parser
    from server.users_cli import add_users_parser

    add_serve_parser(commands)
    add_users_parser(commands)
    review = commands.add_parser(
        "review",
        help="open an incident bundle read-only: verify it, then replay the incident",
    )
    review.add_argument("bundle", type=Path, metavar="BUNDLE.zip")
    review.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        metavar="PUB.pem",
        help="a public key whose signature is trusted (besides the data folder's "
        "trusted-keys/*.pub); repeatable",
    )
    review.add_argument(
        "--screenshot", type=Path, default=None, dest="review_screenshot", metavar="PNG"
    )
    review.add_argument(
        "--quit-after", type=float, default=None, dest="review_quit_after", metavar="SECONDS"
    )
    return parser


def run_catalogue(args: argparse.Namespace) -> int:
    """Import, list or show the incident catalogue."""
    from core import catalogue_cli
    from core.catalogue_site import Mode

    if args.catalogue_command == "import":
        mode = Mode(args.catalogue_mode or "merge")
        return catalogue_cli.import_catalogue(args.file, mode, args.dry_run)
    if args.catalogue_command == "list":
        return catalogue_cli.list_catalogue(args.json, args.service)
    return catalogue_cli.show_type(args.code, args.json)


def run_query(args: argparse.Namespace) -> int:
    """Answer a GIS question about the demo city."""
    import json

    from core.city import load_city
    from layers.queries import nearest_cameras

    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        print(f"cityroom: {args.lat}, {args.lon} is not a WGS 84 point", file=sys.stderr)
        return 2
    hits = nearest_cameras(load_city(args.sub_profile), args.lat, args.lon, args.count)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
    else:
        for h in hits:
            facing = "faces it" if h.faces else "looks away"
            print(f"{h.id}  {h.distance_m:8.1f} m  {h.purpose:<16} {facing:<10} {h.name}")
    return 0


def run_ingest(args: argparse.Namespace) -> int:
    """Ingest from a broker for a while into a log; exit 1 if the broker was never reached."""
    from core.errors import CityroomError
    from core.ingest.headless import ingest_mqtt

    try:
        return ingest_mqtt(
            args.broker,
            args.sub_db,
            args.duration,
            topic=args.topic,
            mapping=args.mapping,
            profile=args.sub_profile,
            as_json=args.json,
        )
    except (CityroomError, ValueError) as error:
        print(f"cityroom ingest: {error}", file=sys.stderr)
        return 2


def run_probe(args: argparse.Namespace) -> int:
    """Open a stream for a few seconds and report its health; exit 1 if no frame came."""
    import json

    from core.video.capture import probe

    stats = probe(args.url, args.seconds, transport=args.transport).to_json()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key}: {value}")
    return 0 if stats["frames"] else 1


def run_layers_info(args: argparse.Namespace) -> int:
    """Describe a layer file."""
    import json

    from layers.info import describe

    info = describe(args.path, args.crs)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
    else:
        for key, value in info.items():
            print(f"{key}: {value}")
    return 0


def run_handover(args: argparse.Namespace) -> int:
    """Write the shift hand-over report: HTML headless, PDF through Qt (offscreen)."""
    suffix = args.out.suffix.lower()
    if suffix == ".pdf":
        from ui.shift import handover_pdf_cli

        return handover_pdf_cli(args.sub_db, args.out, args.sub_language, args.at)
    if suffix in (".html", ".htm"):
        from core.handover import handover_html_cli

        return handover_html_cli(args.sub_db, args.out, args.sub_language, args.at)
    print("cityroom handover: --out must name a .html or .pdf file", file=sys.stderr)
    return 2


def run_command(args: argparse.Namespace) -> int:
    """Run a headless subcommand."""
    from core import headless

    if args.command == "query":
        return run_query(args)
    if args.command == "layers":
        return run_layers_info(args)
    if args.command == "probe-stream":
        return run_probe(args)
    if args.command == "ingest":
        return run_ingest(args)
    if args.command == "handover":
        return run_handover(args)
    if args.command == "catalogue":
        return run_catalogue(args)
    if args.command == "dispatch":
        from core.dispatch.cli import run_dispatch

        return run_dispatch(args)
    if args.command == "outbox":
        from core.dispatch.outbox_cli import run_outbox

        return run_outbox(args)
    if args.command == "agency-sim":
        from core.dispatch.outbox_cli import run_agency_sim

        return run_agency_sim(args)
    if args.command == "export-incident":
        from core.bundle.cli import run_export_incident

        def bundle_pdf() -> Callable[[str, Path], None]:
            from ui.bundle_pdf import pdf_writer  # Qt only when a PDF is wanted

            return pdf_writer()

        return run_export_incident(args, bundle_pdf)
    if args.command == "bundle":
        from core.bundle.cli import run_bundle

        return run_bundle(args)
    if args.command == "diagnostics":
        from ui.diagnostics import cli_diagnostics

        return cli_diagnostics(args.out, db=args.sub_db or DEFAULT_DB)
    if args.command == "serve":
        from server.serve import run_serve

        return run_serve(args)
    if args.command == "users":
        from server.users_cli import run_users

        return run_users(args)
    db = str(args.sub_db)
    if args.command == "simulate":
        return headless.simulate(
            db,
            profile=args.sub_profile,
            scenario_name=args.scenario,
            speed=args.sub_speed,
            rate=args.sub_rate,
            count=args.count,
            duration_s=args.duration,
            seed=args.sub_seed,
        )
    if args.command == "log":
        if args.log_command == "stats":
            return headless.log_stats(db, args.json)
        return headless.log_verify(db)
    return headless.incidents_list(db, args.status, args.json)


def remembered_backend(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Without --backend, --db or --standalone, work on the operations backend this desk
    remembers (saying so); --standalone with --backend exits 2."""
    if args.standalone and args.backend is not None:
        parser.error(
            "--standalone and --backend cannot be used together: --standalone works alone on "
            "a local log; give one of them"
        )
    args.backend_remembered = False
    if args.standalone or args.backend is not None or args.db is not None:
        return
    from ui.settings import Settings
    from ui.settings_file import checked_user_settings

    checked_user_settings()  # a damaged or older file is dealt with before it is read
    settings = Settings()
    url = settings.backend_url
    if url:
        print(
            f"cityroom: signing in to the operations backend {url} (from the settings; "
            "--standalone to work alone)",
            file=sys.stderr,
        )
        args.backend, args.backend_remembered = url, True
    else:
        for problem in settings.problems():
            if "backend_url" in problem:
                print(f"cityroom: {problem}; working standalone", file=sys.stderr)


def check_window_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse options of the window that do not go together (exits 2, naming them)."""
    if args.backend is not None and args.db is not None:
        parser.error(
            "--backend and --db cannot be used together: --db opens a local event log, "
            "--backend works on the centre's server (its copy is kept in "
            f"{DEFAULT_REMOTE_DIR}); give one of them"
        )
    if args.backend is None:
        for given, option in ((args.user, "--user"), (args.ca_cert, "--ca-cert")):
            if given is not None:
                parser.error(f"{option} is for signing in to a backend: give --backend URL too")
    elif args.ca_cert is not None and not args.ca_cert.is_file():
        parser.error(
            f"--ca-cert: {args.ca_cert} is not a file; give the PEM file of the centre's CA "
            "certificate"
        )
    elif args.screenshot is not None and not os.environ.get("CITYROOM_PASSWORD"):
        # Said before the window's libraries load: nobody is there to type a password.
        given = (
            "the operations backend from the settings"
            if getattr(args, "backend_remembered", False)
            else "--backend"
        )
        parser.error(
            f"{given} with --screenshot signs in without a window: put the password in the "
            "environment variable CITYROOM_PASSWORD"
            + (" (or add --standalone to work alone)" if given != "--backend" else "")
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            remembered_backend(parser, args)
            check_window_options(parser, args)
            start_log_files()
            from panels import all_panels
            from ui.app import run_gui

            return run_gui(args, DEFAULT_DB, all_panels(), DEFAULT_REMOTE_DIR)
        if args.command == "review":
            start_log_files()
            from panels import all_panels
            from ui.review import run_review

            return run_review(args, all_panels())
        return run_command(args)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours.
        _quiet_stdout()
        return 0
    except CityroomError as exc:
        print(f"cityroom: {exc}", file=sys.stderr)
        return 1


def _quiet_stdout() -> None:
    """Point standard output at the null device: its reader is gone, and Python's flush at
    exit would otherwise print "Exception ignored ... BrokenPipeError"."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)


def _exit(status: int) -> None:
    """Flush what is left for the reader, then exit with ``status``."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    sys.exit(status)


if __name__ == "__main__":
    _exit(main())
