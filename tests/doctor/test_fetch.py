"""The sans-IO fetch state machine, driven with canned answers (no network)."""

from __future__ import annotations

import pytest

from corsway.doctor.classify import page_request
from corsway.doctor.fetch import AUTHORIZATION_WILDCARD_NOTE, BrowserFetch
from corsway.doctor.result import FetchOutcome, WireRequest, WireResponse

ORIGIN = "http://localhost:5173"
STAR = (("Access-Control-Allow-Origin", "*"),)


def run(fetch: BrowserFetch, *answers: WireResponse) -> tuple[list[WireRequest], FetchOutcome]:
    """Answer each request in turn (the last answer repeats), on loopback."""
    sent: list[WireRequest] = []
    replies = list(answers)
    while (request := fetch.next_request()) is not None:
        sent.append(request)
        assert fetch.connect("loopback")
        fetch.receive(replies.pop(0) if len(replies) > 1 else replies[0])
    return sent, fetch.outcome


def start(url: str = "http://127.0.0.1:3000/dev/x", **kwargs: object) -> BrowserFetch:
    return BrowserFetch(
        page_request(url, origin=kwargs.pop("origin", ORIGIN), **kwargs),  # type: ignore[arg-type]
        initiator_space="loopback",
    )


def test_a_preflight_carries_no_credentials_and_the_sorted_header_names() -> None:
    fetch = start(
        method="PUT",
        headers=[("X-Zeta", "1"), ("Authorization", "Bearer t"), ("Cookie", "sid=1")],
        credentials="include",
    )
    ok = WireResponse(
        204,
        (
            ("Access-Control-Allow-Origin", ORIGIN),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "authorization, x-zeta"),
        ),
    )
    actual = WireResponse(
        200,
        (("Access-Control-Allow-Origin", ORIGIN), ("Access-Control-Allow-Credentials", "true")),
    )
    sent, outcome = run(fetch, ok, actual)
    assert outcome.allowed and outcome.preflighted
    preflight, request = sent
    assert (preflight.kind, preflight.method) == ("preflight", "OPTIONS")
    assert preflight.headers[:4] == (
        ("Host", "127.0.0.1:3000"),
        ("Accept", "*/*"),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "authorization,x-zeta"),
    )
    assert preflight.header("authorization") is None and preflight.header("cookie") is None
    assert request.header("authorization") == "Bearer t"
    assert request.header("cookie") == "sid=1"
    assert request.header("origin") == ORIGIN
    assert request.header("content-length") == "0"


@pytest.mark.parametrize("credentials", ["omit", "same-origin"])
def test_cross_origin_requests_send_no_cookie_unless_include(credentials: str) -> None:
    sent, outcome = run(
        start(headers=[("Cookie", "sid=1")], credentials=credentials), WireResponse(200, STAR)
    )
    assert outcome.allowed
    assert sent[0].header("cookie") is None


def test_same_origin_requests_skip_cors_and_send_cookies() -> None:
    fetch = start(origin="http://127.0.0.1:3000", method="PUT", headers=[("Cookie", "a=b")])
    sent, outcome = run(fetch, WireResponse(200, ()))
    assert outcome.allowed and not outcome.preflighted
    assert sent[0].header("cookie") == "a=b"
    assert sent[0].header("origin") == "http://127.0.0.1:3000"  # sent on a same-origin PUT


def test_a_redirect_to_another_origin_taints_the_origin_and_drops_authorization() -> None:
    fetch = start(headers=[("Authorization", "Bearer t")])
    pf = WireResponse(204, (*STAR, ("Access-Control-Allow-Headers", "Authorization")))
    moved = WireResponse(307, (*STAR, ("Location", "http://127.0.0.1:4000/y")))
    sent, outcome = run(fetch, pf, moved, WireResponse(200, STAR))
    assert outcome.allowed
    assert [r.method for r in sent] == ["OPTIONS", "GET", "GET"]
    assert sent[2].header("origin") == "null"
    assert sent[2].header("authorization") is None
    assert sent[2].url == "http://127.0.0.1:4000/y"


def test_303_turns_a_put_into_a_get_without_body() -> None:
    fetch = start(method="PUT", body="{}", headers=[("Content-Type", "application/json")])
    pf = WireResponse(
        204,
        (
            *STAR,
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "content-type"),
        ),
    )
    moved = WireResponse(303, (*STAR, ("Location", "/dev/y")))
    sent, outcome = run(fetch, pf, moved, WireResponse(200, STAR))
    assert outcome.allowed
    assert [(r.method, r.body) for r in sent[1:]] == [("PUT", b"{}"), ("GET", None)]
    assert sent[2].header("content-type") is None


def test_twenty_redirects_are_followed_and_the_twenty_first_fails() -> None:
    loop = WireResponse(302, (*STAR, ("Location", "/dev/x")))
    sent, outcome = run(start(), loop)
    assert len(sent) == 21
    assert outcome.failure is not None
    assert outcome.failure.error is None
    assert outcome.failure.message == "Failed to load resource: net::ERR_TOO_MANY_REDIRECTS"


def test_a_cached_preflight_is_reused_after_a_redirect_back_unless_max_age_is_0() -> None:
    back = WireResponse(307, (*STAR, ("Location", "/dev/x")))
    for max_age, preflights in (("600", 1), ("0", 2)):
        pf = WireResponse(
            204,
            (*STAR, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Max-Age", max_age)),
        )
        sent, outcome = run(
            start(method="PUT"),
            pf,
            back,
            *([pf] if max_age == "0" else []),
            WireResponse(200, STAR),
        )
        assert outcome.allowed
        assert [r.method for r in sent].count("OPTIONS") == preflights


def test_local_network_access_stops_the_request_before_it_is_sent() -> None:
    fetch = BrowserFetch(
        page_request("http://127.0.0.1:3000/x", origin="https://app.test", method="PUT"),
        initiator_space="public",
    )
    first = fetch.next_request()
    assert first is not None and first.kind == "preflight"
    assert not fetch.connect("loopback")
    assert fetch.next_request() is None
    outcome = fetch.outcome
    assert outcome.exchanges == ()
    assert not outcome.preflighted  # it was never sent
    assert outcome.failure is not None
    assert outcome.failure.error == "LocalNetworkAccessPermissionDenied"
    assert outcome.failure.message.endswith("access the `loopback` address space.")


def test_a_network_error_on_the_preflight_prints_only_the_network_line() -> None:
    fetch = start(method="PUT")
    assert fetch.connect("loopback")
    fetch.fail("net::ERR_CONNECTION_REFUSED")
    outcome = fetch.outcome
    assert outcome.failure is not None
    assert (outcome.failure.error, outcome.failure.message) == (
        None,
        "Failed to load resource: net::ERR_CONNECTION_REFUSED",
    )
    assert outcome.exchanges[0].response is None


def test_authorization_under_a_wildcard_passes_with_a_note() -> None:
    pf = WireResponse(204, (*STAR, ("Access-Control-Allow-Headers", "*")))
    _, outcome = run(
        start(headers=[("Authorization", "x")], credentials="omit"), pf, WireResponse(200, STAR)
    )
    assert outcome.allowed
    assert outcome.notes == (AUTHORIZATION_WILDCARD_NOTE,)


def test_set_cookie_feeds_later_hops_with_credentials() -> None:
    moved = WireResponse(
        302,
        (
            ("Access-Control-Allow-Origin", ORIGIN),
            ("Access-Control-Allow-Credentials", "true"),
            ("Set-Cookie", "sid=new; Path=/; HttpOnly"),
            ("Location", "/dev/y"),
        ),
    )
    done = WireResponse(200, moved.headers[:2])
    sent, outcome = run(start(credentials="include"), moved, done)
    assert outcome.allowed
    assert [r.header("cookie") for r in sent] == [None, "sid=new"]


def test_the_driver_must_not_answer_when_nothing_is_pending() -> None:
    fetch = start()
    run(fetch, WireResponse(200, STAR))
    with pytest.raises(AssertionError):
        fetch.receive(WireResponse(200, STAR))
