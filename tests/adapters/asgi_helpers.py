"""Driving ASGI apps directly in tests: scopes, a recording ``send``, scripted apps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Message = dict[str, Any]
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def http_scope(
    method: str = "GET",
    headers: Iterable[tuple[str | bytes, str | bytes]] = (),
    path: str = "/items",
) -> Scope:
    raw = [
        (n if isinstance(n, bytes) else n.encode(), v if isinstance(v, bytes) else v.encode())
        for n, v in headers
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("203.0.113.7", 50000),
        "server": ("api.example.com", 443),
    }


class ScriptedApp:
    """An ASGI app that sends the given messages (or raises) and records that it ran."""

    def __init__(
        self,
        messages: list[Message] | None = None,
        error: BaseException | None = None,
        error_after: int = 0,
    ) -> None:
        default: list[Message] = [
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
            },
            {"type": "http.response.body", "body": b"ok"},
        ]
        self.messages = messages if messages is not None else default
        self.error = error
        self.error_after = error_after
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        for index, message in enumerate(self.messages):
            if self.error is not None and index == self.error_after:
                raise self.error
            await send(message)
        if self.error is not None and self.error_after >= len(self.messages):
            raise self.error


async def _drive(app: Any, scope: Scope, incoming: list[Message]) -> list[Message]:
    sent: list[Message] = []
    queue = list(incoming) or [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def run(app: Any, scope: Scope, incoming: list[Message] | None = None) -> list[Message]:
    """Run ``app`` on ``scope`` and return what it sent."""
    return asyncio.run(_drive(app, scope, incoming or []))


def run_raising(app: Any, scope: Scope) -> tuple[list[Message], BaseException]:
    """Run an app that must raise; return what it sent before and the exception."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        asyncio.run(app(scope, receive, send))
    except Exception as error:
        return sent, error
    raise AssertionError("the app did not raise")


def start_headers(messages: list[Message]) -> list[tuple[bytes, bytes]]:
    [start] = [m for m in messages if m["type"] == "http.response.start"]
    return [(bytes(n), bytes(v)) for n, v in start["headers"]]


def header_map(messages: list[Message]) -> dict[str, str]:
    """Response headers by lower-case name; asserts that no name repeats."""
    pairs = start_headers(messages)
    names = [n.lower() for n, _ in pairs]
    assert len(names) == len(set(names)), f"repeated header names: {names}"
    return {n.decode().lower(): v.decode() for n, v in pairs}
