"""The HTTP API's own error answers (fact sheet §4) and the exception that asks for one.

Every one is JSON (`Content-Type: application/json`), with the exact bodies AWS sends, and
gets the CorsConfiguration's headers like any other answer (the pipeline adds them).
"""

from __future__ import annotations

from corsway.gateway.response import Response

MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",  # [I] the Lambda 6 MB event limit's body is not captured
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class GatewayError(Exception):
    """A stage refuses the request: the gateway answers `status` with its own body."""

    def __init__(
        self,
        status: int,
        note: str,
        *,
        www_authenticate: str | None = None,
        problem: str = "",
        function: str | None = None,
    ) -> None:
        super().__init__(note)
        self.status = status
        self.note = note  # for the access log
        self.www_authenticate = www_authenticate
        self.problem = problem  # printed under the access-log line (a traceback)
        self.function = function


def error_response(error: GatewayError) -> Response:
    """The answer for a GatewayError (without CORS headers: the pipeline adds them)."""
    body = b'{"message":"%s"}' % MESSAGES[error.status].encode()
    headers = [("Content-Type", "application/json")]
    if error.www_authenticate is not None:
        headers.append(("www-authenticate", error.www_authenticate))
    return Response(
        error.status,
        headers,
        body,
        function=error.function,
        note=error.note,
        problem=error.problem,
    )
