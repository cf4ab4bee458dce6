"""A warm worker-process pool for one function: the `FunctionRuntime` `corsway serve` runs.

Language-neutral: a `WorkerLauncher` (`launcher`) says how to start a worker; each worker
process is a `Worker` (`worker`). Workers start on demand up to `max_workers`, idle ones are
reused (the most recently used first, so few stay warm), and a request waits in a queue when all
are busy (the next free worker takes it at once). A worker whose handler fails to load, or
does not load within `INIT_TIMEOUT_S`, fails the oldest waiting invocation with that init
error; one that times out, crashes or exits is replaced by a fresh one. `recycle` replaces
every worker (after a code change), and `aclose` stops them all.

The hot path runs on callbacks, without a task per invocation: `invoke()` returns a future
that the worker's result resolves. The caller may resolve it first (API Gateway's integration
timeout: it stops waiting); the invocation still runs to its end and its result is dropped.

Pipelining: when every worker is busy and the function's invocations are short (recent ones
took under `PIPELINE_BELOW_MS` on average), the next invocation is written to a busy worker's
pipe at once (at most one ahead per worker, `Worker.send_ahead`) instead of waiting in the
pool's queue, so the worker reads it the moment it finishes, without a round trip through the
gateway. The worker still runs one invocation at a time, and the function's timeout still
counts from the start of each invocation. Slower functions use the queue only, so that a
request never waits behind a long invocation while another worker is free. Quicker ones still
(under `PILE_UP_BELOW_MS`) pile up on a running worker before an idle one is woken, up to
`PILE_UP_WORK_MS` of work ahead. A launcher opts in with `pipelining = True`.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import os
import time
from collections.abc import Callable

from corsway.runtimes.base import FunctionConfig, InvocationResult, LogSink, Outcome
from corsway.runtimes.launcher import WorkerLauncher, lambda_environment
from corsway.runtimes.worker import Invocation, Worker, error_payload

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
PIPELINE_BELOW_MS = 2.0  # pipeline only functions whose invocations take less on average
RECENT_S = 0.01  # a worker that returned a result this recently is taken to be alive
# Functions whose invocations take less than this on average get them written to a running
# worker's pipe before an idle worker is woken: up to about PILE_UP_WORK_MS of work ahead of
# the one running (going by the recent average) and at most PIPELINE_DEPTH invocations. Deep
# enough that a worker under load rarely sleeps between invocations (waking it costs the
# gateway more than a hello-world handler takes), shallow enough that a request waits at
# most a few milliseconds behind others.
PILE_UP_BELOW_MS = 1.0
PILE_UP_WORK_MS = 2.0
PIPELINE_DEPTH = 16


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
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop its workers run on
        self._piled: Worker | None = None  # the worker last written ahead to (quick functions)

    @property
    def size(self) -> int:
        """Workers alive now (busy or idle)."""
        return len(self._workers)

    def invoke(self, event: bytes, request_id: str) -> asyncio.Future[InvocationResult]:
        """Run the handler once in a warm worker (started if needed; queued when all are busy).

        Returns the future of the result. The caller may resolve it first to stop waiting;
        the invocation then still runs, and its result is dropped.
        """
        return self.invoke_then(event, request_id, None)

    def invoke_then(
        self,
        event: bytes,
        request_id: str,
        then: Callable[[InvocationResult], None] | None,
    ) -> asyncio.Future[InvocationResult]:
        """`invoke`, calling `then(result)` the moment the result arrives (unless the caller
        resolved the future first): a request answered from there saves the event loop's
        round trip that a future's callback takes."""
        if self._closed:
            raise RuntimeError("the runtime is closed")
        loop = self._loop
        if loop is None or loop.is_closed():
            # (asked once: asyncio's get_running_loop() makes a getpid() system call each time)
            loop = self._loop = asyncio.get_running_loop()
        invocation = Invocation(event, request_id, loop.create_future(), then)
        average_ms = self._average_ms
        if self._pipelining and average_ms < PILE_UP_BELOW_MS:
            depth = min(PIPELINE_DEPTH, max(1, int(PILE_UP_WORK_MS / max(average_ms, 0.001))))
            # the worker written to last, while it has room (its frames leave in one write)
            busy = self._piled
            if busy is None or not self._takes_more(busy, depth):
                busy = self._piled = self._busy_worker(depth)
            if busy is not None:
                busy.send_ahead(invocation)
                return invocation.future
        idle = self._idle
        while idle:
            worker = idle.pop()
            # poll(): a worker that exited while idle, before its pipe's EOF was read, is
            # replaced rather than given an invocation it would fail as a crash (not asked of
            # one that answered a moment ago: a system call per request under load)
            if worker.alive and (
                time.monotonic() - worker.returned_at < RECENT_S or worker.process.poll() is None
            ):
                worker.start(invocation, self._timeout_s)
                return invocation.future
            self._discard(worker)
        if (
            self._pipelining
            and self._average_ms < PIPELINE_BELOW_MS
            and not self._queue
            and len(self._workers) >= self.max_workers
        ):
            busy = self._busy_worker(1)
            if busy is not None:
                busy.send_ahead(invocation)
                return invocation.future
        self._queue.append(invocation)
        self._grow(loop)
        return invocation.future

    def _takes_more(self, worker: Worker, depth: int) -> bool:
        """Whether a running worker can have one more invocation written ahead."""
        return (
            len(worker.ahead) < depth
            and worker.current is not None
            and worker.alive
            and worker not in self._retiring
        )

    def _busy_worker(self, depth: int) -> Worker | None:
        """A running worker with fewer than `depth` invocations written ahead: the one with
        the fewest (the one busy longest among those), or None.

        Functions under `PILE_UP_BELOW_MS` on average get up to `PILE_UP_WORK_MS` of work
        (at most `PIPELINE_DEPTH` invocations) ahead, even while other workers are idle
        (waking a sleeping worker costs more than the wait); those under `PIPELINE_BELOW_MS`,
        one, once every worker is busy."""
        chosen = None
        for worker in self._workers:
            if self._takes_more(worker, depth) and (
                chosen is None
                or len(worker.ahead) < len(chosen.ahead)
                or (len(worker.ahead) == len(chosen.ahead) and worker.started < chosen.started)
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
                    Outcome.INIT_ERROR, error_payload("Runtime.StartError", message), message
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
                invocation.resolve(result)
                return True
        return False

    def _init_timed_out(self, worker: Worker) -> None:
        if not worker.ready.done():
            message = f"Init timed out after {INIT_TIMEOUT_S:.2f} seconds"
            worker.ready.set_result(
                InvocationResult(
                    Outcome.INIT_ERROR, error_payload("Runtime.InitTimeout", message), message
                )
            )
            worker.kill()

    def _done(self, worker: Worker, invocation: Invocation, result: InvocationResult) -> None:
        self._average_ms += (result.duration_ms - self._average_ms) / 8
        if worker.current is None:  # no invocation was written ahead: the worker is free
            self._release(worker)
        elif self._queue and self._pipelining and self._average_ms < PIPELINE_BELOW_MS:
            self._send_next_ahead(worker)
        # last: what the caller does with the result cannot upset the pool's own state
        invocation.resolve(result)  # (not if the caller stopped waiting: integration timeout)

    def _send_next_ahead(self, worker: Worker) -> None:
        """Keep a busy worker's pipe primed: the next waiting invocation is written ahead, so
        that the worker reads it the moment it finishes instead of sleeping until then."""
        if not worker.alive or worker in self._retiring or self._closed or worker.ahead:
            return
        invocation = self._next_waiting()
        if invocation is not None:
            worker.send_ahead(invocation)

    def _next_waiting(self) -> Invocation | None:
        """The oldest queued invocation API Gateway still waits for (the others are dropped)."""
        queue = self._queue
        while queue:
            invocation = queue.popleft()
            if not invocation.future.done():
                return invocation
        return None

    def _release(self, worker: Worker) -> None:
        """A worker is free: give it the next waiting invocation, or keep it warm."""
        if not worker.alive or worker in self._retiring or self._closed:
            orphans = worker.ahead  # written ahead, never started: run them elsewhere
            worker.ahead = collections.deque()
            self._discard(worker)
            if not self._closed:
                self._queue.extendleft(i for i in reversed(orphans) if not i.future.done())
            if self._queue and not self._closed:
                self._grow(asyncio.get_running_loop())
            return
        invocation = self._next_waiting()
        if invocation is not None:
            worker.start(invocation, self._timeout_s)
        else:
            self._idle.append(worker)

    def _discard(self, worker: Worker) -> None:
        if self._piled is worker:
            self._piled = None
        self._workers.discard(worker)
        self._retiring.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.close()

    async def recycle(self) -> None:
        """Replace every worker: idle ones now, busy ones when their invocation ends.

        Fresh workers start as the launcher says now (a rebuilt Python environment). A pool
        that had workers starts one fresh worker at once, so that the new code is loaded (and
        warm) before the next request, and keeps serving if a later edit breaks it.
        """
        self._command = self._launcher.command(self.config)
        self._env = {**self._env, **self._launcher.environment(self.config)}
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
            error_payload("Runtime.ExitError", "the server is shutting down"),
            "the server is shutting down",
        )
        for task in list(self._spawns):
            task.cancel()
        for worker in list(self._workers):
            self._workers.discard(worker)
            for invocation in (worker.current, *worker.ahead):
                if invocation is not None:
                    invocation.resolve(shutdown)
            worker.current = None
            worker.ahead.clear()
            worker.close()
        self._idle.clear()
        while self._queue:
            self._queue.popleft().resolve(shutdown)
