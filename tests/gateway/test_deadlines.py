"""`invoke.Deadlines`: one timer gives up on every invocation whose integration timeout passed."""

from __future__ import annotations

import asyncio

from corsway.gateway.invoke import GAVE_UP, Deadlines
from corsway.runtimes.base import InvocationResult, Outcome
from tests.gateway.support import run_async

ANSWER = InvocationResult(Outcome.SUCCESS, b"{}")


def test_an_invocation_past_its_timeout_is_given_up() -> None:
    async def main() -> tuple[object, float]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        future: asyncio.Future[InvocationResult] = loop.create_future()
        started = loop.time()
        deadlines.add(future, 0.05)
        result = await future
        return result, loop.time() - started

    result, waited = run_async(main())
    assert result is GAVE_UP
    assert 0.04 <= waited < 0.5


def test_an_answered_invocation_keeps_its_result_and_the_timer_moves_on() -> None:
    async def main() -> tuple[bool, InvocationResult, int]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        answered: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(answered, 0.05)
        answered.set_result(ANSWER)
        waiting: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(waiting, 0.1)
        await asyncio.sleep(0.2)
        return waiting.done() and waiting.result() is GAVE_UP, answered.result(), len(deadlines)

    given_up, answer, held = run_async(main())
    assert given_up  # the one timer moved on to the next deadline
    assert answer is ANSWER
    assert held == 0


def test_answered_invocations_behind_a_slow_one_are_dropped() -> None:
    """A slow invocation at a queue's head does not keep the answered ones behind it."""

    async def main() -> tuple[int, int, bool]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        slow: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(slow, 5.0)
        most = 0
        for _ in range(5000):
            quick: asyncio.Future[InvocationResult] = loop.create_future()
            deadlines.add(quick, 5.0)
            quick.set_result(ANSWER)
            most = max(most, len(deadlines))
        late: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(late, 0.05)  # a shorter timeout, added behind the slow one's
        await late
        return most, len(deadlines), slow.done()

    most, held, slow_done = run_async(main())
    assert most <= Deadlines.SWEEP_ABOVE
    assert held <= Deadlines.SWEEP_ABOVE
    assert not slow_done


def test_a_shorter_timeout_added_later_fires_first() -> None:
    async def main() -> tuple[bool, bool, float]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        slow: asyncio.Future[InvocationResult] = loop.create_future()
        quick: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(slow, 5.0)
        started = loop.time()
        deadlines.add(quick, 0.05)
        await quick
        return quick.result() is GAVE_UP, slow.done(), loop.time() - started

    quick_given_up, slow_done, waited = run_async(main())
    assert quick_given_up
    assert not slow_done
    assert waited < 1.0


def test_many_invocations_share_one_bucket() -> None:
    async def main() -> list[object]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        futures: list[asyncio.Future[InvocationResult]] = [loop.create_future() for _ in range(50)]
        for future in futures:
            deadlines.add(future, 0.05)
        futures[0].set_result(ANSWER)  # answered just in time: keeps its result
        return list(await asyncio.gather(*futures))

    results = run_async(main())
    assert results[0] is ANSWER
    assert all(result is GAVE_UP for result in results[1:])


def test_watch_gives_up_on_any_awaitable_and_passes_results_through() -> None:
    """`watch`: a future is watched as it is; a coroutine runs in a task of its own (it keeps
    running after the timeout, as a Lambda invocation does)."""

    async def main() -> tuple[object, object, object, bool]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        finished = asyncio.Event()

        async def slow() -> InvocationResult:
            await asyncio.sleep(0.2)
            finished.set()
            return ANSWER

        async def quick() -> InvocationResult:
            return ANSWER

        pool_future: asyncio.Future[InvocationResult] = loop.create_future()
        watched = deadlines.watch(pool_future, 0.05)
        given_up_slow = await deadlines.watch(slow(), 0.05)
        answered = await deadlines.watch(quick(), 5.0)
        await asyncio.wait_for(finished.wait(), 1.0)
        return await watched, given_up_slow, answered, watched is pool_future

    watched, slow_result, quick_result, same_future = run_async(main())
    assert watched is GAVE_UP
    assert same_future  # the worker pool's future itself, no wrapper
    assert slow_result is GAVE_UP
    assert quick_result is ANSWER
