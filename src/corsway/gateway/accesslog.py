"""The console while serving: one access-log line per request with a CORS note, the handlers'
output under their function's name, and the reasons for 5xx answers.

Lines are buffered and written once per event-loop iteration, so logging stays a small part of
a request's cost even under load.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

_RESET = "\x1b[0m"
_DIM = "\x1b[2m"
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_YELLOW = "\x1b[33m"
_CYAN = "\x1b[36m"


def cors_note(
    *,
    method: str,
    origin: str | None,
    preflight_method: str | None,
    status: int,
    headers: Sequence[tuple[str, str]],
    credentialed: bool = False,
) -> str:
    """What a browser on another origin would make of this answer, in a few words.

    `credentialed`: the request carried a Cookie, which a browser only sends cross-origin in
    `credentials: 'include'` mode.
    """
    if origin is None:
        return ""
    allow_origin = [v for k, v in headers if k.lower() == "access-control-allow-origin"]
    if method == "OPTIONS" and preflight_method is not None:
        if not allow_origin:
            return (
                f"preflight {status} from {origin} without Access-Control-Allow-Origin: the "
                f"browser will block the {preflight_method}"
            )
        if not 200 <= status < 300:
            return f"preflight {status} from {origin}: not an ok status, the browser will block it"
        verdict = _origin_verdict(allow_origin, origin)
        return f"preflight {status} from {origin}" + (f" ({verdict})" if verdict else "")
    if not allow_origin:
        return (
            "response has no Access-Control-Allow-Origin: a browser on another origin will block it"
        )
    verdict = _origin_verdict(allow_origin, origin)
    if verdict:
        return verdict
    if credentialed:
        if allow_origin[0] == "*":
            return (
                "credentialed request (Cookie sent) but Access-Control-Allow-Origin is *: the "
                "browser will block it"
            )
        allow_credentials = [
            v for k, v in headers if k.lower() == "access-control-allow-credentials"
        ]
        if allow_credentials != ["true"]:
            return (
                "credentialed request (Cookie sent) without Access-Control-Allow-Credentials: "
                "true: the browser will block it"
            )
    return f"CORS ok for {origin}"


def _origin_verdict(allow_origin: list[str], origin: str) -> str:
    if len(allow_origin) > 1:
        return f"{len(allow_origin)} Access-Control-Allow-Origin headers: the browser will block it"
    value = allow_origin[0]
    if value not in ("*", origin):
        return f"Access-Control-Allow-Origin {value!r} is not {origin}: the browser will block it"
    return ""


class Console:
    """Writes the server's console output."""

    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        self._stream = stream or sys.stdout
        self._color = self._stream.isatty() if color is None else color
        self._pending: list[str] = []
        self._scheduled = False

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self._color else text

    def write(self, line: str) -> None:
        """Queue one line; it is written at the end of this event-loop iteration."""
        self._pending.append(line)
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write what is queued."""
        self._scheduled = False
        if self._pending:
            text = "\n".join(self._pending) + "\n"
            self._pending.clear()
            self._stream.write(text)
            self._stream.flush()

    def access(
        self,
        *,
        method: str,
        path: str,
        status: int,
        latency_ms: float,
        function: str | None,
        note: str,
    ) -> None:
        """One access-log line."""
        if not self._color:
            line = f"{method} {path}  {status}  {latency_ms:.1f}ms"
            if function:
                line = f"{line}  {function}"
            self.write(f"{line}  {note}" if note else line)
            return
        code = _GREEN if status < 400 else _YELLOW if status < 500 else _RED
        parts = [
            f"{method} {path}",
            self._paint(code, str(status)),
            f"{latency_ms:.1f}ms",
        ]
        if function:
            parts.append(self._paint(_CYAN, function))
        if note:
            parts.append(self._paint(_DIM, note))
        self.write("  ".join(parts))

    def note(self, text: str, color: str = "") -> None:
        """A line of the server's own (a reload, a warning), optionally in green/yellow/red."""
        code = {"green": _GREEN, "yellow": _YELLOW, "red": _RED}.get(color)
        self.write(self._paint(code, text) if code else text)

    def function_output(self, key: str, line: str) -> None:
        """A line the handler printed."""
        self.write(f"{self._paint(_CYAN, '[' + key + ']')} {line}")

    def problem(self, text: str) -> None:
        """Why a request failed (multi-line text such as a traceback is indented)."""
        lines = text.rstrip("\n").split("\n")
        self.write(self._paint(_RED, lines[0]))
        for line in lines[1:]:
            self.write(f"    {line}")
