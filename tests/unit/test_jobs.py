"""How a backend's writer thread groups its queued jobs."""

from __future__ import annotations

from core.events import CameraViewed, NewEvent
from core.jobs import Job, coalesced, wanted


def _facts(count: int) -> list[NewEvent]:
    return [CameraViewed("CAM-1", "wall", "open").to_new("wall", "operator:kim")] * count


def _publish(count: int) -> Job:
    return Job(lambda: None, publish=_facts(count))


def test_consecutive_publishes_share_a_run_up_to_the_limit_and_others_stand_alone() -> None:
    command = Job(lambda: None)
    jobs = [_publish(2), _publish(3), command, _publish(4), _publish(4), _publish(1)]
    runs = list(coalesced(jobs, limit=5))
    assert [[jobs.index(j) for j in run] for run in runs] == [[0, 1], [2], [3], [4, 5]]
    assert [j for run in runs for j in run] == jobs  # every job once, in order


def test_a_publish_larger_than_the_limit_runs_alone() -> None:
    big, small = _publish(9), _publish(1)
    assert list(coalesced([big, small], limit=5)) == [[big], [small]]


def test_a_cancelled_job_is_dropped_and_the_rest_can_no_longer_be_cancelled() -> None:
    kept, dropped = Job(lambda: None), Job(lambda: None)
    assert dropped.future.cancel()
    assert wanted([dropped, kept]) == [kept]
    assert not kept.future.cancel()  # running: its result will be set
    kept.future.set_result(1)
    assert kept.future.result() == 1
