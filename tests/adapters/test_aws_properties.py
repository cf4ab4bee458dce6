"""Properties of @cors over generated events and handler responses: the Origin is found whatever
its casing and wherever the source puts it; answers never duplicate a CORS header, never depend
on earlier invocations and never modify the handler's objects."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corsway.aws import cors
from tests.adapters.conftest import POLICY, Recorder
from tests.adapters.events import ADMIN, APP, EVIL, header_names, response_headers

ORIGINS = [APP, ADMIN, EVIL, None]
CORS_RESPONSE_NAMES = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Vary",
]
OTHER_NAMES = ["Host", "Accept", "User-Agent", "X-Forwarded-For", "Content-Type", "Cookie"]


@st.composite
def casings(draw: st.DrawFn, name: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(name, flips, strict=True))


@st.composite
def events(draw: st.DrawFn) -> tuple[dict[str, Any], str | None, str]:
    """An event of any source shape carrying ``origin`` under a random spelling."""
    origin = draw(st.sampled_from(ORIGINS))
    method = draw(st.sampled_from(["GET", "POST", "DELETE", "HEAD"]))
    others = {name: f"value-{i}" for i, name in enumerate(draw(st.permutations(OTHER_NAMES)))}
    pairs = list(others.items())
    if origin is not None:
        position = draw(st.integers(0, len(pairs)))
        pairs.insert(position, (draw(casings("origin")), origin))
    shape = draw(st.sampled_from(["rest", "rest-multi-only", "alb", "alb-multi", "v2", "url"]))
    event: dict[str, Any]
    if shape in ("v2", "url"):
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/x",
            "headers": {name.lower(): value for name, value in pairs},
            "requestContext": {"http": {"method": method, "path": "/x"}},
        }
        if shape == "url":
            event["requestContext"]["domainName"] = "abc.lambda-url.eu-west-1.on.aws"
        return event, origin, shape
    event = {"httpMethod": method, "path": "/x", "requestContext": {}}
    if shape.startswith("alb"):
        event["requestContext"] = {"elb": {"targetGroupArn": "arn:aws:elb:tg"}}
        pairs = [(name.lower(), value) for name, value in pairs]
    multi = {name: [value] for name, value in pairs}
    if shape in ("rest", "alb"):
        event["headers"] = dict(pairs)
    if shape != "alb":
        event["multiValueHeaders"] = multi
    if shape == "rest" and origin is not None and draw(st.booleans()):
        # Origin only in multiValueHeaders
        del event["headers"][next(n for n, _ in pairs if n.lower() == "origin")]
    return event, origin, shape


@st.composite
def handler_responses(draw: st.DrawFn) -> dict[str, Any]:
    """A response dict whose header maps may already carry CORS headers in any casing."""
    response: dict[str, Any] = {"statusCode": draw(st.sampled_from([200, 201, 404])), "body": "b"}
    for field in ("headers", "multiValueHeaders"):
        if not draw(st.booleans()):
            continue
        names = draw(st.lists(st.sampled_from(CORS_RESPONSE_NAMES + OTHER_NAMES), max_size=5))
        spelt = {
            draw(casings(name)): "*" if name != "Vary" else "Accept-Encoding" for name in names
        }
        if field == "multiValueHeaders":
            response[field] = {name: [value, value] for name, value in spelt.items()}
        else:
            response[field] = spelt
    return response


@settings(max_examples=300, deadline=None)
@given(events())
def test_origin_is_never_lost(case: tuple[dict[str, Any], str | None, str]) -> None:
    event, origin, _ = case
    before = copy.deepcopy(event)
    response = cors(**POLICY)(Recorder())(event, None)
    assert event == before
    headers = response_headers(response)
    allowed = origin in (APP, ADMIN)
    assert headers.get("access-control-allow-origin") == (origin if allowed else None)
    assert headers["vary"] == "Origin"


@settings(max_examples=300, deadline=None)
@given(events(), handler_responses())
def test_one_value_per_cors_header_and_the_handlers_objects_untouched(
    case: tuple[dict[str, Any], str | None, str], handler_response: dict[str, Any]
) -> None:
    event, origin, _ = case
    snapshot = copy.deepcopy(handler_response)
    response = cors(**POLICY)(Recorder(handler_response))(event, None)
    assert handler_response == snapshot
    names = header_names(response)
    for name in CORS_RESPONSE_NAMES:
        assert names.count(name.lower()) <= 1, (name, response)
    headers = response_headers(response)
    assert headers.get("access-control-allow-origin") == (
        origin if origin in (APP, ADMIN) else None
    )
    vary = [token.strip().lower() for token in headers["vary"].split(",")]
    assert "origin" in vary
    assert len(vary) == len(set(vary))
    for stale in (
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
    ):
        assert stale not in headers  # actual responses never carry preflight-only headers


@settings(max_examples=100, deadline=None)
@given(st.lists(events(), min_size=2, max_size=6))
def test_answers_do_not_depend_on_earlier_invocations(
    cases: list[tuple[dict[str, Any], str | None, str]],
) -> None:
    shared = cors(**POLICY)(Recorder())
    for event, _, _ in cases:
        fresh = cors(**POLICY)(Recorder())
        assert shared(event, None) == fresh(event, None)
