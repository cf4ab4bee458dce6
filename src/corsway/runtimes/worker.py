"""One worker process for a function: one Lambda execution environment on this machine.

A `Worker` spawns its process (in its own session, so that killing it kills anything it
started), talks to it over two dedicated pipes (invocation frames in, result frames out; see
`protocol`), forwards its stdout and stderr to the log sink (`output`), and runs one invocation
at a time. It times the running invocation against the function's timeout (counted from when
the invocation starts) and kills a worker that runs past it (Lambda's "Task timed out after N
seconds"). When the process exits or is killed, the invocation it was running fails as
"Runtime exited with error: ...". Every result, whatever its outcome, goes to the done callback
(the pool's).

`send_ahead` writes more invocations while one runs (the pool's pipelining, `ahead` in order):
the worker starts each the moment it has written the previous result, so its timer starts when
that result arrives, and the worker gets a relative deadline for its `context`. Frames are
written at the end of the event-loop iteration that made them, those of one iteration in one
write: a worker asleep on its pipe is woken once for all of them (a wake-up costs more CPU
than a Python hello-world handler).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

from corsway.runtimes import protocol
from corsway.runtimes.base import InvocationResult, LogSink, Outcome
from corsway.runtimes.output import LineForwarder

_PIPE_SIZE = 1 << 20
_READ_SIZE = 1 << 16
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


# How Lambda names a signal in "Runtime exited with error: signal: ..." (Go's signal names).
_SIGNAL_DESCRIPTIONS = {
    signal.SIGKILL: "killed",
    signal.SIGABRT: "aborted",  # e.g. Node's "JavaScript heap out of memory"
    signal.SIGSEGV: "segmentation fault",
    signal.SIGTERM: "terminated",
    signal.SIGBUS: "bus error",
}


def _signal_description(number: int) -> str:
    try:
        signum = signal.Signals(number)
    except ValueError:
        return f"signal {number}"
    return _SIGNAL_DESCRIPTIONS.get(signum, signum.name.removeprefix("SIG").lower())


def error_payload(error_type: str, message: str) -> bytes:
    """A Lambda error object (`errorMessage`, `errorType`), as the invocation's payload."""
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


def spawn(
    command: Sequence[str], *, cwd: str | os.PathLike[str], env: Mapping[str, str], output: int
) -> tuple[subprocess.Popen[bytes], int, int]:
    """Start a worker process in its own session with the protocol's two pipes (their numbers
    in its environment): (process, the pipe to write invocations to, the pipe to read results
    from). Its stdout and stderr go to `output` (`subprocess.PIPE` or `DEVNULL`). The worker's
    ends are closed here; when it cannot start, every pipe is closed and the OSError raised."""
    request_read, request_write = os.pipe()
    response_read, response_write = os.pipe()
    for fd in (request_write, response_write):
        if _PIPE_SIZE:
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
    full_env = {
        **env,
        protocol.REQUEST_FD_ENV: str(request_read),
        protocol.RESPONSE_FD_ENV: str(response_write),
    }
    try:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            pass_fds=(request_read, response_write),
            start_new_session=True,
        )
    except OSError:
        for fd in (request_write, response_read):
            os.close(fd)
        raise
    finally:
        os.close(request_read)
        os.close(response_write)
    return process, request_write, response_read


class Invocation:
    """One request for the function: its event, the future its result goes to, and what to
    call with the result at once (`then`: no event-loop round trip, as a future's callback
    has)."""

    __slots__ = ("event", "future", "request_id", "then")

    def __init__(
        self,
        event: bytes,
        request_id: str,
        future: asyncio.Future[InvocationResult],
        then: Callable[[InvocationResult], None] | None = None,
    ) -> None:
        self.event = event
        self.request_id = request_id
        self.future = future
        self.then = then

    def resolve(self, result: InvocationResult) -> None:
        """Give `result` to the waiting caller, unless it stopped waiting (a future already
        resolved: API Gateway's integration timeout)."""
        future = self.future
        if future.done():
            return
        future.set_result(result)
        then = self.then
        if then is not None:
            self.then = None
            then(result)


# Called by a worker when its invocation has a result (success, error, timeout or crash).
DoneCallback = Callable[["Worker", Invocation, InvocationResult], None]


def _summary(payload: bytes, trace: str) -> tuple[str, str]:
    """(one line for the access log, the trace): a multi-line error message (Node's "Require
    stack") keeps its first line in the summary; the rest goes under it, with the trace."""
    try:
        error = json.loads(payload)
        message = str(error.get("errorMessage"))
        head = f"{error.get('errorType')}: "
    except (ValueError, AttributeError):
        message, head = payload.decode(errors="replace"), ""
    first, newline, rest = message.partition("\n")
    if newline and rest.strip() and rest.strip() not in trace:
        trace = f"{rest.rstrip()}\n{trace}" if trace else f"{rest.rstrip()}\n"
    return head + first, trace


class Worker:
    """One worker process and its pipes; runs one invocation at a time."""

    def __init__(
        self,
        *,
        command: Sequence[str],
        env: Mapping[str, str],
        cwd: str,
        key: str,
        sink: LogSink,
        loop: asyncio.AbstractEventLoop,
        on_done: DoneCallback,
    ) -> None:
        self._loop = loop
        self._key = key
        self._sink = sink
        self._on_done = on_done
        self._closing = False
        self.process, request_write, response_read = spawn(
            command, cwd=cwd, env=env, output=subprocess.PIPE
        )
        self.pid = self.process.pid
        self._request_fd = request_write
        self._response_fd = response_read
        os.set_blocking(request_write, False)
        os.set_blocking(response_read, False)
        assert self.process.stdout is not None and self.process.stderr is not None
        self._stdout = LineForwarder(os.dup(self.process.stdout.fileno()), key, sink, loop)
        self._stderr = LineForwarder(os.dup(self.process.stderr.fileno()), key, sink, loop)
        self.process.stdout.close()
        self.process.stderr.close()
        self._buffer = bytearray()
        self._read_buffer = bytearray(_READ_SIZE)
        self._read_view = memoryview(self._read_buffer)
        self._pending_write = b""
        self.ready: asyncio.Future[InvocationResult | None] = loop.create_future()
        self.current: Invocation | None = None  # the invocation running now
        # written to the pipe, each starts after the one before it (the first after `current`)
        self.ahead: collections.deque[Invocation] = collections.deque()
        self._outbox: list[bytes] = []  # frames to write at the end of this loop iteration
        self.started = 0.0  # when `current` started (time.monotonic())
        self.returned_at = float("-inf")  # when it last returned a result (time.monotonic())
        self._timeout_s = 0.0
        # One timer checks the running invocation's deadline (loop time). It is not re-armed
        # per invocation: when it fires before the current deadline it re-arms for that one.
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.alive = True
        self.exit_description = ""
        loop.add_reader(response_read, self._readable)

    # -- invocation ---------------------------------------------------------------------

    def start(self, invocation: Invocation, timeout_s: float) -> None:
        """Send one invocation to this idle worker; its result goes to the done callback."""
        self.current = invocation
        self._timeout_s = timeout_s
        self.started = time.monotonic()
        deadline = time.time() + timeout_s
        self._write(protocol.invocation_frame(invocation.request_id, invocation.event, deadline))
        self._arm_deadline()

    def _arm_deadline(self) -> None:
        """The current invocation times out `_timeout_s` from now."""
        loop = self._loop
        self._deadline = loop.time() + self._timeout_s
        if self._timer is None:  # else it fires before this deadline, and re-arms for it
            self._timer = loop.call_at(self._deadline, self._check_deadline)

    def _check_deadline(self) -> None:
        self._timer = None
        if self.current is None or not self.alive:
            return  # idle: the next invocation arms a timer again
        # (a timer may fire up to a millisecond early: the event loop's clock is in ms)
        if self._loop.time() < self._deadline - 0.001:
            self._timer = self._loop.call_at(self._deadline, self._check_deadline)
            return
        self._timed_out()

    def send_ahead(self, invocation: Invocation) -> None:
        """Write another invocation while this one runs (the worker starts it when done)."""
        self.ahead.append(invocation)
        # relative deadline: its time starts when the worker reads it
        frame = protocol.invocation_frame(invocation.request_id, invocation.event, -self._timeout_s)
        self._write(frame)

    def _write(self, data: bytes) -> None:
        """Queue a frame: written with the others of this loop iteration (`_flush`)."""
        outbox = self._outbox
        outbox.append(data)
        if len(outbox) == 1:
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        outbox = self._outbox
        if not outbox or self._request_fd < 0:
            outbox.clear()
            return
        data = outbox[0] if len(outbox) == 1 else b"".join(outbox)
        outbox.clear()
        if self._pending_write:
            self._pending_write += data
            return
        try:
            written = os.write(self._request_fd, data)
        except BlockingIOError:
            written = 0
        except OSError:
            return  # the worker is gone; its EOF reports the crash
        if written < len(data):
            self._pending_write = data[written:]
            self._loop.add_writer(self._request_fd, self._writable)

    def _writable(self) -> None:
        try:
            written = os.write(self._request_fd, self._pending_write)
        except BlockingIOError:
            return
        except OSError:
            written = len(self._pending_write)
        self._pending_write = self._pending_write[written:]
        if not self._pending_write:
            self._loop.remove_writer(self._request_fd)

    def _timed_out(self) -> None:
        self._timer = None
        self.alive = False
        self._closing = True
        timeout_s = self._timeout_s
        message = f"Task timed out after {timeout_s:.2f} seconds"
        self._finish(
            InvocationResult(
                Outcome.TIMEOUT,
                error_payload("Sandbox.Timedout", message),
                message,
                "",
                timeout_s * 1000,
            )
        )
        self.kill()

    # -- frames -------------------------------------------------------------------------

    def _readable(self) -> None:
        # readv into a reused buffer: os.read(fd, n) allocates n bytes on every call, which
        # costs more than the read itself when n is large.
        try:
            count = os.readv(self._response_fd, (self._read_buffer,))
        except BlockingIOError:
            return
        except OSError:
            count = 0
        if not count:
            self._closed()
            return
        buffer = self._buffer
        if buffer:  # the rest of a frame began in an earlier read
            buffer += self._read_view[:count]
            del buffer[: self._frames(buffer, len(buffer))]
            return
        # The usual case: whole frames (one, or a few from a worker with invocations written
        # ahead), parsed where they were read, without the reassembly buffer.
        consumed = self._frames(self._read_view, count)
        buffer += self._read_view[consumed:count]

    def _frames(self, data: memoryview | bytearray, size: int) -> int:
        """Handle the whole frames at the start of `data[:size]`; how many bytes they took."""
        header_size = protocol.RESULT_HEADER.size
        unpack_from = protocol.RESULT_HEADER.unpack_from
        start = 0
        while size - start >= header_size:
            kind, payload_length, trace_length = unpack_from(data, start)
            payload_end = start + header_size + payload_length
            end = payload_end + trace_length
            if end > size:
                break
            payload = bytes(data[start + header_size : payload_end])
            trace = str(data[payload_end:end], "utf-8", "replace") if trace_length else ""
            start = end
            self._frame(kind, payload, trace)
        return start

    def _frame(self, kind: int, payload: bytes, trace: str) -> None:
        if kind == protocol.RESULT:
            now = time.monotonic()
            # (tuple.__new__: a NamedTuple's own constructor is a Python function)
            result = tuple.__new__(
                InvocationResult, (Outcome.SUCCESS, payload, "", "", (now - self.started) * 1000)
            )
            self._finish(result, now)
        elif kind == protocol.READY:
            if not self.ready.done():
                self.ready.set_result(None)
        else:
            outcome = Outcome.INIT_ERROR if kind == protocol.INIT_ERROR else Outcome.FUNCTION_ERROR
            summary, trace = _summary(payload, trace)
            result = InvocationResult(
                outcome, payload, summary, trace, (time.monotonic() - self.started) * 1000
            )
            if kind == protocol.INIT_ERROR and not self.ready.done():
                self.ready.set_result(result)
            else:
                self._finish(result)

    def _finish(self, result: InvocationResult, now: float | None = None) -> None:
        invocation = self.current
        if invocation is None:
            return
        self.current = None
        if now is None:
            now = time.monotonic()
        self.returned_at = now
        if self.ahead and self.alive:
            # The worker reads the invocation written ahead as soon as it has written this
            # result: that invocation starts now.
            self.current = self.ahead.popleft()
            self.started = now
            self._arm_deadline()
        self._on_done(self, invocation, result)

    def _closed(self) -> None:
        """The worker closed its result pipe: it exited or was killed."""
        self._shutdown_pipes()
        self.alive = False
        returncode = self._reap(wait_s=0.5)
        if returncode is None:
            description = "exited"
        elif returncode < 0:
            description = f"signal: {_signal_description(-returncode)}"
        else:
            description = f"exit status {returncode}"
        self.exit_description = description
        message = f"Runtime exited with error: {description}"
        crash = InvocationResult(
            Outcome.CRASH, error_payload("Runtime.ExitError", message), message, ""
        )
        if not self.ready.done():
            self.ready.set_result(crash)
        elif self.current is None and not self._closing:
            self._sink(
                self._key,
                f"worker {self.pid} exited while idle ({description}); the next request "
                "starts a fresh one",
            )
        self._finish(crash)

    def _reap(self, wait_s: float) -> int | None:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                return None

    def _shutdown_pipes(self) -> None:
        if self._response_fd >= 0:
            self._loop.remove_reader(self._response_fd)
            os.close(self._response_fd)
            self._response_fd = -1
        if self._request_fd >= 0:
            if self._pending_write:
                self._loop.remove_writer(self._request_fd)
                self._pending_write = b""
            os.close(self._request_fd)
            self._request_fd = -1

    def kill(self) -> None:
        """Stop the worker (and anything it started) at once."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def close(self) -> None:
        """Shut the worker down and release its descriptors."""
        self._closing = True
        self.alive = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.kill()
        self._shutdown_pipes()
        self._reap(wait_s=2.0)
        self._stdout.close()
        self._stderr.close()
