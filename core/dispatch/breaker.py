"""A circuit breaker per agency: stop knocking at an agency that is down.

After ``threshold`` failed attempts in a row the breaker opens: the agency's packets wait
(they are not failed and no attempt is counted) for ``open_ms``; then it lets a single probe
through. The probe's success closes it, its failure opens it again. It is a few lines of our
own for the same reason as the back-off (see ``retry``): it must not hold a thread, and it
lives inside the outbox's one worker thread.
"""

from __future__ import annotations

from enum import StrEnum


class BreakerState(StrEnum):
    """Whether packets may go to an agency."""

    CLOSED = "closed"  # all is well: send
    OPEN = "open"  # too many failures in a row: wait
    HALF_OPEN = "half_open"  # the wait is over: one probe may go


class CircuitBreaker:
    """One agency's breaker (used from one thread: the outbox worker)."""

    def __init__(self, threshold: int = 5, open_ms: int = 30_000) -> None:
        if threshold < 1 or open_ms < 0:
            raise ValueError("a breaker needs a threshold of 1 or more and a non-negative wait")
        self.threshold = threshold
        self.open_ms = open_ms
        self.failures = 0  # consecutive failed attempts
        self.open_until_ms = 0
        self.opened = 0  # how many times it opened (for the status view)
        self._state = BreakerState.CLOSED
        self._probe_out = False

    def state(self, now_ms: int) -> BreakerState:
        """The state at ``now_ms`` (an open breaker turns half-open when its wait is over)."""
        if self._state is BreakerState.OPEN and now_ms >= self.open_until_ms:
            self._state = BreakerState.HALF_OPEN
            self._probe_out = False
        return self._state

    def allow(self, now_ms: int) -> bool:
        """Whether one more attempt may start now (taking the probe slot when half-open)."""
        state = self.state(now_ms)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._probe_out:
            self._probe_out = True
            return True
        return False

    def success(self) -> None:
        """The agency answered (even a refusal shows it is up): close."""
        self.failures = 0
        self._state = BreakerState.CLOSED
        self._probe_out = False

    def failure(self, now_ms: int) -> bool:
        """An attempt failed for the agency's sake; True when this opened a closed breaker
        (a failed probe opens it again quietly: the agency was already known to be down)."""
        self.failures += 1
        if self._state is BreakerState.CLOSED and self.failures < self.threshold:
            return False
        opened = self._state is BreakerState.CLOSED
        self._state = BreakerState.OPEN
        self.open_until_ms = now_ms + self.open_ms
        self._probe_out = False
        self.opened += opened
        return opened

    def force_probe(self) -> None:
        """Let the next attempt through now (an operator's "retry now")."""
        if self._state is BreakerState.OPEN:
            self._state = BreakerState.HALF_OPEN
            self._probe_out = False
