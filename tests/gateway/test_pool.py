"""The worker pool driven directly: its bound under a burst, the queue, abandoned invocations,
recycling."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from typing import Any

import pytest

from corsway.gateway.invoke import GAVE_UP
from corsway.runtimes.base import FunctionConfig, InvocationResult, Outcome
from corsway.runtimes.pool import PILE_UP_WORK_MS, PIPELINE_DEPTH, WorkerPool
from corsway.runtimes.python import PythonLauncher
from tests.gateway.support import SERVICE_DIR, run_async


def pool(handler: str, *, max_workers: int = 2, timeout: float = 6.0) -> WorkerPool:
    config = FunctionConfig(
        key="f", name="svc-dev-f", handler=handler, runtime="python3.11",
        code_dir=SERVICE_DIR, timeout_s=timeout,
    )  # fmt: skip
    lines: list[str] = []
    return WorkerPool(
        config, PythonLauncher(), lambda key, line: lines.append(line), max_workers=max_workers
    )


def sleep_event(seconds: float) -> bytes:
    return json.dumps({"queryStringParameters": {"s": str(seconds)}}).encode()


def pid_of(result: InvocationResult) -> Any:
    assert result.outcome is Outcome.SUCCESS, result
    return json.loads(json.loads(result.payload)["body"])["pid"]


def test_a_burst_never_starts_more_workers_than_the_bound() -> None:
    async def main() -> tuple[list[InvocationResult], int]:
        runtime = pool("handlers.sleeps", max_workers=2)
        peak = 0

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, runtime.size)
                await asyncio.sleep(0.005)

        watcher = asyncio.get_running_loop().create_task(watch())
        try:
            results = await asyncio.gather(
                *(runtime.invoke(sleep_event(0.05), f"r{i}") for i in range(20))
            )
        finally:
            watcher.cancel()
            await runtime.aclose()
        return list(results), peak

    results, peak = run_async(main())
    assert peak <= 2
    assert len({pid_of(result) for result in results}) <= 2
    assert all(result.outcome is Outcome.SUCCESS for result in results)


def test_an_abandoned_invocation_runs_to_its_end_and_its_worker_is_reused() -> None:
    async def main() -> tuple[InvocationResult, InvocationResult, int]:
        runtime = pool("handlers.sleeps", max_workers=1)
        try:
            future = runtime.invoke(sleep_event(0.3), "first")
            await asyncio.sleep(0.1)
            gave_up = InvocationResult(Outcome.TIMEOUT, error="gave up")
            assert isinstance(future, asyncio.Future)
            future.set_result(gave_up)  # what the integration timeout does
            second = await runtime.invoke(sleep_event(0), "second")
            return future.result(), second, runtime.size
        finally:
            await runtime.aclose()

    first, second, size = run_async(main())
    assert first.error == "gave up"  # the late result did not overwrite the caller's
    assert second.outcome is Outcome.SUCCESS  # the same single worker, once free
    assert size == 1


def test_an_invocation_abandoned_while_queued_never_runs() -> None:
    async def main() -> tuple[list[int], InvocationResult]:
        runtime = pool("handlers.sleeps", max_workers=1)
        try:
            busy = runtime.invoke(sleep_event(0.3), "busy")
            queued = runtime.invoke(sleep_event(5), "queued")
            assert isinstance(queued, asyncio.Future)
            queued.set_result(InvocationResult(Outcome.TIMEOUT, error="gave up"))
            first = await busy
            third = await asyncio.wait_for(runtime.invoke(sleep_event(0), "third"), 3)
            return [pid_of(first), pid_of(third)], queued.result()
        finally:
            await runtime.aclose()

    pids, queued = run_async(main())
    assert pids[0] == pids[1]  # the 5 s invocation was skipped, not run
    assert queued.error == "gave up"


def test_recycle_replaces_idle_workers_with_a_warm_fresh_one() -> None:
    async def main() -> tuple[int, int, int]:
        runtime = pool("handlers.sleeps", max_workers=2)
        try:
            before = pid_of(await runtime.invoke(sleep_event(0), "a"))
            await runtime.recycle()
            await asyncio.sleep(0.5)  # the fresh worker loads the handler meanwhile
            size = runtime.size
            after = pid_of(await runtime.invoke(sleep_event(0), "b"))
            return before, after, size
        finally:
            await runtime.aclose()

    before, after, size = run_async(main())
    assert after != before
    assert size == 1


def test_a_timeout_counts_from_the_start_of_the_invocation_not_the_queue() -> None:
    async def main() -> tuple[InvocationResult, InvocationResult]:
        runtime = pool("handlers.sleeps", max_workers=1, timeout=1.0)
        try:
            first = runtime.invoke(sleep_event(0.7), "first")
            second = runtime.invoke(sleep_event(0.7), "second")  # waits 0.7 s, then runs 0.7 s
            return await first, await second
        finally:
            await runtime.aclose()

    first, second = run_async(main())
    assert first.outcome is Outcome.SUCCESS
    assert second.outcome is Outcome.SUCCESS  # 1.4 s after it was queued, 0.7 s of running


def query_event(**query: str) -> bytes:
    return json.dumps({"queryStringParameters": query}).encode()


def body_of(result: InvocationResult) -> Any:
    assert result.outcome is Outcome.SUCCESS, result
    return json.loads(json.loads(result.payload)["body"])


async def warm_up(runtime: WorkerPool) -> None:
    """Enough quick invocations for the pool to consider the function fast (pipelining)."""
    for index in range(30):
        await runtime.invoke(query_event(), f"warm{index}")


def test_a_pipelined_invocation_gets_its_whole_timeout_from_its_start() -> None:
    async def main() -> tuple[Any, Any, bool]:
        runtime = pool("handlers.remaining", max_workers=1, timeout=1.0)
        try:
            await warm_up(runtime)
            first = runtime.invoke(query_event(s="0.6"), "first")
            second = runtime.invoke(query_event(), "second")  # written ahead, starts at 0.6 s
            worker = next(iter(runtime._workers))
            pipelined = len(worker.ahead) == 1
            return body_of(await first), body_of(await second), pipelined
        finally:
            await runtime.aclose()

    first, second, pipelined = run_async(main())
    assert pipelined
    assert first["pid"] == second["pid"]  # one worker ran both, one after the other
    assert 300 <= first["remaining_ms"] <= 400
    assert second["remaining_ms"] >= 900  # not 1000 - 600: its time began when it started


def test_an_invocation_behind_a_timed_out_one_runs_on_a_fresh_worker() -> None:
    async def main() -> tuple[InvocationResult, Any]:
        runtime = pool("handlers.remaining", max_workers=1, timeout=1.0)
        try:
            await warm_up(runtime)
            first = runtime.invoke(query_event(s="3"), "first")
            second = runtime.invoke(query_event(), "second")
            return await first, body_of(await second)
        finally:
            await runtime.aclose()

    first, second = run_async(main())
    assert first.outcome is Outcome.TIMEOUT
    assert first.error == "Task timed out after 1.00 seconds"
    assert second["remaining_ms"] >= 900


def test_an_invocation_behind_a_crash_runs_on_a_fresh_worker() -> None:
    async def main() -> tuple[InvocationResult, Any, int]:
        runtime = pool("handlers.remaining", max_workers=1, timeout=2.0)
        try:
            await warm_up(runtime)
            old_pid = body_of(await runtime.invoke(query_event(), "pid"))["pid"]
            first = runtime.invoke(query_event(crash="1"), "first")
            second = runtime.invoke(query_event(), "second")
            return await first, body_of(await second), old_pid
        finally:
            await runtime.aclose()

    first, second, old_pid = run_async(main())
    assert first.outcome is Outcome.CRASH
    assert "exit status 3" in first.error
    assert second["pid"] != old_pid


def test_slow_functions_are_never_pipelined() -> None:
    async def main() -> bool:
        runtime = pool("handlers.remaining", max_workers=1, timeout=5.0)
        try:
            for index in range(3):
                await runtime.invoke(query_event(s="0.05"), f"slow{index}")
            first = runtime.invoke(query_event(s="0.05"), "first")
            second = runtime.invoke(query_event(), "second")
            worker = next(iter(runtime._workers))
            queued = not worker.ahead
            await first
            await second
            return queued
        finally:
            await runtime.aclose()

    assert run_async(main())  # 50 ms invocations: the second waits in the pool's queue


def test_a_worker_that_died_while_idle_is_not_given_the_next_invocation() -> None:
    """The worker exits between two invocations and the pool has not yet read its pipe's EOF:
    the next invocation goes to a fresh worker instead of failing as a crash."""

    async def main() -> tuple[int, InvocationResult]:
        runtime = pool("handlers.sleeps", max_workers=1)
        try:
            first = await runtime.invoke(sleep_event(0), "first")
            dead = pid_of(first)
            os.kill(dead, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # gone, without letting the loop see the EOF
                if not os.path.exists(f"/proc/{dead}") or _zombie(dead):
                    break
                time.sleep(0.01)
            second = await asyncio.wait_for(runtime.invoke(sleep_event(0), "second"), 10)
            return dead, second
        finally:
            await runtime.aclose()

    dead, second = run_async(main())
    assert second.outcome is Outcome.SUCCESS, second
    assert pid_of(second) != dead


def _zombie(pid: int) -> bool:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def test_closing_an_output_forwarder_forwards_what_the_pipe_still_holds() -> None:
    """A worker that printed and died: its death may be handled (and its forwarders closed)
    before the loop read its last output; those lines must not be lost."""
    from corsway.runtimes.output import LineForwarder

    async def main() -> list[str]:
        read, write = os.pipe()
        os.write(write, b"crashing now\nlast words without a newline")
        os.close(write)
        lines: list[str] = []
        forwarder = LineForwarder(read, "f", lambda key, line: lines.append(line),
                                  asyncio.get_running_loop())  # fmt: skip
        forwarder.close()  # before the loop ever ran the reader
        return lines

    assert run_async(main()) == ["crashing now", "last words without a newline"]


@pytest.mark.parametrize(("average_ms", "depth"), [(0.5, 4), (0.05, PIPELINE_DEPTH), (0.9, 2)])
def test_a_quick_function_piles_up_on_a_running_worker_before_waking_another(
    average_ms: float, depth: int
) -> None:
    """Waking a sleeping worker costs more than a hello-world handler: a function that answers
    in under PILE_UP_BELOW_MS gets up to PILE_UP_WORK_MS of work (at most PIPELINE_DEPTH
    invocations) written behind the running one before another worker is used; they still run
    one at a time, in order."""
    assert depth == min(PIPELINE_DEPTH, int(PILE_UP_WORK_MS / average_ms))

    async def main() -> tuple[list[Any], int, int]:
        runtime = pool("handlers.remaining", max_workers=4, timeout=5.0)
        try:
            await warm_up(runtime)
            runtime._average_ms = average_ms  # (what warm_up measures depends on the machine)
            first = [runtime.invoke(query_event(), f"a{index}") for index in range(depth + 1)]
            size_for_first = runtime.size
            more = [runtime.invoke(query_event(), f"b{index}") for index in range(3)]
            size_for_more = runtime.size
            bodies = [body_of(result) for result in await asyncio.gather(*first, *more)]
            return bodies, size_for_first, size_for_more
        finally:
            await runtime.aclose()

    bodies, size_for_first, size_for_more = run_async(main())
    assert size_for_first == 1  # one running, `depth` written ahead on the same worker
    assert len({body["pid"] for body in bodies[: depth + 1]}) == 1
    # the next three waited in the pool's queue: a worker started for each, as ever
    assert size_for_more == 4
    assert all(body["remaining_ms"] >= 4000 for body in bodies)  # each timed from its start


def test_invoke_then_calls_back_once_with_the_result_unless_the_caller_gave_up() -> None:
    async def main() -> tuple[list[Any], bool, list[Any]]:
        runtime = pool("handlers.remaining", max_workers=1, timeout=5.0)
        try:
            got: list[Any] = []
            future = runtime.invoke_then(query_event(), "then", got.append)
            result = await future
            same = len(got) == 1 and got[0] is result
            abandoned: list[Any] = []
            slow = runtime.invoke_then(query_event(s="0.2"), "slow", abandoned.append)
            slow.set_result(GAVE_UP)  # API Gateway stopped waiting
            await asyncio.sleep(0.5)  # the invocation ran to its end; its result is dropped
            return got, same, abandoned
        finally:
            await runtime.aclose()

    got, same, abandoned = run_async(main())
    assert same
    assert body_of(got[0])["remaining_ms"] >= 4000
    assert abandoned == []
