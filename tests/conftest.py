"""Fixtures shared by every test folder: one Playwright per session (Playwright's sync API
cannot run twice in one thread, so the browser tests and the doctor's matrix share it), and
`corsway serve`'s Python environments built in a repo-local cache (the first test that serves a
Python service builds the base environment with boto3 once per clone; see
`corsway.runtimes.pyenvs`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM

TEST_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "corsway-tests"
os.environ.setdefault("CORSWAY_CACHE_DIR", str(TEST_CACHE))
# `corsway serve`'s discovery records (corsway check finds the service behind a URL by them):
# the tests' servers keep theirs out of the user's run directory.
os.environ.setdefault("CORSWAY_RUN_DIR", str(TEST_CACHE / "run"))


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    """Playwright's sync API, started once; skips (or, with CORSWAY_REQUIRE_BROWSER=1, fails)
    when /usr/bin/chromium is missing."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser` (scripts/ensure-chromium.sh)"
        if os.environ.get("CORSWAY_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(autouse=True)
def _gateway_output_marks() -> Iterator[None]:
    """After each test, a shared gateway's waits start at what it prints next."""
    yield
    support = sys.modules.get("tests.gateway.support")  # not imported: no gateway to mark
    if support is not None:
        for gateway in list(support.LIVE_GATEWAYS):
            gateway.mark = len(gateway.output.getvalue())
