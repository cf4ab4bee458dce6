"""Invoking a function as API Gateway does: wait at most the integration's timeout.

Shared by every API flavour. When API Gateway stops waiting, the invocation keeps running (as
a Lambda invocation does); the gateway only stops listening for its result.
"""

from __future__ import annotations

import asyncio
import math
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


class Deadlines:
    """Gives up on invocations whose integration timeout has passed, with one timer for all
    of them instead of one per request (a timer is created and cancelled in about 2 µs, a
    noticeable part of a proxied request's cost under load).

    Deadlines are rounded up to `GRANULARITY_S` and kept in buckets; an invocation that
    answers leaves its bucket (`discard`). The one timer fires at the earliest bucket's time:
    a future still waiting then gets `GAVE_UP`, and its `then` is called with it.
    """

    GRANULARITY_S = 0.01

    __slots__ = ("_armed_key", "_buckets", "_loop", "_timer")

    def __init__(self) -> None:
        self._buckets: dict[int, dict[asyncio.Future[InvocationResult], Then | None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._armed_key = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(
        self,
        future: asyncio.Future[InvocationResult],
        timeout_s: float,
        then: Then | None = None,
    ) -> int:
        """Resolve `future` with `GAVE_UP` (and call `then(GAVE_UP)`) once `timeout_s` has
        passed; returns the key to `discard` it with."""
        loop = self._loop
        if loop is None:
            loop = self._loop = future.get_loop()
        key = math.ceil((loop.time() + timeout_s) / self.GRANULARITY_S)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = {}
            if self._timer is None or key < self._armed_key:
                self._arm(key)
        bucket[future] = then
        return key

    def discard(self, future: asyncio.Future[InvocationResult], key: int) -> None:
        """`future` no longer needs its deadline (it has its result)."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.pop(future, None)
            if not bucket:
                del self._buckets[key]

    def _arm(self, key: int) -> None:
        assert self._loop is not None
        if self._timer is not None:
            self._timer.cancel()
        self._armed_key = key
        self._timer = self._loop.call_at(key * self.GRANULARITY_S, self._expire)

    def _expire(self) -> None:
        self._timer = None
        assert self._loop is not None
        # (a timer may fire up to a millisecond early: the event loop's clock is in ms)
        now_key = math.floor((self._loop.time() + 0.001) / self.GRANULARITY_S)
        buckets = self._buckets
        for key in [k for k in buckets if k <= now_key]:
            for future, then in buckets.pop(key).items():
                if not future.done():
                    future.set_result(GAVE_UP)
                    if then is not None:
                        then(GAVE_UP)
        if buckets:
            self._arm(min(buckets))
