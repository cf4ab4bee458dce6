"""Middleware options: the engine's names, policy=, or Starlette's names with Starlette's
defaults, never mixed; errors name the option as the user wrote it and show the fix."""

from __future__ import annotations

from typing import Any

import pytest

from corsway import asgi, wsgi
from corsway.cors import CorsConfigError, CorsPolicy
from tests.adapters.events import APP

MIDDLEWARES = pytest.mark.parametrize(
    "middleware", [asgi.CorsMiddleware, wsgi.CorsMiddleware], ids=["asgi", "wsgi"]
)


def app(*args: Any) -> Any:
    raise AssertionError("not called")


def problems(middleware: Any, **options: Any) -> list[tuple[str, object, str]]:
    with pytest.raises(CorsConfigError) as caught:
        middleware(app, **options)
    return [(p.field, p.value, p.message) for p in caught.value.problems]


@MIDDLEWARES
def test_engine_names(middleware: Any) -> None:
    built = middleware(app, origins=[APP], credentials=True, request_headers=["X-A"])
    assert built.policy.origins == (APP,)
    assert built.policy.credentials is True
    assert built.policy.request_headers == ("X-A",)
    assert built.policy.max_age is None


@MIDDLEWARES
def test_policy_object(middleware: Any) -> None:
    policy = CorsPolicy(origins=[APP])
    assert middleware(app, policy=policy).policy is policy


@MIDDLEWARES
def test_starlette_names_keep_starlettes_meaning(middleware: Any) -> None:
    built = middleware(
        app,
        allow_origins=[APP],
        allow_methods=["GET", "PATCH"],
        allow_headers=["X-Api-Key", "content-type"],
        allow_credentials=True,
        expose_headers=["X-Request-Id"],
        allow_origin_regex=r"https://[a-z]+\.example\.org",
        allow_private_network=True,
    )
    policy = built.policy
    assert policy.origins == (APP, r"origin_regex 'https://[a-z]+\\.example\\.org'")
    assert policy.methods == ("GET", "PATCH")
    # Starlette always allows the CORS-safelisted request headers and defaults max_age to 600.
    assert policy.request_headers == (
        "X-Api-Key",
        "content-type",
        "Accept",
        "Accept-Language",
        "Content-Language",
    )
    assert policy.max_age == 600
    assert policy.credentials is True
    assert policy.private_network is True
    assert policy.expose_headers == ("X-Request-Id",)
    decision = policy.decide("GET", {"origin": "https://tenant.example.org"})
    assert ("Access-Control-Allow-Origin", "https://tenant.example.org") in decision.headers


@MIDDLEWARES
def test_starlette_max_age_can_be_overridden(middleware: Any) -> None:
    assert middleware(app, allow_origins=[APP], max_age=None).policy.max_age is None
    assert middleware(app, allow_origins=[APP], max_age=60).policy.max_age == 60


@MIDDLEWARES
def test_star_with_credentials_explains_starlettes_behaviour_and_the_fix(middleware: Any) -> None:
    [(field, value, message)] = problems(middleware, allow_origins=["*"], allow_credentials=True)
    assert (field, value) == ("allow_origins[0]", "*")
    assert "Starlette's CORSMiddleware then reflects every origin" in message
    assert "corsway refuses it" in message
    assert "allow_origins=['https://app.example.com']" in message
    assert message.startswith("'*' cannot be used with allow_credentials=True. Starlette")


@MIDDLEWARES
def test_str_allow_origins_explains_the_substring_trap(middleware: Any) -> None:
    [(field, value, message)] = problems(middleware, allow_origins="https://a.com")
    assert (field, value) == ("allow_origins", "https://a.com")
    assert "write ['https://a.com']" in message
    assert "substrings" in message


@MIDDLEWARES
def test_starlette_errors_use_starlette_names(middleware: Any) -> None:
    found = problems(
        middleware,
        allow_origins=[APP + "/"],
        allow_headers=["Access-Control-Allow-Origin"],
        allow_origin_regex="(",
        max_age=-5,
    )
    fields = [field for field, _, _ in found]
    assert fields == ["allow_origins[0]", "allow_headers[0]", "max_age", "allow_origin_regex"]
    assert "allow_headers lists request headers" in found[1][2]


@MIDDLEWARES
def test_starlette_regex_with_credentials_names_allow_credentials(middleware: Any) -> None:
    [(field, _, message)] = problems(middleware, allow_origin_regex=".*", allow_credentials=True)
    assert field == "allow_origin_regex"
    assert "with allow_credentials=True anchor it" in message
    assert "allow_allow" not in message


@MIDDLEWARES
def test_empty_starlette_origins_is_an_error(middleware: Any) -> None:
    [(field, _, message)] = problems(middleware, allow_methods=["GET"])
    assert field == "allow_origins"
    assert "allows no origin" in message
    assert "allow_origin_regex=" in message


@MIDDLEWARES
@pytest.mark.parametrize(
    ("options", "culprit"),
    [
        ({"origins": [APP], "allow_origins": [APP]}, "origins"),
        ({"allow_origins": [APP], "credentials": True}, "credentials"),
        ({"allow_origins": [APP], "debug": True}, "debug"),
    ],
)
def test_mixing_naming_styles_is_an_error(
    middleware: Any, options: dict[str, Any], culprit: str
) -> None:
    [(field, _, message)] = problems(middleware, **options)
    assert field == culprit
    assert "mixes corsway's option names" in message
    assert "use one style" in message


@MIDDLEWARES
def test_mixing_error_shows_the_starlette_spelling(middleware: Any) -> None:
    [(_, _, message)] = problems(middleware, allow_origins=[APP], credentials=True)
    assert "credentials= -> allow_credentials=" in message


@MIDDLEWARES
def test_shared_names_are_not_a_mix(middleware: Any) -> None:
    built = middleware(app, allow_origins=[APP], expose_headers=["X-A"], max_age=5)
    assert built.policy.expose_headers == ("X-A",)
    built = middleware(app, origins=[APP], expose_headers=["X-A"], max_age=5)
    assert built.policy.max_age == 5


@MIDDLEWARES
def test_policy_with_options_is_an_error(middleware: Any) -> None:
    [(field, _, message)] = problems(
        middleware, policy=CorsPolicy(origins=[APP]), allow_origins=[APP]
    )
    assert field == "policy"
    assert "cannot be combined with allow_origins=" in message


@MIDDLEWARES
def test_unknown_option(middleware: Any) -> None:
    with pytest.raises(TypeError, match=r"CorsMiddleware\(\) got unknown option 'allow_all'"):
        middleware(app, allow_all=True)


@MIDDLEWARES
def test_passthrough_must_be_a_bool(middleware: Any) -> None:
    [(field, value, _)] = problems(middleware, origins=[APP], preflight_passthrough="no")
    assert (field, value) == ("preflight_passthrough", "no")


def test_wsgi_on_error_choices() -> None:
    [(field, _, message)] = problems(wsgi.CorsMiddleware, origins=[APP], on_error="log")
    assert field == "on_error"
    assert message == "must be 'respond' or 'raise'"


def test_asgi_websocket_check_must_be_a_bool() -> None:
    [(field, _, _)] = problems(asgi.CorsMiddleware, origins=[APP], check_websocket_origin=None)
    assert field == "check_websocket_origin"
