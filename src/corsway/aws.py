"""``@cors``: one CORS policy in front of a Lambda handler, whatever HTTP event source calls it.

```python
from corsway.aws import cors

@cors(origins=["https://app.example.com"], credentials=True, request_headers=["Content-Type"])
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
```

``@cors(...)`` takes the engine's keyword arguments (see ``corsway.cors.CorsPolicy``) or
``policy=CorsPolicy(...)``, and validates them when the module is imported (``CorsConfigError``).
Two options of its own:

``preflight_passthrough=False``
    Preflights are answered by the decorator without calling the handler (status from the policy,
    204 by default; refused ones 403, logged at WARNING on the ``corsway.aws`` logger with the
    engine's reason). ``True`` calls the handler for preflights too and adds the policy's
    preflight headers to its response.
``on_error="respond"``
    An exception from the handler is logged (``logger.exception`` on ``corsway.aws``) and
    answered with 500 ``{"message": "Internal server error"}`` carrying the CORS headers, so the
    browser shows the failure rather than a CORS error. ``"raise"`` re-raises it instead (the
    platform then answers 502/500 without CORS headers).

Event sources, detected on every call from the event's shape (nothing is remembered):

* API Gateway REST (payload 1.0) and HTTP API payload 1.0: ``httpMethod``, ``headers`` and
  ``multiValueHeaders``. Request headers are read from ``headers`` (any casing) and, when that
  lacks ``Origin``, from ``multiValueHeaders``.
* HTTP API payload 2.0 and Lambda Function URLs (``"version": "2.0"``): method from
  ``requestContext.http.method``; ``headers`` holds lower-case names with repeated headers joined
  by commas.
* ALB: like REST; with the target group's multi-value headers setting on, the event carries only
  ``multiValueHeaders`` and responses must use ``multiValueHeaders`` too.
* Anything else (a scheduled event, a warm-up ping, a direct invoke) is not HTTP: the handler is
  called and its result returned untouched.

Responses: the handler's dict is never modified (a shallow copy is returned, and the header map
that changes is copied). CORS headers go into the map the response already uses:
``multiValueHeaders`` if it has one (for REST and ALB; HTTP API 2.0 has no such field), else
``headers``; a response with neither gets ``multiValueHeaders`` for an ALB multi-value event and
``headers`` otherwise. Every CORS header the policy owns (``Access-Control-Allow-*``,
``-Expose-Headers``, ``-Max-Age``) that the handler set is removed from both maps, whatever its
casing (a warning is logged once per header name and decorated handler), so a response never
carries two ``Access-Control-Allow-Origin`` values; ``Vary`` is merged with the handler's into
one value without duplicate tokens. HTTP API 2.0 ``cookies`` are left as they are.

Results that are not a response dict:

* HTTP API 2.0 / Function URL: the platform infers a response when the result is not a dict with
  ``statusCode`` (status 200, ``content-type: application/json``, body = the result: a str as
  is, anything else as JSON, as the Lambda runtime serializes it). The decorator builds that
  response itself so that it can carry the CORS headers. ``None`` becomes an empty body (as
  ``sam local`` does; what AWS sends for a ``null`` result is not documented).
* REST and ALB: API Gateway answers a result that is not a dict with 502 ``{"message":
  "Internal server error"}`` (ALB with its own 502 page). The decorator logs an error and answers
  502 ``{"message": "Internal server error"}`` with the CORS headers, so the browser sees the
  same 502 instead of a CORS error; with ``on_error="raise"`` it raises ``TypeError``.
* ``async def`` handlers: the coroutine is run to completion on an event loop kept for the life of
  the process (so clients bound to the loop survive warm invocations); when called from inside a
  running loop, the coroutine runs on a fresh loop in a helper thread.

Import cost: the engine plus this module (``logging``, ``json`` and ``asyncio`` are imported only
when first needed; the Lambda runtime has usually loaded the first two already).
"""

from __future__ import annotations

from corsway._adapter import (
    SPECIAL_LENGTHS,
    SPECIAL_NAMES,
    Warner,
    build_policy,
    check_choice,
    logger,
    merge_multi,
    merge_single,
    status_line,
    without_owned,
)
from corsway.cors import CorsPolicy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any, TypeAlias

    from typing_extensions import Unpack

    from corsway._adapter import CorsOptions
    from corsway.cors import CorsDecision

    Handler: TypeAlias = Callable[[Any, Any], Any]
    HeaderPairs: TypeAlias = tuple[tuple[str, str], ...]

__all__ = ["cors"]

_LOGGER = "corsway.aws"
_ERROR_BODY = '{"message": "Internal server error"}'
_JSON = "application/json"
_EMPTY: dict[str, str] = {}


def cors(
    _handler: object = None,
    /,
    *,
    policy: CorsPolicy | None = None,
    preflight_passthrough: bool = False,
    on_error: str = "respond",
    **options: Unpack[CorsOptions],
) -> Callable[[Handler], Handler]:
    """Decorate a Lambda handler with a CORS policy: ``@cors(origins=[...], ...)`` with the
    engine's keyword arguments, or ``@cors(policy=CorsPolicy(...))``.

    ``preflight_passthrough=True`` calls the handler for preflights too; ``on_error="raise"``
    re-raises handler exceptions instead of answering 500 with CORS headers. See the module
    docstring for the event sources and exactly what is changed in responses.
    """
    if _handler is not None:
        raise TypeError(
            "@cors needs its options: write @cors(origins=['https://app.example.com'], ...) "
            "or @cors(policy=CorsPolicy(...)), with parentheses"
        )
    resolved = build_policy("cors", policy, options)
    check_choice("preflight_passthrough", preflight_passthrough, (False, True))
    check_choice("on_error", on_error, ("respond", "raise"))

    def decorate(handler: Handler) -> Handler:
        if not callable(handler):
            raise TypeError(f"@cors(...) decorates a function, not {type(handler).__name__}")
        return _wrap(handler, resolved, preflight_passthrough, on_error == "raise")

    return decorate


def _wrap(handler: Handler, policy: CorsPolicy, passthrough: bool, reraise: bool) -> Handler:
    """The decorated handler. Everything that does not depend on the event is bound here."""
    decide = policy.decide
    name = f"{getattr(handler, '__module__', None)}.{getattr(handler, '__qualname__', handler)}"
    warn = Warner(_LOGGER, f"handler {name}")

    def cors_handler(event: Any, context: Any) -> Any:
        try:
            version = event.get("version")
        except AttributeError:  # not a dict: not an HTTP event
            return handler(event, context)
        if version == "2.0":
            try:
                method = event["requestContext"]["http"]["method"]
            except (KeyError, TypeError):
                return handler(event, context)
            v2 = True
            decision = decide(method, event.get("headers") or _EMPTY)
        else:
            method = event.get("httpMethod")
            if method is None:
                return handler(event, context)
            v2 = False
            headers = event.get("headers")
            if headers:
                decision = decide(method, headers)
                if decision[0] == "none":  # is Origin only in multiValueHeaders?
                    multi = event.get("multiValueHeaders")
                    if multi and "origin" in "\n".join(map(str, multi)).lower():
                        decision = decide(method, _pairs(multi))
            else:
                multi = event.get("multiValueHeaders")
                decision = decide(method, _pairs(multi) if multi else _EMPTY)

        if decision[0] == "preflight" and not passthrough:
            if not decision[1]:
                _log_refusal(event, method, decision, v2)
            if v2:
                return {"statusCode": decision[2], "headers": dict(decision[3]), "body": ""}
            return _response(event, decision[2], decision[3], "", "")  # type: ignore[arg-type]
        try:
            result = handler(event, context)
            if type(result) is not dict or (v2 and "statusCode" not in result):
                result = _normalise(result, v2)
            return _with_cors(result, decision[3], event, v2, warn)
        except Exception:
            if reraise:
                raise
            logger(_LOGGER).exception(
                "handler %s raised; answering 500 with the CORS headers", name
            )
            return _response(event, 500, decision[3], _ERROR_BODY, _JSON)
        except _Malformed as malformed:
            if reraise:
                raise TypeError(str(malformed)) from None
            logger(_LOGGER).error(
                "handler %s %s; answering 502 with the CORS headers", name, malformed
            )
            return _response(event, 502, decision[3], _ERROR_BODY, _JSON)

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        if hasattr(handler, attribute):
            setattr(cors_handler, attribute, getattr(handler, attribute))
    cors_handler.__dict__.update(getattr(handler, "__dict__", {}))
    cors_handler.__wrapped__ = handler  # type: ignore[attr-defined]
    cors_handler.cors_policy = policy  # type: ignore[attr-defined]
    return cors_handler


class _Malformed(BaseException):
    """A REST/ALB handler returned something that is not a response dict (502 in production).

    A ``BaseException`` so that the handler-exception clause does not catch it.
    """


def _pairs(multi: Any) -> list[tuple[str, str]]:
    """``multiValueHeaders`` as ``(name, value)`` pairs, every value in order."""
    pairs: list[tuple[str, str]] = []
    for name, values in multi.items():
        if isinstance(values, str):
            pairs.append((name, values))
        elif values:
            pairs.extend((name, value) for value in values)
    return pairs


def _log_refusal(event: Any, method: str, decision: CorsDecision, v2: bool) -> None:
    path = event.get("rawPath") if v2 else event.get("path")
    logger(_LOGGER).warning("CORS preflight refused (%s %r): %s", method, path, decision[4])


def _multi_value_event(event: Any) -> bool:
    """Whether the event carries only ``multiValueHeaders`` (an ALB target group with multi-value
    headers on), so that responses must use ``multiValueHeaders`` too."""
    return not event.get("headers") and bool(event.get("multiValueHeaders"))


def _response(
    event: Any, status: int, cors: HeaderPairs, body: str, content_type: str
) -> dict[str, Any]:
    """A response made by the decorator (preflight answers and errors)."""
    headers: list[tuple[str, str]] = [("Content-Type", content_type)] if content_type else []
    headers.extend(cors)
    response: dict[str, Any] = {"statusCode": status}
    if event.get("version") != "2.0" and _multi_value_event(event):
        response["multiValueHeaders"] = {name: [value] for name, value in headers}
    else:
        response["headers"] = dict(headers)
    response["body"] = body
    request_context = event.get("requestContext")
    if isinstance(request_context, dict) and "elb" in request_context:  # ALB
        response["statusDescription"] = status_line(status)
        response["isBase64Encoded"] = False
    return response


def _normalise(result: Any, v2: bool) -> Any:
    """Turn what a handler returned into a response dict, as the platform would read it."""
    if hasattr(result, "__await__"):
        result = _run(result)
        if type(result) is dict and (not v2 or "statusCode" in result):
            return result
    if v2:
        if isinstance(result, dict) and "statusCode" in result:
            return result
        return _inferred_v2_response(result)
    if isinstance(result, dict):
        return result
    raise _Malformed(
        f"returned {type(result).__name__} {_shorten(result)}, not a response dict; API Gateway "
        "REST and ALB answer that with 502 (return {'statusCode': ..., 'body': '...'})"
    )


def _check_header_maps(headers: object, multi: object) -> None:
    """Raise ``_Malformed`` unless the response's header maps are mappings (or absent)."""
    for field, value in (("headers", headers), ("multiValueHeaders", multi)):
        if value is not None and not (hasattr(value, "keys") and hasattr(value, "items")):
            raise _Malformed(
                f"returned a response whose {field} is {type(value).__name__} "
                f"{_shorten(value)}, not a map of header names; the platform answers that "
                "with 502"
            )


def _shorten(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _inferred_v2_response(result: Any) -> dict[str, Any]:
    """The response HTTP API 2.0 / Function URLs infer from a result without ``statusCode``."""
    if result is None:
        body = ""
    elif isinstance(result, str):
        body = result
    else:
        import json

        body = json.dumps(result, default=_json_default)
    return {"statusCode": 200, "headers": {"content-type": _JSON}, "body": body}


def _json_default(value: object) -> object:
    """Encode what the Lambda runtime's JSON encoder accepts beyond the standard library's."""
    import decimal

    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _with_cors(
    result: dict[str, Any], cors: HeaderPairs, event: Any, v2: bool, warn: Warner
) -> dict[str, Any]:
    """A copy of the handler's response dict carrying the CORS headers."""
    response = result.copy()
    headers = result.get("headers")
    if type(headers) is dict and "multiValueHeaders" not in result:  # the usual response
        try:
            for key in headers:
                if len(key) in SPECIAL_LENGTHS and key.lower() in SPECIAL_NAMES:
                    break
            else:  # no CORS header and no Vary: add ours to a copy
                merged = headers.copy()
                merged.update(cors)
                response["headers"] = merged
                return response
        except (TypeError, AttributeError):  # a name that is not a str
            pass
        response["headers"] = merge_single(headers, cors, warn)
        return response
    multi = result.get("multiValueHeaders")
    if (headers is not None and type(headers) is not dict) or (
        multi is not None and type(multi) is not dict
    ):
        _check_header_maps(headers, multi)
    if multi is None:
        if headers is None and not v2 and _multi_value_event(event):
            response["multiValueHeaders"] = {name: [value] for name, value in cors}
        else:
            response["headers"] = merge_single(headers, cors, warn)
        return response
    takes_vary = any(name == "Vary" for name, _ in cors)
    if v2:  # HTTP API 2.0 has no multiValueHeaders: write into headers
        kept, vary = without_owned(multi, warn, takes_vary)
        response["multiValueHeaders"] = kept
        if vary:
            merged = dict(headers) if headers else {}
            merged["Vary"] = ", ".join(str(value) for value in vary)
            headers = merged
        response["headers"] = merge_single(headers, cors, warn)
        return response
    vary = []
    if headers:
        response["headers"], vary = without_owned(headers, warn, takes_vary)
    response["multiValueHeaders"] = merge_multi(multi, cors, warn, vary)
    return response


# --- async handlers -----------------------------------------------------------------------------

_loop: Any = None


def _run(awaitable: Awaitable[Any]) -> Any:
    """Run an awaitable to completion and return its result."""
    import asyncio

    global _loop  # noqa: PLW0603  (one loop for the process, like the Lambda runtime's own)

    async def main() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
        return _loop.run_until_complete(main())
    # Called from code that runs an event loop in this thread: block on a helper thread.
    import threading

    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = asyncio.run(main())
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, name="corsway-async-handler")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
