"""Run main.py as a user would, in a child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def cityroom(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` from the repository root; output captured as text. A child
    still running after ``timeout`` fails the test with every thread's stack (so a hang says
    where it hangs)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    with subprocess.Popen(
        [sys.executable, "-X", "faulthandler", str(REPO / "main.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=full_env,
    ) as child:
        try:
            stdout, stderr = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGABRT)  # faulthandler prints the stacks, then it dies
            stdout, stderr = child.communicate(timeout=30)
            raise AssertionError(
                f"main.py {' '.join(args)} did not finish in {timeout:g} s; its threads:\n"
                + stderr[-12000:]
            ) from None
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def cityroom_json(*args: str) -> Any:
    """Run and parse the JSON it prints; fail with its stderr otherwise."""
    result = cityroom(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
