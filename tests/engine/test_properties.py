"""Property tests: random policies and requests against an independent reference matcher."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsway.cors import CorsDecision, CorsPolicy

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DEFAULT_PORTS = {"http": 80, "https": 443}
CANONICAL_NAMES = {
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Private-Network",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Vary",
}

labels = st.text(alphabet="ab1-_", min_size=1, max_size=3)
top_labels = st.text(alphabet="ab", min_size=1, max_size=2)  # a numeric one would mean IPv4
schemes = st.sampled_from(["http", "https"])
ports = st.sampled_from(["", "80", "443", "3000", "8443"])


@dataclass(frozen=True)
class Entry:
    """One configured origin entry and how the reference matcher reads it."""

    scheme: str
    host: str  # without "*."
    port: str  # "" default, "*" any, else digits
    subdomains: bool

    @property
    def text(self) -> str:
        host = ("*." if self.subdomains else "") + self.host
        return f"{self.scheme}://{host}" + (f":{self.port}" if self.port else "")

    def matches(self, origin: str) -> bool:
        """Reference matcher: a regular expression per entry, written from the spec."""
        sub = r"(?:[a-z0-9_-]+\.)+" if self.subdomains else ""
        found = re.fullmatch(
            rf"{self.scheme}://{sub}{re.escape(self.host)}(?::([1-9][0-9]{{0,4}}))?",
            origin,
        )
        if not found:
            return False
        port = found.group(1)
        if port is not None and (int(port) > 65535 or int(port) == DEFAULT_PORTS[self.scheme]):
            return False  # browsers never send these
        if self.port == "*":
            return True
        if self.port in ("", str(DEFAULT_PORTS[self.scheme])):
            return port is None
        return port == self.port


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    subdomains = draw(st.booleans())
    host_labels = draw(st.lists(labels, min_size=1 if subdomains else 0, max_size=2))
    host = ".".join([*host_labels, draw(top_labels)])
    port = draw(st.sampled_from(["", "*", "3000", "8443"]))
    return Entry(draw(schemes), host, port, subdomains)


@dataclass(frozen=True)
class Setup:
    policy: CorsPolicy
    entries: tuple[Entry, ...]
    star: bool
    null: bool
    credentials: bool


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    credentials = draw(st.booleans())
    star = not credentials and draw(st.booleans())
    null = not credentials and draw(st.booleans())
    configured = tuple(draw(st.lists(entries(), min_size=0 if star or null else 1, max_size=4)))
    origins = [entry.text for entry in configured] + ["*"] * star + ["null"] * null
    methods = draw(st.sampled_from([[], ["PUT"], ["PUT", "PATCH", "delete"], ["*"]]))
    request_headers = draw(
        st.sampled_from(
            [[], ["Content-Type"], ["Authorization", "X-Custom"], ["*"], ["*", "Authorization"]]
        )
    )
    policy = CorsPolicy(
        origins=draw(st.permutations(origins)),
        methods=methods,
        request_headers=request_headers,
        expose_headers=draw(st.sampled_from([[], ["X-Request-Id"]])),
        credentials=credentials,
        max_age=draw(st.sampled_from([None, 0, 600])),
        private_network=draw(st.booleans()),
        allow_insecure_origins=True,
        debug=draw(st.booleans()),
    )
    return Setup(policy, configured, star, null, credentials)


def valid_origin(entry: Entry, prefix: list[str], port: str) -> str:
    """An origin a browser could send from a page the entry allows."""
    host = ".".join([*prefix, entry.host]) if entry.subdomains else entry.host
    if entry.port != "*":
        port = entry.port
    if port == str(DEFAULT_PORTS[entry.scheme]):
        port = ""
    return f"{entry.scheme}://{host}" + (f":{port}" if port else "")


@st.composite
def origins_for(draw: st.DrawFn, setup: Setup) -> str:
    """Allowed origins, near misses (mutated) or arbitrary text, in about equal parts."""
    choices: list[st.SearchStrategy[str]] = [
        st.text(alphabet="htps:/.ab1-_*[]@ ELN\r\nul", max_size=25),
        st.sampled_from(["null", "", "https://evil.example", "http://localhost:3000"]),
    ]
    if setup.entries:
        entry = draw(st.sampled_from(setup.entries))
        prefix = draw(st.lists(labels, min_size=1 if entry.subdomains else 0, max_size=2))
        valid = st.builds(
            valid_origin, st.just(entry), st.just(prefix), st.sampled_from(["", "3000", "8443"])
        )
        near = st.lists(labels, max_size=2).map(lambda p: ".".join([*p, entry.host]))
        mutated = st.builds(
            lambda scheme, host, port, suffix, upper: (
                f"{scheme}://{host.upper() if upper else host}"
                + (f":{port}" if port else "")
                + suffix
            ),
            st.sampled_from([entry.scheme, "http", "https"]),
            near,
            ports,
            st.sampled_from(["", "", "", ".", "/", ".evil.net", "a"]),
            st.booleans(),
        )
        near_misses = valid.flatmap(
            lambda origin: st.sampled_from(
                [
                    origin + ".",
                    origin + "/",
                    origin.upper(),
                    origin.replace("://", "://x", 1),
                    origin + ".evil.net",
                    origin + ":" + str(DEFAULT_PORTS[entry.scheme]),
                    ("http" if entry.scheme == "https" else "https") + origin[len(entry.scheme) :],
                    " " + origin,
                ]
            )
        )
        choices += [valid, valid, near_misses, mutated]
        if entry.subdomains:  # the apex of a subdomain pattern is never allowed
            apex = Entry(entry.scheme, entry.host, entry.port, subdomains=False)
            choices.append(st.builds(valid_origin, st.just(apex), st.just([]), ports))
    return draw(st.one_of(choices))


def reference_allows(setup: Setup, origin: str) -> bool:
    if setup.star:
        return True
    if origin == "null":
        return setup.null
    return any(entry.matches(origin) for entry in setup.entries)


def headers_of(decision: CorsDecision) -> dict[str, str]:
    return dict(decision.headers)


@SETTINGS
@given(data=st.data())
def test_origin_verdict_matches_the_reference_and_refused_origins_are_never_echoed(
    data: st.DataObject,
) -> None:
    setup = data.draw(setups())
    origin = data.draw(origins_for(setup))
    expected = reference_allows(setup, origin)
    actual = setup.policy.decide("GET", {"Origin": origin})
    assert actual.allowed is expected, (origin, setup.policy, actual.reason)
    preflight = setup.policy.decide(
        "OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.allowed is expected
    for decision in (actual, preflight):
        allow_origin = headers_of(decision).get("Access-Control-Allow-Origin")
        if not expected:
            assert allow_origin is None
        else:
            assert allow_origin == ("*" if setup.star else origin)


method_values = st.sampled_from([None, "GET", "PUT", "PATCH", "patch", "DELETE", "", "X Y"])
header_values = st.sampled_from(
    [
        None,
        "",
        "authorization",
        "content-type",
        "x-custom",
        "authorization,x-custom",
        "X-Custom, Content-Type",
        "x-custom,,",
    ]
)
private_values = st.sampled_from([None, "true", "false"])
REQUEST_FIELDS = (
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "x-other",
)


@st.composite
def requests_for(draw: st.DrawFn, setup: Setup) -> tuple[str, dict[str, str | None]]:
    method = draw(st.sampled_from(["GET", "OPTIONS", "POST", "OPTIONS"]))
    return method, {
        "origin": draw(st.one_of(origins_for(setup), origins_for(setup), st.none())),
        "access-control-request-method": draw(method_values),
        "access-control-request-headers": draw(header_values),
        "access-control-request-private-network": draw(private_values),
        "x-other": draw(st.sampled_from([None, "1"])),
    }


def send(policy: CorsPolicy, method: str, fields: dict[str, str | None]) -> CorsDecision:
    return policy.decide(method, {k: v for k, v in fields.items() if v is not None})


@SETTINGS
@given(data=st.data())
def test_allow_origin_is_star_or_exactly_the_request_origin(data: st.DataObject) -> None:
    setup = data.draw(setups())
    method, fields = data.draw(requests_for(setup))
    decision = send(setup.policy, method, fields)
    allow_origin = headers_of(decision).get("Access-Control-Allow-Origin")
    assert allow_origin in (None, "*", fields["origin"])
    if allow_origin is not None and allow_origin != "*":
        assert decision.kind in ("actual", "preflight")


@SETTINGS
@given(data=st.data())
def test_star_never_comes_with_credentials(data: st.DataObject) -> None:
    setup = data.draw(setups())
    method, fields = data.draw(requests_for(setup))
    headers = headers_of(send(setup.policy, method, fields))
    if "Access-Control-Allow-Credentials" in headers:
        assert headers["Access-Control-Allow-Credentials"] == "true"
        assert headers.get("Access-Control-Allow-Origin") != "*"
    if setup.credentials:
        for name in (
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Methods",
            "Access-Control-Allow-Headers",
            "Access-Control-Expose-Headers",
        ):
            assert "*" not in headers.get(name, "").split(", ")
    if headers.get("Access-Control-Allow-Origin") == "*":
        assert "Access-Control-Allow-Credentials" not in headers


@SETTINGS
@given(data=st.data())
def test_vary_covers_every_request_header_the_answer_depends_on(data: st.DataObject) -> None:
    """A cache that keys on method + the Vary headers may reuse the answer: prove it is right."""
    setup = data.draw(setups())
    method, first = data.draw(requests_for(setup))
    answer = send(setup.policy, method, first)
    vary = {
        name.strip().lower()
        for value in (v for k, v in answer.headers if k == "Vary")
        for name in value.split(",")
    }
    _, other = data.draw(requests_for(setup))
    second = {field: first[field] if field in vary else other[field] for field in REQUEST_FIELDS}
    reused = send(setup.policy, method, second)
    assert (reused.status, reused.headers) == (answer.status, answer.headers), (
        method,
        first,
        second,
    )


@SETTINGS
@given(data=st.data())
def test_headers_are_canonical_well_formed_pairs(data: st.DataObject) -> None:
    setup = data.draw(setups())
    method, fields = data.draw(requests_for(setup))
    decision = send(setup.policy, method, fields)
    assert decision.kind in ("none", "actual", "preflight")
    assert (decision.status is not None) is (decision.kind == "preflight")
    assert (decision.reason == "") is decision.allowed
    for name, value in decision.headers:
        assert name in CANONICAL_NAMES
        assert isinstance(value, str)
        assert value == value.strip()
        assert not set(value) & {"\r", "\n", "\x00"}
    if decision.kind == "preflight" and not decision.allowed and not setup.policy.debug:
        assert decision.status == 403
        assert [name for name, _ in decision.headers] == ["Vary"]


@SETTINGS
@given(data=st.data())
def test_decisions_do_not_depend_on_earlier_requests(data: st.DataObject) -> None:
    setup = data.draw(setups())
    batch = data.draw(st.lists(requests_for(setup), min_size=2, max_size=6))
    forward = [send(setup.policy, method, fields) for method, fields in batch]
    backward = [send(setup.policy, method, fields) for method, fields in reversed(batch)]
    assert forward == list(reversed(backward))
