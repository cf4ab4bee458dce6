"""``CorsMiddleware``: one CORS policy in front of any WSGI app (Flask, Django, ...).

```python
from corsway.wsgi import CorsMiddleware

app.wsgi_app = CorsMiddleware(app.wsgi_app, origins=["https://app.example.com"])  # Flask
```

Options: the engine's keyword arguments (see ``corsway.cors.CorsPolicy``), or
``policy=CorsPolicy(...)``, or Starlette ``CORSMiddleware``'s names with Starlette's defaults,
exactly as for ``corsway.asgi.CorsMiddleware``. Plus:

``preflight_passthrough=False``
    Preflights are answered without calling the app (refused ones are logged at WARNING on the
    ``corsway.wsgi`` logger with the engine's reason); ``True`` passes them to the app and adds
    the preflight headers to its response.
``on_error="respond"``
    If the app raises before returning its response iterable, the traceback is written to
    ``environ["wsgi.errors"]`` (the WSGI error stream, which servers send to their log) and the
    client gets 500 ``Internal Server Error`` (text/plain) with the CORS headers: the middleware
    calls ``start_response`` with ``exc_info`` as PEP 3333 prescribes for error handlers (so a
    server that already sent headers raises instead). The exception is not re-raised: a WSGI
    server answers an escaped exception with its own 500, without CORS headers. ``"raise"``
    re-raises it untouched instead. An exception while the server iterates the body is the
    server's to handle (the headers may already be on the wire).

Behaviour: every CORS header the policy owns that the app passes to ``start_response`` is dropped
(a warning is logged once per header name) and the policy's headers are added; ``Vary`` is merged
with the app's into one header without duplicate tokens. The app's header list is never
modified (a new list is passed on). The response iterable is returned as the app made it
(streaming and ``close()`` preserved).
"""

from __future__ import annotations

from corsway._adapter import (
    SPECIAL_NAMES,
    STARLETTE_OPTIONS,
    Warner,
    build_policy,
    check_choice,
    logger,
    merge_vary,
    starlette_reason,
    status_line,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType
    from typing import Any, TypeAlias

    from typing_extensions import Unpack

    from corsway._adapter import MiddlewareOptions
    from corsway.cors import CorsPolicy

    ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]
    StartResponse: TypeAlias = Callable[..., Any]
    WSGIApp: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
    HeaderList: TypeAlias = list[tuple[str, str]]

__all__ = ["CorsMiddleware"]

_LOGGER = "corsway.wsgi"
_ERROR_BODY = b"Internal Server Error"
_ERROR_HEADERS: HeaderList = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_ERROR_BODY))),
]


class CorsMiddleware:
    """WSGI middleware applying a CORS policy; see the module docstring for the options."""

    __slots__ = (
        "_decide",
        "_passthrough",
        "_preflight_lines",
        "_reraise",
        "_starlette_names",
        "_warn",
        "app",
        "policy",
    )

    def __init__(
        self,
        app: WSGIApp,
        *,
        policy: CorsPolicy | None = None,
        preflight_passthrough: bool = False,
        on_error: str = "respond",
        **options: Unpack[MiddlewareOptions],
    ) -> None:
        self.app = app
        self.policy = build_policy("CorsMiddleware", policy, options, starlette_names=True)
        self._starlette_names = any(name in STARLETTE_OPTIONS for name in options)
        check_choice("preflight_passthrough", preflight_passthrough, (False, True))
        check_choice("on_error", on_error, ("respond", "raise"))
        self._passthrough = preflight_passthrough
        self._reraise = on_error == "raise"
        self._decide = self.policy.decide
        self._warn = Warner(_LOGGER, "the WSGI app")
        self._preflight_lines = {
            status: status_line(status) for status in (self.policy.preflight_status, 403)
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            decision = self._decide(method, {})
        elif method != "OPTIONS":
            decision = self._decide(method, {"origin": origin})
        else:
            request = {"origin": origin}
            for key, name in (
                ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "access-control-request-method"),
                ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "access-control-request-headers"),
                (
                    "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK",
                    "access-control-request-private-network",
                ),
            ):
                value = environ.get(key)
                if value is not None:
                    request[name] = value
            decision = self._decide(method, request)
            if decision[0] == "preflight" and not self._passthrough:
                return self._answer_preflight(environ, decision, start_response)
        cors: tuple[tuple[str, str], ...] = decision[3]
        warn = self._warn

        def start_with_cors(
            status: str, headers: HeaderList, exc_info: ExcInfo | None = None
        ) -> Any:
            for name, _ in headers:
                if name.lower() in SPECIAL_NAMES:
                    break
            else:
                return start_response(status, [*headers, *cors], exc_info)
            return start_response(status, _merge(headers, cors, warn), exc_info)

        try:
            return self.app(environ, start_with_cors)
        except Exception:
            if self._reraise:
                raise
            import sys
            import traceback

            errors = environ.get("wsgi.errors")
            if errors is not None:
                traceback.print_exc(file=errors)
            else:
                logger(_LOGGER).exception("the WSGI app raised")
            start_response("500 Internal Server Error", [*_ERROR_HEADERS, *cors], sys.exc_info())
            return [b""] if method == "HEAD" else [_ERROR_BODY]

    def _answer_preflight(
        self, environ: dict[str, Any], decision: Any, start_response: StartResponse
    ) -> Iterable[bytes]:
        status: int = decision[2]
        if not decision[1]:
            reason = starlette_reason(decision[4]) if self._starlette_names else decision[4]
            logger(_LOGGER).warning(
                "CORS preflight refused (OPTIONS %r): %s", environ.get("PATH_INFO"), reason
            )
        headers: HeaderList = list(decision[3])
        if status != 204:  # a 204 must not carry Content-Length; others need it for framing
            headers.append(("Content-Length", "0"))
        line = self._preflight_lines.get(status) or status_line(status)
        start_response(line, headers)
        return []


def _merge(headers: HeaderList, cors: tuple[tuple[str, str], ...], warn: Warner) -> HeaderList:
    """A new header list: the app's without the owned CORS headers, plus ``cors`` (``Vary``
    merged with the app's)."""
    cors_vary = any(name == "Vary" for name, _ in cors)
    merged: HeaderList = []
    vary: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower in SPECIAL_NAMES and lower != "vary":
            warn(name)
        elif lower == "vary" and cors_vary:
            vary.append(value)
        else:
            merged.append((name, value))
    for name, value in cors:
        merged.append((name, merge_vary(vary, value) if name == "Vary" and vary else value))
    return merged
