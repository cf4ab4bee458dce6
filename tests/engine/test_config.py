"""CorsPolicy construction: validation (every problem at once), normalisation, immutability."""

from __future__ import annotations

import re

import pytest

from corsway.cors import CorsConfigError, CorsConfigProblem, CorsPolicy


def problems_of(**config: object) -> list[CorsConfigProblem]:
    with pytest.raises(CorsConfigError) as caught:
        CorsPolicy(**config)  # type: ignore[arg-type]
    return list(caught.value.problems)


def only_problem(**config: object) -> CorsConfigProblem:
    problems = problems_of(**config)
    assert len(problems) == 1, problems
    return problems[0]


# --- origins ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("HTTPS://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("http://localhost:080", "http://localhost"),
        ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"),
        ("http://[::FFFF:7F00:1]", "http://[::ffff:7f00:1]"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("https://*.Example.org", "https://*.example.org"),
        ("http://localhost:*", "http://localhost:*"),
        ("https://*.example.org:*", "https://*.example.org:*"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("NULL", "null"),
        ("*", "*"),
    ],
)
def test_origins_are_normalised(raw: str, normalised: str) -> None:
    assert CorsPolicy(origins=[raw]).origins == (normalised,)


def test_normalised_origin_is_matched_as_browsers_send_it() -> None:
    policy = CorsPolicy(origins=["HTTPS://App.Example.COM:443"])
    assert policy.decide("GET", {"Origin": "https://app.example.com"}).allowed
    assert not policy.decide("GET", {"Origin": "HTTPS://App.Example.COM:443"}).allowed


def test_duplicate_origins_after_normalisation_are_listed_once() -> None:
    policy = CorsPolicy(origins=["https://a.com", "https://A.com:443", "https://a.com"])
    assert policy.origins == ("https://a.com",)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("https://a.com/", "has a trailing slash"),
        ("https://a.com/path", "has a path"),
        ("https://a.com?x=1", "has a query"),
        ("https://a.com#top", "has a fragment"),
        ("https://user:pw@a.com", "has userinfo"),
        ("a.com", "has no scheme"),
        ("//a.com", "has no scheme; write it as scheme://host[:port], e.g. 'https://a.com'"),
        ("1https://a.com", "has an invalid scheme"),
        ("ftp://a.com", "unsupported scheme 'ftp'"),
        ("chrome-extension://abcdef", "unsupported scheme 'chrome-extension'"),
        ("file:///etc", "unsupported scheme 'file'"),
        (" https://a.com", "leading or trailing whitespace"),
        ("https://a.com\n", "leading or trailing whitespace"),
        ("", "is empty"),
        ("https://", "the host is empty"),
        ("https://a.com.", "ends with a dot"),
        ("https://a..com", "empty label"),
        ("https://a b.com", "characters other than"),
        ("https://bücher.example", "'https://xn--bcher-kva.example'"),
        ("https://a.com:0", "invalid port '0'"),
        ("https://a.com:65536", "invalid port '65536'"),
        ("https://a.com:x", "invalid port 'x'"),
        ("https://a.com:", "invalid port ''"),
        ("http://1.2.3.256", "dotted-decimal"),
        ("http://0x7f000001", "dotted-decimal"),
        ("http://127.1", "dotted-decimal"),
        ("http://[::1", "without the closing"),
        ("http://[::g]", "invalid IPv6 address"),
        ("http://::1", "more than one ':'"),
        ("https://a.*.example.org", "'*' inside the host"),
        ("https://*example.org", "'*' inside the host"),
        ("https://*.*.example.org", "'*' inside the host"),
        ("https://*.1.2.3", "over an IP address"),
        ("https://*.com", "top-level domain 'com'"),
        ("https://" + "a" * 64 + ".com", "longer than 63"),
    ],
)
def test_invalid_origins_name_field_value_and_fix(raw: str, fragment: str) -> None:
    problem = only_problem(origins=["https://ok.example", raw])
    assert problem.field == "origins[1]"
    assert problem.value == raw
    assert fragment in problem.message
    assert repr(raw) in str(problem)


def test_origins_as_a_string_is_an_error_not_substring_matching() -> None:
    problem = only_problem(origins="https://a.com")
    assert problem.field == "origins"
    assert "must be a list of strings, not str" in problem.message
    assert "['https://a.com']" in problem.message


@pytest.mark.parametrize("value", [None, 42, {"https://a.com": True}, b"https://a.com"])
def test_origins_of_the_wrong_type_are_errors(value: object) -> None:
    problem = only_problem(origins=value)
    assert problem.field == "origins"
    assert "must be a list of strings" in problem.message


def test_non_string_origin_entries_are_errors() -> None:
    problem = only_problem(origins=["https://a.com", 42])
    assert (problem.field, problem.value) == ("origins[1]", 42)
    assert "must be a string, not int" in problem.message


def test_origins_accept_any_iterable() -> None:
    policy = CorsPolicy(origins=(o for o in ["https://a.com", "https://b.com"]))
    assert policy.origins == ("https://a.com", "https://b.com")


def test_no_origin_at_all_is_an_error() -> None:
    problem = only_problem(origins=[])
    assert problem.field == "origins"
    assert "allows no origin" in problem.message


def test_star_and_null_with_credentials_are_refused() -> None:
    problems = problems_of(origins=["*", "null"], credentials=True)
    assert [p.field for p in problems] == ["origins[0]", "origins[1]"]
    assert "credentials=True" in problems[0].message
    assert "Origin: null" in problems[1].message


def test_star_and_null_without_credentials_are_fine() -> None:
    assert CorsPolicy(origins=["*", "null"]).origins == ("*", "null")


def test_insecure_origins_with_credentials_need_explicit_opt_in() -> None:
    problem = only_problem(origins=["http://api.example.com"], credentials=True)
    assert "allow_insecure_origins=True" in problem.message
    policy = CorsPolicy(
        origins=["http://api.example.com"], credentials=True, allow_insecure_origins=True
    )
    assert policy.origins == ("http://api.example.com",)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",
        "http://localhost:*",
        "http://*.localhost:*",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
    ],
)
def test_loopback_http_origins_are_fine_with_credentials(origin: str) -> None:
    assert CorsPolicy(origins=[origin], credentials=True).credentials


@pytest.mark.parametrize(
    "pattern", ["https://*.github.io", "https://*.co.uk", "https://*.eu-west-1.amazonaws.com"]
)
def test_wildcards_over_public_suffixes_are_refused_with_credentials(pattern: str) -> None:
    problem = only_problem(origins=[pattern], credentials=True)
    assert "public suffix" in problem.message
    assert CorsPolicy(origins=[pattern]).origins == (pattern,)  # fine without credentials


def test_wildcard_over_a_top_level_domain_is_always_refused() -> None:
    assert "top-level domain" in only_problem(origins=["https://*.com"]).message
    assert CorsPolicy(origins=["http://*.localhost"]).origins == ("http://*.localhost",)


# --- methods and headers ------------------------------------------------------------------------


def test_methods_are_validated_and_normalised() -> None:
    policy = CorsPolicy(origins=["*"], methods=["get", "put", "PATCH", "patch", "Purge", "GET"])
    assert policy.methods == ("GET", "PUT", "PATCH", "patch", "Purge")
    problems = problems_of(origins=["*"], methods=["GET", "bad method", "", "trace", "CONNECT"])
    assert [(p.field, p.value) for p in problems] == [
        ("methods[1]", "bad method"),
        ("methods[2]", ""),
        ("methods[3]", "trace"),
        ("methods[4]", "CONNECT"),
    ]
    assert "forbidden method" in problems[2].message


def test_methods_as_a_string_is_an_error() -> None:
    problem = only_problem(origins=["*"], methods="GET, POST")
    assert problem.field == "methods"
    assert "['GET', 'POST']" in problem.message


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("X Custom", "not a header name"),
        ("", "not a header name"),
        ("Cookie", "forbidden request header"),
        ("Origin", "forbidden request header"),
        ("Sec-Fetch-Mode", "forbidden request header"),
        ("Proxy-Authorization", "forbidden request header"),
        ("Access-Control-Allow-Origin", "response header"),
    ],
)
def test_request_headers_are_validated(name: str, fragment: str) -> None:
    problem = only_problem(origins=["*"], request_headers=["Content-Type", name])
    assert problem.field == "request_headers[1]"
    assert fragment in problem.message


@pytest.mark.parametrize(
    ("name", "fragment", "credentials"),
    [
        ("X Id", "not a header name", False),
        ("Set-Cookie", "hide Set-Cookie", False),
        ("Origin", "request header", False),
        ("*", "exposes nothing with credentials=True", True),
    ],
)
def test_expose_headers_are_validated(name: str, fragment: str, credentials: bool) -> None:
    problem = only_problem(
        origins=["https://a.com"], expose_headers=["X-Request-Id", name], credentials=credentials
    )
    assert problem.field == "expose_headers[1]"
    assert fragment in problem.message


def test_header_lists_keep_spelling_and_drop_case_insensitive_duplicates() -> None:
    policy = CorsPolicy(
        origins=["*"],
        request_headers=["Content-Type", "content-type", "X-Api-Key"],
        expose_headers=["X-Request-Id", "x-request-id"],
    )
    assert policy.request_headers == ("Content-Type", "X-Api-Key")
    assert policy.expose_headers == ("X-Request-Id",)


# --- scalars ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [-1, 86401, 1.5, "600", True])
def test_max_age_out_of_range_or_wrong_type(value: object) -> None:
    problem = only_problem(origins=["*"], max_age=value)
    assert problem.field == "max_age"
    assert "0 to 86400" in problem.message


@pytest.mark.parametrize("value", [0, 600, 86400, None])
def test_max_age_in_range(value: int | None) -> None:
    assert CorsPolicy(origins=["*"], max_age=value).max_age == value


@pytest.mark.parametrize("value", [199, 300, 403, "204", True])
def test_preflight_status_must_be_an_ok_status(value: object) -> None:
    problem = only_problem(origins=["*"], preflight_status=value)
    assert problem.field == "preflight_status"


@pytest.mark.parametrize(
    "field", ["credentials", "private_network", "allow_insecure_origins", "debug"]
)
def test_flags_must_be_booleans(field: str) -> None:
    problem = only_problem(origins=["https://a.com"], **{field: 1})
    assert (problem.field, problem.value) == (field, 1)
    assert "True or False" in problem.message


# --- regex and callable -------------------------------------------------------------------------


def test_invalid_regex_is_reported() -> None:
    problem = only_problem(origin_regex="https://(a")
    assert problem.field == "origin_regex"
    assert "not a valid regular expression" in problem.message


def test_regex_of_the_wrong_type() -> None:
    assert only_problem(origin_regex=42).field == "origin_regex"


def test_regex_that_matches_anything_is_refused_with_credentials() -> None:
    problem = only_problem(origin_regex=r"https://.*", credentials=True)
    assert "nobody owns" in problem.message
    policy = CorsPolicy(origin_regex=r"https://([a-z0-9-]+\.)*example\.com", credentials=True)
    assert policy.credentials
    compiled = CorsPolicy(origin_regex=re.compile(r"https://a\.example\.com"))
    assert compiled.origins == ("origin_regex 'https://a\\\\.example\\\\.com'",)


def test_callable_that_allows_anything_is_refused_with_credentials() -> None:
    problem = only_problem(allow_origin=lambda origin: True, credentials=True)
    assert problem.field == "allow_origin"
    assert "nobody owns" in problem.message


def test_callable_that_raises_on_probe_is_reported() -> None:
    def strict(origin: str) -> bool:
        raise KeyError(origin)

    problem = only_problem(allow_origin=strict, credentials=True)
    assert "raised KeyError" in problem.message


def test_allow_origin_must_be_callable() -> None:
    assert only_problem(allow_origin="https://a.com").field == "allow_origin"


# --- the error object and immutability ----------------------------------------------------------


def test_every_problem_is_reported_at_once_in_parameter_order() -> None:
    with pytest.raises(CorsConfigError) as caught:
        CorsPolicy(
            origins=["https://a.com/", "*"],
            methods=["TRACE"],
            request_headers=["Cookie"],
            max_age=-5,
            preflight_status=500,
            credentials=True,
        )
    error = caught.value
    assert [p.field for p in error.problems] == [
        "origins[0]",
        "origins[1]",
        "methods[0]",
        "request_headers[0]",
        "max_age",
        "preflight_status",
    ]
    text = str(error)
    assert text.startswith("invalid CORS policy (6 problems):")
    assert "  - origins[0] = 'https://a.com/': has a trailing slash" in text
    assert isinstance(error, ValueError)


def test_problems_are_immutable_and_comparable() -> None:
    problem = CorsConfigProblem("max_age", -1, "bad")
    assert problem == CorsConfigProblem("max_age", -1, "bad")
    assert problem != CorsConfigProblem("max_age", -2, "bad")
    with pytest.raises(AttributeError):
        problem.field = "x"


def test_policy_is_immutable() -> None:
    policy = CorsPolicy(origins=["https://a.com"])
    with pytest.raises(AttributeError, match="immutable"):
        policy.debug = True  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del policy._exact
    with pytest.raises(AttributeError):
        policy.extra = 1


def test_configuration_is_readable_back() -> None:
    policy = CorsPolicy(
        origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
        methods=["GET", "POST", "PUT"],
        request_headers=["Authorization", "Content-Type"],
        expose_headers=["X-Request-Id"],
        credentials=True,
        max_age=600,
        private_network=True,
        preflight_status=200,
        debug=True,
    )
    assert policy.origins == (
        "https://app.example.com",
        "https://*.example.org",
        "http://localhost:*",
    )
    assert policy.methods == ("GET", "POST", "PUT")
    assert policy.request_headers == ("Authorization", "Content-Type")
    assert policy.expose_headers == ("X-Request-Id",)
    assert (policy.credentials, policy.max_age, policy.private_network) == (True, 600, True)
    assert (policy.preflight_status, policy.debug) == (200, True)
    assert repr(policy).startswith("CorsPolicy(origins=['https://app.example.com'")
