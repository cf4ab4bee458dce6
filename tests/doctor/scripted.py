"""A scripted HTTP server on loopback: each case says what the preflight and the actual
request get, hop by hop, so that the browser and `corsway check` face the same answers.

A case lives under `/<case>/<hop>` (the first hop is `a`). For each hop the script gives the
answer to OPTIONS (the preflight) and to any other method. Header values may name
`{origin}` (the request's Origin, echoed), `{a}` / `{b}` (the base URLs of the two servers, for
redirects across origins), `{page}` (the page's origin) and `{here}` (this server's base URL).
Every request is logged, so a test can count the preflights and requests that arrived.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Answer:
    """One scripted response."""

    status: int = 200
    headers: Headers = ()
    body: str = ""


NOT_FOUND = Answer(404, (("Content-Type", "text/plain"),), "no such hop")


@dataclass(frozen=True)
class Hop:
    """What one URL answers: to OPTIONS (`preflight`) and to every other method (`actual`)."""

    actual: Answer = Answer()
    preflight: Answer = NOT_FOUND


@dataclass(frozen=True)
class Logged:
    """A request as the server received it."""

    server: str  # "a" or "b"
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class Script:
    """The cases both servers answer, and the requests they received."""

    cases: dict[str, Mapping[str, Hop]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    bases: dict[str, str] = field(default_factory=dict)  # placeholder -> value
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, case: str) -> list[Logged]:
        """The requests logged for `case` so far, removed from the log."""
        with self.lock:
            taken = [entry for entry in self.log if entry.path.split("/")[1:2] == [case]]
            self.log[:] = [entry for entry in self.log if entry not in taken]
            return taken


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ScriptedServer

    def _answer(self) -> None:
        script = self.server.script
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with script.lock:
            script.log.append(
                Logged(self.server.name, self.command, self.path, tuple(self.headers.items()))
            )
        parts = self.path.split("?")[0].strip("/").split("/")
        hops = script.cases.get(parts[0], {})
        hop = hops.get(parts[1] if len(parts) > 1 else "a")
        if hop is None:
            answer = NOT_FOUND
        else:
            answer = hop.preflight if self.command == "OPTIONS" else hop.actual
        values = {
            **script.bases,
            "origin": self.headers.get("Origin", ""),
            "here": script.bases.get(self.server.name, ""),
        }
        body = answer.body.encode()
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value.format(**values))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _answer

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any other method, e.g. the `patch` fetch() keeps lower-case
            return self._answer
        raise AttributeError(name)

    def send_response(self, code: int, message: str | None = None) -> None:
        self.send_response_only(code, message)  # no Server/Date headers: only the script's

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name: str, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.name = name
        self.script = script


@contextmanager
def scripted_servers(page_port: int) -> Iterator[Script]:
    """Servers "a" and "b" on two loopback ports, answering the same script, for a page on
    `page_port`."""
    script = Script()
    servers = [_ScriptedServer(name, script) for name in ("a", "b")]
    for server in servers:
        script.bases[server.name] = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
    script.bases["page"] = f"http://127.0.0.1:{page_port}"
    script.bases["page_localhost"] = f"http://localhost:{page_port}"
    script.bases["page_port"] = str(page_port)
    try:
        yield script
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
