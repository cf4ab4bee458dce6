"""corsway.asgi.CorsMiddleware driven directly as an ASGI app: preflights, actual responses,
the app's own CORS headers, Vary, streaming, HEAD, errors, WebSockets and lifespan."""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

import pytest

from corsway.asgi import CorsMiddleware
from tests.adapters.asgi_helpers import (
    ScriptedApp,
    header_map,
    http_scope,
    run,
    run_raising,
    start_headers,
)
from tests.adapters.conftest import POLICY, VARY_PREFLIGHT
from tests.adapters.events import ADMIN, APP, EVIL

PREFLIGHT = [
    ("origin", APP),
    ("access-control-request-method", "PUT"),
    ("access-control-request-headers", "content-type,x-request-id"),
]
ACTUAL_CORS = {
    "access-control-allow-origin": APP,
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": "X-Request-Id",
    "vary": "Origin",
}


def middleware(app: Any = None, **options: Any) -> tuple[CorsMiddleware, ScriptedApp]:
    inner = app if app is not None else ScriptedApp()
    return CorsMiddleware(inner, **(options or POLICY)), inner


# --- preflights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("repeat", [1, 3])
def test_allowed_preflight_is_answered_without_the_app(repeat: int) -> None:
    cors, app = middleware()
    for _ in range(repeat):  # the second answer comes from the cache
        sent = run(cors, http_scope("OPTIONS", [("host", "api.example.com"), *PREFLIGHT]))
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[0]["status"] == 204
        assert sent[1]["body"] == b""
        assert header_map(sent) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": "GET, PUT, DELETE",
            "access-control-allow-headers": "content-type,x-request-id",
            "access-control-max-age": "600",
            "vary": VARY_PREFLIGHT,
        }
    assert app.scopes == []


def test_preflight_with_status_200_carries_content_length() -> None:
    cors, _ = middleware(**POLICY, preflight_status=200)
    sent = run(cors, http_scope("OPTIONS", PREFLIGHT))
    assert sent[0]["status"] == 200
    assert header_map(sent)["content-length"] == "0"


def test_refused_preflights_get_403_and_are_logged_every_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cors, app = middleware()
    scope = http_scope("OPTIONS", [("origin", EVIL), ("access-control-request-method", "PUT")])
    with caplog.at_level(logging.WARNING, logger="corsway.asgi"):
        first = run(cors, scope)
        second = run(cors, scope)
    for sent in (first, second):
        assert sent[0]["status"] == 403
        assert header_map(sent) == {"vary": VARY_PREFLIGHT, "content-length": "0"}
    assert app.scopes == []
    assert len(caplog.records) == 2
    assert f"origin {EVIL!r} is not allowed" in caplog.records[0].getMessage()
    assert "(OPTIONS '/items')" in caplog.records[0].getMessage()


def test_preflight_request_headers_in_any_casing_and_split_lines() -> None:
    cors, _ = middleware()
    scope = http_scope(
        "OPTIONS",
        [
            (b"ORIGIN", APP.encode()),
            (b"Access-Control-Request-Method", b"DELETE"),
            (b"access-control-request-HEADERS", b"content-type"),
            (b"Access-Control-Request-Headers", b"x-request-id"),
        ],
    )
    sent = run(cors, scope)
    assert sent[0]["status"] == 204
    assert header_map(sent)["access-control-allow-headers"] == "content-type,x-request-id"


def test_options_without_request_method_reaches_the_app() -> None:
    cors, app = middleware()
    sent = run(cors, http_scope("OPTIONS", [("origin", APP)]))
    assert len(app.scopes) == 1
    headers = header_map(sent)
    assert headers["access-control-allow-origin"] == APP
    assert headers["vary"] == VARY_PREFLIGHT


def test_preflight_passthrough_calls_the_app() -> None:
    cors, app = middleware(**POLICY, preflight_passthrough=True)
    sent = run(cors, http_scope("OPTIONS", PREFLIGHT))
    sent = run(cors, http_scope("OPTIONS", PREFLIGHT))
    assert len(app.scopes) == 2
    assert sent[0]["status"] == 200
    assert header_map(sent)["access-control-allow-methods"] == "GET, PUT, DELETE"
    assert sent[1]["body"] == b"ok"


# --- actual requests ----------------------------------------------------------------------------


def test_actual_request_gets_the_cors_headers_and_the_apps_body() -> None:
    cors, app = middleware()
    scope = http_scope("GET", [("host", "api.example.com"), ("origin", APP)])
    sent = run(cors, scope)
    assert app.scopes == [scope]
    assert sent[0]["status"] == 200
    assert header_map(sent) == {
        "content-type": "text/plain",
        "content-length": "2",
        **ACTUAL_CORS,
    }
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}


@pytest.mark.parametrize("name", [b"origin", b"Origin", b"ORIGIN"])
def test_origin_header_name_in_any_casing(name: bytes) -> None:
    cors, _ = middleware()
    sent = run(cors, http_scope("GET", [(name, APP.encode())]))
    assert header_map(sent)["access-control-allow-origin"] == APP


def test_no_sticky_origin() -> None:
    cors, _ = middleware()
    answers = [
        header_map(run(cors, http_scope("GET", [("origin", origin)]))).get(
            "access-control-allow-origin"
        )
        for origin in (APP, ADMIN, EVIL, APP, EVIL, ADMIN)
    ]
    assert answers == [APP, ADMIN, None, APP, None, ADMIN]


def test_request_without_origin() -> None:
    cors, app = middleware()
    sent = run(cors, http_scope("GET", [("host", "api.example.com")]))
    assert len(app.scopes) == 1
    assert header_map(sent) == {
        "content-type": "text/plain",
        "content-length": "2",
        "vary": "Origin",
    }


def test_the_apps_cors_headers_are_replaced_and_warned_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = ScriptedApp(
        [
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [
                    [b"Access-Control-Allow-Origin", b"*"],
                    (b"access-control-allow-credentials", b"true"),
                    (b"VARY", b"Accept-Encoding"),
                    (b"vary", b"origin, Cookie"),
                    (b"x-request-id", b"r-1"),
                ],
            },
            {"type": "http.response.body", "body": b"created"},
        ]
    )
    cors, _ = middleware(app)
    with caplog.at_level(logging.WARNING, logger="corsway.asgi"):
        for origin in (APP, ADMIN):
            sent = run(cors, http_scope("POST", [("origin", origin)]))
            assert start_headers(sent) == [
                (b"x-request-id", b"r-1"),
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", b"X-Request-Id"),
                (b"vary", b"Accept-Encoding, origin, Cookie"),
            ]
    warned = sorted(str(record.args[1]) for record in caplog.records)  # type: ignore[index]
    assert warned == ["Access-Control-Allow-Origin", "access-control-allow-credentials"]


def test_the_apps_message_is_not_modified() -> None:
    app = ScriptedApp()
    snapshot = copy.deepcopy(app.messages)
    cors, _ = middleware(app)
    run(cors, http_scope("GET", [("origin", APP)]))
    assert app.messages == snapshot


def test_star_policy_keeps_the_apps_vary() -> None:
    app = ScriptedApp(
        [
            {"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Cookie")]},
            {"type": "http.response.body", "body": b""},
        ]
    )
    cors = CorsMiddleware(app, origins=["*"])
    assert start_headers(run(cors, http_scope("GET", [("origin", EVIL)]))) == [
        (b"vary", b"Cookie"),
        (b"access-control-allow-origin", b"*"),
    ]


def test_head_and_streaming_responses_pass_through() -> None:
    chunks = [
        {"type": "http.response.start", "status": 200, "headers": [], "trailers": True},
        {"type": "http.response.body", "body": b"a", "more_body": True},
        {"type": "http.response.body", "body": b"b", "more_body": True},
        {"type": "http.response.body", "body": b"", "more_body": False},
        {
            "type": "http.response.trailers",
            "headers": [(b"x-checksum", b"1")],
            "more_trailers": False,
        },
    ]
    for method in ("GET", "HEAD"):
        app = ScriptedApp(copy.deepcopy(chunks))
        cors, _ = middleware(app)
        sent = run(cors, http_scope(method, [("origin", APP)]))
        assert sent[0]["trailers"] is True
        assert header_map(sent) == ACTUAL_CORS
        assert sent[1:] == chunks[1:]


def test_pattern_and_callable_origins_are_decided_on_every_request() -> None:
    allowed = {"https://partner.example.com"}
    cors = CorsMiddleware(
        ScriptedApp(), origins=["https://*.example.org"], allow_origin=lambda o: o in allowed
    )

    def allow_origin(origin: str) -> str | None:
        return header_map(run(cors, http_scope("GET", [("origin", origin)]))).get(
            "access-control-allow-origin"
        )

    assert allow_origin("https://a.example.org") == "https://a.example.org"
    assert allow_origin("https://b.example.org") == "https://b.example.org"
    assert allow_origin("https://partner.example.com") == "https://partner.example.com"
    allowed.clear()  # the callable's answer changes: nothing may be cached
    assert allow_origin("https://partner.example.com") is None
    allowed.add("https://partner.example.com")
    assert allow_origin("https://partner.example.com") == "https://partner.example.com"


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "body"), [("GET", b"Internal Server Error"), ("HEAD", b"")])
def test_exception_before_the_response_gives_a_500_with_cors_then_re_raises(
    method: str, body: bytes
) -> None:
    cors, _ = middleware(ScriptedApp(error=RuntimeError("db down")))
    sent, error = run_raising(cors, http_scope(method, [("origin", APP)]))
    assert isinstance(error, RuntimeError)
    assert str(error) == "db down"
    assert sent[0]["status"] == 500
    assert header_map(sent) == {
        "content-type": "text/plain; charset=utf-8",
        "content-length": "21",
        **ACTUAL_CORS,
    }
    assert sent[1] == {"type": "http.response.body", "body": body}


def test_exception_after_the_response_started_is_only_re_raised() -> None:
    cors, _ = middleware(ScriptedApp(error=ValueError("mid-stream"), error_after=1))
    sent, error = run_raising(cors, http_scope("GET", [("origin", APP)]))
    assert isinstance(error, ValueError)
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert sent[0]["status"] == 200


def test_exception_in_passthrough_preflight_carries_the_preflight_headers() -> None:
    cors, _ = middleware(ScriptedApp(error=KeyError("x")), **POLICY, preflight_passthrough=True)
    sent, _ = run_raising(cors, http_scope("OPTIONS", PREFLIGHT))
    assert sent[0]["status"] == 500
    assert header_map(sent)["access-control-allow-methods"] == "GET, PUT, DELETE"


# --- other scopes -------------------------------------------------------------------------------


def websocket_scope(origin: str | None) -> dict[str, Any]:
    scope = http_scope("GET", [("origin", origin)] if origin else [], path="/ws")
    scope["type"] = "websocket"
    scope["scheme"] = "wss"
    del scope["method"]
    return scope


class EchoWebSocket:
    def __init__(self) -> None:
        self.ran = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.ran = True
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})


@pytest.mark.parametrize("origin", [APP, None])
def test_websocket_from_an_allowed_or_no_origin_reaches_the_app(origin: str | None) -> None:
    app = EchoWebSocket()
    cors = CorsMiddleware(app, **POLICY)
    sent = run(cors, websocket_scope(origin), [{"type": "websocket.connect"}])
    assert app.ran
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]


def test_websocket_from_a_refused_origin_is_closed_before_accept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = EchoWebSocket()
    cors = CorsMiddleware(app, **POLICY)
    with caplog.at_level(logging.WARNING, logger="corsway.asgi"):
        sent = run(cors, websocket_scope(EVIL), [{"type": "websocket.connect"}])
    assert not app.ran
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert "WebSocket handshake refused ('/ws')" in caplog.records[0].getMessage()


def test_websocket_check_can_be_turned_off() -> None:
    app = EchoWebSocket()
    cors = CorsMiddleware(app, **POLICY, check_websocket_origin=False)
    run(cors, websocket_scope(EVIL), [{"type": "websocket.connect"}])
    assert app.ran


def test_lifespan_is_passed_through_untouched() -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)
        message = await receive()
        await send({"type": message["type"] + ".complete"})

    cors = CorsMiddleware(app, **POLICY)
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    sent = run(cors, scope, [{"type": "lifespan.startup"}])
    assert seen == [scope]
    assert sent == [{"type": "lifespan.startup.complete"}]


def test_middleware_runs_concurrent_requests_independently() -> None:
    class SlowApp:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await asyncio.sleep(0.01)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    cors = CorsMiddleware(SlowApp(), **POLICY)

    async def one(origin: str) -> str | None:
        sent: list[Any] = []

        async def receive() -> Any:
            return {"type": "http.request"}

        async def send(message: Any) -> None:
            sent.append(message)

        await cors(http_scope("GET", [("origin", origin)]), receive, send)
        return header_map(sent).get("access-control-allow-origin")

    async def main() -> list[str | None]:
        return list(await asyncio.gather(*(one(o) for o in (APP, EVIL, ADMIN, APP))))

    assert asyncio.run(main()) == [APP, None, ADMIN, APP]


def test_a_callable_is_asked_on_every_request_but_not_twice_after_the_first() -> None:
    asked: list[str] = []

    def allow_origin(origin: str) -> bool:
        asked.append(origin)
        return origin == "https://partner.example.com"

    cors = CorsMiddleware(ScriptedApp(), origins=[APP], allow_origin=allow_origin)
    for _ in range(3):
        run(cors, http_scope("GET", [("origin", "https://partner.example.com")]))
    # The first request also checks whether the answer is precomputed (it is not).
    assert asked == ["https://partner.example.com"] * 4


def test_response_headers_given_as_any_iterable() -> None:
    def headers() -> Any:
        yield (b"vary", b"Cookie")
        yield (b"content-type", b"text/plain")

    app = ScriptedApp(
        [
            {"type": "http.response.start", "status": 200, "headers": headers()},
            {"type": "http.response.body", "body": b""},
        ]
    )
    cors, _ = middleware(app)
    assert start_headers(run(cors, http_scope("GET", [("origin", APP)]))) == [
        (b"content-type", b"text/plain"),
        (b"access-control-allow-origin", APP.encode()),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"X-Request-Id"),
        (b"vary", b"Cookie, Origin"),
    ]
