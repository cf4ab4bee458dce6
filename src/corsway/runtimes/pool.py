"""A warm worker-process pool for one function: Lambda execution environments on this machine.

Language-neutral: a `WorkerLauncher` says how to start a worker (command, environment); the
pool does the rest. Workers start on demand up to `max_workers`, idle ones are reused (the most
recently used first, so few stay warm), and a request waits when all are busy. A worker that
runs past the function's timeout is killed (Lambda's "Task timed out after N seconds"); one
that crashes or exits is replaced by a fresh one on the next request. Frames travel on
dedicated pipes (see `protocol`); the worker's stdout and stderr go to the log sink, line by
line, under the function's key.
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
from collections.abc import Mapping, Sequence
from typing import Protocol

from corsway.runtimes import protocol
from corsway.runtimes.base import FunctionConfig, InvocationResult, LogSink, Outcome

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
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


class Worker:
    """One worker process and its pipes."""

    def __init__(
        self,
        *,
        command: Sequence[str],
        env: Mapping[str, str],
        cwd: str,
        key: str,
        sink: LogSink,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._loop = loop
        self._key = key
        self._sink = sink
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
        self._result: asyncio.Future[InvocationResult] | None = None
        self.alive = True
        self.exit_description = ""
        loop.add_reader(response_read, self._readable)

    # -- invocation ---------------------------------------------------------------------

    async def invoke(self, event: bytes, request_id: str, timeout_s: float) -> InvocationResult:
        """Send one invocation and wait for its result (killing the worker at the timeout)."""
        start = time.monotonic()
        deadline = time.time() + timeout_s
        result = self._loop.create_future()
        self._result = result
        self._write(protocol.invocation_frame(request_id, event, deadline))
        timer = self._loop.call_later(timeout_s, self._timed_out, timeout_s)
        try:
            outcome: InvocationResult = await result
        finally:
            timer.cancel()
            self._result = None
        if outcome.duration_ms:
            return outcome
        return InvocationResult(
            outcome.outcome,
            outcome.payload,
            outcome.error,
            outcome.traceback,
            (time.monotonic() - start) * 1000,
        )

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

    def _timed_out(self, timeout_s: float) -> None:
        self.alive = False
        self._closing = True
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
        buffer = self._buffer
        buffer += self._read_view[:count]
        header_size = protocol.RESULT_HEADER.size
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
            self._finish(InvocationResult(Outcome.SUCCESS, payload))
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
            result = InvocationResult(outcome, payload, summary, trace)
            if kind == protocol.INIT_ERROR and not self.ready.done():
                self.ready.set_result(result)
            else:
                self._finish(result)

    def _finish(self, result: InvocationResult) -> None:
        if self._result is not None and not self._result.done():
            self._result.set_result(result)

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
        elif self._result is None and not self._closing:
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
        self._workers: set[Worker] = set()
        self._retiring: set[Worker] = set()
        self._waiters: collections.deque[asyncio.Future[Worker | None]] = collections.deque()
        self._closed = False

    @property
    def size(self) -> int:
        """Workers alive now (busy or idle)."""
        return len(self._workers)

    async def invoke(self, event: bytes, request_id: str) -> InvocationResult:
        """Run the handler in a warm worker (started if needed); wait when all are busy."""
        if self._closed:
            raise RuntimeError("the runtime is closed")
        worker = self._take_idle()
        if worker is None:
            acquired = await self._acquire()
            if isinstance(acquired, InvocationResult):
                return acquired
            worker = acquired
        try:
            return await worker.invoke(event, request_id, self.config.timeout_s)
        finally:
            self._release(worker)

    def _take_idle(self) -> Worker | None:
        while self._idle:
            worker = self._idle.pop()
            if worker.alive:
                return worker
            self._discard(worker)
        return None

    async def _acquire(self) -> Worker | InvocationResult:
        while True:
            idle = self._take_idle()
            if idle is not None:
                return idle
            if len(self._workers) < self.max_workers:
                return await self._start()
            waiter: asyncio.Future[Worker | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            worker = await waiter
            if worker is not None:
                return worker

    async def _start(self) -> Worker | InvocationResult:
        loop = asyncio.get_running_loop()
        try:
            worker = Worker(
                command=self._command,
                env=self._env,
                cwd=str(self.config.code_dir),
                key=self.config.key,
                sink=self._sink,
                loop=loop,
            )
        except OSError as error:
            self._wake_one()
            message = f"cannot start a worker: {os.strerror(error.errno or errno.EIO)}"
            return InvocationResult(
                Outcome.INIT_ERROR, _error_payload("Runtime.StartError", message), message
            )
        self._workers.add(worker)
        timer = loop.call_later(INIT_TIMEOUT_S, self._init_timed_out, worker)
        try:
            failure = await worker.ready
        finally:
            timer.cancel()
        if failure is None:
            return worker
        self._discard(worker)
        return failure

    def _init_timed_out(self, worker: Worker) -> None:
        if not worker.ready.done():
            message = f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds"
            worker.ready.set_result(
                InvocationResult(
                    Outcome.INIT_ERROR, _error_payload("Runtime.InitTimeout", message), message
                )
            )
            worker.kill()

    def _release(self, worker: Worker) -> None:
        if not worker.alive or worker in self._retiring or self._closed:
            self._discard(worker)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def _discard(self, worker: Worker) -> None:
        self._workers.discard(worker)
        self._retiring.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.close()
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def recycle(self) -> None:
        """Replace every worker: idle ones now, busy ones when their call returns."""
        for worker in list(self._idle):
            self._discard(worker)
        self._retiring.update(self._workers)

    async def aclose(self) -> None:
        """Stop every worker this pool started."""
        self._closed = True
        for worker in list(self._workers):
            self._workers.discard(worker)
            worker._finish(
                InvocationResult(
                    Outcome.CRASH,
                    _error_payload("Runtime.ExitError", "the server is shutting down"),
                    "the server is shutting down",
                )
            )
            worker.close()
        self._idle.clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
