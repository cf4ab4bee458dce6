"""Per-request cost of the CORS adapters against their peers, and their import (cold-start) cost.

Run: ``.venv/bin/python benchmarks/adapters.py`` (``make bench`` runs it too; ``--quick`` for a
short run). Two requests, the same policy everywhere (``https://app.example.com`` plus one more
exact origin, ``X-Custom`` allowed, max-age 600, no credentials):

* preflight: ``OPTIONS /items`` with ``Origin: https://app.example.com``,
  ``Access-Control-Request-Method: PUT``, ``Access-Control-Request-Headers: content-type,x-custom``;
* simple GET: ``GET /items`` with the same ``Origin``.

Lambda (a realistic API Gateway REST proxy event, ``handler(event, None)``):

* bare: a plain handler returning ``{"statusCode", "headers", "body"}``; CORS cost = wrapped
  minus bare.
* corsway: ``@cors(...)`` around the bare handler.
* Powertools: ``APIGatewayRestResolver(cors=CORSConfig(...))``; CORS cannot be separated from
  its router, so two figures: the CORS increment (the same router with ``cors=None`` and an
  explicit empty-204 ``OPTIONS`` route, so that both answer the preflight) and the total against
  the bare handler.
* lambda-decorators: ``@cors_headers(origin=...)``, which only adds a static header (no policy,
  no preflight handling): the floor for "add a dict entry".

ASGI (driven directly: the coroutine is stepped once, nothing in it suspends, no server, no
event loop): corsway's ``CorsMiddleware`` and Starlette's ``CORSMiddleware`` around a bare
two-``send`` app; CORS cost = wrapped minus bare.

Timing: every variant is a ``timeit.Timer`` on process CPU time (time spent waiting for the CPU
on a shared VM is not counted), calls per round calibrated to the round length, variants
interleaved round-robin, best round kept. Every wrapped variant's answer is checked before timing.

Import time: ``python -X importtime -c "import X"`` in fresh interpreters with cached bytecode (as
after ``pip install``), best of several.
"""

from __future__ import annotations

import gc
import os
import sys
import timeit
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from lambda_decorators import cors_headers
from starlette.middleware.cors import CORSMiddleware as StarletteCORSMiddleware

from corsway.asgi import CorsMiddleware
from corsway.aws import cors
from harness import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    best_of_rounds,
    cpu_timer,
    import_ms,
    response_start,
    run_asgi,
    scope_for,
)

LambdaHandler = Callable[[dict[str, Any], Any], Any]

APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://admin.example.com"
POLICY: dict[str, Any] = {
    "origins": [APP_ORIGIN, OTHER_ORIGIN],
    "methods": ["GET", "PUT"],
    "request_headers": ["Content-Type", "X-Custom"],
    "max_age": 600,
}
BROWSER_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en-GB,en;q=0.9",
    "CloudFront-Forwarded-Proto": "https",
    "CloudFront-Is-Desktop-Viewer": "true",
    "CloudFront-Viewer-Country": "GB",
    "Host": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
    "origin": APP_ORIGIN,
    "Referer": "https://app.example.com/",
    "sec-fetch-mode": "cors",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36",
    "Via": "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
    "X-Amz-Cf-Id": "pn-PWIJc6thYnZm5P0NMgOUglL1DYtl0gdeJky8tqsg8iS_sgsKD1A==",
    "X-Amzn-Trace-Id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
    "X-Forwarded-For": "203.0.113.7, 130.176.1.1",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
}
PREFLIGHT_HEADERS = {
    "access-control-request-method": "PUT",
    "access-control-request-headers": "content-type,x-custom",
}
REQUESTS: dict[str, tuple[str, dict[str, str]]] = {
    "preflight": ("OPTIONS", {**BROWSER_HEADERS, **PREFLIGHT_HEADERS}),
    "simple GET": ("GET", dict(BROWSER_HEADERS)),
}


def rest_event(method: str, headers: Mapping[str, str]) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload 1.0), shaped like AWS's documented sample."""
    return {
        "resource": "/items",
        "path": "/items",
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.eu-west-1.amazonaws.com",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": headers.get("User-Agent")},
            "path": "/dev/items",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2026:12:34:56 +0000",
            "requestTimeEpoch": 1775738096000,
            "resourceId": "xyz123",
            "resourcePath": "/items",
            "stage": "dev",
        },
        "body": None,
        "isBase64Encoded": False,
    }


# --- timing -------------------------------------------------------------------------------------


# --- Lambda variants ----------------------------------------------------------------------------


def bare_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


def powertools_handler(with_cors: bool) -> LambdaHandler:
    config = None
    if with_cors:
        config = CORSConfig(
            allow_origin=APP_ORIGIN,
            extra_origins=[OTHER_ORIGIN],
            allow_headers=["X-Custom"],
            max_age=600,
        )
    app = APIGatewayRestResolver(cors=config)

    @app.get("/items")
    def items() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body="{}")

    if not with_cors:

        @app.route("/items", method="OPTIONS")
        def options() -> Response[str]:
            return Response(status_code=204, body="")

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler


def lambda_variants() -> dict[str, LambdaHandler]:
    return {
        "bare": bare_handler,
        "corsway": cors(**POLICY)(bare_handler),
        "powertools": powertools_handler(with_cors=True),
        "powertools router": powertools_handler(with_cors=False),
        "lambda-decorators": cors_headers(origin=APP_ORIGIN)(bare_handler),
    }


def check_lambda(variants: Mapping[str, LambdaHandler]) -> None:
    for request, (method, headers) in REQUESTS.items():
        for name in ("corsway", "powertools"):
            response = variants[name](rest_event(method, headers), None)
            got = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            for k, values in (response.get("multiValueHeaders") or {}).items():
                got[k.lower()] = ", ".join(values)
            assert got.get("access-control-allow-origin") == APP_ORIGIN, (name, request, response)
            if request == "preflight":
                assert response["statusCode"] == 204, (name, response)
        response = variants["lambda-decorators"](rest_event("GET", REQUESTS["simple GET"][1]), None)
        assert response["headers"]["Access-Control-Allow-Origin"] == APP_ORIGIN, response


# --- ASGI variants ------------------------------------------------------------------------------


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def asgi_variants() -> dict[str, ASGIApp]:
    starlette: ASGIApp = StarletteCORSMiddleware(  # type: ignore[assignment]
        bare_app,  # type: ignore[arg-type]
        allow_origins=POLICY["origins"],
        allow_methods=POLICY["methods"],
        allow_headers=POLICY["request_headers"],
        max_age=600,
    )
    ours: ASGIApp = CorsMiddleware(bare_app, **POLICY)  # type: ignore[assignment]
    return {"bare": bare_app, "corsway": ours, "starlette": starlette}


def check_asgi(variants: Mapping[str, ASGIApp]) -> None:
    for request, (method, headers) in REQUESTS.items():
        for name in ("corsway", "starlette"):
            status, got = response_start(variants[name], method, headers)
            assert got.get("access-control-allow-origin") == APP_ORIGIN, (name, request, got)
            if request == "preflight":
                assert status in (200, 204), (name, status)


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, round_seconds = (8, 0.01) if quick else (40, 0.02)
    lambdas = lambda_variants()
    apps = asgi_variants()
    check_lambda(lambdas)
    check_asgi(apps)
    timers: dict[str, timeit.Timer] = {
        "dict.get": cpu_timer("get('origin')", get=BROWSER_HEADERS.get)
    }
    for request, (method, headers) in REQUESTS.items():
        event = rest_event(method, headers)
        for name, handler in lambdas.items():
            timers[f"lambda {name} {request}"] = cpu_timer(
                "handler(event, None)", handler=handler, event=event
            )
        scope = scope_for(method, headers)
        for name, app in apps.items():
            timers[f"asgi {name} {request}"] = cpu_timer(
                "run(app, scope)", run=run_asgi, app=app, scope=scope
            )
    gc.collect()
    best = {
        name: seconds * 1e6
        for name, seconds in best_of_rounds(timers, rounds, round_seconds).items()
    }

    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {rounds} rounds of "
        f"~{round_seconds * 1000:.0f} ms CPU each; machine speed reference: one dict.get call = "
        f"{best['dict.get'] * 1000:.0f} ns"
    )
    print()
    print("Lambda (API Gateway REST event), µs per request added by the CORS layer:")
    print()
    print(
        "| request | bare handler µs | corsway `@cors` µs | Powertools CORS µs (vs its router) "
        "| Powertools total µs (vs bare) | lambda-decorators µs | Powertools / corsway |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    worst_ratio = float("inf")
    slowest = 0.0
    for request in REQUESTS:
        bare = best[f"lambda bare {request}"]
        ours = best[f"lambda corsway {request}"] - bare
        theirs = best[f"lambda powertools {request}"] - best[f"lambda powertools router {request}"]
        total = best[f"lambda powertools {request}"] - bare
        floor = best[f"lambda lambda-decorators {request}"] - bare
        worst_ratio = min(worst_ratio, theirs / ours)
        slowest = max(slowest, ours)
        print(
            f"| {request} | {bare:.2f} | {ours:.2f} | {theirs:.2f} | {total:.2f} | {floor:.2f} "
            f"| {theirs / ours:.1f}x (total: {total / ours:.1f}x) |"
        )
    print()
    print(
        f"slowest @cors cost: {slowest:.2f} µs (target <= 2); smallest Powertools / corsway "
        f"ratio on the CORS increment: {worst_ratio:.1f}x (target >= 3)"
    )
    print("(lambda-decorators adds a static header only: no policy, no preflight answer.)")

    print()
    print("ASGI, µs per request added by the CORS middleware:")
    print()
    print("| request | bare app µs | corsway µs | Starlette µs | Starlette / corsway |")
    print("|---|---:|---:|---:|---:|")
    asgi_ratio = float("inf")
    for request in REQUESTS:
        bare = best[f"asgi bare {request}"]
        ours = best[f"asgi corsway {request}"] - bare
        theirs = best[f"asgi starlette {request}"] - bare
        asgi_ratio = min(asgi_ratio, theirs / ours)
        print(f"| {request} | {bare:.2f} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.1f}x |")
    print()
    print(f"smallest Starlette / corsway ratio: {asgi_ratio:.1f}x (target >= 2)")

    runs = 3 if quick else 9
    print()
    print(f"| import (fresh interpreter, cached bytecode, best of {runs}) | ms |")
    print("|---|---:|")
    for module in (
        "corsway.aws",
        "corsway.asgi",
        "corsway.wsgi",
        "aws_lambda_powertools.event_handler",
        "lambda_decorators",
        "starlette.middleware.cors",
    ):
        print(f"| `{module}` | {import_ms(module, runs):.1f} |")


if __name__ == "__main__":
    main()
