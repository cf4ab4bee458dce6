"""Per-request cost of the CORS engine against Starlette's CORSMiddleware, and its import time.

Run: ``.venv/bin/python benchmarks/engine.py`` (``make bench`` runs it too; ``--quick`` for a
short run). Prints µs per call (best of many rounds, process CPU time, so time spent waiting for
the CPU on a shared VM is not counted) for three requests: an allowed preflight, an allowed
actual request and a refused origin, with 1 and with 1,000 configured origins.

* corsway: ``policy.decide(method, headers)`` with the request headers as a dict.
* Starlette: the same policy as ``CORSMiddleware``, driven directly as an ASGI app (no server, no
  event loop: the coroutine is stepped once, nothing in it suspends); its CORS cost is the wrapped
  app minus the bare app, so the harness and the app cancel out.
* corsway via ASGI (indicative): a minimal ASGI shim around ``decide()`` (decode the headers,
  answer preflights, append headers to the app's response), measured the same way as Starlette.

Import time: ``python -X importtime -c "import corsway.cors"`` in fresh interpreters, best of
several, with cached bytecode (as after ``pip install``) and without (compiling the source).
"""

from __future__ import annotations

import gc
import os
import sys
import timeit

from starlette.middleware.cors import CORSMiddleware

from corsway.cors import CorsDecision, CorsPolicy
from harness import (
    ASGIApp,
    Message,
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

APP_ORIGIN = "https://app.example.com"
REFUSED_ORIGIN = "https://evil.example"
WILDCARD = "https://*.example.org"  # in both policies; Starlette gets the equivalent regex
WILDCARD_REGEX = r"https://([a-z0-9_-]+\.)+example\.org"
WILDCARD_MATCH = "https://tenant-42.eu.example.org"
METHODS = ["GET", "POST", "PUT"]
REQUEST_HEADERS = ["Authorization", "Content-Type"]
EXPOSE_HEADERS = ["X-Request-Id"]
BROWSER_HEADERS = {
    "host": "api.example.com",
    "connection": "keep-alive",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36",
    "accept": "*/*",
    "accept-language": "en-GB,en;q=0.9",
    "accept-encoding": "gzip, deflate, br",
    "referer": "https://app.example.com/",
    "sec-fetch-mode": "cors",
    "sec-fetch-site": "same-site",
    "sec-fetch-dest": "empty",
}
REQUESTS: dict[str, tuple[str, dict[str, str]]] = {
    "allowed preflight": (
        "OPTIONS",
        {
            **BROWSER_HEADERS,
            "origin": APP_ORIGIN,
            "access-control-request-method": "PUT",
            "access-control-request-headers": "authorization,content-type",
        },
    ),
    "allowed actual": ("GET", {**BROWSER_HEADERS, "origin": APP_ORIGIN}),
    "refused origin": ("GET", {**BROWSER_HEADERS, "origin": REFUSED_ORIGIN}),
    "allowed actual, wildcard origin": ("GET", {**BROWSER_HEADERS, "origin": WILDCARD_MATCH}),
}


COUNTS = (1, 1000)


def origins(count: int) -> list[str]:
    """``count`` exact origins; the allowed one is last (worst case for a list scan)."""
    return [f"https://app{i}.example.com" for i in range(count - 1)] + [APP_ORIGIN]


# --- timing -------------------------------------------------------------------------------------


# --- ASGI drivers -------------------------------------------------------------------------------


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def corsway_asgi_shim(app: ASGIApp, policy: CorsPolicy) -> ASGIApp:
    """A minimal ASGI wrapper around decide(), for an apples-to-apples row (not corsway.asgi)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        decision = policy.decide(scope["method"], headers)
        encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in decision.headers]
        if decision.kind == "preflight":
            start = {"type": "http.response.start", "status": decision.status, "headers": encoded}
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *encoded]}
            await send(message)

        await app(scope, receive, send_with_cors)

    return middleware


# --- checks before timing -----------------------------------------------------------------------


def check(policy: CorsPolicy, starlette: ASGIApp, shim: ASGIApp) -> None:
    """Every variant must give the expected verdict before it is timed."""
    for name, (method, headers) in REQUESTS.items():
        decision: CorsDecision = policy.decide(method, headers)
        assert decision.allowed is (name != "refused origin"), (name, decision)
        origin = headers["origin"]
        for app in (starlette, shim):
            status, got = response_start(app, method, headers)
            expected_origin = None if name == "refused origin" else origin
            assert got.get("access-control-allow-origin") == expected_origin, (name, app, got)
            if name == "allowed preflight":
                assert status in (200, 204), (name, status)


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, round_seconds = (8, 0.01) if quick else (40, 0.02)
    timers: dict[str, timeit.Timer] = {
        "dict.get": cpu_timer("get('origin')", get=REQUESTS["allowed actual"][1].get)
    }
    for count in COUNTS:
        configured = origins(count)
        policy = CorsPolicy(
            origins=[*configured, WILDCARD],
            methods=METHODS,
            request_headers=REQUEST_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            credentials=True,
            max_age=600,
        )
        starlette: ASGIApp = CORSMiddleware(  # type: ignore[assignment]
            bare_app,  # type: ignore[arg-type]
            allow_origins=configured,
            allow_origin_regex=WILDCARD_REGEX,
            allow_methods=METHODS,
            allow_headers=REQUEST_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            allow_credentials=True,
            max_age=600,
        )
        shim = corsway_asgi_shim(bare_app, policy)
        check(policy, starlette, shim)
        for name, (method, headers) in REQUESTS.items():
            scope = scope_for(method, headers)
            timers[f"{count} corsway {name}"] = cpu_timer(
                "decide(method, headers)", decide=policy.decide, method=method, headers=headers
            )
            for label, app in (("bare", bare_app), ("starlette", starlette), ("shim", shim)):
                timers[f"{count} {label} {name}"] = cpu_timer(
                    "run(app, scope)", run=run_asgi, app=app, scope=scope
                )
    gc.collect()
    best = best_of_rounds(timers, rounds, round_seconds)
    rows: list[tuple[int, str, float, float, float]] = []
    for count in COUNTS:
        for name in REQUESTS:
            bare = best[f"{count} bare {name}"]
            rows.append(
                (
                    count,
                    name,
                    best[f"{count} corsway {name}"] * 1e6,
                    (best[f"{count} starlette {name}"] - bare) * 1e6,
                    (best[f"{count} shim {name}"] - bare) * 1e6,
                )
            )
    reference = best["dict.get"]
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; best of {rounds} rounds of "
        f"~{round_seconds * 1000:.0f} ms CPU each; machine speed reference: one dict.get call = "
        f"{reference * 1e9:.0f} ns"
    )
    print()
    print(
        "| origins | request | corsway decide() µs | Starlette CORS µs | Starlette / corsway "
        "| corsway via ASGI shim µs |"
    )
    print("|---:|---|---:|---:|---:|---:|")
    for count, name, ours, theirs, shim_cost in rows:
        print(
            f"| {count:,} | {name} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.1f}x "
            f"| {shim_cost:.2f} |"
        )
    per_count = len(REQUESTS)
    targets = [row for row in rows if "wildcard" not in row[1]]
    flat = max(rows[i + per_count][2] / rows[i][2] for i in range(per_count))
    print()
    print(f"slowest decide() on the three target requests: {max(r[2] for r in targets):.2f} µs")
    print(f"cost with 1,000 origins / cost with 1 (worst request): {flat:.2f}")
    print(f"smallest Starlette / corsway ratio: {min(r[3] / r[2] for r in targets):.1f}x")

    runs = 3 if quick else 9
    print()
    print(f"| import (fresh interpreter, best of {runs}) | bytecode cached ms | no bytecode ms |")
    print("|---|---:|---:|")
    for module in ("corsway", "corsway.cors", "starlette.middleware.cors"):
        cached = import_ms(module, runs, cached=True)
        compiled = import_ms(module, runs, cached=False)
        print(f"| `{module}` | {cached:.2f} | {compiled:.2f} |")


if __name__ == "__main__":
    main()
