"""The console while serving: one access-log line per request with a CORS note (the doctor's
checks, `corsway.doctor.judge`), the handlers' output under their function's name, and the
reasons for 5xx answers.

Lines are buffered: written at the end of the event-loop iteration that made them, and under
load at most every `FLUSH_INTERVAL_S` (5 ms), so that logging stays a small part of a request's
cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TextIO

from corsway.doctor.classify import Credentials
from corsway.doctor.judge import judge_preflight, judge_response
from corsway.doctor.messages import short_reason

# Under load, console lines leave at most this often (one write for all the lines queued in
# between); an idle server prints each line at the end of the event-loop iteration that made it.
FLUSH_INTERVAL_S = 0.005
FLUSH_LINES = 64  # ... or once this many are queued (a batch formats in well under a millisecond)
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
    request_headers: str | None = None,
    host: str | None = None,
) -> str:
    """What Chromium on the page at `origin` makes of this answer, in a few of its words:
    `CORS ok for ORIGIN` or `CORS blocked for ORIGIN: CorsError: reason` (corsway.doctor's
    checks, so the log and `corsway check` never disagree).

    A preflight is `OPTIONS` with `preflight_method` (Access-Control-Request-Method) and
    `request_headers` (Access-Control-Request-Headers). `credentialed`: the request carried a
    Cookie, which a browser only sends cross-origin with `credentials: 'include'`. No note for
    a request without Origin, or whose Origin is the server's own (`host`: no CORS check).
    Notes are cached by everything they depend on (the answer's Access-Control-* headers).
    """
    if origin is None:
        return ""
    if method != "OPTIONS" or preflight_method is None:
        return answer_note(origin, status, headers, credentialed, host)
    if _same_origin(origin, host):
        return ""
    # shared answers (a MOCK's, an HTTP API's own): known by identity
    shared = (id(headers), origin, status, credentialed, preflight_method, request_headers)
    hit = _SHARED.get(shared)
    if hit is not None and hit[0] is headers:
        return hit[1]
    note = _note(origin, status, headers, credentialed, (preflight_method, request_headers))
    if len(_SHARED) >= _NOTES_LIMIT:
        _SHARED.clear()
    _SHARED[shared] = (headers, note)  # the reference keeps the id from being reused
    return note


def answer_note(
    origin: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    credentialed: bool,
    host: str | None,
) -> str:
    """`cors_note` for an answer that is not a preflight (the access log's usual case, called
    positionally). Most answers repeat one set of headers: known by value."""
    if _same_origin(origin, host):
        return ""
    whole = (origin, status, credentialed, tuple(headers))
    found = _WHOLE.get(whole)
    if found is None:
        found = _note(origin, status, headers, credentialed, None)
        if len(_WHOLE) >= _NOTES_LIMIT:
            _WHOLE.clear()
        _WHOLE[whole] = found
    return found


def _same_origin(origin: str, host: str | None) -> bool:
    """The page is the server's own (no CORS check)."""
    return host is not None and origin[7:] == host and origin[:7] == "http://"


def _note(
    origin: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    credentialed: bool,
    preflight: tuple[str, str | None] | None,
) -> str:
    """The note, cached by what it depends on (the answer's Access-Control-* headers)."""
    key: list[object] = [origin, status, credentialed, *(preflight or (None, None))]
    redirect = 300 <= status < 400
    for name, value in headers:
        if (name[0] in "aA" and name[:15].lower() == "access-control-") or (
            redirect and name.lower() == "location"
        ):
            key.append(name.lower())
            key.append(value)
    cached = _NOTES.get(frozen := tuple(key))
    if cached is None:
        cached = _judged(
            origin, status, tuple(headers), credentialed=credentialed, preflight=preflight
        )
        if len(_NOTES) >= _NOTES_LIMIT:
            _NOTES.clear()
        _NOTES[frozen] = cached
    return cached


_SHARED: dict[tuple[object, ...], tuple[Sequence[tuple[str, str]], str]] = {}
_NOTES: dict[tuple[object, ...], str] = {}
_WHOLE: dict[tuple[object, ...], str] = {}
_NOTES_LIMIT = 4096  # bounded: origins and header values come from clients


def _judged(
    origin: str,
    status: int,
    headers: tuple[tuple[str, str], ...],
    *,
    credentialed: bool,
    preflight: tuple[str | None, str | None] | None,
) -> str:
    """The note, from the doctor's checks (`preflight`: its requested method and headers)."""
    credentials: Credentials = "include" if credentialed else "same-origin"
    if preflight is not None:
        failure = judge_preflight(
            status,
            headers,
            origin=origin,
            method=preflight[0] or "",
            request_headers=preflight[1],
            credentials=credentials,
        )
    else:
        failure = judge_response(headers, origin=origin, credentials=credentials)
    if failure is None:
        return f"CORS ok for {origin}" + (", credentials included (Cookie sent)" * credentialed)
    reason = short_reason(failure.error, failure.hint)
    tail = " (credentials 'include': Cookie sent)" if credentialed else ""
    return f"CORS blocked for {origin}: {failure.error}: {reason}{tail}"


class AccessEntry(NamedTuple):
    """What one access-log line says."""

    method: str
    path: str
    status: int
    latency_ms: float
    function: str | None  # the function that ran, if any
    note: str  # the CORS note and what else the gateway has to say


class Console:
    """Writes the server's console output."""

    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        self._stream = stream or sys.stdout
        self._color = self._stream.isatty() if color is None else color
        # lines, and (make_lines, args) to be made into lines when written
        self._pending: list[str | tuple[Callable[..., list[str]], tuple[Any, ...]]] = []
        self._scheduled = False
        self._flushed_at = float("-inf")  # event-loop time of the last write

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self._color else text

    def write(self, line: str) -> None:
        """Queue one line: written at the end of this event-loop iteration, or, when lines
        were written less than `FLUSH_INTERVAL_S` ago (a server under load), with the lines
        of the next few milliseconds in one write."""
        self._queue(line)

    def later(self, make_lines: Callable[..., list[str]], *args: Any) -> None:
        """Queue the lines `make_lines(*args)` returns, made when they are written: a server
        under load formats its access log in batches (the same code for a few hundred lines
        in a row runs several times faster than once between each request's other work)."""
        self._queue((make_lines, args))

    def _queue(self, item: str | tuple[Callable[..., list[str]], tuple[Any, ...]]) -> None:
        self._pending.append(item)
        if not self._scheduled or len(self._pending) == FLUSH_LINES:
            self._schedule()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._scheduled = True
        due = self._flushed_at + FLUSH_INTERVAL_S
        if loop.time() >= due or len(self._pending) >= FLUSH_LINES:
            loop.call_soon(self.flush)
        else:
            loop.call_at(due, self.flush)

    def flush(self) -> None:
        """Write what is queued."""
        self._scheduled = False
        pending = self._pending
        if not pending:
            return
        self._pending = []
        lines: list[str] = []
        for item in pending:
            if isinstance(item, str):
                lines.append(item)
            else:
                make_lines, args = item
                lines += make_lines(*args)
        self._stream.write("\n".join(lines) + "\n")
        self._stream.flush()
        with contextlib.suppress(RuntimeError):
            self._flushed_at = asyncio.get_running_loop().time()

    def access(self, entry: AccessEntry) -> None:
        """One access-log line."""
        self.write(self.access_line(entry))

    def access_line(self, entry: AccessEntry) -> str:
        """The text of an access-log line."""
        return self.access_text(*entry)

    def access_text(  # noqa: PLR0917 (an AccessEntry's fields, in its order)
        self,
        method: str,
        path: str,
        status: int,
        latency_ms: float,
        function: str | None,
        note: str,
    ) -> str:
        """`access_line` of the entry with these fields."""
        if not self._color:
            line = f"{method} {path}  {status}  {latency_ms:.1f}ms"
            if function:
                line = f"{line}  {function}"
            return f"{line}  {note}" if note else line
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
        return "  ".join(parts)

    def note(self, text: str, color: str = "") -> None:
        """A line of the server's own (a reload, a warning), optionally in green/yellow/red."""
        code = {"green": _GREEN, "yellow": _YELLOW, "red": _RED}.get(color)
        self.write(self._paint(code, text) if code else text)

    def function_output(self, key: str, line: str) -> None:
        """A line the handler printed."""
        self.write(f"{self._paint(_CYAN, '[' + key + ']')} {line}")

    def problem(self, text: str) -> None:
        """Why a request failed (multi-line text such as a traceback is indented)."""
        for line in self.problem_lines(text):
            self.write(line)

    def problem_lines(self, text: str) -> list[str]:
        """The lines of `problem(text)`."""
        lines = text.rstrip("\n").split("\n")
        return [self._paint(_RED, lines[0]), *(f"    {line}" for line in lines[1:])]
