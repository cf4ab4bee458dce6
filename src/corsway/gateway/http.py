"""The HTTP layer: uvicorn with header names kept as the client sent them.

ASGI servers lower-case header names; API Gateway passes them on as sent (`tEsT-HEADeR`
arrives as `tEsT-HEADeR`). `RawHeaderProtocol` is uvicorn's httptools protocol plus one list:
in `on_header` it records each (raw name, value) pair into the scope's
`extensions["corsway.raw_headers"]["headers"]`. Response header names go out in the case the
app gives them (see `CaseKeptName`).
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from corsway.errors import CorswayError

RAW_HEADERS = "corsway.raw_headers"


class _CorkedTransport:
    """Holds a response head until its body is written, so that both leave in one send.

    uvicorn writes the status line and headers, then the body, as two writes (two syscalls,
    two TCP segments). Everything else is passed to the real transport.
    """

    __slots__ = ("_head", "_transport")

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data if data else head)
        elif data[:9] == b"HTTP/1.1 " and data[9:12] != b"100":
            self._head = data
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        closing: bool = self._transport.is_closing()
        return closing

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class RawHeaderProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that also keeps the raw header names of each request,
    and sends each response's head and body together."""

    _raw_headers: list[tuple[bytes, bytes]]

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.transport = _CorkedTransport(transport)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        self.transport.flush()  # type: ignore[attr-defined]  # a HEAD response has no body
        super().on_response_complete()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._raw_headers = []
        self.scope["extensions"] = {RAW_HEADERS: {"headers": self._raw_headers}}

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))
        super().on_header(name, value)


class CaseKeptName(bytes):
    """A response header name that uvicorn writes without lower-casing it."""

    __slots__ = ()

    def lower(self) -> bytes:
        # uvicorn lower-cases names only to recognise content-length, transfer-encoding and
        # connection, which the gateway never passes in this type.
        return self


def raw_headers(scope: Any) -> list[tuple[bytes, bytes]]:
    """The request's headers with their names as sent (lower-cased under another server)."""
    extensions = scope.get("extensions")
    if extensions is not None:
        recorded = extensions.get(RAW_HEADERS)
        if recorded is not None:
            headers: list[tuple[bytes, bytes]] = recorded["headers"]
            return headers
    fallback: list[tuple[bytes, bytes]] = scope["headers"]
    return fallback


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket, or a CorswayError saying why it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # proto says TCP, and accepted sockets inherit it; with Nagle on, a response written in two
    # parts (head, then body) waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CorswayError(
                f"port {port} on {host} is already in use: stop the other server or choose "
                "another port with --port"
            ) from None
        if error.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT) or isinstance(
            error, socket.gaierror
        ):
            raise CorswayError(
                f"cannot listen on {host}:{port}: {host!r} is not an address of this machine "
                "(use --host 127.0.0.1)"
            ) from None
        if error.errno == errno.EACCES:
            raise CorswayError(
                f"cannot listen on {host}:{port}: permission denied (ports below 1024 need "
                "privileges; use --port 3000)"
            ) from None
        raise CorswayError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.setblocking(False)
    return sock
