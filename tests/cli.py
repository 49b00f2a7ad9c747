"""Run main.py as a user would, in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def cityroom(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` from the repository root; output captured as text."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=full_env,
        check=False,
    )


def cityroom_json(*args: str) -> Any:
    """Run and parse the JSON it prints; fail with its stderr otherwise."""
    result = cityroom(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
