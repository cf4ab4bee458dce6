"""One algorithm everywhere: `corsway serve`'s access-log note on each request/response pair of
every matrix case says what `corsway check` (and Chromium: test_matrix.py) says about it."""

from __future__ import annotations

import pytest

from corsway.doctor.judge import judge_preflight, request_header_names
from corsway.doctor.messages import short_reason
from corsway.gateway.accesslog import cors_note
from tests.doctor.cases import CASES, Case
from tests.doctor.matrix import Matrix

# Errors of the redirect rules, not of a response's headers: no single answer shows them.
REDIRECT_RULES = frozenset({"RedirectContainsCredentials", "CorsDisabledScheme"})
JUDGED: list[str] = []  # 'blocked' or 'ok', one per exchange compared


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_access_log_note_agrees_with_the_doctor(matrix: Matrix, case: Case) -> None:
    result, _ = matrix.run_check(case)
    page = result.outcome.request
    failure = result.outcome.failure
    for index, exchange in enumerate(result.exchanges):
        request, response = exchange.request, exchange.response
        if response is None:
            continue
        cookie = request.header("cookie") is not None
        if page.credentials == "include" and not cookie:
            continue  # the log infers 'include' from a Cookie only: it cannot know this one
        origin = request.header("origin")
        note = cors_note(
            method=request.method,
            origin=origin,
            preflight_method=request.header("access-control-request-method"),
            request_headers=request.header("access-control-request-headers"),
            status=response.status,
            headers=list(response.headers),
            credentialed=cookie,
            host=request.header("host"),
        )
        failed_here = failure is not None and failure.exchange == index and failure.error
        if failed_here and failure is not None and failure.error not in REDIRECT_RULES:
            assert failure.error is not None
            assert note == (
                f"CORS blocked for {origin}: {failure.error}: "
                f"{short_reason(failure.error, failure.hint)}"
                + (" (credentials 'include': Cookie sent)" if cookie else "")
            ), case.id
            JUDGED.append("blocked")
        elif not failed_here and note:
            assert note.startswith(f"CORS ok for {origin}"), (case.id, index, note)
            JUDGED.append("ok")
        elif not failed_here:
            assert origin is None or request.header("sec-fetch-site") == "same-origin"


def test_enough_exchanges_were_compared() -> None:
    blocked, ok = JUDGED.count("blocked"), JUDGED.count("ok")
    print(f"access log vs doctor: {blocked} blocked and {ok} allowed exchanges compared")
    assert blocked >= 60 and ok >= 60, (blocked, ok)


def test_a_preflight_is_judged_on_its_requested_method_and_headers() -> None:
    headers = (
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "GET,PUT"),
        ("Access-Control-Allow-Headers", "content-type"),
    )
    judged = judge_preflight(
        204,
        headers,
        origin="http://a.test",
        method="DELETE",
        request_headers="content-type",
    )
    assert judged is not None and (judged.error, judged.hint) == (
        "MethodDisallowedByPreflightResponse",
        "DELETE",
    )
    judged = judge_preflight(
        204, headers, origin="http://a.test", method="PUT", request_headers="content-type,x-id"
    )
    assert judged is not None and judged.hint == "x-id"
    assert (
        judge_preflight(
            204, headers, origin="http://a.test", method="PUT", request_headers="Content-Type"
        )
        is None
    )
    redirected = judge_preflight(
        302, (("Location", "/b"),), origin="http://a.test", method="PUT", request_headers=None
    )
    assert redirected is not None and redirected.error == "PreflightDisallowedRedirect"
    assert request_header_names(" X-A, ,b ") == ["x-a", "b"]


def test_notes_are_cached_by_what_they_depend_on() -> None:
    ok = cors_note(
        method="GET",
        origin="http://a.test",
        preflight_method=None,
        status=200,
        headers=[("Access-Control-Allow-Origin", "http://a.test")],
    )
    other = cors_note(
        method="GET",
        origin="http://b.test",
        preflight_method=None,
        status=200,
        headers=[("Access-Control-Allow-Origin", "http://a.test")],
    )
    credentialed = cors_note(
        method="GET",
        origin="http://a.test",
        preflight_method=None,
        status=200,
        headers=[("Access-Control-Allow-Origin", "http://a.test")],
        credentialed=True,
    )
    assert ok == "CORS ok for http://a.test"
    assert other.startswith("CORS blocked for http://b.test: AllowOriginMismatch: ")
    assert credentialed == (
        "CORS blocked for http://a.test: InvalidAllowCredentials: 'Access-Control-Allow-"
        "Credentials' is '', which must be 'true' when the credentials mode is 'include' "
        "(credentials 'include': Cookie sent)"
    )
    same_origin = cors_note(
        method="POST",
        origin="http://127.0.0.1:3000",
        preflight_method=None,
        status=200,
        headers=[],
        host="127.0.0.1:3000",
    )
    assert same_origin == ""  # no CORS check on a same-origin request
