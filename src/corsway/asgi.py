"""``CorsMiddleware``: one CORS policy in front of any ASGI app (Starlette, FastAPI, ...).

```python
from corsway.asgi import CorsMiddleware

app = CorsMiddleware(app, origins=["https://app.example.com"], credentials=True)
```

Options: the engine's keyword arguments (see ``corsway.cors.CorsPolicy``), or
``policy=CorsPolicy(...)``, or Starlette ``CORSMiddleware``'s names (``allow_origins``,
``allow_methods``, ``allow_headers``, ``allow_credentials``, ``expose_headers``, ``max_age``,
``allow_origin_regex``, ``allow_private_network``) with Starlette's defaults (the four
CORS-safelisted request headers always allowed, ``max_age=600``). One naming style per
middleware; where corsway is stricter than Starlette (``'*'`` with credentials, a str for
``allow_origins``, ...) ``CorsConfigError`` says so and shows the fix. Plus:

``preflight_passthrough=False``
    Preflights are answered without calling the app (refused ones are logged at WARNING on the
    ``corsway.asgi`` logger with the engine's reason); ``True`` passes them to the app and adds
    the preflight headers to its response.
``check_websocket_origin=True``
    Browsers do not apply CORS to WebSockets, so any site can open one to your server with the
    user's cookies. A WebSocket handshake whose ``Origin`` the policy refuses is therefore
    closed before it is accepted (the server answers 403) and logged; handshakes with an allowed
    origin or without ``Origin`` (non-browser clients) reach the app untouched. ``False`` passes
    every WebSocket through untouched, as Starlette's middleware does.

Behaviour: ``lifespan`` and other non-HTTP scopes go to the app untouched. In the app's
``http.response.start`` (header names in any casing, raw bytes) every CORS header the policy owns
is dropped (a warning is logged once per header name) and the policy's headers are added;
``Vary`` is merged with the app's into one header without duplicate tokens. The app's message
is never modified (a copy is sent). Body chunks, streaming, trailers and HEAD responses pass
through as the app sends them. If the app raises before it starts its response, the client gets
500 ``Internal Server Error`` (text/plain) with the CORS headers, then the exception is
re-raised so that the server logs it; after the response has started it is only re-raised.
"""

from __future__ import annotations

from corsway._adapter import (
    OWNED_HEADERS_BYTES,
    SPECIAL_LENGTHS,
    STARLETTE_OPTIONS,
    Warner,
    build_policy,
    check_choice,
    logger,
    merge_vary,
    starlette_reason,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping
    from typing import Any, TypeAlias

    from typing_extensions import Unpack

    from corsway._adapter import MiddlewareOptions
    from corsway.cors import CorsPolicy

    Scope: TypeAlias = MutableMapping[str, Any]
    Message: TypeAlias = MutableMapping[str, Any]
    Receive: TypeAlias = Callable[[], Awaitable[Message]]
    Send: TypeAlias = Callable[[Message], Awaitable[None]]
    ASGIApp: TypeAlias = Callable[..., Awaitable[None]]  # (scope, receive, send), ASGI 3
    RawHeaders: TypeAlias = list[tuple[bytes, bytes]]

__all__ = ["CorsMiddleware"]

_LOGGER = "corsway.asgi"
_ERROR_BODY = b"Internal Server Error"
_ERROR_HEADERS: RawHeaders = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_ERROR_BODY)).encode("latin-1")),
]
_CACHE_LIMIT = 4096
_ORIGIN = b"origin"
_REQUEST_METHOD = b"access-control-request-method"
_REQUEST_HEADERS = b"access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"


class CorsMiddleware:
    """ASGI middleware applying a CORS policy; see the module docstring for the options."""

    __slots__ = (
        "_actual_by_origin",
        "_check_websocket",
        "_decide",
        "_decided_each_time",
        "_encoded",
        "_no_origin",
        "_passthrough",
        "_preflight_by_request",
        "_starlette_names",
        "_warn",
        "app",
        "policy",
    )

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: CorsPolicy | None = None,
        preflight_passthrough: bool = False,
        check_websocket_origin: bool = True,
        **options: Unpack[MiddlewareOptions],
    ) -> None:
        self.app = app
        self.policy = build_policy("CorsMiddleware", policy, options, starlette_names=True)
        self._starlette_names = any(name in STARLETTE_OPTIONS for name in options)
        check_choice("preflight_passthrough", preflight_passthrough, (False, True))
        check_choice("check_websocket_origin", check_websocket_origin, (False, True))
        self._passthrough = preflight_passthrough
        self._check_websocket = check_websocket_origin
        self._decide = self.policy.decide
        # Encoded answers for requests whose decision the engine precomputed (it returns the
        # same decision object every time: listed origins, "*" policies), by raw request
        # header values. Refusals, pattern and callable matches are decided on every request.
        self._actual_by_origin: dict[bytes, RawHeaders] = {}
        self._preflight_by_request: dict[tuple[bytes | None, ...], tuple[int, RawHeaders]] = {}
        # Requests found not to be precomputed (so not probed twice again); bounded.
        self._decided_each_time: set[object] = set()
        self._encoded: dict[int, tuple[tuple[tuple[str, str], ...], RawHeaders]] = {}
        self._no_origin = self._encode(self._decide("GET", {})[3])
        self._warn = Warner(_LOGGER, "the ASGI app")

    def _encode(self, headers: tuple[tuple[str, str], ...]) -> RawHeaders:
        """``headers`` as ASGI raw headers (lower-case names), cached by identity (the engine
        reuses one tuple per precomputed answer; the tuple is kept alive with its encoding so
        that its id cannot be taken by another object)."""
        cached = self._encoded.get(id(headers))
        if cached is not None and cached[0] is headers:
            return cached[1]
        encoded = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        if len(self._encoded) >= _CACHE_LIMIT:
            self._encoded.clear()
        self._encoded[id(headers)] = (headers, encoded)
        return encoded

    def _actual(self, method: str, origin: bytes) -> RawHeaders:
        """The encoded CORS headers for an actual request from ``origin`` (first sight)."""
        request = {"origin": origin.decode("latin-1")}
        decision = self._decide(method, request)
        encoded = self._encode(decision[3])
        if origin not in self._decided_each_time:
            if self._decide(method, request) is decision:  # precomputed: the same every time
                _remember(self._actual_by_origin, origin, encoded)
            else:
                _remember(self._decided_each_time, origin)
        return encoded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and self._check_websocket:
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method != "OPTIONS":
            for name, value in scope["headers"]:
                if len(name) == 6 and (name == _ORIGIN or name.lower() == _ORIGIN):
                    cached = self._actual_by_origin.get(value)
                    encoded = self._actual(method, value) if cached is None else cached
                    break
            else:
                encoded = self._no_origin
        else:
            key = _cors_request_values(scope["headers"])
            answer = self._preflight_by_request.get(key)
            if answer is not None and not self._passthrough:
                status, headers = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
            decision = self._decide(method, _as_request(key))
            if decision[0] == "preflight" and not self._passthrough:
                await self._answer_preflight(scope, key, decision, send)
                return
            encoded = self._encode(decision[3])

        started = False

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            if not started and message["type"] == "http.response.start":
                started = True
                raw = message.get("headers") or ()
                if type(raw) is not list and type(raw) is not tuple:
                    raw = list(raw)  # any iterable is allowed; it is read twice
                for pair in raw:
                    if len(pair[0]) in SPECIAL_LENGTHS:
                        message = self._with_cors(message, raw, encoded)
                        break
                else:
                    message = {**message, "headers": [*raw, *encoded]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            if not started:
                started = True
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [*_ERROR_HEADERS, *encoded],
                    }
                )
                body = b"" if method == "HEAD" else _ERROR_BODY
                await send({"type": "http.response.body", "body": body})
            raise

    def _with_cors(self, message: Message, raw: Any, encoded: RawHeaders) -> Message:
        """A copy of the app's ``http.response.start`` message with the app's owned CORS headers
        dropped, ``encoded`` added and ``Vary`` merged."""
        cors_vary = next((value for name, value in encoded if name == b"vary"), None)
        headers: RawHeaders = []
        vary: list[str] = []
        for pair in raw:
            name = bytes(pair[0])
            lower = name.lower()
            if lower in OWNED_HEADERS_BYTES:
                self._warn(name.decode("latin-1"))
            elif lower == b"vary" and cors_vary is not None:
                vary.append(bytes(pair[1]).decode("latin-1"))
            else:
                headers.append((pair[0], pair[1]))
        for name, value in encoded:
            if name == b"vary" and vary:
                merged = merge_vary(vary, value.decode("latin-1"))
                headers.append((name, merged.encode("latin-1")))
            else:
                headers.append((name, value))
        return {**message, "headers": headers}

    async def _answer_preflight(
        self, scope: Scope, key: tuple[bytes | None, ...], decision: Any, send: Send
    ) -> None:
        status: int = decision[2]
        if not decision[1]:
            reason = starlette_reason(decision[4]) if self._starlette_names else decision[4]
            logger(_LOGGER).warning(
                "CORS preflight refused (OPTIONS %r): %s", scope.get("path"), reason
            )
        headers = self._encode(decision[3])
        if status != 204:  # a 204 must not carry Content-Length; others need it for framing
            headers = [*headers, (b"content-length", b"0")]
        if key not in self._decided_each_time:
            if self._decide("OPTIONS", _as_request(key)) is decision:  # precomputed
                _remember(self._preflight_by_request, key, (status, headers))
            else:
                _remember(self._decided_each_time, key)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a WebSocket handshake from an origin the policy refuses; pass the rest."""
        origin = None
        for name, value in scope.get("headers") or ():
            if len(name) == 6 and name.lower() == _ORIGIN:
                origin = value.decode("latin-1")
                break
        if origin is not None:
            decision = self._decide("GET", {"origin": origin})
            if not decision[1]:
                reason = starlette_reason(decision[4]) if self._starlette_names else decision[4]
                logger(_LOGGER).warning(
                    "WebSocket handshake refused (%r): %s", scope.get("path"), reason
                )
                message = await receive()  # websocket.connect
                if message.get("type") == "websocket.connect":
                    # Closing before accepting makes the server answer 403 (ASGI spec).
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def _remember(cache: Any, key: Any, value: Any = None) -> None:
    """Add to a dict (``key: value``) or a set (``key``), emptying it first when full."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    if isinstance(cache, dict):
        cache[key] = value
    else:
        cache.add(key)


def _cors_request_values(raw: Any) -> tuple[bytes | None, ...]:
    """Origin, Access-Control-Request-Method, -Headers and -Private-Network from ASGI raw headers
    (names in any casing): the first of each wins, except -Headers, whose lines are joined."""
    origin = method = headers = private = None
    for name, value in raw:
        size = len(name)
        if size == 6:
            if origin is None and name.lower() == _ORIGIN:
                origin = bytes(value)
        elif size == 29:
            if method is None and name.lower() == _REQUEST_METHOD:
                method = bytes(value)
        elif size == 30:
            if name.lower() == _REQUEST_HEADERS:
                headers = bytes(value) if headers is None else headers + b"," + value
        elif size == 38 and private is None and name.lower() == _REQUEST_PRIVATE_NETWORK:
            private = bytes(value)
    return origin, method, headers, private


_REQUEST_NAMES = (
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
)


def _as_request(values: tuple[bytes | None, ...]) -> dict[str, str]:
    """The values from :func:`_cors_request_values` as a request header dict for the engine."""
    return {
        name: value.decode("latin-1")
        for name, value in zip(_REQUEST_NAMES, values, strict=True)
        if value is not None
    }
