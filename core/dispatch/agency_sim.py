"""The agency simulator: a real HTTP server that plays one agency's receiving end.

It takes packets by POST (any path but the ones below; the demo registry uses ``/packets``),
checks the HMAC signature when it has a key, checks the body with the formats package,
dedupes by distribution id (the ``Idempotency-Key`` header): a packet seen before gets the
same receipt again and counts as a duplicate, not a new packet. It answers 202 with a JSON
receipt ``{"distributionID", "receivedAt", "receipt": "<agency>-<n>"}`` or 400/401 with the
reason, and ``ack_delay_s`` later it acknowledges with an EDXL-DE Ack: POSTed to ``ack_to``
(the centre's inbound listener) when given, and always kept for ``GET /acks?after=N``.

One simulator is one agency on one port (the registry gives each agency its own URL); run
several to play several agencies. Other paths:

- ``GET /received``: the ids received in order, duplicates per id, request counts;
- ``GET /acks?after=N``: the Acks after number N (``{"acks": [{"n", "distributionID",
  "content_type", "body"}], "last": N}``);
- ``POST /control`` with JSON: change failure modes while running — ``fail_rate`` (that share
  of packets gets a 500, from a seeded generator), ``hang`` (read the packet, never answer),
  ``garbage`` (200 with a body that is no receipt), ``reject`` (400), ``down`` (seconds to
  close the listening socket for), ``ack_delay_s``.

The standard library's ``ThreadingHTTPServer`` is enough here: real sockets and HTTP/1.1
keep-alive, a thread per connection (so a hanging answer holds up nobody else), no dependency,
a few hundred packets a second on one machine. It is a test and demo tool, not a server to
put on a network.
"""

from __future__ import annotations

import json
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from core.clock import Clock, SystemClock, iso_ms
from core.dispatch.agencies import LOCAL_HOSTS, AckMode, Registry, Transport
from core.dispatch.agency_sim_acks import AckOutbox, inspect_packet
from core.dispatch.http_service import HttpService, Reply, Request
from core.dispatch.transports import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_ok,
)

MAX_SKEW_MS = 300_000  # a signature older or newer than this is refused (replays)
MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SimModes:
    """How the simulated agency misbehaves (all off: a healthy agency)."""

    fail_rate: float = 0.0
    hang: bool = False
    garbage: bool = False
    reject: bool = False
    ack_delay_s: float | None = 0.5  # None: never acknowledge


@dataclass(frozen=True, slots=True)
class SimSettings:
    """One simulated agency."""

    agency_id: str = "sim-agency"
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    hmac_key: bytes | None = None
    ack_to: str | None = None  # the centre's inbound URL for Acks (else only GET /acks)
    seed: int | None = None
    validate: bool = True
    hang_limit_s: float = 60.0
    modes: SimModes = field(default_factory=SimModes)
    tls: ssl.SSLContext | None = None  # serve HTTPS with this server certificate


class AgencySimulator:
    """A simulated agency: ``start()``, use ``url``, ``stop()``."""

    def __init__(
        self,
        settings: SimSettings,
        *,
        clock: Clock | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.modes = settings.modes
        self._clock = clock or SystemClock()
        self._on_line = on_line
        self._rng = random.Random(settings.seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._receipts: dict[str, str] = {}  # distribution id -> receipt, in arrival order
        self._duplicates: dict[str, int] = {}
        self.requests = 0
        self.refused = 0
        self._http = HttpService(
            self._handle,
            settings.host,
            settings.port,
            name=f"agency-sim-{settings.agency_id}",
            max_body=MAX_BODY,
            tls=settings.tls,
        )
        self._up_timer: threading.Timer | None = None
        self.acks = AckOutbox(settings.agency_id, settings.hmac_key, settings.ack_to, self._clock)

    # -- life -----------------------------------------------------------------------------

    def start(self) -> AgencySimulator:
        """Listen and serve (returns at once)."""
        self.acks.start()
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop answering, end every connection and the Ack sender."""
        self._stopping.set()
        with self._lock:
            timer, self._up_timer = self._up_timer, None
        if timer is not None:
            timer.cancel()
            timer.join()
        self._http.stop()
        self.acks.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._http.port

    @property
    def url(self) -> str:
        """Where to POST packets."""
        scheme = "https" if self.settings.tls is not None else "http"
        return f"{scheme}://{self.settings.host}:{self._http.port}/packets"

    def set_modes(self, **changes: Any) -> SimModes:
        """Change failure modes (the keys of :class:`SimModes`)."""
        with self._lock:
            self.modes = replace(self.modes, **changes)
            return self.modes

    def go_down(self, for_s: float | None = None) -> None:
        """Close the listening socket (connections refused); back after ``for_s`` if given."""
        self._http.stop()
        if for_s is not None and not self._stopping.is_set():
            timer = threading.Timer(for_s, self.come_up)
            with self._lock:
                self._up_timer = timer
            timer.start()

    def come_up(self) -> None:
        """Listen again on the same port."""
        if not self._stopping.is_set():
            self._http.start()

    def received(self) -> dict[str, Any]:
        """What arrived: ids in order, duplicates per id, counts."""
        with self._lock:
            return {
                "agency": self.settings.agency_id,
                "received": list(self._receipts),
                "duplicates": dict(self._duplicates),
                "requests": self.requests,
                "refused": self.refused,
                "acks": self.acks.count,
            }

    # -- requests -------------------------------------------------------------------------

    def _handle(self, request: Request) -> Reply | None:
        if request.oversize is not None:
            return Reply(413, {"reason": f"body over {MAX_BODY} bytes"})
        if request.method == "GET":
            return self._get(request)
        if request.path == "/control":
            try:
                data = json.loads(request.body or b"{}")
            except ValueError as exc:
                return Reply(400, {"reason": f"control body is not JSON: {exc}"})
            return self.control(data)
        if self.modes.hang:
            self._stopping.wait(self.settings.hang_limit_s)
            return None
        return self.take(request.headers, request.body)

    def _get(self, request: Request) -> Reply:
        if request.path == "/received":
            return Reply(200, self.received())
        if request.path == "/acks":
            after = request.query.get("after", "0")
            return Reply(200, self.acks.after(int(after) if after.isdigit() else 0))
        if request.path in ("/", "/health"):
            return Reply(200, {"agency": self.settings.agency_id, "modes": asdict(self.modes)})
        return Reply(404, {"reason": f"no {request.path} here; POST packets, GET /received"})

    # -- packets --------------------------------------------------------------------------

    def take(self, headers: dict[str, str], body: bytes) -> Reply:
        """Decide the answer to one POSTed packet (``headers`` with lower-case names)."""
        with self._lock:
            self.requests += 1
            modes = self.modes
            failing = modes.fail_rate > 0 and self._rng.random() < modes.fail_rate
        if failing:
            named = headers.get(IDEMPOTENCY_HEADER.lower(), "(no id)")
            self._line(f"failed {named}: HTTP 500 (simulated)")
            return Reply(500, {"reason": "simulated failure (fail_rate)"})
        distribution_id = headers.get(IDEMPOTENCY_HEADER.lower(), "").strip()
        key = self.settings.hmac_key
        if key is not None:
            problem = self._signature_problem(key, headers, distribution_id, body)
            if problem:
                return self._refuse(401, problem, distribution_id)
        if modes.reject:
            return self._refuse(400, "simulated refusal (reject mode)", distribution_id)
        inspected = inspect_packet(body, headers.get("content-type", ""), self.settings.validate)
        if inspected.problem:
            return self._refuse(400, inspected.problem, distribution_id)
        distribution_id = distribution_id or inspected.distribution_id
        if not distribution_id:
            return self._refuse(400, f"no {IDEMPOTENCY_HEADER} header", "")
        with self._lock:
            receipt = self._receipts.get(distribution_id)
            if receipt is None:
                receipt = f"{self.settings.agency_id}-{len(self._receipts) + 1}"
                self._receipts[distribution_id] = receipt
                new = True
            else:
                self._duplicates[distribution_id] = self._duplicates.get(distribution_id, 0) + 1
                new = False
        now = self._clock.now_ms()
        self._line(f"{'received' if new else 'duplicate'} {distribution_id} -> {receipt}")
        if new and modes.ack_delay_s is not None:
            self.acks.schedule(distribution_id, inspected, modes.ack_delay_s)
        if modes.garbage:
            return Reply(200, "<html><body>Service portal: please log in</body></html>")
        receipt_json = {"distributionID": distribution_id, "receivedAt": iso_ms(now)}
        return Reply(202, {**receipt_json, "receipt": receipt})

    def _signature_problem(
        self, key: bytes, headers: dict[str, str], distribution_id: str, body: bytes
    ) -> str:
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        given = headers.get(SIGNATURE_HEADER.lower(), "")
        if not timestamp or not given:
            return f"unsigned request: {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required"
        if not timestamp.isdigit() or abs(int(timestamp) - self._clock.now_ms()) > MAX_SKEW_MS:
            return "signature timestamp is missing or more than 5 minutes off; check the clock"
        if not signature_ok(key, timestamp, distribution_id, body, given):
            return "signature does not match: wrong HMAC key?"
        return ""

    def _refuse(self, status: int, reason: str, distribution_id: str) -> Reply:
        with self._lock:
            self.refused += 1
        self._line(f"refused {distribution_id or '(no id)'}: HTTP {status} {reason}")
        return Reply(status, {"reason": reason})

    def _line(self, text: str) -> None:
        if self._on_line is not None:
            self._on_line(f"[{self.settings.agency_id}] {text}")

    def control(self, data: Any) -> Reply:
        """Apply a ``POST /control`` body."""
        if not isinstance(data, dict):
            return Reply(400, {"reason": 'send a JSON object, e.g. {"fail_rate": 0.3}'})
        changes = {k: v for k, v in data.items() if k in SimModes.__dataclass_fields__}
        unknown = sorted(set(data) - set(changes) - {"down"})
        if unknown:
            known = ", ".join([*SimModes.__dataclass_fields__, "down"])
            return Reply(400, {"reason": f"unknown control {', '.join(unknown)}; known: {known}"})
        problem = _control_problem(changes, data.get("down"))
        if problem:
            return Reply(400, {"reason": problem})
        modes = self.set_modes(**changes)
        down = data.get("down")
        if down:
            seconds = 5.0 if down is True else float(down)
            # After the answer: closing the listener from its own handler would deadlock.
            threading.Timer(0.05, self.go_down, kwargs={"for_s": seconds}).start()
        return Reply(200, asdict(modes))


def _control_problem(changes: dict[str, Any], down: Any) -> str:
    """What is wrong with a control request's values ("" when nothing)."""
    rate = changes.get("fail_rate", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        return "fail_rate must be a number from 0 to 1"
    for name in ("hang", "garbage", "reject"):
        if not isinstance(changes.get(name, False), bool):
            return f"{name} must be true or false"
    delay = changes.get("ack_delay_s", 0.0)
    if delay is not None and (not isinstance(delay, int | float) or delay < 0):
        return "ack_delay_s must be seconds (0 or more) or null for no Acks"
    if down is not None and not isinstance(down, bool | int | float):
        return "down must be true or a number of seconds"
    return ""


def simulators_for(
    registry: Registry,
    *,
    modes: SimModes | None = None,
    seed: int | None = None,
    validate: bool = True,
    on_line: Callable[[str], None] | None = None,
) -> list[AgencySimulator]:
    """A simulator (not started) for every agency whose endpoint is plain http on this
    machine, on its URL's port, checking its HMAC key; Acks go to the centre's inbound
    listener, or are kept for polling for agencies whose Acks are fetched. Raises
    ``AgencyKeyError`` when a key cannot be read."""
    inbound = registry.centre.inbound
    found = []
    for agency in registry.agencies:
        url = urlsplit(agency.endpoint.url or "")
        if agency.endpoint.transport is not Transport.HTTP or url.port is None:
            continue
        if url.hostname not in LOCAL_HOSTS:
            continue
        push = agency.endpoint.ack is AckMode.INBOUND
        settings = SimSettings(
            agency_id=agency.id,
            host=url.hostname,
            port=url.port,
            hmac_key=agency.hmac_key(),
            ack_to=f"http://{inbound.host}:{inbound.port}/acks" if push else None,
            seed=seed,
            validate=validate,
            modes=modes or SimModes(),
        )
        found.append(AgencySimulator(settings, on_line=on_line))
    return found
