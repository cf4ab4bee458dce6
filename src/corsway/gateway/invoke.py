"""Invoking a function as API Gateway does: wait at most the integration's timeout.

Shared by every API flavour. When API Gateway stops waiting, the invocation keeps running (as
a Lambda invocation does); the gateway only stops listening for its result.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable

from corsway.runtimes.base import FunctionRuntime, InvocationResult, Outcome

# Called with an invocation's result (or GAVE_UP) the moment there is one.
Then = Callable[[InvocationResult], None]

LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024  # a synchronous Lambda invocation's request payload
GAVE_UP = InvocationResult(Outcome.TIMEOUT, error="API Gateway stopped waiting")
FUTURE = asyncio.Future  # the C future the worker pool returns (its exact class)


def give_up(future: asyncio.Future[InvocationResult]) -> None:
    """Resolve a pending invocation with `GAVE_UP` (the timeout fired first)."""
    if not future.done():
        future.set_result(GAVE_UP)


async def invoke_with_timeout(
    runtime: FunctionRuntime, event: bytes, request_id: str, timeout_s: float
) -> InvocationResult | None:
    """The invocation's result, or None when API Gateway stops waiting (it keeps running)."""
    return await wait_with_timeout(runtime.invoke(event, request_id), timeout_s)


def resolvable(waiting: Awaitable[InvocationResult]) -> asyncio.Future[InvocationResult]:
    """A future of the invocation's result that the timeout may resolve first (`give_up`).

    The worker pool's future is that already; any other awaitable runs in a task of its own,
    so that it can outlive the wait.
    """
    if waiting.__class__ is FUTURE or (
        isinstance(waiting, asyncio.Future) and not isinstance(waiting, asyncio.Task)
    ):
        return waiting
    future: asyncio.Future[InvocationResult] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(waiting)

    def relay(done: asyncio.Future[InvocationResult]) -> None:
        if future.done():
            return
        if done.cancelled():
            future.cancel()
        elif done.exception() is not None:
            future.set_exception(done.exception())  # type: ignore[arg-type]
        else:
            future.set_result(done.result())

    task.add_done_callback(relay)
    return future


async def wait_with_timeout(
    waiting: Awaitable[InvocationResult], timeout_s: float
) -> InvocationResult | None:
    """The result of `waiting`, or None after `timeout_s` (it keeps running)."""
    loop = asyncio.get_running_loop()
    future = resolvable(waiting)
    timer = loop.call_at(loop.time() + timeout_s, give_up, future)
    try:
        result = await future
    finally:
        timer.cancel()
    return None if result is GAVE_UP else result


def failure_reason(result: InvocationResult) -> str:
    """One line for the console: why an invocation did not succeed."""
    if result.outcome is Outcome.TIMEOUT:
        return result.error
    if result.outcome is Outcome.CRASH:
        return f"the worker process died: {result.error}"
    if result.outcome is Outcome.INIT_ERROR:
        return f"the handler could not be loaded: {result.error}"
    return f"the handler raised {result.error}"


# (deadline in event-loop time, the invocation's future, its `then`)
_Deadline = tuple[float, "asyncio.Future[InvocationResult]", "Then | None"]


class Deadlines:
    """Gives up on invocations whose integration timeout has passed, with one timer for all
    of them instead of one per request (a timer is created and cancelled in about 2 µs, a
    noticeable part of a proxied request's cost under load).

    One queue per timeout value: its deadlines come in the order they were added, so only a
    queue's head is ever looked at. Answered invocations are not removed one by one: they
    leave from the head when the next one is added, and a queue that has grown past twice its
    last size is swept of them (a slow invocation at the head holds no memory behind it).
    The one timer fires at the earliest head's deadline, rounded up to `GRANULARITY_S`: a
    future still waiting then gets `GAVE_UP`, and its `then` is called with it.
    """

    GRANULARITY_S = 0.01
    SWEEP_ABOVE = 64  # a queue is never swept below this length

    __slots__ = ("_armed_at", "_loop", "_queues", "_sweep_at", "_timer")

    def __init__(self) -> None:
        self._queues: dict[float, deque[_Deadline]] = {}
        self._sweep_at: dict[float, int] = {}  # a queue's length that triggers a sweep
        self._timer: asyncio.TimerHandle | None = None
        self._armed_at = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(
        self,
        future: asyncio.Future[InvocationResult],
        timeout_s: float,
        then: Then | None = None,
    ) -> None:
        """Resolve `future` with `GAVE_UP` (and call `then(GAVE_UP)`) once `timeout_s` has
        passed, unless it has a result by then."""
        loop = self._loop
        if loop is None:
            loop = self._loop = future.get_loop()
        deadline = loop.time() + timeout_s
        queue = self._queues.get(timeout_s)
        if queue is None:
            queue = self._queues[timeout_s] = deque()
            self._sweep_at[timeout_s] = self.SWEEP_ABOVE
        while queue and queue[0][1].done():
            queue.popleft()
        queue.append((deadline, future, then))
        if len(queue) >= self._sweep_at[timeout_s]:
            self._sweep(timeout_s, queue)
        if self._timer is None or deadline < self._armed_at - self.GRANULARITY_S:
            self._arm(deadline)

    def watch(
        self, waiting: Awaitable[InvocationResult], timeout_s: float
    ) -> asyncio.Future[InvocationResult]:
        """The future of `waiting`'s result (`resolvable`), resolved with `GAVE_UP` instead once
        `timeout_s` has passed: `wait_with_timeout` without a timer of its own or a coroutine."""
        future = resolvable(waiting)
        self.add(future, timeout_s)
        return future

    def __len__(self) -> int:
        """Invocations held (answered ones not dropped yet included)."""
        return sum(len(queue) for queue in self._queues.values())

    def _sweep(self, timeout_s: float, queue: deque[_Deadline]) -> None:
        """Drop the answered invocations anywhere in `queue`."""
        waiting = [entry for entry in queue if not entry[1].done()]
        queue.clear()
        queue.extend(waiting)
        self._sweep_at[timeout_s] = max(self.SWEEP_ABOVE, 2 * len(queue))

    def _arm(self, deadline: float) -> None:
        assert self._loop is not None
        if self._timer is not None:
            self._timer.cancel()
        granularity = self.GRANULARITY_S
        self._armed_at = math.ceil(deadline / granularity) * granularity
        self._timer = self._loop.call_at(self._armed_at, self._expire)

    def _expire(self) -> None:
        self._timer = None
        assert self._loop is not None
        # (a timer may fire up to a millisecond early: the event loop's clock is in ms)
        now = self._loop.time() + 0.001
        earliest = math.inf
        for timeout_s, queue in list(self._queues.items()):
            while queue:
                deadline, future, then = queue[0]
                if not future.done():
                    if deadline > now:
                        earliest = min(earliest, deadline)
                        break
                    future.set_result(GAVE_UP)
                    if then is not None:
                        then(GAVE_UP)
                queue.popleft()
            if not queue:
                del self._queues[timeout_s], self._sweep_at[timeout_s]
        if earliest < math.inf:
            self._arm(earliest)
