"""How the delivery worker stands, for the outbox view: plain data, light to import (the
window shows it before the delivery side itself is loaded)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgencyLink:
    """How one agency's link stands, for the outbox view."""

    agency_id: str
    breaker: str  # a BreakerState value
    failures: int  # consecutive failed attempts
    open_until_ms: int
    in_flight: int
    pending: int


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """A consistent picture of the delivery worker, safe to read from any thread."""

    running: bool = False
    pending: int = 0  # queued, not yet sent
    in_flight: int = 0
    awaiting_receipt: int = 0  # sent to a drop folder, receipt not yet seen
    agencies: tuple[AgencyLink, ...] = ()

    @property
    def idle(self) -> bool:
        """Nothing left to send and nothing being sent."""
        return self.pending == 0 and self.in_flight == 0
