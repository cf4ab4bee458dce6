"""Running an installer or exporter (uv, pip, venv, poetry) to completion for the runtimes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from corsway.errors import CorswayError


def run_tool(
    command: list[str], what: str, *, timeout_s: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command` without stdin, its output captured as text; CorswayError
    `{what} failed: ...` when it cannot start or runs past `timeout_s` (its exit status is the
    caller's to judge)."""
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CorswayError(f"{what} failed: {error}") from None
