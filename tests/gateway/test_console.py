"""The console's buffering: an idle server prints each line at the end of the event-loop
iteration that made it; under load, lines leave at most every FLUSH_INTERVAL_S (or once
FLUSH_LINES are queued), in order, access-log lines made when they are written."""

from __future__ import annotations

import asyncio
import io
import threading

from corsway.gateway import accesslog
from corsway.gateway.accesslog import Console
from tests.gateway.support import run_async


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_an_idle_server_prints_each_line_at_the_end_of_the_iteration() -> None:
    async def main() -> tuple[str, str]:
        stream = CountingStream()
        console = Console(stream, color=False)
        console.write("first")
        before = stream.getvalue()
        await asyncio.sleep(0)
        return before, stream.getvalue()

    before, after = run_async(main())
    assert before == ""
    assert after == "first\n"


def test_under_load_lines_leave_together_in_order_made_when_written() -> None:
    made: list[str] = []

    def lines(name: str) -> list[str]:
        made.append(name)
        return [f"access {name}", f"    detail {name}"]

    async def main() -> tuple[str, str, int]:
        stream = CountingStream()
        console = Console(stream, color=False)
        console.write("one")
        await asyncio.sleep(0)  # written: the next lines come less than 5 ms after it
        console.later(lines, "a")
        console.write("two")
        console.later(lines, "b")
        await asyncio.sleep(0)
        early = stream.getvalue()
        assert made == []  # not made before they are written
        await asyncio.sleep(accesslog.FLUSH_INTERVAL_S * 2)
        return early, stream.getvalue(), stream.writes

    early, text, writes = run_async(main())
    assert early == "one\n"
    assert text == "one\naccess a\n    detail a\ntwo\naccess b\n    detail b\n"
    assert writes == 2
    assert made == ["a", "b"]


def test_a_full_batch_leaves_without_waiting_for_the_interval() -> None:
    async def main() -> tuple[int, int]:
        stream = CountingStream()
        console = Console(stream, color=False)
        console.write("start")
        await asyncio.sleep(0)
        for index in range(accesslog.FLUSH_LINES):
            console.write(f"line {index}")
        await asyncio.sleep(0)
        return stream.getvalue().count("\n"), stream.writes

    lines, writes = run_async(main())
    assert lines == 1 + accesslog.FLUSH_LINES
    assert writes == 2


def test_outside_an_event_loop_lines_are_written_at_once() -> None:
    stream = CountingStream()
    console = Console(stream, color=False)
    # (a thread of its own: a test session's sync Playwright may hold a loop on this one)
    thread = threading.Thread(target=console.later, args=(lambda: ["made now"],))
    thread.start()
    thread.join()
    assert stream.getvalue() == "made now\n"
