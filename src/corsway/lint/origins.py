"""CW014: an allowed origin that no browser's `Origin` header can ever equal.

A browser sends its origin serialised: lower-case scheme and host, no default port, no path and
no trailing slash (`https://app.example.com`). API Gateway compares that text exactly (REST: the
preflight's static value or the VTL regex; HTTP API: its origin list), so an entry written any
other way never matches. `*`, `null` and wildcards (`https://*.example.com`, `http://localhost:*`)
are left alone here (the compiler explains its wildcard quirks under CW013).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ORIGIN = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>[^/:?#]*)(?::(?P<port>[^/?#]*))?(?P<rest>.*)$"
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class OriginProblem:
    """Why an origin never matches, and the origin that would (None: cannot be guessed)."""

    reason: str
    corrected: str | None


def origin_problem(origin: str) -> OriginProblem | None:
    """The problem of one allowed-origin entry, or None when a browser can send it."""
    if origin in ("*", "null") or not origin:
        return None
    match = _ORIGIN.match(origin)
    if not match:
        return OriginProblem(
            "has no scheme: a browser's Origin always starts with http:// or https://", None
        )
    scheme, host, port, rest = (
        match.group("scheme"),
        match.group("host"),
        match.group("port"),
        match.group("rest"),
    )
    reasons: list[str] = []
    if rest:
        reasons.append("ends with a trailing slash" if rest == "/" else f"has a path ({rest})")
    if scheme != scheme.lower() or host != host.lower():
        reasons.append("has upper-case letters (browsers send the scheme and host in lower case)")
    if port is not None and DEFAULT_PORTS.get(scheme.lower()) == port:
        reasons.append(f"names the default port :{port} (browsers leave it out)")
    if not reasons:
        return None
    shown_port = "" if port is None or DEFAULT_PORTS.get(scheme.lower()) == port else f":{port}"
    corrected = f"{scheme.lower()}://{host.lower()}{shown_port}"
    return OriginProblem(" and ".join(reasons), corrected)
