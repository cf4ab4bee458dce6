"""A function's `events` list: each event is a mapping with one event type, checked by its rule.

Event types without a rule in `EVENT_TYPES` (sqs, schedule, ...) are recognized, not checked.
"""

from __future__ import annotations

from typing import Any

from corsway.service.rules.http_event import HTTP_EVENT
from corsway.service.rules.httpapi_event import HTTP_API_EVENT
from corsway.service.schema import Arr, Custom, Issue, Report, Rule
from corsway.service.sourcemap import Path

# The rule of each event type corsway compiles, by the event's key.
EVENT_TYPES: dict[str, Rule] = {"http": HTTP_EVENT, "httpApi": HTTP_API_EVENT}


def _event(value: Any, path: Path, report: Report) -> Any:
    if not isinstance(value, dict) or len(value) != 1:
        report(
            Issue(
                path,
                "each event must be a mapping with exactly one event type (e.g. http: ...)",
                "type",
            )
        )
        return value
    kind = next(iter(value))
    rule = EVENT_TYPES.get(kind)
    if rule is not None:
        value[kind] = rule.check(value[kind], (*path, kind), report)
    return value


EVENTS = Arr(Custom(_event, "an event"), label="a list of events")
