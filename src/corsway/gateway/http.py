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


class RawHeaderProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that also keeps the raw header names of each request."""

    _raw_headers: list[tuple[bytes, bytes]]

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
    sock = socket.socket(family, socket.SOCK_STREAM)
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
