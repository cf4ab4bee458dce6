"""Load generation for the gateway benchmark: servers started and stopped, wrk (or a small
Python keep-alive client) against a URL, back-to-back windows with the server's memory, and
paired rounds that alternate two servers so that slow periods of a shared machine hit both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Result:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: str = ""


@dataclass
class Window:
    """One measurement window: throughput, latency and the server's memory."""

    result: Result
    peak_rss_mb: float


@dataclass
class Windows:
    name: str
    windows: list[Window] = field(default_factory=list)


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process below it (workers run in their own session,
    so the tree is found through parent ids), in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total_kb = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def measure_windows(
    name: str,
    measure_once: Callable[[str, float], Result],
    root_pid: int,
    *,
    windows: int,
    seconds: float,
) -> Windows:
    """`windows` back-to-back measurements, sampling the server's RSS twice a second."""
    series = Windows(name)
    for index in range(windows):
        peak = [tree_rss_mb(root_pid)]
        stop = threading.Event()

        def sample(peak: list[float] = peak, stop: threading.Event = stop) -> None:
            while not stop.wait(0.5):
                peak[0] = max(peak[0], tree_rss_mb(root_pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = measure_once(f"{name} window {index + 1}", seconds)
        finally:
            stop.set()
            sampler.join()
        peak[0] = max(peak[0], tree_rss_mb(root_pid))
        series.windows.append(Window(result, peak[0]))
    return series


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@contextlib.contextmanager
def started(
    command: list[str], port: int, cwd: Path, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            wait_for(port)
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("installing Debian's wrk (apt-get) ...", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return shutil.which("wrk")


def wrk_script(method: str, headers: dict[str, str], directory: Path) -> Path:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path = directory / f"{method.lower()}-{len(headers)}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    wrk: str,
    name: str,
    url: str,
    *,
    script: Path,
    seconds: float,
    connections: int,
    warm_up: bool = True,
) -> Result:
    command = [
        wrk,
        "-t2",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--latency",
        "-s",
        str(script),
    ]
    # A short warm-up first (workers start, caches fill), then the measurement.
    if warm_up:
        subprocess.run([*command[:3], "-d1s", "-s", str(script), url], capture_output=True)
    output = subprocess.run([*command, url], capture_output=True, text=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    # the latency distribution's lines only (a "+/- Stdev" column can end in "50%" too)
    p50_line = re.search(r"^\s+50%\s+(\S+)\s*$", output, re.M)
    p99_line = re.search(r"^\s+99%\s+(\S+)\s*$", output, re.M)
    if found is None:  # no answer at all
        return Result(name, 0.0, float("nan"), float("nan"), "no answers")
    if p50_line is None or p99_line is None:
        raise RuntimeError(f"cannot read wrk's latency distribution:\n{output}")
    rps = float(found.group(1))
    p50 = parse_ms(p50_line.group(1))
    p99 = parse_ms(p99_line.group(1))
    errors = ""
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        errors = f"{match.group(1)} non-2xx"
    match = re.search(r"Socket errors: (.*)", output)
    if match:
        errors = (errors + " " + match.group(1)).strip()
    return Result(name, rps, p50, p99, errors)


async def _python_load(
    url: str, method: str, headers: dict[str, str], seconds: float, conns: int
) -> tuple[float, float, float]:
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"{method} /{path} HTTP/1.1\r\nHost: {host_port}\r\n{extra}\r\n".encode()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.monotonic() < deadline:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
        writer.close()

    started_at = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(conns)))
    elapsed = time.monotonic() - started_at
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


def run_python_client(
    name: str,
    url: str,
    method: str,
    headers: dict[str, str],
    *,
    seconds: float,
    conns: int,
    warm_up: bool = True,
) -> Result:
    if warm_up:
        asyncio.run(_python_load(url, method, headers, 1.0, conns))
    rps, p50, p99 = asyncio.run(_python_load(url, method, headers, seconds, conns))
    return Result(name, rps, p50, p99, "python client")


@dataclass
class Paired:
    """Alternating rounds of two targets on the same machine: ours, then theirs, each round."""

    ours: list[Result] = field(default_factory=list)
    theirs: list[Result] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        """Our requests/s over theirs, round by round (NaN where theirs answered nothing)."""
        return [
            a.requests_per_s / b.requests_per_s if b.requests_per_s else float("nan")
            for a, b in zip(self.ours, self.theirs, strict=True)
        ]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)


def paired_rounds(rounds: int, ours: Callable[[], Result], theirs: Callable[[], Result]) -> Paired:
    """`rounds` rounds of `ours` then `theirs`, both servers up the whole time: a slow period
    of a shared machine hits both alike (two measurements minutes apart it need not)."""
    paired = Paired()
    for _ in range(rounds):
        paired.ours.append(ours())
        paired.theirs.append(theirs())
    return paired
