"""Invoking a function as API Gateway does: wait at most the integration's timeout.

Shared by every API flavour. When API Gateway stops waiting, the invocation keeps running (as
a Lambda invocation does); the gateway only stops listening for its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from corsway.runtimes.base import FunctionRuntime, InvocationResult, Outcome

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


async def wait_with_timeout(
    waiting: Awaitable[InvocationResult], timeout_s: float
) -> InvocationResult | None:
    """The result of `waiting`, or None after `timeout_s` (it keeps running).

    A future (the worker pool's) is resolved early by the timeout; any other awaitable runs in
    a task of its own so that it can outlive the wait.
    """
    loop = asyncio.get_running_loop()
    if isinstance(waiting, asyncio.Future) and not isinstance(waiting, asyncio.Task):
        future: asyncio.Future[InvocationResult] = waiting
    else:
        future = loop.create_future()
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
