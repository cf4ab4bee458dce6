"""@cors: handler-set CORS headers, no mutation and no state across invocations, how request
headers are read, async handlers, and configuration errors."""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

import pytest

from corsway.aws import cors
from corsway.cors import CorsConfigError, CorsPolicy
from tests.adapters.conftest import JSON_RESPONSE, POLICY, VARY_PREFLIGHT, Recorder
from tests.adapters.events import (
    ADMIN,
    APP,
    EVIL,
    SOURCES,
    alb_event,
    header_names,
    http_api_event,
    request_headers,
    response_headers,
    rest_event,
)

ALL_SOURCES = pytest.mark.parametrize("source", sorted(SOURCES))

# --- handler-set CORS headers -------------------------------------------------------------------


def test_handler_cors_headers_are_replaced_case_insensitively_and_warned_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = Recorder(
        {
            "statusCode": 200,
            "headers": {
                "access-control-allow-origin": "*",
                "ACCESS-CONTROL-ALLOW-CREDENTIALS": True,
                "Access-Control-Max-Age": "99999",
                "X-Other": "kept",
            },
            "body": "",
        }
    )
    wrapped = cors(**POLICY)(handler)
    with caplog.at_level(logging.WARNING, logger="corsway.aws"):
        first = wrapped(rest_event("GET", request_headers(origin=APP)), None)
        second = wrapped(rest_event("GET", request_headers(origin=ADMIN)), None)
    for response, origin in ((first, APP), (second, ADMIN)):
        assert response["headers"] == {
            "X-Other": "kept",
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Expose-Headers": "X-Request-Id",
            "Vary": "Origin",
        }
    warned = sorted(str(record.args[1]) for record in caplog.records)  # type: ignore[index]
    assert warned == [
        "ACCESS-CONTROL-ALLOW-CREDENTIALS",
        "Access-Control-Max-Age",
        "access-control-allow-origin",
    ]
    assert all("handler tests.handlers.handler" in r.getMessage() for r in caplog.records)


def test_each_decorated_handler_warns_on_its_own(caplog: pytest.LogCaptureFixture) -> None:
    response = {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}}
    first = cors(**POLICY)(Recorder(response))
    second = cors(**POLICY)(Recorder(response))
    with caplog.at_level(logging.WARNING, logger="corsway.aws"):
        for _ in range(3):
            first(rest_event(), None)
            second(rest_event(), None)
    assert len(caplog.records) == 2


def test_handler_allow_origin_is_removed_even_when_the_policy_refuses_the_origin() -> None:
    handler = Recorder({"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}})
    response = cors(**POLICY)(handler)(rest_event("GET", request_headers(origin=EVIL)), None)
    assert response["headers"] == {"Vary": "Origin"}


@ALL_SOURCES
def test_duplicate_allow_origin_is_impossible(source: str) -> None:
    handler = Recorder(
        {
            "statusCode": 200,
            "headers": {"Access-Control-Allow-Origin": "*", "access-control-allow-origin": APP},
            "multiValueHeaders": {"ACCESS-CONTROL-ALLOW-ORIGIN": [APP, ADMIN]},
            "body": "",
        }
    )
    response = cors(**POLICY)(handler)(SOURCES[source]("GET", request_headers(origin=ADMIN)), None)
    assert header_names(response).count("access-control-allow-origin") == 1
    assert response_headers(response)["access-control-allow-origin"] == ADMIN


def test_vary_is_merged_without_duplicate_tokens() -> None:
    handler = Recorder({"statusCode": 200, "headers": {"vary": "Accept-Encoding, origin"}})
    response = cors(**POLICY)(handler)(rest_event(), None)
    assert response["headers"] == {
        "Access-Control-Allow-Origin": APP,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": "X-Request-Id",
        "Vary": "Accept-Encoding, origin",
    }


def test_vary_star_stays_star() -> None:
    handler = Recorder({"statusCode": 200, "headers": {"Vary": "*"}})
    response = cors(**POLICY)(handler)(rest_event(), None)
    assert response["headers"]["Vary"] == "*"


def test_star_policy_sends_star_without_vary_and_keeps_the_handlers_vary() -> None:
    handler = Recorder({"statusCode": 200, "headers": {"Vary": "Accept-Encoding"}})
    response = cors(origins=["*"])(handler)(rest_event("GET", request_headers(origin=EVIL)), None)
    assert response["headers"] == {"Vary": "Accept-Encoding", "Access-Control-Allow-Origin": "*"}


def test_preflight_answer_of_a_debug_policy_names_the_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrapped = cors(**POLICY, debug=True)(Recorder())
    with caplog.at_level(logging.WARNING, logger="corsway.aws"):
        response = wrapped(rest_event("OPTIONS", request_headers(preflight=("PATCH", None))), None)
    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Origin"] == APP
    assert "method 'PATCH' is not allowed" in caplog.records[0].getMessage()


# --- no mutation, no state ----------------------------------------------------------------------

CACHED_RESPONSE: dict[str, Any] = {
    "statusCode": 200,
    "headers": {"Content-Type": "text/plain", "Vary": "Accept-Encoding"},
    "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Vary": ["Cookie"]},
    "body": "cached",
}


@ALL_SOURCES
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_neither_the_event_nor_a_cached_response_is_modified(source: str, method: str) -> None:
    snapshot = copy.deepcopy(CACHED_RESPONSE)
    wrapped = cors(**POLICY, preflight_passthrough=True)(Recorder(CACHED_RESPONSE))
    for origin in (APP, ADMIN, EVIL):
        event = SOURCES[source](method, request_headers(origin=origin, preflight=("PUT", None)))
        before = copy.deepcopy(event)
        response = wrapped(event, None)
        assert event == before
        assert snapshot == CACHED_RESPONSE
        assert response is not CACHED_RESPONSE
        assert response["body"] == "cached"
        assert response.get("headers") is not CACHED_RESPONSE["headers"]
        assert response["multiValueHeaders"] is not CACHED_RESPONSE["multiValueHeaders"]
    assert JSON_RESPONSE == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": '{"id": 42}',
    }


def test_decorator_answers_are_fresh_objects() -> None:
    wrapped = cors(**POLICY)(Recorder())
    event = rest_event("OPTIONS", request_headers(preflight=("PUT", None)))
    first = wrapped(event, None)
    first["headers"]["Access-Control-Allow-Origin"] = "tampered"
    second = wrapped(event, None)
    assert second["headers"]["Access-Control-Allow-Origin"] == APP


# --- reading request headers --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Origin", "origin", "ORIGIN", "oRiGiN"])
@pytest.mark.parametrize("source", ["rest", "alb", "http-api-v2"])
def test_origin_in_any_casing(name: str, source: str) -> None:
    headers = request_headers(origin=None)
    headers[name] = APP
    event = SOURCES[source]("GET", headers)
    if source == "rest":  # REST keeps the client's casing
        assert name in event["headers"]
    response = cors(**POLICY)(Recorder())(event, None)
    assert response_headers(response)["access-control-allow-origin"] == APP


def test_preflight_headers_in_any_casing() -> None:
    headers = request_headers(origin=None)
    headers.update(
        {
            "ORIGIN": APP,
            "access-control-REQUEST-method": "PUT",
            "Access-Control-Request-HEADERS": "X-Request-Id, content-type",
        }
    )
    response = cors(**POLICY)(Recorder())(rest_event("OPTIONS", headers), None)
    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Headers"] == "x-request-id, content-type"


@pytest.mark.parametrize("headers", [None, {}, {"Host": "api.example.com"}])
def test_origin_only_in_multi_value_headers(headers: dict[str, str] | None) -> None:
    event = rest_event("GET", request_headers())
    event["headers"] = headers
    event["multiValueHeaders"] = {"origin": [APP], "Accept": ["*/*"]}
    response = cors(**POLICY)(Recorder())(event, None)
    assert response_headers(response)["access-control-allow-origin"] == APP


def test_preflight_only_in_multi_value_headers_joins_request_header_lines() -> None:
    event = rest_event("OPTIONS", request_headers(origin=None))
    event["headers"] = None
    event["multiValueHeaders"] = {
        "Origin": [APP],
        "Access-Control-Request-Method": ["PUT"],
        "Access-Control-Request-Headers": ["content-type", "x-request-id"],
    }
    response = cors(**POLICY)(Recorder())(event, None)
    assert response["statusCode"] == 204
    # The event had only multiValueHeaders, so the answer uses them too (ALB's rule).
    assert response["multiValueHeaders"]["Access-Control-Allow-Headers"] == [
        "content-type,x-request-id"
    ]


def test_v2_comma_joined_request_headers() -> None:
    headers = request_headers(preflight=("PUT", None))
    event = http_api_event("OPTIONS", headers)
    event["headers"]["access-control-request-headers"] = "content-type,x-request-id"
    response = cors(**POLICY)(Recorder())(event, None)
    assert response["statusCode"] == 204
    assert response["headers"]["Access-Control-Allow-Headers"] == "content-type,x-request-id"


def test_v2_two_origin_headers_joined_by_the_gateway_are_refused() -> None:
    event = http_api_event("GET", request_headers())
    event["headers"]["origin"] = f"{APP},{ADMIN}"
    response = cors(**POLICY)(Recorder())(event, None)
    assert "Access-Control-Allow-Origin" not in response["headers"]


def test_alb_multi_value_origin() -> None:
    event = alb_event("OPTIONS", request_headers(preflight=("DELETE", None)), multi_value=True)
    assert "headers" not in event
    response = cors(**POLICY)(Recorder())(event, None)
    assert response["statusCode"] == 204
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == [APP]
    assert response["multiValueHeaders"]["Vary"] == [VARY_PREFLIGHT]


def test_event_without_any_headers() -> None:
    event = rest_event("GET", {})
    event["headers"] = None
    event["multiValueHeaders"] = None
    response = cors(**POLICY)(Recorder())(event, None)
    assert response["headers"] == {"Content-Type": "application/json", "Vary": "Origin"}


# --- async handlers -----------------------------------------------------------------------------


def test_async_handlers_share_one_event_loop_across_invocations() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @cors(**POLICY)
    async def handler(event: Any, context: Any) -> dict[str, Any]:
        loops.append(asyncio.get_running_loop())
        return {"statusCode": 200, "body": ""}

    handler(rest_event(), None)
    handler(rest_event(), None)
    assert loops[0] is loops[1]
    assert not loops[0].is_closed()


def test_async_handler_called_from_a_running_event_loop() -> None:
    @cors(**POLICY)
    async def handler(event: Any, context: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"statusCode": 202, "body": "queued"}

    async def caller() -> Any:
        return handler(rest_event(), None)

    response = asyncio.run(caller())
    assert response["statusCode"] == 202
    assert response["headers"]["Access-Control-Allow-Origin"] == APP


def test_async_handler_error_from_a_running_event_loop_is_a_500() -> None:
    @cors(**POLICY)
    async def handler(event: Any, context: Any) -> dict[str, Any]:
        raise LookupError("nope")

    async def caller() -> Any:
        return handler(rest_event(), None)

    assert asyncio.run(caller())["statusCode"] == 500


def test_v2_async_handler_returning_a_string() -> None:
    @cors(**POLICY)
    async def handler(event: Any, context: Any) -> str:
        return "hi"

    response = handler(http_api_event(), None)
    assert response["body"] == "hi"
    assert response["headers"]["content-type"] == "application/json"


# --- the decorator itself -----------------------------------------------------------------------


def test_decorated_handler_keeps_its_identity() -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        """Return an item."""
        return {"statusCode": 200}

    handler.custom = "attribute"  # type: ignore[attr-defined]
    wrapped = cors(**POLICY)(handler)
    assert wrapped.__name__ == "handler"
    assert wrapped.__doc__ == "Return an item."
    assert wrapped.__module__ == __name__
    assert wrapped.__wrapped__ is handler  # type: ignore[attr-defined]
    assert wrapped.custom == "attribute"  # type: ignore[attr-defined]
    assert isinstance(wrapped.cors_policy, CorsPolicy)  # type: ignore[attr-defined]


def test_one_policy_object_for_many_handlers() -> None:
    policy = CorsPolicy(**POLICY)
    first = cors(policy=policy)(Recorder())
    second = cors(policy=policy)(Recorder())
    assert first.cors_policy is second.cors_policy is policy  # type: ignore[attr-defined]
    assert first(rest_event(), None)["headers"]["Access-Control-Allow-Origin"] == APP


def test_bare_decorator_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"@cors needs its options: write @cors\(origins="):
        cors(Recorder())


def test_invalid_policy_fails_when_decorating() -> None:
    with pytest.raises(CorsConfigError) as caught:
        cors(origins=["*"], credentials=True, max_age=-1)
    fields = [problem.field for problem in caught.value.problems]
    assert fields == ["origins[0]", "max_age"]
    assert "'*' cannot be used with credentials=True" in str(caught.value)


def test_policy_and_options_together_are_an_error() -> None:
    with pytest.raises(CorsConfigError, match=r"cannot be combined with origins="):
        cors(policy=CorsPolicy(origins=[APP]), origins=[APP])


def test_policy_of_the_wrong_type_is_an_error() -> None:
    with pytest.raises(CorsConfigError, match=r"must be a corsway\.cors\.CorsPolicy"):
        cors(policy={"origins": [APP]})  # type: ignore[arg-type]


def test_unknown_option_names_the_valid_ones() -> None:
    with pytest.raises(TypeError, match=r"unknown option 'origin'.*accepts policy= or:.*origins"):
        cors(origin=[APP])  # type: ignore[call-arg]


def test_starlette_names_are_pointed_to_the_engine_names() -> None:
    with pytest.raises(TypeError, match=r"allow_origins= is Starlette's name; write origins="):
        cors(allow_origins=[APP])  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("on_error", "ignore", "must be 'respond' or 'raise'"),
        ("on_error", None, "must be 'respond' or 'raise'"),
        ("preflight_passthrough", "yes", "must be False or True"),
        ("preflight_passthrough", 1, "must be False or True"),
    ],
)
def test_adapter_options_are_validated(option: str, value: object, expected: str) -> None:
    with pytest.raises(CorsConfigError) as caught:
        cors(origins=[APP], **{option: value})  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == (option, value)
    assert expected in problem.message


def test_decorating_something_that_is_not_callable() -> None:
    with pytest.raises(TypeError, match="decorates a function, not str"):
        cors(origins=[APP])("handler")  # type: ignore[arg-type]
