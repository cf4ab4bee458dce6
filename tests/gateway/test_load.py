"""A bounded load test of `corsway serve` on loopback: every answer checked, nothing lost.

20,000 requests over 64 keep-alive connections (plus a few slow clients), in a fixed random
mix: proxy GETs and POSTs whose answers name the request they answer (Python and Node
handlers), preflights, unknown routes, handler exceptions, function timeouts, a TOKEN
authorizer's allows, explicit denies, 401s (no token, a token its validation expression
refuses, a token the authorizer calls Unauthorized), unparseable HTTP, heads over the
10,240-byte limit, invalid percent-encoding, and stalled requests; and on the service's HTTP API
(served at the root beside the REST API under /dev): payload 2.0 GETs, built-in preflights, a
Lambda authorizer's allows, denials (403) and 401s, and unknown routes (404), CORS headers on
every answer to the allowed origin. Every response's status
and body must be exactly what that request gets from API Gateway; the server must stay up,
print no traceback of its own, and keep its memory bounded. The peak RSS of the server and of its
workers is printed. No timing is asserted beyond the overall bound.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corsway.runtimes.registry import max_workers_from_environment
from tests.gateway.support import FIXTURES, run_async

SERVICE = FIXTURES / "load_service"
REQUESTS = 20_000
CONNECTIONS = 64
SLOW_CLIENTS = 4
SEED = 20261125
ORIGIN = "http://localhost:5173"
INTERNAL_ERROR = b'{"message": "Internal server error"}'
MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
UNAUTHORIZED = b'{"message":"Unauthorized"}'
FORBIDDEN = b'{"message":"Forbidden"}'
NOT_FOUND = b'{"message":"Not Found"}'
EXPLICIT_DENY = (
    b'{"Message":"User is not authorized to access this resource with an explicit deny in an '
    b'identity-based policy"}'
)

Check = Callable[[dict[str, str], bytes], str]  # "" when the answer is right


@dataclass(frozen=True)
class Case:
    kind: str
    raw: bytes
    status: int
    check: Check
    closes: bool = False  # the server answers, then closes the connection


def exact(expected: bytes) -> Check:
    def check(headers: dict[str, str], body: bytes) -> str:
        return "" if body == expected else f"body {body[:200]!r} != {expected[:200]!r}"

    return check


def json_body(expected: dict[str, object], **wanted_headers: str) -> Check:
    def check(headers: dict[str, str], body: bytes) -> str:
        try:
            value = json.loads(body)
        except ValueError:
            return f"body is not JSON: {body[:200]!r}"
        if value != expected:
            return f"body {value!r} != {expected!r}"
        for name, wanted in wanted_headers.items():
            if headers.get(name) != wanted:
                return f"header {name}: {headers.get(name)!r} != {wanted!r}"
        return ""

    return check


def preflight_check(headers: dict[str, str], body: bytes) -> str:
    if headers.get("access-control-allow-origin") != "*":
        return f"preflight without Access-Control-Allow-Origin: {headers}"
    if "GET" not in headers.get("access-control-allow-methods", ""):
        return f"preflight does not allow GET: {headers}"
    return "" if body == b"" else f"preflight body {body!r}"


def plan(rng: random.Random) -> list[Case]:
    """The requests, in order; `n` makes each proxied answer specific to its request."""
    kinds = [
        ("get", 600),
        ("post", 100),
        ("preflight", 150),
        ("exception", 40),
        ("unknown", 50),
        ("timeout", 1),
        ("junk", 20),
        ("too_large", 10),
        ("bad_percent", 15),
        ("chunked", 12),
        ("node", 150),
        ("auth_allow", 100),
        ("auth_deny", 40),
        ("auth_no_token", 20),
        ("auth_invalid_token", 20),
        ("auth_unauthorized", 20),
        ("http_get", 300),
        ("http_preflight", 100),
        ("http_auth_allow", 60),
        ("http_auth_deny", 30),
        ("http_auth_missing", 20),
        ("http_unknown", 20),
    ]
    names = [name for name, _ in kinds]
    weights = [weight for _, weight in kinds]
    cases = []
    for n in range(REQUESTS):
        kind = rng.choices(names, weights)[0]
        cases.append(make_case(kind, n, rng))
    return cases


def with_cors(check: Check) -> Check:
    """`check`, and the HTTP API's CORS headers for the allowed origin."""

    def checked(headers: dict[str, str], body: bytes) -> str:
        if headers.get("access-control-allow-origin") != ORIGIN or headers.get("vary") != "origin":
            return f"no CORS headers for {ORIGIN}: {headers}"
        if "apigw-requestid" not in headers:
            return f"no apigw-requestid: {headers}"
        return check(headers, body)

    return checked


def http_preflight_check(headers: dict[str, str], body: bytes) -> str:
    if headers.get("access-control-allow-methods") != "OPTIONS,GET":
        return f"HTTP API preflight methods: {headers}"
    return "" if body == b"" else f"preflight body {body!r}"


def http_case(kind: str, n: int, item: int, rng: random.Random) -> Case:
    """A request to the service's HTTP API (at the root), from the allowed origin."""
    head = f"Host: 127.0.0.1\r\nOrigin: {ORIGIN}\r\n".encode()
    if kind == "http_get":
        raw = f"GET /v2/items/{item}?n={n} HTTP/1.1\r\n".encode() + head + b"\r\n"
        check = json_body({"id": str(item), "n": str(n), "user": None})
        return Case(kind, raw, 200, with_cors(check))
    if kind == "http_preflight":
        raw = (
            f"OPTIONS /v2/items/{item} HTTP/1.1\r\nAccess-Control-Request-Method: GET\r\n"
        ).encode()
        return Case(kind, raw + head + b"\r\n", 204, with_cors(http_preflight_check))
    if kind == "http_unknown":
        raw = f"GET /v2/nowhere/{n} HTTP/1.1\r\n".encode() + head + b"\r\n"
        return Case(kind, raw, 404, with_cors(exact(NOT_FOUND)))
    user = rng.randrange(30)  # a few users: the authorizer's cache is hit and missed
    raw = f"GET /v2/secure/{item}?n={n} HTTP/1.1\r\n".encode() + head
    if kind == "http_auth_allow":
        raw += f"Authorization: allow-{user}\r\n\r\n".encode()
        check = json_body({"id": str(item), "n": str(n), "user": f"allow-{user}"})
        return Case(kind, raw, 200, with_cors(check))
    if kind == "http_auth_deny":
        raw += f"Authorization: deny-{user}\r\n\r\n".encode()
        return Case(kind, raw, 403, with_cors(exact(FORBIDDEN)))
    return Case(kind, raw + b"\r\n", 401, with_cors(exact(UNAUTHORIZED)))


def make_case(kind: str, n: int, rng: random.Random) -> Case:
    host = b"Host: 127.0.0.1\r\n"
    item = rng.randrange(1000)
    if kind.startswith("http_"):
        return http_case(kind, n, item, rng)
    if kind == "get":
        raw = f"GET /dev/items/{item}?n={n} HTTP/1.1\r\nOrigin: {ORIGIN}\r\n".encode()
        check = json_body({"id": str(item), "n": str(n)}, **{"access-control-allow-origin": "*"})
        return Case(kind, raw + host + b"\r\n", 200, check)
    if kind == "post":
        body = json.dumps({"n": n}).encode()
        raw = (
            b"POST /dev/items HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        return Case(kind, raw, 201, json_body({"created": n}))
    if kind == "node":
        raw = f"GET /dev/node/{item}?n={n} HTTP/1.1\r\n".encode() + host + b"\r\n"
        return Case(kind, raw, 200, json_body({"id": str(item), "n": str(n), "runtime": "node"}))
    if kind.startswith("auth_"):
        user = rng.randrange(30)  # a few users: the authorizer's cache is hit and missed
        token = {
            "auth_allow": f"Bearer allow-{user}",
            "auth_deny": f"Bearer deny-{user}",
            "auth_no_token": "",
            "auth_invalid_token": f"Basic {user}",
            "auth_unauthorized": f"Bearer nobody-{user}",
        }[kind]
        raw = f"GET /dev/secure/{item} HTTP/1.1\r\n".encode() + host
        if token:
            raw += f"Authorization: {token}\r\n".encode()
        if kind == "auth_allow":
            expected: dict[str, object] = {
                "id": str(item),
                "principal": f"user-{user}",
                "token": f"allow-{user}",
            }
            return Case(kind, raw + b"\r\n", 200, json_body(expected))
        if kind == "auth_deny":
            return Case(kind, raw + b"\r\n", 403, exact(EXPLICIT_DENY))
        return Case(kind, raw + b"\r\n", 401, exact(UNAUTHORIZED))
    if kind == "chunked":
        body = json.dumps({"n": n}).encode()
        raw = (
            b"POST /dev/items HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n" % 3 + body[:3] + b"\r\n"
            + b"%x\r\n" % (len(body) - 3) + body[3:] + b"\r\n0\r\n\r\n"
        )  # fmt: skip
        return Case(kind, raw, 201, json_body({"created": n}))
    if kind == "preflight":
        raw = (
            f"OPTIONS /dev/items/{item} HTTP/1.1\r\nOrigin: {ORIGIN}\r\n"
            "Access-Control-Request-Method: GET\r\n"
        ).encode()
        return Case(kind, raw + host + b"\r\n", 200, preflight_check)
    if kind == "exception":
        raw = f"GET /dev/fail?n={n} HTTP/1.1\r\n".encode() + host + b"\r\n"
        return Case(kind, raw, 502, exact(INTERNAL_ERROR))
    if kind == "unknown":
        raw = f"GET /dev/nowhere/{n} HTTP/1.1\r\n".encode() + host + b"\r\n"
        return Case(kind, raw, 403, exact(MISSING_TOKEN))
    if kind == "timeout":
        raw = f"GET /dev/sleep?n={n} HTTP/1.1\r\n".encode() + host + b"\r\n"
        return Case(kind, raw, 502, exact(INTERNAL_ERROR))
    if kind == "junk":
        junk = bytes(rng.randrange(128, 256) for _ in range(rng.randrange(1, 40)))
        return Case(kind, junk + b"\r\n\r\n", 400, exact(b"Bad Request"), closes=True)
    if kind == "too_large":
        raw = b"GET /dev/items/1?n=0 HTTP/1.1\r\n" + host + b"Cookie: " + b"c" * 10300
        return Case(
            kind,
            raw + b"\r\n\r\n",
            431,
            exact(b"HTTP header is larger than 10240 bytes."),
            closes=True,
        )
    if kind == "bad_percent":
        raw = f"GET /dev/items/%zz{n} HTTP/1.1\r\n".encode() + host + b"\r\n"
        return Case(kind, raw, 400, exact(b"Bad Request: invalid percent-encoding in the path"))
    raise AssertionError(kind)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


@dataclass
class Results:
    answered: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    load_seconds: float = 0.0  # until the last of the 20,000 was answered
    slowest: dict[str, float] = field(default_factory=dict)  # kind -> longest wait (s)


async def run_clients(port: int, cases: list[Case], results: Results) -> None:
    order = iter(range(len(cases)))

    async def client() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for index in order:
            case = cases[index]
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(case.raw)
            sent = time.monotonic()
            try:
                status, headers, body = await asyncio.wait_for(read_response(reader), 60)
            except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as error:
                results.failures.append(f"#{index} {case.kind}: no answer ({error!r})")
                writer.close()
                reader = writer = None
                continue
            problem = "" if status == case.status else f"status {status} != {case.status}"
            problem = problem or case.check(headers, body)
            if problem:
                results.failures.append(f"#{index} {case.kind}: {problem}")
            results.answered[case.kind] += 1
            waited = time.monotonic() - sent
            if waited > results.slowest.get(case.kind, 0.0):
                results.slowest[case.kind] = waited
            if case.closes or headers.get("connection") == "close":
                if case.closes:
                    rest = await asyncio.wait_for(reader.read(), 30)
                    if rest:
                        results.failures.append(f"#{index} {case.kind}: more after: {rest!r}")
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    async def slow_client(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /dev/items/1?n=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        try:
            status, _, body = await asyncio.wait_for(read_response(reader), 60)
            rest = await asyncio.wait_for(reader.read(), 30)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as error:
            results.failures.append(f"slow client {number}: no 408 ({error!r})")
            return
        finally:
            writer.close()
        if (status, body, rest) != (408, b"Request Timeout", b""):
            results.failures.append(f"slow client {number}: {status} {body!r} {rest!r}")
        results.answered["slowloris"] += 1

    async def timed_clients() -> None:
        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
        results.load_seconds = time.monotonic() - started

    await asyncio.gather(timed_clients(), *(slow_client(i) for i in range(SLOW_CLIENTS)))


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@dataclass
class Memory:
    gateway_peak_kb: int = 0
    workers_peak_kb: int = 0
    workers_peak: int = 0
    samples: list[int] = field(default_factory=list)  # gateway RSS over time


def sample_memory(pid: int, memory: Memory, stop: threading.Event) -> None:
    while not stop.wait(0.25):
        gateway = rss_kb(pid)
        workers = children(pid)
        memory.samples.append(gateway)
        memory.gateway_peak_kb = max(memory.gateway_peak_kb, gateway)
        memory.workers_peak_kb = max(memory.workers_peak_kb, sum(rss_kb(w) for w in workers))
        memory.workers_peak = max(memory.workers_peak, len(workers))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, Path, Path]]:
    log, errors = tmp_path / "serve.log", tmp_path / "serve.err"
    with log.open("wb") as out, errors.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", "from corsway.cli import run; run()", "serve", str(SERVICE),
             "--port", "0"],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (match := re.search(r"base URL: http://127\.0\.0\.1:(\d+)/dev", log.read_text())):
            assert process.poll() is None, errors.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield process, int(match.group(1)), log, errors
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.timeout(240)
def test_mixed_load_loses_no_answer_and_stays_up(
    server: tuple[subprocess.Popen[bytes], int, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    process, port, log, errors = server
    cases = plan(random.Random(SEED))
    planned = Counter(case.kind for case in cases)
    assert all(planned[kind] for kind in ("timeout", "junk", "too_large", "exception", "auth_deny"))
    memory, stop = Memory(), threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(process.pid, memory, stop))
    sampler.start()
    results = Results()
    try:
        run_async(asyncio.wait_for(run_clients(port, cases, results), 200))
    finally:
        stop.set()
        sampler.join()
    seconds = results.load_seconds

    assert not results.failures, "\n".join(results.failures[:20])
    assert results.answered == planned + Counter({"slowloris": SLOW_CLIENTS})
    assert process.poll() is None  # still up, and still answering
    still = subprocess.run(
        [sys.executable, "-c", "import httpx, sys; r = httpx.get(sys.argv[1]); print(r.text)",
         f"http://127.0.0.1:{port}/dev/items/7?n=after"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert json.loads(still.stdout) == {"id": "7", "n": "after"}

    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    console = log.read_text()
    stderr = errors.read_text()
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "Exception in ASGI application" not in console + stderr
    # The only tracebacks are the handler's own, once per exception request.
    assert console.count("Traceback (most recent call last)") == planned["exception"]
    assert (
        console.count("the handler raised RuntimeError: load test failure") == planned["exception"]
    )
    assert console.count("Task timed out after 1.00 seconds") == planned["timeout"]
    assert "corsway internal error" not in console

    steady = memory.samples[len(memory.samples) // 4 :]
    with capsys.disabled():
        print(
            f"\nload test: {REQUESTS} requests over {CONNECTIONS} connections in {seconds:.1f} s "
            f"({REQUESTS / seconds:.0f} req/s), and {SLOW_CLIENTS} slow clients; "
            f"peak RSS: gateway {memory.gateway_peak_kb / 1024:.0f} MB, workers "
            f"{memory.workers_peak_kb / 1024:.0f} MB in {memory.workers_peak} processes; "
            f"gateway RSS after the first quarter {min(steady) / 1024:.0f}-"
            f"{max(steady) / 1024:.0f} MB; longest wait: "
            + ", ".join(f"{kind} {s:.2f} s" for kind, s in sorted(results.slowest.items()))
        )
    assert memory.gateway_peak_kb < 300 * 1024
    assert max(steady) - min(steady) < 100 * 1024  # no growth with the number of requests
    functions = 10  # each a bounded pool
    assert memory.workers_peak <= functions * max_workers_from_environment()
