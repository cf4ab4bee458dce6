"""The doctor against real Chromium: every case of the matrix (tests/doctor/cases.py) through
`check()` (and some through `corsway check --json`), and, when Chromium is installed, through
the browser too, asserting the same verdict, CorsError, console message and requests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.doctor.cases import CASES, Case
from tests.doctor.matrix import Matrix, flow, wire

IDS = [case.id for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check(matrix: Matrix, case: Case) -> None:
    result, log = matrix.run_check(case)
    assert result.verdict == ("allowed" if case.error is None else "blocked")
    assert result.browser_error == matrix.expected_error(case)
    assert result.message == matrix.expected_message(case)
    assert result.cause == case.cause
    assert (result.fix is None) == (case.error is None)
    assert flow(log) == case.flow
    cookies = [entry.header("cookie") for entry in log if entry.method != "OPTIONS"]
    if case.cookie and case.init.get("credentials") == "include":
        assert cookies == [case.cookie]
    else:
        assert cookies == [None] * len(cookies)


@pytest.mark.parametrize("case", [case for case in CASES if case.cli], ids=lambda c: c.id)
def test_cli_json(matrix: Matrix, case: Case) -> None:
    code, document, log = matrix.run_cli(case)
    expected_code = 0 if case.error is None else 2 if case.server_down else 1
    assert code == expected_code
    assert list(document) == [
        "verdict",
        "preflight",
        "browser_error",
        "message",
        "cause",
        "fix",
        "exchanges",
    ]
    assert document["verdict"] == ("allowed" if case.error is None else "blocked")
    assert document["browser_error"] == matrix.expected_error(case)
    assert document["message"] == matrix.expected_message(case)
    assert document["cause"] == case.cause
    assert document["preflight"] == (case.flow[0] > 0 or case.id.endswith("-put"))
    assert flow(log) == case.flow
    sent = [exchange["request"]["method"] for exchange in document["exchanges"]]
    assert len(sent) == sum(case.flow) + (1 if case.server_down else 0)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chromium_agrees(doctor_browser: Any, matrix: Matrix, case: Case) -> None:
    outcome, browser_log = matrix.run_browser(doctor_browser, case)
    result, check_log = matrix.run_check(case)
    # Chromium does what the facts say ...
    assert outcome.allowed == (case.error is None), outcome.console
    assert outcome.cors_error == matrix.expected_error(case)
    assert outcome.cors_message == matrix.expected_message(case)
    assert flow(browser_log) == case.flow
    # ... and the doctor does what Chromium does, down to the requests it sends.
    assert result.verdict == ("allowed" if outcome.allowed else "blocked")
    assert result.browser_error == outcome.cors_error
    assert result.message == outcome.cors_message
    assert wire(check_log) == wire(browser_log)
    assert [e.header("cookie") for e in check_log] == [e.header("cookie") for e in browser_log]
