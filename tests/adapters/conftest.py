"""Shared policy and helpers for the adapter tests."""

from __future__ import annotations

from typing import Any

from tests.adapters.events import ADMIN, APP

POLICY: dict[str, Any] = {
    "origins": [APP, ADMIN],
    "methods": ["GET", "PUT", "DELETE"],
    "request_headers": ["Content-Type", "X-Request-Id"],
    "expose_headers": ["X-Request-Id"],
    "credentials": True,
    "max_age": 600,
}
VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
JSON_RESPONSE: dict[str, Any] = {
    "statusCode": 200,
    "headers": {"Content-Type": "application/json"},
    "body": '{"id": 42}',
}


class Recorder:
    """A Lambda handler that records its calls and returns ``response`` (or raises ``error``)."""

    def __init__(self, response: Any = JSON_RESPONSE, error: BaseException | None = None) -> None:
        self.calls: list[tuple[Any, Any]] = []
        self.response = response
        self.error = error
        self.__name__ = "handler"
        self.__qualname__ = "handler"
        self.__module__ = "tests.handlers"

    def __call__(self, event: Any, context: Any) -> Any:
        self.calls.append((event, context))
        if self.error is not None:
            raise self.error
        return self.response
