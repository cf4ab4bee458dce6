"""Real ASGI apps (Starlette, FastAPI) behind corsway.asgi.CorsMiddleware, driven through their
real stacks with httpx's ASGI transport, plus one run behind uvicorn on loopback."""

from __future__ import annotations

import asyncio
import http.client
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from corsway.asgi import CorsMiddleware
from tests.adapters.conftest import VARY_PREFLIGHT
from tests.adapters.events import ADMIN, APP, EVIL

PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type, x-request-id",
}


class Calls:
    def __init__(self) -> None:
        self.paths: list[str] = []


def starlette_app(calls: Calls, middleware: list[Middleware] | None = None) -> Starlette:
    async def items(request: Request) -> Response:
        calls.paths.append(f"{request.method} {request.url.path}")
        if request.method == "PUT":
            return JSONResponse(await request.json(), status_code=201)
        return JSONResponse({"items": [1, 2]}, headers={"X-Request-Id": "r-1"})

    async def boom(request: Request) -> Response:
        calls.paths.append("GET /boom")
        raise RuntimeError("database unavailable")

    async def legacy(request: Request) -> Response:
        calls.paths.append("GET /legacy")
        # What hand-rolled CORS code does; the middleware must replace it, not duplicate it.
        return PlainTextResponse(
            "legacy",
            headers={
                "Access-Control-Allow-Origin": "*",
                "Vary": "Accept-Encoding",
            },
        )

    async def stream(request: Request) -> Response:
        calls.paths.append("GET /stream")

        async def chunks() -> AsyncIterator[bytes]:
            for part in (b"one,", b"two,", b"three"):
                await asyncio.sleep(0)
                yield part

        return StreamingResponse(chunks(), media_type="text/csv")

    return Starlette(
        routes=[
            Route("/items", items, methods=["GET", "PUT", "HEAD"]),
            Route("/boom", boom),
            Route("/legacy", legacy),
            Route("/stream", stream),
        ],
        middleware=middleware,
    )


async def fetch_all(
    app: Any, requests: list[tuple[str, str, dict[str, str], bytes | None]]
) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.example.com") as client:
        return [
            await client.request(method, path, headers=headers, content=body)
            for method, path, headers, body in requests
        ]


def fetch(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> httpx.Response:
    return asyncio.run(fetch_all(app, [(method, path, headers, body)]))[0]


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-") or name == "vary"
    }


@pytest.fixture(params=["wrapped", "starlette-middleware-list"])
def wrapped_starlette(request: pytest.FixtureRequest) -> tuple[Any, Calls]:
    """The same Starlette app with corsway outermost, or in Starlette's middleware list using
    Starlette's option names (the one-import switch)."""
    calls = Calls()
    if request.param == "wrapped":
        app: Any = CorsMiddleware(
            starlette_app(calls),
            origins=[APP, ADMIN],
            methods=["GET", "PUT"],
            request_headers=["Content-Type", "X-Request-Id"],
            expose_headers=["X-Request-Id"],
            credentials=True,
            max_age=600,
        )
    else:
        app = starlette_app(
            calls,
            [
                Middleware(
                    CorsMiddleware,
                    allow_origins=[APP, ADMIN],
                    allow_methods=["GET", "PUT"],
                    allow_headers=["X-Request-Id"],
                    expose_headers=["X-Request-Id"],
                    allow_credentials=True,
                )
            ],
        )
    return app, calls


def test_starlette_preflight_is_answered_without_the_app(
    wrapped_starlette: tuple[Any, Calls],
) -> None:
    app, calls = wrapped_starlette
    response = fetch(app, "OPTIONS", "/items", PREFLIGHT)
    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT",
        "access-control-allow-headers": "content-type, x-request-id",
        "access-control-max-age": "600",
        "vary": VARY_PREFLIGHT,
    }
    assert calls.paths == []


def test_starlette_refused_preflight(wrapped_starlette: tuple[Any, Calls]) -> None:
    app, calls = wrapped_starlette
    response = fetch(app, "OPTIONS", "/items", {**PREFLIGHT, "Origin": EVIL})
    assert response.status_code == 403
    assert cors_headers(response) == {"vary": VARY_PREFLIGHT}
    assert calls.paths == []


def test_starlette_actual_requests(wrapped_starlette: tuple[Any, Calls]) -> None:
    app, calls = wrapped_starlette
    get, put, refused, head = asyncio.run(
        fetch_all(
            app,
            [
                ("GET", "/items", {"Origin": ADMIN}, None),
                ("PUT", "/items", {"Origin": APP, "Content-Type": "application/json"}, b'{"a": 1}'),
                ("GET", "/items", {"Origin": EVIL}, None),
                ("HEAD", "/items", {"Origin": APP}, None),
            ],
        )
    )
    assert calls.paths == ["GET /items", "PUT /items", "GET /items", "HEAD /items"]
    assert get.status_code == 200
    assert get.json() == {"items": [1, 2]}
    assert get.headers["x-request-id"] == "r-1"
    assert cors_headers(get) == {
        "access-control-allow-origin": ADMIN,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "X-Request-Id",
        "vary": "Origin",
    }
    assert put.status_code == 201
    assert put.json() == {"a": 1}
    assert put.headers["access-control-allow-origin"] == APP
    assert refused.status_code == 200
    assert cors_headers(refused) == {"vary": "Origin"}
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["access-control-allow-origin"] == APP


def test_starlette_exception_gives_a_readable_500_with_cors(
    wrapped_starlette: tuple[Any, Calls],
) -> None:
    app, calls = wrapped_starlette
    response = fetch(app, "GET", "/boom", {"Origin": APP})
    assert calls.paths == ["GET /boom"]
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers.get_list("access-control-allow-origin") == [APP]


def test_starlette_apps_own_cors_headers_are_replaced(
    wrapped_starlette: tuple[Any, Calls],
) -> None:
    app, _ = wrapped_starlette
    response = fetch(app, "GET", "/legacy", {"Origin": APP})
    assert response.text == "legacy"
    assert response.headers.get_list("access-control-allow-origin") == [APP]
    assert response.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_starlette_streaming_response(wrapped_starlette: tuple[Any, Calls]) -> None:
    app, _ = wrapped_starlette
    response = fetch(app, "GET", "/stream", {"Origin": APP})
    assert response.text == "one,two,three"
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["access-control-allow-origin"] == APP


def test_starlette_404_still_carries_cors(wrapped_starlette: tuple[Any, Calls]) -> None:
    app, calls = wrapped_starlette
    response = fetch(app, "GET", "/nope", {"Origin": APP})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == APP
    assert calls.paths == []


# --- FastAPI --------------------------------------------------------------------------------------


def fastapi_app(calls: Calls) -> FastAPI:
    app = FastAPI()
    # The FastAPI documentation's CORS setup with corsway's middleware (one import changed),
    # except allow_origins: "*" with credentials is refused, so the origins are listed.
    app.add_middleware(
        CorsMiddleware,
        allow_origins=[APP, ADMIN],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, Any]:
        calls.paths.append(f"GET /items/{item_id}")
        return {"item_id": item_id}

    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: int) -> None:
        calls.paths.append(f"DELETE /items/{item_id}")

    @app.get("/fail")
    async def fail() -> dict[str, Any]:
        calls.paths.append("GET /fail")
        raise ZeroDivisionError

    return app


def test_fastapi_preflight_with_star_methods_and_headers() -> None:
    calls = Calls()
    response = fetch(
        fastapi_app(calls),
        "OPTIONS",
        "/items/3",
        {
            "Origin": APP,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-trace, content-type",
        },
    )
    assert response.status_code == 204
    assert calls.paths == []
    # With credentials browsers read "*" literally, so it is answered with what was asked for.
    assert cors_headers(response) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "DELETE",
        "access-control-allow-headers": "x-trace, content-type",
        "access-control-max-age": "600",
        "vary": VARY_PREFLIGHT,
    }


def test_fastapi_star_headers_never_cover_authorization(caplog: pytest.LogCaptureFixture) -> None:
    calls = Calls()
    with caplog.at_level(logging.WARNING, logger="corsway.asgi"):
        response = fetch(
            fastapi_app(calls),
            "OPTIONS",
            "/items/3",
            {
                "Origin": APP,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
    assert response.status_code == 403
    assert calls.paths == []
    # The reason is given in the option names the app was configured with.
    assert "add 'Authorization' to allow_headers" in caplog.records[0].getMessage()


def test_fastapi_routes_validation_errors_and_exceptions() -> None:
    calls = Calls()
    app = fastapi_app(calls)
    ok, deleted, invalid, failed = asyncio.run(
        fetch_all(
            app,
            [
                ("GET", "/items/7", {"Origin": APP}, None),
                ("DELETE", "/items/7", {"Origin": ADMIN}, None),
                ("GET", "/items/seven", {"Origin": APP}, None),
                ("GET", "/fail", {"Origin": APP}, None),
            ],
        )
    )
    assert calls.paths == ["GET /items/7", "DELETE /items/7", "GET /fail"]
    assert ok.json() == {"item_id": 7}
    assert ok.headers["access-control-allow-origin"] == APP
    assert deleted.status_code == 204
    assert deleted.headers["access-control-allow-origin"] == ADMIN
    assert invalid.status_code == 422
    assert invalid.headers["access-control-allow-origin"] == APP
    assert failed.status_code == 500
    assert failed.text == "Internal Server Error"
    assert failed.headers.get_list("access-control-allow-origin") == [APP]


# --- a real server ------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[tuple[str, int, Calls]]:
    """The wrapped Starlette app behind uvicorn on 127.0.0.1 (ephemeral port)."""
    calls = Calls()
    app = CorsMiddleware(
        starlette_app(calls), origins=[APP], methods=["PUT"], request_headers=["Content-Type"]
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port, calls
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def test_behind_uvicorn_answers_are_framed_for_keep_alive(served: tuple[str, int, Calls]) -> None:
    host, port, calls = served
    connection = http.client.HTTPConnection(host, port, timeout=10)
    results = []
    try:
        for method, path, headers in [
            ("OPTIONS", "/items", {"Origin": APP, "Access-Control-Request-Method": "PUT"}),
            ("OPTIONS", "/items", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}),
            ("GET", "/items", {"Origin": APP}),
            ("HEAD", "/items", {"Origin": APP}),
            ("GET", "/items", {"Origin": EVIL}),
            # uvicorn closes the connection after an app exception, so this one comes last.
            ("GET", "/boom", {"Origin": APP}),
        ]:  # one keep-alive connection: each answer must be framed correctly
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            results.append(
                (response.status, response.getheader("Access-Control-Allow-Origin"), body)
            )
    finally:
        connection.close()
    assert results == [
        (204, APP, b""),
        (403, None, b""),
        (200, APP, b'{"items":[1,2]}'),
        (200, APP, b""),
        (200, None, b'{"items":[1,2]}'),
        (500, APP, b"Internal Server Error"),
    ]
    assert calls.paths == ["GET /items", "HEAD /items", "GET /items", "GET /boom"]
