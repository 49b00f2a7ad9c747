"""Run every benchmark and record the figures in docs/benchmarks.md (``make bench``)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

from bench import (
    bench_alarm,
    bench_backend,
    bench_dispatch,
    bench_ingest,
    bench_log,
    bench_map,
    bench_package,
    bench_plots,
    bench_procedures,
    bench_raster,
    bench_recording,
    bench_replay,
    bench_startup,
    bench_video,
)
from bench.common import Result, machine

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_doc(results: list[Result]) -> None:
    """Replace docs/benchmarks.md with these results and the machine they ran on."""
    info = machine()
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`, each benchmark in its own process); the",
        "latest run replaces this file.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in info.items()],
        "",
        "## Results",
        "",
        "| benchmark | result | target | | notes |",
        "|---|---|---|---|---|",
        *[
            f"| {r.name} | {r.value:,.3f} {r.unit} | {r.target} | "
            f"{'pass' if r.passed else '**FAIL**'} | {r.note} |"
            for r in results
        ],
        "",
        "## What each measures",
        "",
        "- **append + fold**: 300,000 readings, made beforehand in batches of 500 as a field",
        "  gateway would hand them over, published through `LocalBackend` as fast as it takes",
        "  them: hashed into the chain, appended (queued batches coalesce into transactions of",
        "  at most 5,000 events), folded into the authoritative state and delivered to a",
        "  subscriber. The simulator's own `--count` path, which makes the readings in the",
        "  same process, is shown for reference.",
        "- **rebuild**: a 1,000,000-event log made by the simulator (scenarios, minor incidents,",
        "  readings at 1,000/s); state rebuilt at the worst point, just before a periodic",
        "  snapshot, so a whole snapshot interval is folded on top of the previous one. The",
        "  full fold without snapshots is shown for reference.",
        "- **alarm to screen**: in the real main window (offscreen), a thread publishes 1,000",
        "  readings/s while critical reports are submitted every 50 ms; the latency runs from",
        "  the submit call to the row being inserted into the incident queue's model.",
        "- **ingest**: raw MQTT payloads of the documented scheme (`cityroom/sensors/{id}`,",
        '  `{"value", "ts", "unit"}` with an ISO time at +09:00) for the lite city\'s 303',
        "  sensors, values in each kind's typical range and one in 5,000 crossing a threshold:",
        "  stamped as the adapter's network callback does, validated in its batches of 2,000,",
        "  made into records and fed to the default rules, all on one thread (median of five",
        "  runs). For reference: the same into a real SQLite log with a `RulesRunner`",
        "  following, as `ingest mqtt` wires them; and a gateway process publishing",
        "  one-reading messages to a real mosquitto at QoS 0 and at QoS 1 as fast as it can,",
        "  taken in by `MqttIngest` (default settings) into the log, until the rules have",
        "  judged the last one; mosquitto queues what the adapter has not taken yet (its",
        "  default drops what passes 1,000 messages).",
        "- **crossing to row**: the real main window (offscreen) with a `RulesRunner` over the",
        "  log and 1,000 normal readings/s; a reading crosses a threshold (every sensor a",
        "  threshold rule watches, in turn) and the time runs from publishing it to the log, as",
        "  the adapter's sink does, to its incident's row inserted into the queue's model. Each",
        "  incident is then acknowledged and resolved and the sensor reads normal again, so",
        "  every crossing opens a new incident. For reference, the same from a gateway's",
        "  publish to mosquitto through `MqttIngest`, background included.",
        "- **start**: wall time from launching `main.py` to the window shown with the incident",
        "  queue loaded, median of five warm starts.",
        "- **package**: the packaged application (`make package`, dist/cityroom): from launching",
        "  its executable to the window shown with the incident queue loaded, three times with",
        "  every file of the bundle and the log evicted from the page cache first (as after a",
        "  reboot; the system's own libraries stay cached), three times warm; and its unpacked",
        '  size. Reports "not built" when there is no dist/cityroom.',
        "- **map**: the real main window with the full profile (29,477 cameras): from the page's",
        "  first message to every camera on the map; then 1,000 sensor readings/s for 10 s",
        "  while a ping goes through the web channel every 50 ms: the page's own time per update",
        "  and the ping's round trip (an offscreen page gets no animation frames, so the ping",
        "  stands in for frame time: it waits behind any long task the page runs); then a",
        "  100,000-point GeoPackage in EPSG:5179 from `open_layer` to drawn.",
        "- **raster**: a 10,000 x 10,000 px GeoTIFF in EPSG:5186 with overviews; the tiles of one",
        "  1280x800 viewport rendered to PNG, whole raster in view and at full resolution.",
        "- **video**: a 640x360 25 fps H.264 clip made by ffmpeg, played in a loop by 16 and then",
        "  64 tiles of the real video wall (offscreen) for 8 s after a 2 s warm-up: frames shown",
        "  per tile, process CPU time over wall time, time spent taking frames and painting on",
        "  the GUI thread, capture-to-paint latency, and the gaps of a 10 ms GUI heartbeat.",
        "  Every tile records to the ring meanwhile, as on a real wall.",
        "- **recording**: ten minutes of one synthetic 640x360 camera recorded at the wall's",
        "  rate (timestamps given, so no waiting), then 2,000 seeks to random instants, each",
        "  read and decoded as the scrub bar does, and the last minute exported as a clip.",
        "- **plots**: the real sensors panel (offscreen, 1600x700): eight curves with six hours",
        "  of 1 Hz history each, while 500 sensors report once a second through the log and",
        "  the store; then one curve of 1,000,000 points panned, with the whole curve and with",
        "  one hour in view. A frame handles pending events, redraws the curves whose data",
        "  changed and paints the plot.",
        "- **procedures**: the real main window (offscreen, 1600x900) with 100 open incidents,",
        "  each with its procedure started: 200 selections of a random incident, each timed from",
        "  the selection (every panel handling it) to the checklist painted; then 10 s of a",
        "  10 ms heartbeat while the checklist's timers tick, the queue ages, a new incident is",
        "  selected every 2 s and 1,000 readings/s arrive.",
        "- **dispatch**: 200 packets for a fire in a real log, each drafted from the incident's",
        "  events, passed through the lawful-sharing gate, rendered as CAP 1.2 in EDXL-DE 2.0",
        "  with a blurred 640x480 still embedded, validated against both schemas and the",
        "  profile rules, and appended as `packet.queued`; then 1,000 queued packets delivered",
        "  by the outbox to one healthy agency simulator on 127.0.0.1 (timed from the worker's",
        "  start to the last receipt logged); then 1,000 packets to a simulator answering 500",
        "  to 30 % of requests, sent by `outbox run` in its own process, killed with SIGKILL",
        "  once a third have arrived and started again, until every packet is delivered; the",
        "  simulator counts each distribution id it received.",
        "- **replay**: a day of the simulated city (1,000,000 events over 24 hours: scenarios",
        "  every half hour, minor incidents every five minutes, readings): 200 seeks to random",
        "  instants after the replay index is built (the index pass is shown for reference, and",
        "  seeks before it); then the real main window (offscreen, 1600x900) replaying it:",
        "  seeks from the controller to every panel redrawn and the window grabbed, and 20 s",
        "  of playback at 64x with a 10 ms GUI heartbeat. Then a two-hour fire (lifecycle,",
        "  notes, five linked sensors every 5 s and 100 others every 10 s, ten one-minute",
        "  640x360 MJPEG clips as evidence) exported as a bundle with its PDF report, and the",
        "  bundle verified.",
        "",
    ]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(lines), encoding="utf-8")


MODULES = {
    "log": bench_log,
    "alarm": bench_alarm,
    "ingest": bench_ingest,
    "startup": bench_startup,
    "map": bench_map,
    "raster": bench_raster,
    "video": bench_video,
    "recording": bench_recording,
    "plots": bench_plots,
    "procedures": bench_procedures,
    "dispatch": bench_dispatch,
    "replay": bench_replay,
    "backend": bench_backend,
    "package": bench_package,
}


def run_isolated(name: str) -> list[Result]:
    """Run one benchmark module in a fresh process: nothing left over from another (a web
    engine, windows, caches) can skew its figures."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--only", name],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode not in (0, 1) or not lines:
        tail = completed.stderr.strip().splitlines()[-5:]
        return [
            Result(
                f"{name} benchmark",
                float("nan"),
                "",
                "runs",
                False,
                "crashed: " + " / ".join(tail),
            )
        ]
    return [Result(**json.loads(line)) for line in lines]


def main() -> int:
    """Run all benchmarks, each in its own process; exit non-zero if any misses its target."""
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        own = MODULES[sys.argv[2]].run()
        for result in own:
            print(json.dumps(dataclasses.asdict(result)), flush=True)
        return 0 if all(r.passed for r in own) else 1
    results: list[Result] = []
    for name in MODULES:
        for result in run_isolated(name):
            print(result.line(), f"— {result.note}" if result.note else "", flush=True)
            results.append(result)
    write_doc(results)
    print(f"recorded in {DOC}")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
