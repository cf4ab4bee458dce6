"""`GatewayFailure`: a pipeline stage failed, and API Gateway answers with a gateway response.

Its own module so that every stage (routing, authorizers, integrations) can raise it without
importing the pipeline.
"""

from __future__ import annotations


class GatewayFailure(Exception):
    """A stage failed: API Gateway answers with the gateway response `response_type`."""

    def __init__(
        self,
        response_type: str,
        reason: str = "",
        message: str | None = None,
        details: str = "",
    ) -> None:
        super().__init__(reason or response_type)
        self.response_type = response_type
        self.reason = reason  # one line for the access log
        self.message = message  # overrides the type's default message
        self.details = details  # printed under the access-log line (a traceback)
