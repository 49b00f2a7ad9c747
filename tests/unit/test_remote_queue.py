"""The command queue: entries survive a reopen, keep their order, and carry their outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.clock import FakeClock
from core.remote.queue import CommandQueue, EntryKind, EntryState, QueueError


def command(incident_id: str, name: str = "Acknowledge") -> dict[str, object]:
    return {"command": name, "fields": {"incident_id": incident_id}, "expected_version": 3}


def test_waiting_entries_survive_a_reopen_in_order(tmp_path: Path) -> None:
    queue = CommandQueue(tmp_path / "queue.db", FakeClock(1000))
    first = queue.put(EntryKind.COMMAND, command("I-1"), "operator:kim")
    second = queue.put(EntryKind.PUBLISH, {"events": [{"type": "camera.viewed"}]}, "kim")
    third = queue.put(EntryKind.COMMAND, command("I-2", "Resolve"), "operator:lee", "my-ref")
    assert first.client_ref != second.client_ref and len(first.client_ref) == 32
    queue.close()

    reopened = CommandQueue(tmp_path / "queue.db")
    try:
        waiting = reopened.waiting()
        assert waiting == [first, second, third]
        assert waiting[2].client_ref == "my-ref" and waiting[0].created_ms == 1000
        assert reopened.count_waiting() == 3
        assert [e.describe() for e in waiting] == [
            "Acknowledge on I-1",
            "publishing camera.viewed",
            "Resolve on I-2",
        ]
    finally:
        reopened.close()


def test_done_and_refused_entries_leave_the_waiting_line(tmp_path: Path) -> None:
    queue = CommandQueue(tmp_path / "queue.db")
    a = queue.put(EntryKind.COMMAND, command("I-1"), "kim")
    b = queue.put(EntryKind.COMMAND, command("I-2"), "kim")
    c = queue.put(EntryKind.COMMAND, command("I-3"), "kim")
    queue.mark_done(a.id)
    queue.mark_refused(b.id, "I-2 was changed by lee since you last saw it")
    queue.close()

    queue = CommandQueue(tmp_path / "queue.db")
    try:
        assert [e.id for e in queue.waiting()] == [c.id]
        (refused,) = queue.refused()
        assert refused.id == b.id and refused.state is EntryState.REFUSED
        assert refused.outcome == "I-2 was changed by lee since you last saw it"
        assert queue.count_refused() == 1
        queue.dismiss(c.id)  # only refused entries can be dismissed
        queue.dismiss(b.id)
        assert queue.refused() == [] and queue.count_waiting() == 1
        assert queue.get(a.id) is not None and queue.get(a.id).state is EntryState.DONE  # type: ignore[union-attr]
    finally:
        queue.close()


def test_a_queue_in_an_unusable_place_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "queue.db").mkdir()
    with pytest.raises(QueueError, match=r"queue\.db cannot be opened"):
        CommandQueue(tmp_path / "queue.db")
