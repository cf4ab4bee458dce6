"""Malformed and hostile HTTP on raw loopback sockets: a 4xx answer, never a traceback or a hang.

The front door answers these itself, before routing: a request line plus header values over
API Gateway's 10,240 bytes → 431; a request that does not parse → 400; invalid
percent-encoding in the path → 400; a head or body that stops arriving → 408; an idle
connection is closed. Every refusal is plain text with `Connection: close` and one console line.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

REQUEST_TIMEOUT_S = 0.6
KEEP_ALIVE_S = 0.8


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = (
        TemplateBuilder()
        .function("echo", "handlers.echo")
        .proxy("echo", "GET", "echo")
        .proxy("echo", "POST", "echo")
        .preflight("echo", methods="OPTIONS,GET,POST")
        .gateway_response("DEFAULT_4XX", parameters={"Access-Control-Allow-Origin": "'*'"})
        .build()
    )
    with running_gateway(
        template, request_timeout_s=REQUEST_TIMEOUT_S, keep_alive_s=KEEP_ALIVE_S
    ) as running:
        yield running


def exchange(
    gateway: RunningGateway, *parts: bytes, pause: float = 0.0, timeout: float = 5.0
) -> tuple[bytes, bool, float]:
    """Send `parts` (pausing between them); return (everything received, closed?, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=timeout) as sock:
        for index, part in enumerate(parts):
            if index and pause:
                time.sleep(pause)
            try:
                sock.sendall(part)
            except OSError:
                break  # the server already answered and closed
        received = b""
        closed = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not data:
                closed = True
                break
            received += data
    return received, closed, time.monotonic() - started


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:80]
    return int(answer[9:12])


def body_of(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[1]


def assert_refusal(answer: bytes, closed: bool, status: int, body: bytes) -> None:
    assert status_of(answer) == status, answer
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-type: text/plain; charset=utf-8" in head
    assert b"connection: close" in head
    assert b"access-control-allow-origin" not in head  # the front door adds no CORS headers
    assert body_of(answer) == body
    assert closed


def served(gateway: RunningGateway) -> None:
    """The server still answers normally."""
    response = gateway.client.get(gateway.url + "/echo?still=up")
    assert response.status_code == 200
    assert response.json()["queryStringParameters"] == {"still": "up"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"GARBAGE\r\n\r\n", "invalid request method"),
        (b"GET /dev/echo HTTP/1.1 extra\r\n\r\n", "malformed HTTP request"),
        (b"GET /dev/a b HTTP/1.1\r\nHost: x\r\n\r\n", "malformed HTTP request"),
        (b"GET /dev/echo HTTP/9.9\r\nHost: x\r\n\r\n", "Invalid HTTP version"),
        (b"get /dev/echo HTTP/1.1\r\nHost: x\r\n\r\n", "invalid request method"),
        (b"GET /dev/echo HTTP/1.1\nHost: x\n\n", "malformed HTTP request"),
        (b"\xff\xfe\x00\x01junk\r\n\r\n", "invalid request method"),
        (b"GET /dev/\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", "invalid request target"),
        (b"GET /dev/echo HTTP/1.1\r\nX\xc3\xa9: 1\r\n\r\n", "Invalid header token"),
        (b"GET /dev/echo HTTP/1.1\r\nX: a\x01b\r\n\r\n", "Invalid header value char"),
        (b"GET /dev/echo HTTP/1.1\r\nBroken header line\r\n\r\n", "malformed HTTP request"),
        (
            b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "Invalid character in Content-Length",
        ),
        (
            b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "Content-Length",
        ),
        (
            b"POST /dev/echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "Duplicate Content-Length",
        ),
        (
            b"POST /dev/echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
            b"\r\nabc",
            "Transfer-Encoding",
        ),
        (
            b"POST /dev/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
            "malformed HTTP request",
        ),
    ],
)
def test_unparseable_requests_are_400(gateway: RunningGateway, raw: bytes, reason: str) -> None:
    answer, closed, _ = exchange(gateway, raw)
    assert_refusal(answer, closed, 400, b"Bad Request")
    assert reason in gateway.console(reason)
    served(gateway)


def test_request_line_and_header_values_over_10240_bytes_are_431(gateway: RunningGateway) -> None:
    line = b"GET /dev/echo HTTP/1.1\r\n"
    counted = len(line) - 2  # the request line without its CRLF
    # Exactly at the limit: request line + header values = 10,240 bytes is still served.
    value = b"v" * (10240 - counted - len(b"127.0.0.1"))
    at_limit = line + b"Host: 127.0.0.1\r\nX-Big: " + value + b"\r\n\r\n"
    answer, _, _ = exchange(gateway, at_limit, timeout=3)
    assert status_of(answer) == 200
    over = line + b"Host: 127.0.0.1\r\nX-Big: " + value + b"v\r\n\r\n"
    answer, closed, _ = exchange(gateway, over)
    assert_refusal(answer, closed, 431, b"HTTP header is larger than 10240 bytes.")
    assert "over API Gateway's 10,240-byte limit" in gateway.console("10,240-byte")
    served(gateway)


def test_a_long_url_counts_towards_the_limit(gateway: RunningGateway) -> None:
    path = b"/dev/echo?q=" + b"a" * 10300
    answer, closed, _ = exchange(gateway, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_refusal(answer, closed, 431, b"HTTP header is larger than 10240 bytes.")


def test_many_headers_in_many_packets_are_431(gateway: RunningGateway) -> None:
    # Thousands of empty headers: the values are small but the head is not.
    head = b"GET /dev/echo HTTP/1.1\r\n" + b"X-Empty:\r\n" * 8000
    chunks = [head[i : i + 4096] for i in range(0, len(head), 4096)]
    answer, closed, _ = exchange(gateway, *chunks, b"\r\n")
    assert_refusal(answer, closed, 431, b"HTTP header is larger than 10240 bytes.")


@pytest.mark.parametrize("path", [b"/dev/echo%zz", b"/dev/echo%", b"/dev/ec%2ho", b"/dev/%E"])
def test_invalid_percent_encoding_in_the_path_is_400(gateway: RunningGateway, path: bytes) -> None:
    answer, closed, _ = exchange(gateway, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer) == 400
    assert body_of(answer) == b"Bad Request: invalid percent-encoding in the path"
    assert b"access-control-allow-origin" not in answer.lower()
    assert not closed or answer  # a complete HTTP message: the connection may stay open
    assert "invalid percent-encoding in the path" in gateway.console("invalid percent")


def test_valid_percent_encoding_is_routed(gateway: RunningGateway) -> None:
    answer, _, _ = exchange(gateway, b"GET /dev/%65cho HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    assert status_of(answer) == 200


def test_a_stalled_head_is_408_after_the_request_timeout(gateway: RunningGateway) -> None:
    answer, closed, seconds = exchange(gateway, b"GET /dev/echo HTTP/1.1\r\nHost: x\r\n")
    assert_refusal(answer, closed, 408, b"Request Timeout")
    assert REQUEST_TIMEOUT_S * 0.9 <= seconds < REQUEST_TIMEOUT_S + 3
    assert "request head did not arrive in time" in gateway.console("did not arrive")


def test_a_trickled_head_is_408_even_though_bytes_keep_coming(gateway: RunningGateway) -> None:
    # Slowloris: one byte at a time, each well within the timeout; the whole head is not.
    head = b"GET /dev/echo HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 40
    parts = [head[i : i + 1] for i in range(len(head))]
    answer, closed, seconds = exchange(gateway, *parts, pause=0.05, timeout=10)
    assert_refusal(answer, closed, 408, b"Request Timeout")
    assert seconds < len(parts) * 0.05  # cut off before the client finished


def test_a_stalled_body_is_408_and_the_function_never_runs(gateway: RunningGateway) -> None:
    before = gateway.console().count("POST /dev/echo  200")
    answer, closed, _ = exchange(
        gateway, b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
    )
    assert_refusal(answer, closed, 408, b"Request Timeout")
    assert "request body stopped arriving" in gateway.console("stopped arriving")
    assert gateway.console().count("POST /dev/echo  200") == before
    served(gateway)


def test_a_slow_but_steady_body_is_served(gateway: RunningGateway) -> None:
    body = b"0123456789"
    head = b"POST /dev/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
    parts = [head] + [body[i : i + 2] for i in range(0, 10, 2)]
    answer, _, _ = exchange(gateway, *parts, pause=REQUEST_TIMEOUT_S / 3, timeout=3)
    assert status_of(answer) == 200
    assert b'"body": "0123456789"' in answer


def test_an_idle_connection_is_closed_without_an_answer(gateway: RunningGateway) -> None:
    answer, closed, seconds = exchange(gateway, timeout=KEEP_ALIVE_S + 3)
    assert answer == b""
    assert closed
    assert seconds >= KEEP_ALIVE_S * 0.9


def test_requests_keep_a_connection_open_and_the_idle_time_counts_from_the_last_answer(
    gateway: RunningGateway,
) -> None:
    # Requests every KEEP_ALIVE_S / 2 for longer than KEEP_ALIVE_S: each is answered (the
    # connection is not closed on the first request's idle deadline); then, idle, it is
    # closed KEEP_ALIVE_S after the last answer.
    request = b"GET /dev/echo HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", gateway.server.port), timeout=5) as sock:
        for _ in range(4):
            sock.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                assert data, "the connection was closed while in use"
                answer += data
            assert status_of(answer) == 200
            time.sleep(KEEP_ALIVE_S / 2)
        idle_since = time.monotonic() - KEEP_ALIVE_S / 2
        sock.settimeout(KEEP_ALIVE_S + 3)
        assert sock.recv(65536) == b""  # closed by the server, with nothing more sent
        idle = time.monotonic() - idle_since
    assert KEEP_ALIVE_S * 0.9 <= idle < KEEP_ALIVE_S + 2


def test_blank_lines_do_not_keep_a_connection_open(gateway: RunningGateway) -> None:
    # HTTP allows empty lines before a request line; they start no request and must not
    # reset the idle timer.
    answer, closed, seconds = exchange(
        gateway, *[b"\r\n"] * 8, pause=KEEP_ALIVE_S / 4, timeout=KEEP_ALIVE_S + 5
    )
    assert answer == b""
    assert closed
    assert seconds < KEEP_ALIVE_S * 2 + 1


def test_junk_after_a_valid_request_is_answered_after_it(gateway: RunningGateway) -> None:
    answer, closed, _ = exchange(
        gateway, b"GET /dev/echo HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n"
    )
    first, _, rest = answer.partition(b"HTTP/1.1 400 ")
    assert status_of(first) == 200
    assert rest.endswith(b"\r\n\r\nBad Request")
    assert closed


def test_pipelined_requests_are_answered_in_order_on_an_open_connection(
    gateway: RunningGateway,
) -> None:
    """Three requests in one write (HTTP/1.1 pipelining): three answers, in request order,
    and the connection stays open for more."""
    requests = b"".join(b"GET /dev/echo?n=%d HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in range(3))
    answer, closed, seconds = exchange(gateway, requests, timeout=2.0)
    assert b"connection: close" not in answer.lower()
    assert not closed or seconds >= KEEP_ALIVE_S  # open until the idle timeout
    answers = answer.split(b"HTTP/1.1 ")[1:]
    assert [status_of(b"HTTP/1.1 " + one) for one in answers] == [200, 200, 200]
    numbers = [
        json.loads(body_of(b"HTTP/1.1 " + one))["queryStringParameters"]["n"] for one in answers
    ]
    assert numbers == ["0", "1", "2"]


def test_an_upgrade_request_is_answered_as_plain_http_and_closed(gateway: RunningGateway) -> None:
    answer, closed, _ = exchange(
        gateway,
        b"GET /dev/echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    )
    assert status_of(answer) == 200
    assert b"connection: close" in answer.lower()
    assert closed


def test_head_request_gets_no_body(gateway: RunningGateway) -> None:
    answer, _, _ = exchange(gateway, b"HEAD /dev/echo HTTP/1.1\r\nHost: x\r\n\r\n", timeout=2)
    assert status_of(answer) == 403  # no automatic HEAD for a GET method
    assert answer.endswith(b"\r\n\r\n")
    assert b"content-length: 42" in answer.lower()


def test_refusals_never_print_a_traceback(
    gateway: RunningGateway, capfd: pytest.CaptureFixture[str]
) -> None:
    for raw in (
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"GET / HTTP/1.1\r\nA:\x00\r\n\r\n",
    ):
        answer, _, _ = exchange(gateway, raw + b"\r\n\r\n")
        assert status_of(answer) == 400
    served(gateway)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "Traceback" not in gateway.console()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    junk=st.one_of(
        st.binary(min_size=1, max_size=300),
        st.builds(
            lambda method, target, tail: method + b" " + target + b" HTTP/1.1\r\n" + tail,
            st.sampled_from([b"GET", b"POST", b"OPTIONS", b"PUT", b"DELETE", b"PATCH"]),
            st.binary(min_size=0, max_size=60),
            st.binary(min_size=0, max_size=120),
        ),
    )
)
def test_arbitrary_bytes_get_a_well_formed_answer_or_a_close(
    gateway: RunningGateway, junk: bytes
) -> None:
    answer, closed, seconds = exchange(gateway, junk + b"\r\n\r\n", timeout=5)
    assert seconds < 5  # never a hung connection
    if answer:
        status = status_of(answer)
        assert 200 <= status < 600
        assert status < 500, answer  # malformed input is the client's error
    else:
        assert closed
