"""Fixtures of the doctor's tests: the page server, the scripted servers, real Chromium.

Chromium is optional: without /usr/bin/chromium the browser half of the matrix is skipped,
unless CORSWAY_REQUIRE_BROWSER=1 (CI), which makes it fail instead (tests/conftest.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.doctor.cases import CASES
from tests.doctor.chromium import chromium, page_server
from tests.doctor.matrix import Matrix
from tests.doctor.scripted import closed_port, scripted_servers


@pytest.fixture(scope="session")
def matrix() -> Iterator[Matrix]:
    """The page's server and the scripted servers "a" and "b", loaded with every case."""
    with page_server() as port, scripted_servers(port) as script:
        script.cases.update({case.id: case.hops for case in CASES})
        yield Matrix(page_port=port, script=script, down_port=closed_port())


@pytest.fixture(scope="session")
def doctor_browser(playwright_session: Any) -> Iterator[Any]:
    """One Chromium for the session, launched with the facts harness's flags."""
    started = time.monotonic()
    with chromium(playwright_session) as browser:
        yield browser
    print(f"\ndoctor matrix: Chromium session {time.monotonic() - started:.1f} s")
