"""The replay clock: where playback stands, how fast it runs, and when it stops."""

from __future__ import annotations

from dataclasses import dataclass

SPEEDS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
STEP_MS = 10_000  # one step back or forward: ten seconds of the log


@dataclass(slots=True)
class ReplayClock:
    """Position in the log (UTC ms), speed and play state; ticked with wall time elapsed.

    Pure: the controller feeds it elapsed wall time and applies what it returns.
    """

    start_ms: int
    end_ms: int
    position_ms: int = 0
    speed: int = 1
    playing: bool = False

    def __post_init__(self) -> None:
        if self.end_ms < self.start_ms:
            raise ValueError(f"the replay window ends ({self.end_ms}) before it starts")
        self.position_ms = self._clamp(self.position_ms or self.start_ms)
        if self.speed not in SPEEDS:
            raise ValueError(f"speed must be one of {SPEEDS}, not {self.speed}")

    def _clamp(self, ms: int) -> int:
        return min(max(ms, self.start_ms), self.end_ms)

    def tick(self, elapsed_wall_ms: float) -> int:
        """Advance by ``elapsed_wall_ms`` of wall time at the current speed; playback stops at
        the end of the window. Returns the new position."""
        if self.playing:
            self.position_ms = self._clamp(self.position_ms + round(elapsed_wall_ms * self.speed))
            if self.position_ms >= self.end_ms:
                self.playing = False
        return self.position_ms

    def seek(self, ms: int) -> int:
        """Jump to ``ms`` (kept inside the window)."""
        self.position_ms = self._clamp(ms)
        return self.position_ms

    def step(self, direction: int, step_ms: int = STEP_MS) -> int:
        """One step back (``direction`` < 0) or forward; pauses playback."""
        self.playing = False
        return self.seek(self.position_ms + (step_ms if direction > 0 else -step_ms))

    def extend(self, end_ms: int) -> None:
        """The log grew (live events keep being recorded): the window now ends later."""
        self.end_ms = max(self.end_ms, end_ms)

    def faster(self) -> int:
        """The next speed up (stays at the top)."""
        index = SPEEDS.index(self.speed)
        self.speed = SPEEDS[min(index + 1, len(SPEEDS) - 1)]
        return self.speed

    def slower(self) -> int:
        """The next speed down (stays at 1×)."""
        index = SPEEDS.index(self.speed)
        self.speed = SPEEDS[max(index - 1, 0)]
        return self.speed

    def play(self) -> None:
        """Start playing; from the start again when at the end."""
        if self.position_ms >= self.end_ms:
            self.position_ms = self.start_ms
        self.playing = True

    def pause(self) -> None:
        """Stop playing where it is."""
        self.playing = False
