"""Fetching Acks from agencies that do not post them (the registry's ``ack = "poll"``).

Each such agency's ``poll_url`` is asked ``GET poll_url?after=N`` every few seconds and
answers ``{"acks": [{"body": "<EDXL-DE Ack>", "content_type": "application/xml"}, ...],
"last": N}`` (the agency simulator speaks it). Every Ack is handed to the inbound listener, so a
polled Ack is recorded exactly like a posted one. The cursor lives in memory: after a restart
the Acks are fetched again and the listener answers them as already recorded.
"""

from __future__ import annotations

import threading

import httpx

from core.dispatch.agencies import AckMode, Registry
from core.dispatch.formats import AckMessage, InboundError, parse_message
from core.dispatch.inbound import InboundListener
from core.notices import NoticeBoard, NoticeLevel


class AckPoller:
    """Polls every agency whose Acks must be fetched; ``start()``/``stop()``."""

    def __init__(
        self,
        listener: InboundListener,
        registry: Registry,
        *,
        interval_s: float = 2.0,
        notices: NoticeBoard | None = None,
    ) -> None:
        self._listener = listener
        self._interval_s = interval_s
        self._notices = notices or NoticeBoard()
        self.urls = {
            a.id: a.endpoint.poll_url
            for a in registry.agencies
            if a.enabled and a.endpoint.ack is AckMode.POLL and a.endpoint.poll_url
        }
        self._cursor = dict.fromkeys(self.urls, 0)
        self._failing: set[str] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling (nothing to do without polled agencies)."""
        if self.urls and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ack-poll", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def poll_once(self, client: httpx.Client) -> int:
        """Ask every agency once; the number of Acks taken."""
        taken = 0
        for agency_id, url in self.urls.items():
            try:
                answer = client.get(url, params={"after": self._cursor[agency_id]})
                answer.raise_for_status()
                data = answer.json()
                acks = data["acks"]
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                if agency_id not in self._failing:
                    self._failing.add(agency_id)
                    self._notices.post(
                        NoticeLevel.WARNING, "acks", f"Cannot fetch Acks from {url}: {exc}"
                    )
                continue
            self._failing.discard(agency_id)
            for item in acks:
                body = str(item.get("body", "")).encode("utf-8")
                try:
                    message = parse_message(body, str(item.get("content_type", "")))
                except InboundError as exc:
                    self._notices.post(
                        NoticeLevel.WARNING, "acks", f"{agency_id} sent an unreadable Ack: {exc}"
                    )
                    continue
                if isinstance(message, AckMessage):
                    self._listener.take(message, agency_id)
                    taken += 1
            self._cursor[agency_id] = int(data.get("last", self._cursor[agency_id]))
        return taken

    def _run(self) -> None:
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while not self._stopping.is_set():
                self.poll_once(client)
                self._stopping.wait(self._interval_s)
