"""One incoming request as the gateway sees it: raw header names, ids, time, parsed query.

Built once per request from the ASGI scope; everything beyond the basics is computed on first
use, so a preflight does not pay for what only a Lambda event needs.
"""

from __future__ import annotations

import random
import time
from binascii import b2a_base64
from urllib.parse import unquote_plus

_random_bits = random.Random().getrandbits
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_clf_cache: tuple[int, str] = (-1, "")


def clf_time(epoch_s: int) -> str:
    """`04/Mar/2020:19:15:17 +0000`, API Gateway's `requestTime` (cached per second)."""
    global _clf_cache  # noqa: PLW0603 (a one-entry cache; strftime is the slow part)
    cached_second, text = _clf_cache
    if cached_second == epoch_s:
        return text
    t = time.gmtime(epoch_s)
    text = (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )
    _clf_cache = (epoch_s, text)
    return text


def new_request_id() -> str:
    """A request id shaped like API Gateway's and Lambda's (a random version-4 UUID).

    Ids need to be unique, not secret: a fast PRNG instead of a getrandom() call per id.
    """
    h = "%032x" % (_random_bits(128) & _UUID_CLEAR | _UUID_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# The version nibble (4) and the variant's two top bits (10) of a UUID, as bit masks.
_UUID_CLEAR = ~((0xF << 76) | (0xC << 60)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x8 << 60)


def new_extended_request_id() -> str:
    """An `x-amz-apigw-id` / `extendedRequestId` lookalike, e.g. `IlWO2HHJoAMFa9g=`."""
    return b2a_base64(_random_bits(88).to_bytes(11, "big"), newline=False).decode()


def trace_id(epoch_ms: int) -> str:
    """An X-Amzn-Trace-Id root like `Root=1-5e5f8a3c-0123456789abcdef01234567`."""
    return f"Root=1-{epoch_ms // 1000:08x}-{_random_bits(96):024x}"


def media_type(value: str | None) -> str:
    """`application/json` from `Application/JSON; charset=utf-8`."""
    if not value:
        return ""
    return value.split(";", 1)[0].strip().lower()


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """Query pairs in order, `+` as space and percent-decoded (API Gateway decodes them)."""
    pairs = []
    for item in query_string.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


class GatewayRequest:
    """The parts of one HTTP request that API Gateway looks at."""

    __slots__ = (
        "_extended_request_id",
        "_lower",
        "_query",
        "_request_id",
        "body",
        "epoch_ms",
        "headers",
        "http_version",
        "method",
        "query_string",
        "raw_path",
        "source_ip",
    )

    def __init__(
        self,
        *,
        method: str,
        raw_path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        source_ip: str,
        http_version: str = "1.1",
    ) -> None:
        self.method = method
        self.raw_path = raw_path  # as sent, still percent-encoded
        self.query_string = query_string
        self.headers = headers  # (name as the client sent it, value), in order
        self.source_ip = source_ip
        self.http_version = http_version
        self.body = b""
        self._request_id: str | None = None  # made on first use: not every answer shows them
        self._extended_request_id: str | None = None
        self.epoch_ms = int(time.time() * 1000)
        self._query: list[tuple[str, str]] | None = None
        self._lower: dict[str, str] | None = None

    @property
    def request_id(self) -> str:
        """The request's id (`x-amzn-RequestId`, `requestContext.requestId`)."""
        found = self._request_id
        if found is None:
            found = self._request_id = new_request_id()
        return found

    @property
    def extended_request_id(self) -> str:
        """`x-amz-apigw-id` / `extendedRequestId` (REST), `apigw-requestid` (HTTP API)."""
        found = self._extended_request_id
        if found is None:
            found = self._extended_request_id = new_extended_request_id()
        return found

    def header(self, name: str) -> str | None:
        """The last value of the header spelled exactly `name` (mappings are case-sensitive)."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found

    def header_ci(self, lower_name: str) -> str | None:
        """The last value of a header, matching the name case-insensitively (HTTP semantics)."""
        lower = self._lower
        return (lower if lower is not None else self.lowered()).get(lower_name)

    def lowered(self) -> dict[str, str]:
        """Every header's last value by lower-case name (do not change it)."""
        lower = self._lower
        if lower is None:
            lower = self._lower = {key.lower(): value for key, value in self.headers}
        return lower

    @property
    def query(self) -> list[tuple[str, str]]:
        """Decoded query pairs, in order."""
        if self._query is None:
            self._query = parse_query(self.query_string) if self.query_string else []
        return self._query

    def last_values(self) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, querystring) maps with the last value winning, as mappings see them."""
        return dict(self.headers), dict(self.query)
