"""pytest plugin (entry point `corsway`): serve your service as `corsway serve` does and assert
what a browser makes of it, in your own CI::

    def test_the_front_end_can_read_a_refused_token(browser_fetch):
        result = browser_fetch("/profile", headers={"Authorization": "Bearer expired"})
        assert result.verdict == "allowed", result.message

Fixtures: `corsway_service` (the service directory: the `corsway_service` ini option, default
the rootdir; override the fixture, session-scoped, to choose another), `corsway_server` (the
service served on a free 127.0.0.1 port for the whole session, every API of it, Python handlers
in the environment `corsway serve` builds: `.url` is the first API's base URL, the REST API's
with its stage when there is one; `.urls` has every API's by kind, e.g. `urls["HTTP API"]`)
and `browser_fetch(url_or_path, origin=..., method=..., headers=..., data=...,
credentials=...)`, which returns `corsway check`'s CheckResult (`verdict`, `browser_error`,
`message`, `cause`, `fix` with its serverless.yml line, `exchanges`). A path is joined to
`.url`; the origin defaults to the `corsway_origin` ini option (http://localhost:5173). The
server's access log goes to stderr after each fetch, so pytest shows it with a failing test.

`serve(service)` is the same server as a context manager, for tests that need several services.
corsway's modules are imported when a fixture is first used, so the plugin costs nothing to
sessions that do not use it.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import pytest

if TYPE_CHECKING:
    from corsway.doctor.causes import ServiceContext
    from corsway.doctor.result import CheckResult

DEFAULT_ORIGIN = "http://localhost:5173"
START_TIMEOUT_S = 30.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "corsway_service",
        "directory of the serverless.yml that corsway's fixtures serve (default: the rootdir)",
        default="",
    )
    parser.addini(
        "corsway_origin",
        f"page origin browser_fetch() uses by default (default: {DEFAULT_ORIGIN})",
        default=DEFAULT_ORIGIN,
    )


class _AccessLog:
    """The served service's console, kept until the test that caused it prints it.

    Each answered request gets one access-log line, written once per event-loop iteration;
    `drain(answered)` waits (briefly) until the lines of `answered` more requests are written,
    so every line lands in the captured stderr of the test whose fetch caused it."""

    WAIT_S = 2.0

    def __init__(self) -> None:
        from corsway.gateway.accesslog import AccessEntry, Console

        log = self
        self._text: list[str] = []
        self._lock = threading.Lock()
        self._accesses = 0  # access lines queued
        self._flushed = 0  # access lines written
        self._drained = 0

        class _Stream(io.TextIOBase):
            def write(self, text: str) -> int:
                with log._lock:
                    log._text.append(text)
                return len(text)

            def isatty(self) -> bool:
                return False

        class _Console(Console):
            def access(self, entry: AccessEntry) -> None:
                super().access(entry)
                log._accesses += 1

            def later(self, make_lines: Callable[..., list[str]], *args: Any) -> None:
                super().later(make_lines, *args)  # (the gateway's access-log lines)
                log._accesses += 1

            def flush(self) -> None:
                super().flush()
                log._flushed = log._accesses

        self.console = _Console(cast(TextIO, _Stream()), color=False)

    def drain(self, answered: int) -> None:
        """Print (to stderr) what the server wrote for the last `answered` requests."""
        self._drained += answered
        deadline = time.monotonic() + self.WAIT_S
        while self._flushed < self._drained and time.monotonic() < deadline:
            time.sleep(0.005)
        with self._lock:
            text, self._text = "".join(self._text), []
        if text:
            sys.stderr.write(text)


@dataclass(frozen=True)
class ServedService:
    """A service served on loopback: its base URL, and `fetch` as a browser page does it."""

    url: str  # the first API's base URL (the REST API's, with its stage, when there is one)
    origin: str = DEFAULT_ORIGIN
    log: _AccessLog | None = None
    context: ServiceContext | None = None  # the served service, for causes and fix lines
    urls: Mapping[str, str] | None = None  # every API's base URL by kind ("HTTP API": root)

    def resolve(self, url_or_path: str) -> str:
        if "://" in url_or_path:
            return url_or_path
        return self.url.rstrip("/") + "/" + url_or_path.lstrip("/")

    def fetch(
        self,
        url_or_path: str,
        *,
        origin: str | None = None,
        method: str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
        data: str | bytes | None = None,
        credentials: str = "same-origin",
    ) -> CheckResult:
        """What Chromium makes of `fetch(url, {method, headers, body: data, credentials})`
        from a page at `origin`. The local server stands in for the deployed API, so Local
        Network Access (a public page reaching a loopback server) is taken as granted."""
        from corsway.doctor.driver import check

        result = check(
            self.resolve(url_or_path),
            origin=origin or self.origin,
            method=method,
            headers=headers,
            data=data,
            credentials=credentials,
            service=self.context,
            discover=False,
            local_network_permission=True,
        )
        if self.log is not None:
            self.log.drain(sum(1 for e in result.exchanges if e.response is not None))
        return result


def _progress(text: str) -> None:
    """A line while a Python environment is built (the first time only: it is cached)."""
    sys.stderr.write(f"corsway: {text}\n")


@contextmanager
def serve(
    service: str | Path = ".",
    *,
    stage: str | None = None,
    region: str | None = None,
    origin: str = DEFAULT_ORIGIN,
    template: str | Path | None = None,
) -> Iterator[ServedService]:
    """Serve `service` (a directory with serverless.yml) on a free 127.0.0.1 port; with
    `template`, that CloudFormation template instead (as `corsway serve --template`), the
    handlers and serverless.yml (for the fix lines) still read from `service`."""
    from corsway.doctor.context import CompiledServiceContext
    from corsway.doctor.service import ServiceSource
    from corsway.gateway.loader import (
        check_functions,
        compile_and_load,
        load_template_file,
        service_directory,
    )
    from corsway.gateway.server import GatewayServer, service_functions
    from corsway.runtimes.pyenvs import PythonEnvironments
    from corsway.runtimes.registry import python_runtimes

    if template is not None:
        loaded = load_template_file(Path(template), Path(service), stage=stage, region=region)
    else:
        loaded = compile_and_load(Path(service), stage=stage, region=region)
    # Python handlers run as `corsway serve` runs them: in the service's cached environment
    # (its requirements and boto3), or the active virtualenv's
    envs = PythonEnvironments.from_options(service_directory(Path(service)), None, loaded.config)
    envs.prepare(python_runtimes(service_functions(loaded.apis)), _progress)
    check_functions(loaded.apis, loaded.source, envs)
    log = _AccessLog()
    server = GatewayServer(loaded.apis, log.console, host="127.0.0.1", port=0, python=envs)
    thread = threading.Thread(target=server.run, name="corsway-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"corsway serve {service} did not start")
        time.sleep(0.01)
    try:
        source = ServiceSource(
            service_directory(Path(service)),
            template=Path(template).resolve() if template is not None else None,
            stage=stage,
            region=region,
            stage_prefix=True,
        )
        yield ServedService(
            server.base_url,
            origin,
            log,
            CompiledServiceContext(source),
            dict(server.base_urls()),
        )
    finally:
        server.stop()
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def corsway_service(pytestconfig: pytest.Config) -> Path:
    """The service the corsway fixtures serve (ini option `corsway_service`)."""
    configured = str(pytestconfig.getini("corsway_service") or "")
    root = Path(pytestconfig.rootpath)
    return (root / configured).resolve() if configured else root


@pytest.fixture(scope="session")
def corsway_server(corsway_service: Path, pytestconfig: pytest.Config) -> Iterator[ServedService]:
    """`corsway serve` of the service, for the whole session."""
    origin = str(pytestconfig.getini("corsway_origin") or DEFAULT_ORIGIN)
    with serve(corsway_service, origin=origin) as served:
        yield served


@pytest.fixture
def browser_fetch(corsway_server: ServedService) -> Callable[..., CheckResult]:
    """`browser_fetch(url_or_path, origin=..., method=..., headers=..., data=...,
    credentials=...)` -> the browser's verdict (a CheckResult)."""

    def fetch(url_or_path: str, **options: Any) -> CheckResult:
        return corsway_server.fetch(url_or_path, **options)

    return fetch
