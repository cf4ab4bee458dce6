"""Shared pieces of the micro-benchmarks: CPU-clock timing, import time, ASGI stepping.

Timing uses process CPU time (time spent waiting for the CPU on a shared VM is not counted),
calibrated call counts and the best of many interleaved rounds, so slow periods of a noisy
machine hit every variant alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

Message = dict[str, Any]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]


def cpu_timer(stmt: str, **namespace: object) -> timeit.Timer:
    """A timer for ``stmt`` on the process CPU clock, with ``namespace`` as its globals."""
    return timeit.Timer(stmt, timer=time.process_time, globals=dict(namespace))


def best_of_rounds(
    timers: Mapping[str, timeit.Timer], rounds: int, round_seconds: float
) -> dict[str, float]:
    """Seconds per call for each timer: best round of ``rounds``, timers interleaved.

    Calls per round are calibrated so that a round takes about ``round_seconds`` of CPU time.
    """
    numbers: dict[str, int] = {}
    for name, timer in timers.items():
        number = 1
        while timer.timeit(number) < round_seconds / 10:
            number *= 2
        numbers[name] = max(1, int(number * round_seconds / max(timer.timeit(number), 1e-9)))
    best = dict.fromkeys(timers, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(numbers[name]) / numbers[name])
    return best


def import_ms(module: str, runs: int, cached: bool = True) -> float:
    """Best cumulative import time of ``module`` in a fresh interpreter, in milliseconds.

    ``cached``: with bytecode written beforehand (as after ``pip install``); otherwise the
    source is compiled on every run.
    """
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not cached:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [sys.executable, "-X", f"pycache_prefix={cache}", "-X", "importtime", "-c"]
        if cached:  # write the bytecode cache once
            subprocess.run([*command, f"import {module}"], env=env, capture_output=True, check=True)
        best = float("inf")
        for _ in range(runs):
            result = subprocess.run(
                [*command, f"import {module}"], env=env, capture_output=True, text=True, check=True
            )
            for line in result.stderr.splitlines():
                fields = line.split("|")
                if len(fields) == 3 and fields[2].strip() == module:
                    best = min(best, int(fields[1]) / 1000)
        return best


async def receive() -> Message:
    """An ASGI receive channel holding one empty request body."""
    return {"type": "http.request", "body": b"", "more_body": False}


async def discard(message: Message) -> None:
    """An ASGI send channel that drops what it is given."""
    return


def run_asgi(app: ASGIApp, scope: Scope) -> None:
    """Run an ASGI app to completion without an event loop (nothing in it may suspend)."""
    coroutine = app(scope, receive, discard)
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise RuntimeError("the ASGI app suspended; it cannot be stepped without an event loop")


def collect(app: ASGIApp, scope: Scope) -> list[Message]:
    """The messages an ASGI app sends for ``scope`` (stepped without an event loop)."""
    sent: list[Message] = []

    async def keep(message: Message) -> None:
        sent.append(message)

    coroutine = app(scope, receive, keep)
    try:
        coroutine.send(None)
    except StopIteration:
        return sent
    coroutine.close()
    raise RuntimeError("the ASGI app suspended")


def response_start(
    app: ASGIApp, method: str, headers: Mapping[str, str]
) -> tuple[int, dict[str, str]]:
    """The status and the (lower-cased) headers an ASGI app answers a request with."""
    start = collect(app, scope_for(method, headers))[0]
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}


def scope_for(method: str, headers: Mapping[str, str], path: str = "/items") -> Scope:
    """An HTTP scope for ``method`` on ``path``; header names lower-cased, as servers do."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("latin-1"),
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
    }
