"""The doctor: what a browser makes of a cross-origin request, and why.

`check(url, origin=...)` runs Chromium's CORS algorithm against the real server and returns a
`CheckResult` (the fields of `corsway check --json`). The algorithm itself is sans-IO
(`classify`, `access`, `redirects`, `fetch`, `messages`; `judge` for one exchange, which
`corsway serve`'s access log uses), the causes and fixes too (`causes`, `fixes`, `explain`;
with the compiled service behind the URL: `service`, `causes_rest`, `causes_http`, `context`);
only `driver` does I/O (httpx). Names are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corsway.doctor.causes import Diagnosis, ServiceContext
    from corsway.doctor.classify import RequestError
    from corsway.doctor.context import CompiledServiceContext
    from corsway.doctor.driver import check
    from corsway.doctor.explain import explain
    from corsway.doctor.result import CheckResult, Fix

__all__ = [
    "CheckResult",
    "CompiledServiceContext",
    "Diagnosis",
    "Fix",
    "RequestError",
    "ServiceContext",
    "check",
    "explain",
]

_EXPORTS = {
    "check": "corsway.doctor.driver",
    "CheckResult": "corsway.doctor.result",
    "Fix": "corsway.doctor.result",
    "RequestError": "corsway.doctor.classify",
    "Diagnosis": "corsway.doctor.causes",
    "ServiceContext": "corsway.doctor.causes",
    "CompiledServiceContext": "corsway.doctor.context",
    "explain": "corsway.doctor.explain",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'corsway.doctor' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
