"""The doctor's small result objects: what went over the wire, the browser's verdict, and the
`CheckResult` that `corsway check --json` prints (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from corsway.doctor.classify import Header, PageRequest, header_value

RequestKind = Literal["preflight", "actual"]
Verdict = Literal["allowed", "blocked"]


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One request the browser sends, headers in wire order."""

    kind: RequestKind
    method: str
    url: str
    headers: tuple[Header, ...]
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": [[name, value] for name, value in self.headers],
        }


@dataclass(frozen=True, slots=True)
class WireResponse:
    """One response as received: status, headers in wire order (repeated lines kept), and the
    start of the body (for recognising API Gateway's own answers)."""

    status: int
    headers: tuple[Header, ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value as Chromium reads it: several lines combined with ", "."""
        return header_value(self.headers, name)

    def has(self, name: str) -> bool:
        return any(key.lower() == name.lower() for key, _ in self.headers)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "headers": [[name, value] for name, value in self.headers]}


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and its response (None: no answer came, e.g. connection refused)."""

    request: WireRequest
    response: WireResponse | None

    def as_json(self) -> dict[str, Any]:
        return {
            "request": self.request.as_json(),
            "response": self.response.as_json() if self.response is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """Why the browser blocked the fetch.

    `error` is Chromium's CorsError (None for a network error such as a refused connection or
    too many redirects, which print only `Failed to load resource: net::...`); `exchange` is the
    index of the exchange whose response failed (None when the request was never sent);
    `header` the response header at fault, for highlighting.
    """

    error: str | None
    hint: str
    message: str
    stage: Literal["preflight", "actual", "redirect", "network", "local-network"]
    exchange: int | None = None
    header: str | None = None
    net_error: str | None = None


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    """The browser's verdict on one fetch, and everything it saw on the way."""

    request: PageRequest
    allowed: bool
    preflighted: bool
    exchanges: tuple[Exchange, ...]
    failure: Failure | None
    notes: tuple[str, ...] = ()  # things that work in Chromium but not everywhere
    initiator_space: str = "loopback"

    @property
    def failed_exchange(self) -> Exchange | None:
        if self.failure is None or self.failure.exchange is None:
            return None
        return self.exchanges[self.failure.exchange]


@dataclass(frozen=True, slots=True)
class Fix:
    """What to change: the text, and where when it is known (a serverless.yml line, or a
    handler's function; the file relative to the working directory)."""

    text: str
    file: str | None = None
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "file": self.file, "line": self.line}


@dataclass(frozen=True)
class CheckResult:
    """What `corsway check --json` prints (`as_json()`), plus the browser's full outcome."""

    verdict: Verdict
    preflight: bool
    browser_error: str | None
    message: str | None
    cause: str | None
    fix: Fix | None
    exchanges: tuple[Exchange, ...]
    outcome: FetchOutcome = field(repr=False, compare=False)
    service: str | None = field(default=None, compare=False)  # the service the cause came from
    service_problem: str | None = field(default=None, compare=False)  # why it did not help

    @property
    def answered(self) -> bool:
        """False when a request got no answer at all (the server is not running, ...)."""
        return all(exchange.response is not None for exchange in self.exchanges)

    def as_json(self) -> dict[str, Any]:
        """The JSON object, keys in the documented order."""
        return {
            "verdict": self.verdict,
            "preflight": self.preflight,
            "browser_error": self.browser_error,
            "message": self.message,
            "cause": self.cause,
            "fix": self.fix.as_json() if self.fix is not None else None,
            "exchanges": [exchange.as_json() for exchange in self.exchanges],
        }
