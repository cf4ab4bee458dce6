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


def test_an_answered_invocation_leaves_its_deadline() -> None:
    async def main() -> tuple[bool, InvocationResult]:
        loop = asyncio.get_running_loop()
        deadlines = Deadlines()
        answered: asyncio.Future[InvocationResult] = loop.create_future()
        key = deadlines.add(answered, 0.05)
        answered.set_result(ANSWER)
        deadlines.discard(answered, key)
        waiting: asyncio.Future[InvocationResult] = loop.create_future()
        deadlines.add(waiting, 0.1)
        await asyncio.sleep(0.2)
        return waiting.done() and waiting.result() is GAVE_UP, answered.result()

    given_up, answer = run_async(main())
    assert given_up  # the one timer moved on to the next deadline
    assert answer is ANSWER


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
