"""`Response`: an answer from any API flavour, ready for the front door's HTTP layer."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass

# What a function's response headers must be: a name is an HTTP token, a value holds no control
# character other than TAB (HTTP does not allow them).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
INVALID_HEADER_VALUE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(slots=True)
class Response:
    """An answer ready for the HTTP layer (which adds Content-Length and the request ids)."""

    status: int
    headers: list[tuple[str, str]]  # Content-Type included, names as they go on the wire
    body: bytes
    function: str | None = None  # the function that ran, for the access log
    note: str = ""  # what the access log should add (e.g. the authorizer's outcome)
    error_type: str | None = None  # x-amzn-ErrorType of a gateway response
    problem: str = ""  # printed under the access-log line (e.g. the handler's traceback)
    encoded: bytes | None = None  # `headers` + Content-Length as wire lines (cached)


_INTERNAL_ERROR_HEADERS = [("Content-Type", "application/json")]
_INTERNAL_ERROR_BODY = b'{"message": "Internal server error"}'


def internal_error(error: BaseException) -> Response:
    """The answer when corsway itself failed on a request (the reason goes under the
    access-log line, to be reported)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return Response(
        500,
        _INTERNAL_ERROR_HEADERS,
        _INTERNAL_ERROR_BODY,
        problem=(
            f"corsway internal error ({type(error).__name__}: {error}{where}); please report it"
        ),
    )
