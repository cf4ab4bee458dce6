"""CorsPolicy.decide(): classification, actual responses, preflights, Vary, and request parsing."""

from __future__ import annotations

import pickle
from email.message import Message

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsway.cors import CorsDecision, CorsPolicy

APP = "https://app.example.com"
VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def issue_policy(**overrides: object) -> CorsPolicy:
    """The policy from the issue's example."""
    config: dict[str, object] = {
        "origins": [APP, "https://*.example.org", "http://localhost:*"],
        "methods": ["GET", "POST", "PUT"],
        "request_headers": ["Authorization", "Content-Type"],
        "expose_headers": ["X-Request-Id"],
        "credentials": True,
        "max_age": 600,
        "private_network": False,
        "preflight_status": 204,
    }
    config.update(overrides)
    return CorsPolicy(**config)  # type: ignore[arg-type]


def preflight(
    origin: str = APP, method: str = "PUT", headers: str | None = None, **extra: str
) -> dict[str, str]:
    request = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        request["Access-Control-Request-Headers"] = headers
    request.update(extra)
    return request


def header_dict(decision: CorsDecision) -> dict[str, str]:
    names = [name for name, _ in decision.headers]
    assert len(names) == len(set(names)), f"duplicate header in {decision.headers}"
    return dict(decision.headers)


# --- the example from the issue -----------------------------------------------------------------


def test_issue_example_preflight() -> None:
    decision = issue_policy().decide(
        "OPTIONS",
        {
            "Origin": APP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert decision.kind == "preflight"
    assert decision.allowed
    assert decision.status == 204
    assert decision.reason == ""
    assert decision.headers == (
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "GET, POST, PUT"),
        ("Access-Control-Allow-Headers", "authorization"),
        ("Access-Control-Max-Age", "600"),
        ("Vary", VARY_PREFLIGHT),
    )


# --- classification -----------------------------------------------------------------------------


def test_no_origin_is_not_cors() -> None:
    decision = issue_policy().decide("GET", {"Host": "api.example.com"})
    assert (decision.kind, decision.allowed, decision.status, decision.reason) == (
        "none",
        True,
        None,
        "",
    )
    assert decision.headers == (("Vary", "Origin"),)


def test_options_without_request_method_is_an_actual_request() -> None:
    decision = issue_policy().decide("OPTIONS", {"Origin": APP})
    assert decision.kind == "actual"
    assert decision.status is None
    assert header_dict(decision)["Access-Control-Allow-Origin"] == APP
    assert header_dict(decision)["Vary"] == VARY_PREFLIGHT


def test_options_without_origin_is_not_cors_but_varies_like_a_preflight() -> None:
    decision = issue_policy().decide("OPTIONS", {"Access-Control-Request-Method": "PUT"})
    assert decision.kind == "none"
    assert decision.headers == (("Vary", VARY_PREFLIGHT),)


def test_request_method_on_a_non_options_request_is_an_actual_request() -> None:
    decision = issue_policy().decide("PUT", preflight())
    assert decision.kind == "actual"
    assert decision.status is None


def test_lower_case_options_is_not_a_preflight() -> None:
    assert issue_policy().decide("options", preflight()).kind == "actual"


# --- actual requests ----------------------------------------------------------------------------


def test_allowed_actual_request() -> None:
    decision = issue_policy().decide("GET", {"Origin": APP})
    assert (decision.kind, decision.allowed, decision.status) == ("actual", True, None)
    assert decision.headers == (
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "X-Request-Id"),
        ("Vary", "Origin"),
    )


def test_refused_actual_request_gets_only_vary_and_a_reason() -> None:
    decision = issue_policy().decide("GET", {"Origin": "https://evil.example"})
    assert (decision.kind, decision.allowed, decision.status) == ("actual", False, None)
    assert decision.headers == (("Vary", "Origin"),)
    assert decision.reason == (
        "origin 'https://evil.example' is not allowed (allowed: https://app.example.com, "
        "https://*.example.org, http://localhost:*)"
    )


def test_reason_does_not_dump_a_long_allowlist() -> None:
    policy = CorsPolicy(origins=[f"https://o{i}.example.com" for i in range(1000)])
    reason = policy.decide("GET", {"Origin": "https://evil.example"}).reason
    assert reason.endswith("https://o2.example.com and 997 more)")
    assert len(reason) < 200


def test_credentials_header_only_with_credentials() -> None:
    decision = issue_policy(credentials=False).decide("GET", {"Origin": APP})
    assert "Access-Control-Allow-Credentials" not in header_dict(decision)


def test_no_expose_header_when_none_configured() -> None:
    decision = issue_policy(expose_headers=[]).decide("GET", {"Origin": APP})
    assert "Access-Control-Expose-Headers" not in header_dict(decision)


def test_star_policy_without_credentials_is_the_same_for_everyone() -> None:
    policy = CorsPolicy(origins=["*"], expose_headers=["X-Request-Id", "ETag"])
    expected = (
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "X-Request-Id, ETag"),
    )
    for origin in (APP, "https://evil.example", "null"):
        decision = policy.decide("GET", {"Origin": origin})
        assert (decision.kind, decision.allowed, decision.headers) == ("actual", True, expected)
    no_origin = policy.decide("GET", {})
    assert (no_origin.kind, no_origin.headers) == ("none", expected)


def test_star_with_explicit_origins_still_answers_star_without_vary() -> None:
    policy = CorsPolicy(origins=["*", APP])
    assert policy.decide("GET", {"Origin": APP}).headers == (("Access-Control-Allow-Origin", "*"),)


def test_null_origin_only_when_listed() -> None:
    assert not issue_policy().decide("GET", {"Origin": "null"}).allowed
    listed = CorsPolicy(origins=["null"])
    decision = listed.decide("GET", {"Origin": "null"})
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Origin"] == "null"


# --- origins: patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://a.example.org", True),
        ("https://a.b.c.example.org", True),
        ("https://example.org", False),
        ("https://xexample.org", False),
        ("https://example.org.evil.net", False),
        ("https://a.example.org.evil.net", False),
        ("http://a.example.org", False),
        ("https://a.example.org:8443", False),
        ("http://localhost:3000", True),
        ("http://localhost", True),
        ("http://localhost:65535", True),
        ("https://localhost:3000", False),
        ("http://localhost:80", False),
        ("http://localhost.evil.net:3000", False),
        ("http://127.0.0.1:3000", False),
    ],
)
def test_wildcard_patterns(origin: str, allowed: bool) -> None:
    decision = issue_policy().decide("GET", {"Origin": origin})
    assert decision.allowed is allowed
    if allowed:
        assert header_dict(decision)["Access-Control-Allow-Origin"] == origin


def test_subdomain_pattern_with_port_wildcard_and_fixed_port() -> None:
    policy = CorsPolicy(origins=["https://*.example.org:*", "https://*.example.net:8443"])
    allowed = [
        "https://a.example.org",
        "https://a.example.org:8443",
        "https://a.example.net:8443",
    ]
    refused = ["https://a.example.net", "https://a.example.net:9443", "https://example.org:8443"]
    for origin in allowed:
        assert policy.decide("GET", {"Origin": origin}).allowed, origin
    for origin in refused:
        assert not policy.decide("GET", {"Origin": origin}).allowed, origin


def test_patterns_with_different_depths() -> None:
    policy = CorsPolicy(origins=["https://*.a.example.org", "https://*.example.com"])
    assert policy.decide("GET", {"Origin": "https://x.a.example.org"}).allowed
    assert not policy.decide("GET", {"Origin": "https://a.example.org"}).allowed
    assert policy.decide("GET", {"Origin": "https://x.y.example.com"}).allowed


def test_ipv6_any_port_host() -> None:
    policy = CorsPolicy(origins=["http://[::1]:*"])
    assert policy.decide("GET", {"Origin": "http://[::1]:8080"}).allowed
    assert policy.decide("GET", {"Origin": "http://[::1]"}).allowed
    assert not policy.decide("GET", {"Origin": "http://[::2]:8080"}).allowed
    assert not policy.decide("GET", {"Origin": "http://[::1]:"}).allowed
    assert not policy.decide("GET", {"Origin": "http://[::1]x"}).allowed


def test_regex_is_a_full_match_and_varies() -> None:
    policy = CorsPolicy(origin_regex=r"https://(app|admin)\.example\.com")
    decision = policy.decide("GET", {"Origin": "https://admin.example.com"})
    assert decision.allowed
    assert header_dict(decision)["Vary"] == "Origin"
    assert not policy.decide("GET", {"Origin": "https://admin.example.com.evil.net"}).allowed
    assert not policy.decide("GET", {"Origin": "https://xapp.example.com"}).allowed
    refused = policy.decide("GET", {"Origin": "https://evil.example"})
    assert refused.headers == (("Vary", "Origin"),)
    assert "origin_regex" in refused.reason


def test_regex_never_sees_null_or_malformed_origins() -> None:
    policy = CorsPolicy(origin_regex=r".*")
    assert policy.decide("GET", {"Origin": APP}).allowed
    for origin in ("null", "https://a.com\r\nX: y", "https://a.com/", "", "HTTPS://A.COM"):
        assert not policy.decide("GET", {"Origin": origin}).allowed, origin


def test_callable_decides_and_is_called_with_the_origin() -> None:
    seen: list[str] = []

    def allow(origin: str) -> bool:
        seen.append(origin)
        return origin.endswith(".partner.example")

    policy = CorsPolicy(origins=[APP], allow_origin=allow, credentials=True)
    seen.clear()  # the construction probes
    assert policy.decide("GET", {"Origin": "https://x.partner.example"}).allowed
    assert not policy.decide("GET", {"Origin": "https://evil.example"}).allowed
    assert policy.decide("GET", {"Origin": APP}).allowed  # the exact table answers first
    assert seen == ["https://x.partner.example", "https://evil.example"]


def test_callable_must_return_a_bool() -> None:
    policy = CorsPolicy(allow_origin=lambda origin: "yes")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="must return True or False"):
        policy.decide("GET", {"Origin": APP})


# --- preflights ---------------------------------------------------------------------------------


def test_refused_origin_preflight_is_403_with_vary_only() -> None:
    decision = issue_policy().decide("OPTIONS", preflight(origin="https://evil.example"))
    assert (decision.kind, decision.allowed, decision.status) == ("preflight", False, 403)
    assert decision.headers == (("Vary", VARY_PREFLIGHT),)
    assert decision.reason.startswith("origin 'https://evil.example' is not allowed")


def test_refused_method_names_the_method_and_the_allowed_ones() -> None:
    decision = issue_policy().decide("OPTIONS", preflight(method="PATCH"))
    assert (decision.allowed, decision.status) == (False, 403)
    assert decision.headers == (("Vary", VARY_PREFLIGHT),)
    assert decision.reason == "method 'PATCH' is not allowed (allowed: GET, POST, PUT, HEAD)"


def test_methods_are_case_sensitive_beyond_the_six_normalised_ones() -> None:
    policy = issue_policy(methods=["PATCH"])
    assert policy.decide("OPTIONS", preflight(method="PATCH")).allowed
    decision = policy.decide("OPTIONS", preflight(method="patch"))
    assert not decision.allowed
    assert "case-sensitive: 'PATCH' is allowed" in decision.reason
    assert not issue_policy(methods=["PUT"]).decide("OPTIONS", preflight(method="put")).allowed


def test_configured_spellings_of_the_six_methods_are_upper_cased() -> None:
    decision = issue_policy(methods=["delete"]).decide("OPTIONS", preflight(method="DELETE"))
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Methods"] == "DELETE"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_safelisted_methods_pass_even_when_not_listed(method: str) -> None:
    decision = issue_policy(methods=["DELETE"]).decide(
        "OPTIONS", preflight(method=method, headers="content-type")
    )
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Methods"] == "DELETE"


def test_no_methods_configured_sends_no_allow_methods() -> None:
    policy = issue_policy(methods=[])
    decision = policy.decide("OPTIONS", preflight(method="POST", headers="content-type"))
    assert decision.allowed
    assert "Access-Control-Allow-Methods" not in header_dict(decision)
    refused = policy.decide("OPTIONS", preflight(method="PUT"))
    assert refused.reason == "method 'PUT' is not allowed (allowed: GET, HEAD, POST)"


def test_malformed_request_method_is_refused() -> None:
    decision = issue_policy(methods=["*"], credentials=False).decide(
        "OPTIONS", preflight(method="GET POST")
    )
    assert not decision.allowed
    assert decision.reason == "Access-Control-Request-Method 'GET POST' is not a method token"
    empty = issue_policy().decide("OPTIONS", preflight(method=""))
    assert (empty.kind, empty.allowed) == ("preflight", False)


def test_star_methods_without_credentials_is_sent_as_star() -> None:
    decision = issue_policy(methods=["*"], credentials=False).decide(
        "OPTIONS", preflight(method="PURGE")
    )
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Methods"] == "*"


def test_star_methods_with_credentials_echoes_the_method() -> None:
    decision = issue_policy(methods=["*"]).decide("OPTIONS", preflight(method="PURGE"))
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Methods"] == "PURGE"


def test_allow_headers_answers_only_the_requested_names() -> None:
    policy = issue_policy(request_headers=["Authorization", "Content-Type", "X-Api-Key"])
    decision = policy.decide("OPTIONS", preflight(headers="content-type"))
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "content-type"
    decision = policy.decide("OPTIONS", preflight(headers="authorization,x-api-key"))
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "authorization,x-api-key"


@pytest.mark.parametrize(
    "requested",
    [
        "Content-Type, Authorization",
        " authorization ,content-type",
        "authorization,,content-type,",
        "CONTENT-TYPE,\tAUTHORIZATION",
        "content-type,authorization",  # unsorted
    ],
)
def test_request_headers_are_parsed_leniently_and_case_insensitively(requested: str) -> None:
    decision = issue_policy().decide("OPTIONS", preflight(headers=requested))
    assert decision.allowed, decision.reason
    names = header_dict(decision)["Access-Control-Allow-Headers"]
    assert sorted(n.strip() for n in names.split(",")) == ["authorization", "content-type"]


@pytest.mark.parametrize("requested", ["", " ", ",", " , "])
def test_empty_request_headers_need_no_allow_headers(requested: str) -> None:
    decision = issue_policy().decide("OPTIONS", preflight(headers=requested))
    assert decision.allowed
    assert "Access-Control-Allow-Headers" not in header_dict(decision)


def test_refused_header_names_the_header_and_the_allowed_ones() -> None:
    decision = issue_policy().decide("OPTIONS", preflight(headers="content-type,x-custom"))
    assert (decision.allowed, decision.status) == (False, 403)
    assert decision.headers == (("Vary", VARY_PREFLIGHT),)
    assert decision.reason == (
        "request header 'x-custom' is not allowed (allowed: Authorization, Content-Type)"
    )
    several = issue_policy().decide("OPTIONS", preflight(headers="x-a,x-b"))
    assert several.reason.startswith("request headers 'x-a', 'x-b' are not allowed")


def test_malformed_request_headers_are_refused() -> None:
    decision = issue_policy().decide("OPTIONS", preflight(headers="content-type,x y"))
    assert not decision.allowed
    assert "'x y', which is not a header name" in decision.reason


def test_star_headers_without_credentials_is_star_but_never_covers_authorization() -> None:
    policy = issue_policy(request_headers=["*"], credentials=False)
    allowed = policy.decide("OPTIONS", preflight(headers="x-custom,x-other"))
    assert header_dict(allowed)["Access-Control-Allow-Headers"] == "*"
    refused = policy.decide("OPTIONS", preflight(headers="authorization,x-custom"))
    assert not refused.allowed
    assert "'*' never covers Authorization" in refused.reason


def test_star_plus_authorization_without_credentials() -> None:
    policy = issue_policy(request_headers=["*", "Authorization"], credentials=False)
    decision = policy.decide("OPTIONS", preflight(headers="authorization,x-custom"))
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "*, authorization"
    plain = policy.decide("OPTIONS", preflight(headers="x-custom"))
    assert header_dict(plain)["Access-Control-Allow-Headers"] == "*"


def test_star_headers_with_credentials_echoes_names_but_not_authorization() -> None:
    policy = issue_policy(request_headers=["*"])
    decision = policy.decide("OPTIONS", preflight(headers="x-custom, X-Other"))
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "x-custom, x-other"
    assert not policy.decide("OPTIONS", preflight(headers="authorization")).allowed
    listed = issue_policy(request_headers=["*", "Authorization"])
    decision = listed.decide("OPTIONS", preflight(headers="authorization,x-custom"))
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "authorization, x-custom"


def test_authorization_must_be_listed_even_in_a_long_list() -> None:
    policy = issue_policy(request_headers=["Content-Type"])
    assert not policy.decide("OPTIONS", preflight(headers="authorization")).allowed


def test_max_age_none_leaves_the_header_out() -> None:
    decision = issue_policy(max_age=None).decide("OPTIONS", preflight())
    assert "Access-Control-Max-Age" not in header_dict(decision)
    zero = issue_policy(max_age=0).decide("OPTIONS", preflight())
    assert header_dict(zero)["Access-Control-Max-Age"] == "0"


def test_preflight_status_is_configurable() -> None:
    assert issue_policy(preflight_status=200).decide("OPTIONS", preflight()).status == 200


def test_preflight_from_a_pattern_origin() -> None:
    decision = issue_policy().decide(
        "OPTIONS", preflight(origin="http://localhost:5173", headers="content-type")
    )
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert header_dict(decision)["Access-Control-Allow-Credentials"] == "true"


def test_preflight_under_a_star_policy() -> None:
    policy = CorsPolicy(origins=["*"], methods=["PUT"], request_headers=["X-Api-Key"])
    decision = policy.decide(
        "OPTIONS", preflight(origin="https://any.example", headers="x-api-key")
    )
    assert decision.allowed
    assert header_dict(decision) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "PUT",
        "Access-Control-Allow-Headers": "x-api-key",
        "Vary": VARY_PREFLIGHT,
    }


def test_preflight_never_carries_expose_headers() -> None:
    decision = issue_policy().decide("OPTIONS", preflight())
    assert "Access-Control-Expose-Headers" not in header_dict(decision)


# --- private network access ---------------------------------------------------------------------

PNA = {"Access-Control-Request-Private-Network": "true"}


def test_private_network_opt_in_when_enabled() -> None:
    decision = issue_policy(private_network=True).decide("OPTIONS", preflight(**PNA))
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Private-Network"] == "true"
    assert header_dict(decision)["Vary"] == (
        VARY_PREFLIGHT + ", Access-Control-Request-Private-Network"
    )


def test_private_network_header_only_when_requested() -> None:
    decision = issue_policy(private_network=True).decide("OPTIONS", preflight())
    assert "Access-Control-Allow-Private-Network" not in header_dict(decision)


def test_private_network_request_is_ignored_when_not_enabled() -> None:
    policy = issue_policy()
    with_pna = policy.decide("OPTIONS", preflight(**PNA))
    assert with_pna == policy.decide("OPTIONS", preflight())
    assert "Access-Control-Allow-Private-Network" not in header_dict(with_pna)


def test_private_network_with_a_refused_origin_stays_refused() -> None:
    policy = issue_policy(private_network=True)
    assert not policy.decide("OPTIONS", preflight(origin="https://evil.example", **PNA)).allowed


# --- debug --------------------------------------------------------------------------------------


def test_debug_refused_origin_answers_ok_without_allow_origin() -> None:
    decision = issue_policy(debug=True).decide("OPTIONS", preflight(origin="https://evil.example"))
    assert (decision.allowed, decision.status) == (False, 204)
    assert decision.headers == (("Vary", VARY_PREFLIGHT),)
    assert decision.reason.startswith("origin 'https://evil.example'")


def test_debug_refused_method_answers_ok_with_the_headers_that_passed() -> None:
    decision = issue_policy(debug=True).decide("OPTIONS", preflight(method="PATCH"))
    assert (decision.allowed, decision.status) == (False, 204)
    assert decision.headers == (
        ("Access-Control-Allow-Origin", APP),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", "GET, POST, PUT"),
        ("Vary", VARY_PREFLIGHT),
    )
    assert "'PATCH'" in decision.reason


def test_debug_refused_header_lists_only_the_granted_names() -> None:
    decision = issue_policy(debug=True, preflight_status=200).decide(
        "OPTIONS", preflight(headers="content-type,x-custom")
    )
    assert (decision.allowed, decision.status) == (False, 200)
    headers = header_dict(decision)
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert "Access-Control-Max-Age" not in headers
    assert decision.reason.startswith("request header 'x-custom'")


def test_debug_star_headers_refusing_authorization_does_not_send_star() -> None:
    policy = issue_policy(request_headers=["*"], credentials=False, debug=True)
    decision = policy.decide("OPTIONS", preflight(headers="authorization,x-custom"))
    assert not decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "x-custom"


def test_debug_does_not_change_allowed_answers_or_actual_requests() -> None:
    plain, debug = issue_policy(), issue_policy(debug=True)
    for method, request in [
        ("OPTIONS", preflight(headers="content-type")),
        ("GET", {"Origin": APP}),
        ("GET", {"Origin": "https://evil.example"}),
    ]:
        assert plain.decide(method, request) == debug.decide(method, request)


# --- request header input forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda r: {k.lower(): v for k, v in r.items()},
        lambda r: {k.upper(): v for k, v in r.items()},
        lambda r: {k.title(): v for k, v in r.items()},
        lambda r: {"X-Other": "1", **{k.swapcase(): v for k, v in r.items()}},
        lambda r: list(r.items()),
        lambda r: tuple((k.upper(), v) for k, v in r.items()),
        lambda r: iter([(k.lower(), v) for k, v in r.items()]),
    ],
    ids=["lower", "upper", "title", "mixed", "pairs", "tuple", "iterator"],
)
def test_header_names_are_case_insensitive_in_every_input_form(make: object) -> None:
    policy = issue_policy(private_network=True)
    request = preflight(headers="content-type", **PNA)
    expected = policy.decide("OPTIONS", request)
    assert expected.allowed
    assert policy.decide("OPTIONS", make(request)) == expected  # type: ignore[operator]
    actual = {"Origin": "https://a.example.org"}
    assert policy.decide("GET", make(actual)) == policy.decide("GET", actual)  # type: ignore[operator]
    assert policy.decide("GET", make({})).kind == "none"  # type: ignore[operator]


def test_case_insensitive_mapping_types_work() -> None:
    message = Message()
    message["ORIGIN"] = APP
    message["access-control-request-method"] = "PUT"
    decision = issue_policy().decide("OPTIONS", message)  # type: ignore[arg-type]
    assert decision.allowed
    assert decision.kind == "preflight"


def test_repeated_request_headers_lines_are_joined() -> None:
    pairs = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "authorization"),
        ("access-control-request-headers", "content-type"),
    ]
    decision = issue_policy().decide("OPTIONS", pairs)
    assert decision.allowed
    assert header_dict(decision)["Access-Control-Allow-Headers"] == "authorization,content-type"
    refused = issue_policy().decide("OPTIONS", [*pairs, ("Access-Control-Request-Headers", "x")])
    assert not refused.allowed


def test_first_origin_wins_in_pairs() -> None:
    pairs = [("Origin", "https://evil.example"), ("Origin", APP)]
    assert not issue_policy().decide("GET", pairs).allowed


def test_a_header_whose_name_contains_origin_is_not_origin() -> None:
    decision = issue_policy().decide("GET", {"X-Forwarded-Origin": APP, "Originator": APP})
    assert decision.kind == "none"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": [APP]},
        {"Origin": b"https://app.example.com"},
        [("Origin", b"https://app.example.com")],
        [(b"Origin", APP)],
        {b"origin": APP},
        [("Origin",)],
    ],
)
def test_non_str_headers_raise_a_clear_type_error(headers: object) -> None:
    with pytest.raises(TypeError, match="decide\\(\\) takes header names and values as str"):
        issue_policy().decide("GET", headers)  # type: ignore[arg-type]


def test_non_str_origin_raises_even_on_preflight() -> None:
    headers: dict[str, object] = {"origin": b"x", "access-control-request-method": "PUT"}
    with pytest.raises(TypeError, match="as str"):
        issue_policy().decide("OPTIONS", headers)  # type: ignore[arg-type]


# --- decisions ----------------------------------------------------------------------------------


def test_decisions_are_immutable_named_tuples() -> None:
    decision = issue_policy().decide("GET", {"Origin": APP})
    with pytest.raises(AttributeError):
        decision.allowed = False  # type: ignore[misc]
    with pytest.raises(AttributeError):
        decision.extra = 1  # type: ignore[attr-defined]
    assert isinstance(decision.headers, tuple)
    assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in decision.headers)
    kind, allowed, status, headers, reason = decision
    assert (kind, allowed, status, headers, reason) == (
        decision.kind,
        decision.allowed,
        decision.status,
        decision.headers,
        decision.reason,
    )
    assert pickle.loads(pickle.dumps(decision)) == decision
    assert repr(decision).startswith("CorsDecision(kind='actual', allowed=True")
    assert CorsDecision("none", True, None, [("Vary", "Origin")]).headers == (("Vary", "Origin"),)


def test_allowed_decisions_for_listed_origins_are_shared_not_rebuilt() -> None:
    policy = issue_policy()
    first = policy.decide("GET", {"Origin": APP})
    assert policy.decide("GET", {"origin": APP}) is first


def test_no_state_between_calls() -> None:
    policy = issue_policy()
    requests = [
        ("GET", {"Origin": APP}),
        ("GET", {"Origin": "https://evil.example"}),
        ("OPTIONS", preflight(headers="authorization")),
        ("OPTIONS", preflight(origin="https://a.example.org", method="PATCH")),
        ("GET", {}),
    ]
    forward = [policy.decide(m, h) for m, h in requests]
    backward = [policy.decide(m, h) for m, h in reversed(requests)]
    assert forward == list(reversed(backward))


_PATTERNS = [
    "https://*.example.org",
    "https://*.a.example.org",
    "https://*.example.net:8443",
    "http://*.example.org:*",
    "http://localhost:*",
]
_LABEL = st.text(alphabet="abz09-_.:/@X ", min_size=0, max_size=6)


def _reference_match(origin: str) -> bool:
    """The `*.` and `:*` rules written out plainly, one pattern at a time."""
    for pattern in _PATTERNS:
        scheme, _, rest = pattern.partition("://")
        host, _, port = rest.partition(":")
        if not origin.startswith(scheme + "://"):
            continue
        authority = origin[len(scheme) + 3 :]
        if host == "localhost":
            if authority == "localhost" or (
                authority.startswith("localhost:")
                and authority[10:].isdigit()
                and authority[10:][0] != "0"
                and int(authority[10:]) <= 65535
                and not (scheme == "http" and authority[10:] == "80")
            ):
                return True
            continue
        base = host[2:]
        name, colon, origin_port = authority.partition(":")
        if port == "*":
            if colon and not (
                origin_port.isdigit()
                and origin_port[0] != "0"
                and int(origin_port) <= 65535
                and origin_port != {"http": "80", "https": "443"}[scheme]
            ):
                continue
        elif colon + origin_port != (":" + port if port else ""):
            continue
        if not name.endswith("." + base):
            continue
        labels = name[: -len(base) - 1].split(".")
        if all(
            label and not label.strip("abcdefghijklmnopqrstuvwxyz0123456789-_") for label in labels
        ):
            return True
    return False


@settings(max_examples=600, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "ftp://", "https:/", ""]),
    sub=st.lists(_LABEL, min_size=0, max_size=3).map(".".join),
    base=st.sampled_from(
        ["example.org", "a.example.org", "example.net", "example.org.evil", "xexample.org", ""]
    ),
    port=st.sampled_from(["", ":8443", ":80", ":443", ":3000", ":", ":0", ":x"]),
)
def test_subdomain_patterns_agree_with_a_plain_reference(
    scheme: str, sub: str, base: str, port: str
) -> None:
    origin = scheme + ".".join(part for part in (sub, base) if part) + port
    if not origin:
        return
    policy = CorsPolicy(origins=_PATTERNS)
    assert policy.decide("GET", {"Origin": origin}).allowed is _reference_match(origin), origin
