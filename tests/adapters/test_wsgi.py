"""corsway.wsgi.CorsMiddleware: plain WSGI calls and a real Flask app (test client and direct
WSGI calls)."""

from __future__ import annotations

import copy
import io
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request, stream_with_context
from werkzeug.test import EnvironBuilder

from corsway.wsgi import CorsMiddleware
from tests.adapters.conftest import POLICY, VARY_PREFLIGHT
from tests.adapters.events import ADMIN, APP, EVIL

ACTUAL_CORS = [
    ("Access-Control-Allow-Origin", APP),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Expose-Headers", "X-Request-Id"),
    ("Vary", "Origin"),
]


def environ(method: str = "GET", path: str = "/items", **headers: str) -> dict[str, Any]:
    """A WSGI environ as a server builds it (headers as HTTP_* keys)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper()] = value
    return env


class StartResponse:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]], Any]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.calls.append((status, headers, exc_info))
        return lambda data: None

    @property
    def status(self) -> str:
        return self.calls[-1][0]

    @property
    def headers(self) -> list[tuple[str, str]]:
        return self.calls[-1][1]


class App:
    """A WSGI app returning ``headers`` (or raising) and counting its calls."""

    def __init__(
        self,
        headers: list[tuple[str, str]] | None = None,
        error: Exception | None = None,
        start_first: bool = False,
    ) -> None:
        self.headers = headers if headers is not None else [("Content-Type", "text/plain")]
        self.error = error
        self.start_first = start_first
        self.calls = 0

    def __call__(self, env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        if self.error is not None and not self.start_first:
            raise self.error
        start_response("200 OK", self.headers)
        if self.error is not None:
            raise self.error
        return [b"ok"]


def call(middleware: Any, env: dict[str, Any]) -> tuple[StartResponse, bytes]:
    start = StartResponse()
    body = b"".join(middleware(env, start))
    return start, body


PREFLIGHT = {
    "origin": APP,
    "access_control_request_method": "PUT",
    "access_control_request_headers": "content-type,x-request-id",
}


def test_allowed_preflight_is_answered_without_the_app() -> None:
    app = App()
    start, body = call(CorsMiddleware(app, **POLICY), environ("OPTIONS", **PREFLIGHT))
    assert app.calls == 0
    assert start.status == "204 No Content"
    assert start.headers == [
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "GET, PUT, DELETE"),
        ("Access-Control-Allow-Headers", "content-type,x-request-id"),
        ("Access-Control-Max-Age", "600"),
        ("Vary", VARY_PREFLIGHT),
    ]
    assert body == b""


def test_preflight_status_200_has_content_length() -> None:
    start, _ = call(
        CorsMiddleware(App(), **POLICY, preflight_status=200), environ("OPTIONS", **PREFLIGHT)
    )
    assert start.status == "200 OK"
    assert ("Content-Length", "0") in start.headers


def test_refused_preflight_is_403_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    app = App()
    with caplog.at_level(logging.WARNING, logger="corsway.wsgi"):
        start, _ = call(
            CorsMiddleware(app, **POLICY),
            environ("OPTIONS", origin=APP, access_control_request_method="PATCH"),
        )
    assert app.calls == 0
    assert start.status == "403 Forbidden"
    assert start.headers == [("Vary", VARY_PREFLIGHT), ("Content-Length", "0")]
    assert "(OPTIONS '/items'): method 'PATCH' is not allowed" in caplog.records[0].getMessage()


def test_preflight_passthrough() -> None:
    app = App()
    start, body = call(
        CorsMiddleware(app, **POLICY, preflight_passthrough=True), environ("OPTIONS", **PREFLIGHT)
    )
    assert app.calls == 1
    assert body == b"ok"
    assert ("Access-Control-Allow-Methods", "GET, PUT, DELETE") in start.headers


def test_actual_request_and_no_sticky_origin() -> None:
    app = App()
    middleware = CorsMiddleware(app, **POLICY)
    for origin in (APP, EVIL, ADMIN, APP):
        start, body = call(middleware, environ("GET", origin=origin))
        assert body == b"ok"
        allow = [v for n, v in start.headers if n == "Access-Control-Allow-Origin"]
        assert allow == ([] if origin == EVIL else [origin])
    assert app.calls == 4
    start, _ = call(middleware, environ("GET"))
    assert start.headers == [("Content-Type", "text/plain"), ("Vary", "Origin")]


def test_the_apps_cors_headers_are_replaced_vary_merged_and_its_list_untouched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = [
        ("Content-Type", "text/plain"),
        ("access-control-allow-origin", "*"),
        ("Vary", "Accept-Encoding"),
        ("vary", "Cookie, origin"),
    ]
    snapshot = copy.deepcopy(headers)
    middleware = CorsMiddleware(App(headers), **POLICY)
    with caplog.at_level(logging.WARNING, logger="corsway.wsgi"):
        first, _ = call(middleware, environ("GET", origin=APP))
        call(middleware, environ("GET", origin=APP))
    assert headers == snapshot
    assert first.headers == [
        ("Content-Type", "text/plain"),
        *ACTUAL_CORS[:3],
        ("Vary", "Accept-Encoding, Cookie, origin"),
    ]
    assert len(caplog.records) == 1
    assert caplog.records[0].args == ("the WSGI app", "access-control-allow-origin")


def test_exception_before_the_response_is_a_500_with_cors_and_a_logged_traceback() -> None:
    app = App(error=RuntimeError("db down"))
    env = environ("GET", origin=APP)
    start, body = call(CorsMiddleware(app, **POLICY), env)
    assert start.status == "500 Internal Server Error"
    assert start.headers == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "21"),
        *ACTUAL_CORS,
    ]
    assert body == b"Internal Server Error"
    exc_info = start.calls[-1][2]
    assert exc_info is not None and exc_info[0] is RuntimeError
    log = env["wsgi.errors"].getvalue()
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: db down" in log


def test_exception_after_start_response_calls_it_again_with_exc_info() -> None:
    start, body = call(
        CorsMiddleware(App(error=KeyError("x"), start_first=True), **POLICY),
        environ("HEAD", origin=APP),
    )
    assert [status for status, _, _ in start.calls] == ["200 OK", "500 Internal Server Error"]
    assert start.calls[1][2] is not None
    assert body == b""


def test_on_error_raise() -> None:
    with pytest.raises(RuntimeError, match="db down"):
        call(
            CorsMiddleware(App(error=RuntimeError("db down")), **POLICY, on_error="raise"),
            environ("GET", origin=APP),
        )


def test_without_wsgi_errors_the_traceback_goes_to_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = environ("GET", origin=APP)
    del env["wsgi.errors"]
    with caplog.at_level(logging.ERROR, logger="corsway.wsgi"):
        start, _ = call(CorsMiddleware(App(error=ValueError("v")), **POLICY), env)
    assert start.status.startswith("500")
    assert caplog.records[0].exc_info is not None


def test_the_response_iterable_is_returned_as_is() -> None:
    class Body:
        closed = False

        def __iter__(self) -> Iterator[bytes]:
            yield b"a"
            yield b"b"

        def close(self) -> None:
            self.closed = True

    body = Body()

    def app(env: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [])
        return body

    assert CorsMiddleware(app, **POLICY)(environ("GET", origin=APP), StartResponse()) is body


# --- Flask --------------------------------------------------------------------------------------


class Calls:
    def __init__(self) -> None:
        self.paths: list[str] = []


def flask_app(calls: Calls, testing: bool = False) -> Flask:
    app = Flask("corsway-test")
    app.config["TESTING"] = testing

    @app.before_request
    def record() -> None:
        calls.paths.append(f"{request.method} {request.path}")

    @app.route("/items", methods=["GET", "PUT"])
    def items() -> Any:
        if request.method == "PUT":
            return jsonify(request.get_json()), 201
        response = jsonify(items=[1, 2])
        response.headers["X-Request-Id"] = "r-1"
        return response

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("database unavailable")

    @app.route("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            yield "one,"
            yield "two"

        return Response(stream_with_context(chunks()), mimetype="text/csv")

    @app.route("/legacy")
    def legacy() -> Any:
        return "legacy", 200, {"Access-Control-Allow-Origin": "*", "Vary": "Cookie"}

    app.wsgi_app = CorsMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        allow_origins=[APP, ADMIN],
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Request-Id"],
        expose_headers=["X-Request-Id"],
        allow_credentials=True,
    )
    return app


def cors_of(headers: Any) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    }


def test_flask_preflight_is_answered_without_the_app() -> None:
    calls = Calls()
    client = flask_app(calls).test_client()
    response = client.options(
        "/items",
        headers={
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type, x-request-id",
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    assert cors_of(response.headers) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, PUT",
        "access-control-allow-headers": "content-type, x-request-id",
        "access-control-max-age": "600",
        "vary": VARY_PREFLIGHT,
    }
    assert calls.paths == []


def test_flask_actual_requests() -> None:
    calls = Calls()
    client = flask_app(calls).test_client()
    get = client.get("/items", headers={"Origin": ADMIN})
    put = client.put("/items", json={"a": 1}, headers={"Origin": APP})
    refused = client.get("/items", headers={"Origin": EVIL})
    stream = client.get("/stream", headers={"Origin": APP})
    legacy = client.get("/legacy", headers={"Origin": APP})
    assert calls.paths == [
        "GET /items",
        "PUT /items",
        "GET /items",
        "GET /stream",
        "GET /legacy",
    ]
    assert get.json == {"items": [1, 2]}
    assert cors_of(get.headers) == {
        "access-control-allow-origin": ADMIN,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "X-Request-Id",
        "vary": "Origin",
    }
    assert put.status_code == 201
    assert put.json == {"a": 1}
    assert put.headers["Access-Control-Allow-Origin"] == APP
    assert cors_of(refused.headers) == {"vary": "Origin"}
    assert stream.data == b"one,two"
    assert stream.headers["Access-Control-Allow-Origin"] == APP
    assert legacy.headers.getlist("Access-Control-Allow-Origin") == [APP]
    assert legacy.headers.getlist("Vary") == ["Cookie, Origin"]


def test_flask_own_500_gets_cors_headers() -> None:
    calls = Calls()
    response = flask_app(calls).test_client().get("/boom", headers={"Origin": APP})
    assert calls.paths == ["GET /boom"]
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_flask_propagated_exception_becomes_the_middlewares_500() -> None:
    calls = Calls()
    app = flask_app(calls, testing=True)  # TESTING propagates exceptions out of Flask
    env = EnvironBuilder(path="/boom", headers=[("Origin", APP)]).get_environ()
    errors = io.StringIO()
    env["wsgi.errors"] = errors
    start = StartResponse()
    body = b"".join(app.wsgi_app(env, start))
    assert start.status == "500 Internal Server Error"
    assert ("Access-Control-Allow-Origin", APP) in start.headers
    assert body == b"Internal Server Error"
    assert "RuntimeError: database unavailable" in errors.getvalue()


def test_flask_through_plain_wsgi_calls() -> None:
    calls = Calls()
    app = flask_app(calls)
    env = EnvironBuilder(
        method="OPTIONS",
        path="/items",
        headers=[("Origin", APP), ("Access-Control-Request-Method", "GET")],
    ).get_environ()
    start = StartResponse()
    assert b"".join(app.wsgi_app(env, start)) == b""
    assert start.status == "204 No Content"
    env = EnvironBuilder(path="/items", headers=[("Origin", APP)]).get_environ()
    start = StartResponse()
    body = b"".join(app(env, start))
    assert b'"items"' in body
    assert ("Access-Control-Allow-Origin", APP) in start.headers
    assert calls.paths == ["GET /items"]
