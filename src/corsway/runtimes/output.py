"""A worker's stdout and stderr, forwarded to the log sink line by line under the function's key.

Reads run on event-loop callbacks (no thread or task per worker); a last line without a newline
is forwarded when the stream closes. Closing first reads what the pipe still holds: a worker that
printed and then died must not lose its last lines because its death was noticed first.
"""

from __future__ import annotations

import asyncio
import os

from corsway.runtimes.base import LogSink

DRAIN_LIMIT = 1024 * 1024  # what close() reads at most (a descendant may still be writing)


class LineForwarder:
    """Forwards a worker's stdout or stderr to the log sink, one complete line at a time."""

    def __init__(self, fd: int, key: str, sink: LogSink, loop: asyncio.AbstractEventLoop) -> None:
        self.fd = fd
        self._key = key
        self._sink = sink
        self._loop = loop
        self._partial = b""
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            return
        self._forward(data)

    def _forward(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink(self._key, line.decode(errors="replace").rstrip("\r"))

    def close(self) -> None:
        """Stop reading and close the descriptor; a last partial line is forwarded as is."""
        if self.fd < 0:
            return
        self._loop.remove_reader(self.fd)
        self._drain()
        os.close(self.fd)
        self.fd = -1
        if self._partial:
            self._sink(self._key, self._partial.decode(errors="replace"))
            self._partial = b""

    def _drain(self) -> None:
        """Forward what the pipe still holds (without waiting for more)."""
        read = 0
        while read < DRAIN_LIMIT:
            try:
                data = os.read(self.fd, 65536)
            except (BlockingIOError, OSError):
                return
            if not data:
                return
            read += len(data)
            self._forward(data)
