"""`corsway serve` as a user runs it, in a process: its banner, later console lines, stderr."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

COMMAND = [sys.executable, "-c", "from corsway.cli import run; run()", "serve"]


class ServeProcess:
    """A running `corsway serve`; `banner` is its start-up output, `wait_for` reads on."""

    def __init__(self, args: list[str], env: dict[str, str], stderr_file: Path) -> None:
        self.stderr_file = stderr_file
        self._stderr = stderr_file.open("w")
        self.process = subprocess.Popen(
            [*COMMAND, *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output = ""
        threading.Thread(target=self._read, daemon=True).start()
        self.started = time.monotonic()
        self.banner = self.wait_for("one line per request", timeout=240)
        self.startup_s = time.monotonic() - self.started
        self.url = next((w for w in self.banner.split() if w.startswith("http://127.0.0.1:")), "")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        """Console output up to the line containing `text` (all of it when it never comes)."""
        deadline = time.monotonic() + timeout
        while text not in self.output and time.monotonic() < deadline:
            if self.process.poll() is not None and self.lines.empty():
                break
            try:
                self.output += self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
        return self.output

    @property
    def stderr(self) -> str:
        return self.stderr_file.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()


@contextmanager
def serving(
    *args: str, tmp_path: Path, env: dict[str, str] | None = None, name: str = "serve"
) -> Iterator[ServeProcess]:
    """`corsway serve ARGS --port 0`, stopped on exit; `env` adds to the test's environment."""
    environment = {**os.environ, "COLUMNS": "200", **(env or {})}
    if "VIRTUAL_ENV" not in (env or {}):
        environment.pop("VIRTUAL_ENV", None)  # the managed environments, unless a test says
    process = ServeProcess([*args, "--port", "0"], environment, tmp_path / f"{name}.stderr")
    try:
        yield process
    finally:
        process.stop()
