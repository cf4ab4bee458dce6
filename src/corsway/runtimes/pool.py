"""A warm worker-process pool for one function: Lambda execution environments on this machine.

Language-neutral: a `WorkerLauncher` says how to start a worker (command, environment); the
pool does the rest. Workers start on demand up to `max_workers`, idle ones are reused (the most
recently used first, so few stay warm), and a request waits in a queue when all are busy (the
next free worker takes it at once). Each worker runs one invocation at a time, like a Lambda
execution environment. A worker that runs past the function's timeout (counted from when its
invocation starts) is killed (Lambda's "Task timed out after N seconds"); one that crashes or
exits is replaced by a fresh one. Frames travel on dedicated pipes (see `protocol`); the
worker's stdout and stderr go to the log sink, line by line, under the function's key.

The hot path runs on callbacks, without a task per invocation: `invoke()` returns a future
that the worker's result resolves. The caller may resolve it first (API Gateway's integration
timeout: it stops waiting); the invocation still runs to its end and its result is dropped.

Pipelining: when every worker is busy and the function's invocations are short (recent ones
took under `PIPELINE_BELOW_MS` on average), the next invocation is written to a busy worker's
pipe at once (at most one ahead per worker) instead of waiting in the pool's queue, so the
worker reads it the moment it finishes, without a round trip through the gateway. The worker
still runs one invocation at a time. The function's timeout counts from the start of the
invocation: the worker starts the next invocation as soon as it has written the previous
result, so the pool starts its timer when that result arrives, and the worker gets a relative
deadline for its `context`. Slower functions use the queue only, so that a request never
waits behind a long invocation while another worker is free.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from corsway.runtimes import protocol
from corsway.runtimes.base import FunctionConfig, InvocationResult, LogSink, Outcome

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
PIPELINE_BELOW_MS = 2.0  # pipeline only functions whose invocations take less on average
_PIPE_SIZE = 1 << 20
_READ_SIZE = 1 << 16
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class WorkerLauncher(Protocol):
    """How to start one worker process for a function (one per language)."""

    def command(self, config: FunctionConfig) -> list[str]:
        """The argv of a worker process."""
        ...

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        """Variables added to the worker's environment (on top of Lambda's and the function's)."""
        ...


def lambda_environment(config: FunctionConfig, account_id: str) -> dict[str, str]:
    """The variables Lambda sets in every execution environment, plus the function's own."""
    stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{os.urandom(16).hex()}"
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "LAMBDA_TASK_ROOT": str(config.code_dir.resolve()),
        "_HANDLER": config.handler,
        "TZ": ":UTC",
        "CORSWAY_FUNCTION_ARN": (
            f"arn:aws:lambda:{config.region}:{account_id}:function:{config.name}"
        ),
    }
    env.update(config.environment)
    return env


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


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class _LineReader:
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
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._sink(self._key, line.decode(errors="replace").rstrip("\r"))

    def close(self) -> None:
        if self.fd < 0:
            return
        self._loop.remove_reader(self.fd)
        os.close(self.fd)
        self.fd = -1
        if self._partial:
            self._sink(self._key, self._partial.decode(errors="replace"))
            self._partial = b""


class Invocation:
    """One request for the function: its event, and the future its result goes to."""

    __slots__ = ("event", "future", "request_id")

    def __init__(
        self, event: bytes, request_id: str, future: asyncio.Future[InvocationResult]
    ) -> None:
        self.event = event
        self.request_id = request_id
        self.future = future


# Called by a worker when its invocation has a result (success, error, timeout or crash).
DoneCallback = Callable[["Worker", Invocation, InvocationResult], None]


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
            self.process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
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
        self.pid = self.process.pid
        self._request_fd = request_write
        self._response_fd = response_read
        os.set_blocking(request_write, False)
        os.set_blocking(response_read, False)
        assert self.process.stdout is not None and self.process.stderr is not None
        self._stdout = _LineReader(os.dup(self.process.stdout.fileno()), key, sink, loop)
        self._stderr = _LineReader(os.dup(self.process.stderr.fileno()), key, sink, loop)
        self.process.stdout.close()
        self.process.stderr.close()
        self._buffer = bytearray()
        self._read_buffer = bytearray(_READ_SIZE)
        self._read_view = memoryview(self._read_buffer)
        self._pending_write = b""
        self.ready: asyncio.Future[InvocationResult | None] = loop.create_future()
        self.current: Invocation | None = None  # the invocation running now
        self.ahead: Invocation | None = None  # written to the pipe, starts after `current`
        self._started = 0.0
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
        self._started = time.monotonic()
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
        """Write the next invocation while this one runs (the worker starts it when done)."""
        self.ahead = invocation
        # relative deadline: its time starts when the worker reads it
        frame = protocol.invocation_frame(invocation.request_id, invocation.event, -self._timeout_s)
        self._write(frame)

    def _write(self, data: bytes) -> None:
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
                _error_payload("Sandbox.Timedout", message),
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
        header_size = protocol.RESULT_HEADER.size
        buffer = self._buffer
        if not buffer and count >= header_size:
            # The usual case: exactly one whole frame in this read, parsed without copying it
            # into the reassembly buffer.
            kind, payload_length, trace_length = protocol.RESULT_HEADER.unpack_from(
                self._read_buffer
            )
            end = header_size + payload_length + trace_length
            if end == count:
                view = self._read_view
                payload = bytes(view[header_size : header_size + payload_length])
                trace = (
                    str(view[header_size + payload_length : end], "utf-8", "replace")
                    if trace_length
                    else ""
                )
                self._frame(kind, payload, trace)
                return
        buffer += self._read_view[:count]
        while len(buffer) >= header_size:
            kind, payload_length, trace_length = protocol.RESULT_HEADER.unpack_from(buffer)
            end = header_size + payload_length + trace_length
            if len(buffer) < end:
                break
            payload = bytes(buffer[header_size : header_size + payload_length])
            trace = buffer[header_size + payload_length : end].decode(errors="replace")
            del buffer[:end]
            self._frame(kind, payload, trace)

    def _frame(self, kind: int, payload: bytes, trace: str) -> None:
        if kind == protocol.RESULT:
            self._finish(
                InvocationResult(
                    Outcome.SUCCESS, payload, "", "", (time.monotonic() - self._started) * 1000
                )
            )
        elif kind == protocol.READY:
            if not self.ready.done():
                self.ready.set_result(None)
        else:
            outcome = Outcome.INIT_ERROR if kind == protocol.INIT_ERROR else Outcome.FUNCTION_ERROR
            try:
                error = json.loads(payload)
                summary = f"{error.get('errorType')}: {error.get('errorMessage')}"
            except (ValueError, AttributeError):
                summary = payload.decode(errors="replace")
            result = InvocationResult(
                outcome, payload, summary, trace, (time.monotonic() - self._started) * 1000
            )
            if kind == protocol.INIT_ERROR and not self.ready.done():
                self.ready.set_result(result)
            else:
                self._finish(result)

    def _finish(self, result: InvocationResult) -> None:
        invocation = self.current
        if invocation is None:
            return
        self.current = None
        if self.ahead is not None and self.alive:
            # The worker reads the invocation written ahead as soon as it has written this
            # result: that invocation starts now.
            self.current, self.ahead = self.ahead, None
            self._started = time.monotonic()
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
            Outcome.CRASH, _error_payload("Runtime.ExitError", message), message, ""
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


class WorkerPool:
    """The `FunctionRuntime` for one function: a bounded pool of warm workers."""

    def __init__(
        self,
        config: FunctionConfig,
        launcher: WorkerLauncher,
        log_sink: LogSink,
        *,
        max_workers: int = 4,
        account_id: str = "123456789012",
    ) -> None:
        self.config = config
        self._launcher = launcher
        self._sink = log_sink
        self.max_workers = max(1, max_workers)
        self._env = {
            **os.environ,
            **lambda_environment(config, account_id),
            **launcher.environment(config),
        }
        self._command = launcher.command(config)
        self._idle: list[Worker] = []
        self._workers: set[Worker] = set()  # alive or starting, busy or idle
        self._retiring: set[Worker] = set()  # replaced when their invocation ends
        self._queue: collections.deque[Invocation] = collections.deque()
        self._starting = 0
        self._closed = False
        self._timeout_s = config.timeout_s
        self._spawns: set[asyncio.Task[None]] = set()
        self._pipelining = bool(getattr(launcher, "pipelining", False))
        self._average_ms = PIPELINE_BELOW_MS * 10  # recent invocation time (until measured)

    @property
    def size(self) -> int:
        """Workers alive now (busy or idle)."""
        return len(self._workers)

    def invoke(self, event: bytes, request_id: str) -> asyncio.Future[InvocationResult]:
        """Run the handler once in a warm worker (started if needed; queued when all are busy).

        Returns the future of the result. The caller may resolve it first to stop waiting;
        the invocation then still runs, and its result is dropped.
        """
        if self._closed:
            raise RuntimeError("the runtime is closed")
        loop = asyncio.get_running_loop()
        invocation = Invocation(event, request_id, loop.create_future())
        idle = self._idle
        while idle:
            worker = idle.pop()
            # poll(): a worker that exited while idle, before its pipe's EOF was read, is
            # replaced rather than given an invocation it would fail as a crash
            if worker.alive and worker.process.poll() is None:
                worker.start(invocation, self._timeout_s)
                return invocation.future
            self._discard(worker)
        if (
            self._average_ms < PIPELINE_BELOW_MS
            and self._pipelining
            and not self._queue
            and len(self._workers) >= self.max_workers
        ):
            busy = self._busy_worker()
            if busy is not None:
                busy.send_ahead(invocation)
                return invocation.future
        self._queue.append(invocation)
        self._grow(loop)
        return invocation.future

    def _busy_worker(self) -> Worker | None:
        """A running worker with nothing written ahead (the one busy longest), if any."""
        chosen = None
        for worker in self._workers:
            if (
                worker.ahead is None
                and worker.current is not None
                and worker.alive
                and worker not in self._retiring
                and (chosen is None or worker._started < chosen._started)
            ):
                chosen = worker
        return chosen

    # -- queue and workers --------------------------------------------------------------

    def _grow(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start workers while invocations wait that no starting worker will take."""
        while (
            self._queue
            and self._starting < len(self._queue)
            and len(self._workers) < self.max_workers
            and not self._closed
        ):
            self._start_worker(loop)

    def _start_worker(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start one worker process now; it takes waiting work once its handler is loaded."""
        try:
            worker = Worker(
                command=self._command,
                env=self._env,
                cwd=str(self.config.code_dir),
                key=self.config.key,
                sink=self._sink,
                loop=loop,
                on_done=self._done,
            )
        except OSError as error:
            message = f"cannot start a worker: {os.strerror(error.errno or errno.EIO)}"
            self._fail_next(
                InvocationResult(
                    Outcome.INIT_ERROR, _error_payload("Runtime.StartError", message), message
                )
            )
            return
        self._workers.add(worker)
        self._starting += 1
        task = loop.create_task(self._ready(worker))
        self._spawns.add(task)
        task.add_done_callback(self._spawns.discard)

    async def _ready(self, worker: Worker) -> None:
        loop = asyncio.get_running_loop()
        timer = loop.call_later(INIT_TIMEOUT_S, self._init_timed_out, worker)
        try:
            failure = await worker.ready
        finally:
            timer.cancel()
            self._starting -= 1
        if failure is not None:
            # Lambda fails the invocation that caused the cold start with the init error.
            self._discard(worker)
            if not self._fail_next(failure):
                self._sink(self.config.key, f"a fresh worker failed to start: {failure.error}")
            self._grow(loop)
            return
        self._release(worker)

    def _fail_next(self, result: InvocationResult) -> bool:
        """Give `result` to the oldest waiting invocation; False when none waits."""
        while self._queue:
            invocation = self._queue.popleft()
            if not invocation.future.done():
                invocation.future.set_result(result)
                return True
        return False

    def _init_timed_out(self, worker: Worker) -> None:
        if not worker.ready.done():
            message = f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds"
            worker.ready.set_result(
                InvocationResult(
                    Outcome.INIT_ERROR, _error_payload("Runtime.InitTimeout", message), message
                )
            )
            worker.kill()

    def _done(self, worker: Worker, invocation: Invocation, result: InvocationResult) -> None:
        future = invocation.future
        if not future.done():  # done: the caller stopped waiting (integration timeout)
            future.set_result(result)
        self._average_ms += (result.duration_ms - self._average_ms) / 8
        if worker.current is None:  # no invocation was written ahead: the worker is free
            self._release(worker)

    def _release(self, worker: Worker) -> None:
        """A worker is free: give it the next waiting invocation, or keep it warm."""
        if not worker.alive or worker in self._retiring or self._closed:
            orphan = worker.ahead  # written ahead, never started: run it elsewhere
            worker.ahead = None
            self._discard(worker)
            if orphan is not None and not orphan.future.done() and not self._closed:
                self._queue.appendleft(orphan)
            if self._queue and not self._closed:
                self._grow(asyncio.get_running_loop())
            return
        queue = self._queue
        while queue:
            invocation = queue.popleft()
            if not invocation.future.done():  # skip those API Gateway gave up on
                worker.start(invocation, self._timeout_s)
                return
        self._idle.append(worker)

    def _discard(self, worker: Worker) -> None:
        self._workers.discard(worker)
        self._retiring.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.close()

    async def recycle(self) -> None:
        """Replace every worker: idle ones now, busy ones when their invocation ends.

        A pool that had workers starts one fresh worker at once, so that the new code is
        loaded (and warm) before the next request, and keeps serving if a later edit breaks it.
        """
        had_workers = bool(self._workers)
        for worker in list(self._idle):
            self._discard(worker)
        self._retiring.update(self._workers)
        if had_workers and not self._closed and len(self._workers) < self.max_workers:
            self._start_worker(asyncio.get_running_loop())

    async def aclose(self) -> None:
        """Stop every worker this pool started; waiting invocations fail."""
        self._closed = True
        shutdown = InvocationResult(
            Outcome.CRASH,
            _error_payload("Runtime.ExitError", "the server is shutting down"),
            "the server is shutting down",
        )
        for task in list(self._spawns):
            task.cancel()
        for worker in list(self._workers):
            self._workers.discard(worker)
            for invocation in (worker.current, worker.ahead):
                if invocation is not None and not invocation.future.done():
                    invocation.future.set_result(shutdown)
            worker.current = worker.ahead = None
            worker.close()
        self._idle.clear()
        while self._queue:
            invocation = self._queue.popleft()
            if not invocation.future.done():
                invocation.future.set_result(shutdown)
