"""Adversarial Origin values against one policy: each is allowed only if a browser could send it
from an allowed origin, and an allowed one is echoed byte for byte."""

from __future__ import annotations

import pytest

from corsway.cors import CorsPolicy

POLICY_ORIGINS = [
    "https://app.example.com",
    "https://*.example.org",
    "http://localhost:*",
    "https://xn--bcher-kva.example",
    "http://[::1]:8080",
    "https://api.example.net:8443",
]

ALLOWED = [
    "https://app.example.com",
    "https://a.example.org",
    "https://a-b.c_d.example.org",
    "https://1.example.org",
    "https://x.y.z.example.org",
    "http://localhost",
    "http://localhost:1",
    "http://localhost:3000",
    "http://localhost:65535",
    "https://xn--bcher-kva.example",
    "http://[::1]:8080",
    "https://api.example.net:8443",
]

REFUSED = [
    # suffix tricks
    "https://app.example.com.evil.net",
    "https://app.example.comevil.net",
    "https://evilapp.example.com",
    "https://evil-app.example.com",
    "https://example.org.evil.net",
    "https://a.example.org.evil.net",
    "https://xexample.org",
    "https://evil.net/.example.org",
    "https://evil.net?.example.org",
    "https://evil.net#.example.org",
    "https://evil.net\\.example.org",
    "https://evil.net%2e.example.org",
    "https://evil.net .example.org",
    "https://evil.net\t.example.org",
    "https://evil@a.example.org",
    "https://a.example.org@evil.net",
    # prefix tricks
    "xhttps://app.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "https://app.example.com.",
    "https://app.example.com:",
    "https:/app.example.com",
    "https:app.example.com",
    "app.example.com",
    "//app.example.com",
    # apex and empty labels
    "https://example.org",
    "https://.example.org",
    "https://a..example.org",
    "https://a.example.org.",
    "https://..example.org",
    # case
    "HTTPS://APP.EXAMPLE.COM",
    "https://App.example.com",
    "Https://app.example.com",
    "https://A.example.org",
    "https://a.EXAMPLE.org",
    "http://LOCALHOST:3000",
    "https://XN--BCHER-KVA.example",
    # default and odd ports
    "https://app.example.com:443",
    "https://a.example.org:443",
    "http://localhost:80",
    "http://localhost:0",
    "http://localhost:03000",
    "http://localhost:65536",
    "http://localhost:99999999999999999999",
    "http://localhost:+3000",
    "http://localhost:-1",
    "http://localhost: 3000",
    "http://localhost:3000:3000",
    "http://localhost:\u0663\u0660\u0660\u0660",  # Arabic-Indic digits
    "http://localhost:\u00b3",  # superscript three: str.isdigit() is True
    "https://api.example.net",
    "https://api.example.net:443",
    "https://api.example.net:8444",
    # scheme
    "http://app.example.com",
    "http://a.example.org",
    "https://localhost:3000",
    "ws://localhost:3000",
    "file://",
    "file:///etc/passwd",
    # userinfo
    "https://user@app.example.com",
    "https://user:pass@app.example.com",
    "https://app.example.com@evil.net",
    "http://localhost:3000@evil.net",
    "http://evil.net#@localhost:3000",
    # whitespace and control characters
    " https://app.example.com",
    "https://app.example.com ",
    "https://app.example.com\t",
    "https://app.example.com\r\n",
    "https://a.example.org\r\nSet-Cookie: x=1",
    "https://a .example.org",
    "https://a\x00.example.org",
    "http://localhost:3000\n",
    # Unicode and Punycode
    "https://b\u00fccher.example",
    "https://\u0430pp.example.com",  # Cyrillic a
    "https://\u0430.example.org",
    "https://a.example\u3002org",  # ideographic full stop
    "https://xn--bcher-kva.example.",
    # IP literals
    "http://[::1]",
    "http://[0:0:0:0:0:0:0:1]:8080",
    "http://[::1]:8080x",
    "http://[::1]8080",
    "http://[::1:8080",
    "http://127.0.0.1:8080",
    "http://127.0.0.1",
    "http://localhost.:3000",
    "http://localhost.evil.net",
    "http://evil-localhost:3000",
    "http://sub.localhost:3000",
    # null and friends
    "null",
    "Null",
    "NULL",
    "",
    "*",
    "undefined",
    "https://",
    "https://:443",
]


@pytest.fixture(scope="module")
def policy() -> CorsPolicy:
    return CorsPolicy(origins=POLICY_ORIGINS, credentials=True, methods=["PUT"])


@pytest.mark.parametrize("origin", ALLOWED)
def test_allowed_origins_are_echoed_exactly(policy: CorsPolicy, origin: str) -> None:
    for method, headers in [
        ("GET", {"Origin": origin}),
        ("OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "PUT"}),
    ]:
        decision = policy.decide(method, headers)
        assert decision.allowed, decision.reason
        assert dict(decision.headers)["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize("origin", REFUSED)
def test_adversarial_origins_are_refused_and_never_echoed(policy: CorsPolicy, origin: str) -> None:
    for method, headers in [
        ("GET", {"Origin": origin}),
        ("OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "PUT"}),
    ]:
        decision = policy.decide(method, headers)
        assert not decision.allowed
        names = {name for name, _ in decision.headers}
        assert names == {"Vary"}
        assert decision.reason.startswith(f"origin {origin!r} is not allowed")


@pytest.mark.parametrize("origin", REFUSED)
def test_adversarial_origins_never_reach_a_regex_or_callable_unless_well_formed(
    origin: str,
) -> None:
    seen: list[str] = []

    def allow_all(candidate: str) -> bool:
        seen.append(candidate)
        return True

    policy = CorsPolicy(allow_origin=allow_all)
    decision = policy.decide("GET", {"Origin": origin})
    for candidate in seen:
        assert candidate == candidate.strip()
        assert candidate.isascii() and candidate.isprintable()
        assert "@" not in candidate and "/" not in candidate.split("://", 1)[1]
    if decision.allowed:
        assert seen == [origin]


def test_corpus_is_big_enough() -> None:
    assert len(REFUSED) > 90
