"""Gateway responses: the answers API Gateway itself gives when a request fails.

Every type with its default status, error type and default body; the user's
`AWS::ApiGateway::GatewayResponse` resources with the DEFAULT_4XX / DEFAULT_5XX fallback:
an uncustomised type uses its family's parameters and templates, and the family's status code
when it sets one. A customised type replaces its family rather than merging with it.
REQUEST_TOO_LARGE cannot be customised (API Gateway does not support it).

Gateway-response templates are not Velocity: only `$context.x.y` / `$stageVariables.x`
substitution, strings inserted raw (`$context.error.messageString` arrives already quoted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from corsway.gateway.rest.model import GatewayResponseConfig
from corsway.gateway.rest.parameters import RequestValues, resolve


@dataclass(frozen=True, slots=True)
class ResponseType:
    """One gateway response type and its uncustomised behaviour."""

    name: str
    status: int
    error_type: str  # the x-amzn-ErrorType header
    message: str | None  # $context.error.message
    template: str  # the default body template (application/json)


_COMPACT = '{"message":$context.error.messageString}'
_SPACED = '{"message": $context.error.messageString}'  # integration-stage errors have a space


def _t(
    name: str, status: int, error_type: str, message: str | None, template: str = _COMPACT
) -> ResponseType:
    return ResponseType(name, status, error_type, message, template)


_DENIED = "User is not authorized to access this resource"
_BAD_SIGNATURE = "The request signature we calculated does not match the signature you provided"
_EXPIRED = "The security token included in the request is expired"

RESPONSE_TYPES: Mapping[str, ResponseType] = {
    t.name: t
    for t in (
        _t("ACCESS_DENIED", 403, "AccessDeniedException", _DENIED,
           '{"Message":$context.error.messageString}'),
        _t("API_CONFIGURATION_ERROR", 500, "InternalServerErrorException",
           "Internal server error", _SPACED),
        _t("AUTHORIZER_CONFIGURATION_ERROR", 500, "AuthorizerConfigurationException", None,
           _SPACED),
        _t("AUTHORIZER_FAILURE", 500, "AuthorizerFailureException", None, _SPACED),
        _t("BAD_REQUEST_PARAMETERS", 400, "BadRequestException", "Invalid request parameters"),
        _t("BAD_REQUEST_BODY", 400, "BadRequestException", "Invalid request body"),
        _t("EXPIRED_TOKEN", 403, "ExpiredTokenException", _EXPIRED),
        _t("INTEGRATION_FAILURE", 504, "InternalServerErrorException", "Internal server error",
           _SPACED),
        _t("INTEGRATION_TIMEOUT", 504, "InternalServerErrorException",
           "Endpoint request timed out", _SPACED),
        _t("INVALID_API_KEY", 403, "ForbiddenException", "Forbidden"),
        _t("INVALID_SIGNATURE", 403, "InvalidSignatureException", _BAD_SIGNATURE),
        _t("MISSING_AUTHENTICATION_TOKEN", 403, "MissingAuthenticationTokenException",
           "Missing Authentication Token"),
        _t("QUOTA_EXCEEDED", 429, "LimitExceededException", "Limit Exceeded"),
        _t("REQUEST_TOO_LARGE", 413, "BadRequestException", "Request Too Long", _SPACED),
        _t("RESOURCE_NOT_FOUND", 404, "ResourceNotFoundException", "Resource not found"),
        _t("THROTTLED", 429, "TooManyRequestsException", "Too Many Requests"),
        _t("UNAUTHORIZED", 401, "UnauthorizedException", "Unauthorized"),
        _t("UNSUPPORTED_MEDIA_TYPE", 415, "UnsupportedMediaTypeException",
           "Unsupported Media Type"),
        _t("WAF_FILTERED", 403, "WAFFilteredException", "Forbidden"),
        # Not a type of its own on AWS: a Lambda function error or a malformed proxy response
        # is answered by the DEFAULT_5XX family with status 502.
        _t("LAMBDA_ERROR", 502, "InternalServerErrorException", "Internal server error", _SPACED),
    )
}  # fmt: skip

# The ResponseType values CloudFormation accepts (REQUEST_TOO_LARGE is accepted, not applied).
VALID_TYPES = frozenset({*RESPONSE_TYPES} - {"LAMBDA_ERROR"} | {"DEFAULT_4XX", "DEFAULT_5XX"})

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z][\w.-]*)\}|([A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*))")


@dataclass(frozen=True, slots=True)
class RenderedResponse:
    """A finished gateway response."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    content_type: str
    error_type: str


def _substitute(template: str, context: Mapping[str, object], stage: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        path = match.group(1) or match.group(2)
        root, _, rest = path.partition(".")
        value: object
        if root == "context":
            value = context
        elif root == "stageVariables":
            value = stage
        else:
            return match.group(0)
        for part in rest.split(".") if rest else ():
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value)

    return _VARIABLE.sub(replace, template)


class GatewayResponses:
    """Renders gateway responses with the user's customisations applied."""

    def __init__(self, configured: Mapping[str, GatewayResponseConfig]) -> None:
        self._configured = configured

    def effective(self, type_name: str) -> tuple[int, GatewayResponseConfig | None]:
        """The status and the customisation (own or family) that apply to `type_name`."""
        response_type = RESPONSE_TYPES[type_name]
        own = None if type_name == "REQUEST_TOO_LARGE" else self._configured.get(type_name)
        if own is not None:
            return (own.status_code or response_type.status), own
        if type_name == "REQUEST_TOO_LARGE":
            return response_type.status, None
        family = self._configured.get(
            "DEFAULT_4XX" if response_type.status < 500 else "DEFAULT_5XX"
        )
        if family is not None:
            return (family.status_code or response_type.status), family
        return response_type.status, None

    def render(
        self,
        type_name: str,
        values: RequestValues,
        context: dict[str, object],
        message: str | None = None,
        accept: str | None = None,
    ) -> RenderedResponse:
        """The response for `type_name` (`message` overrides the type's default message)."""
        response_type = RESPONSE_TYPES[type_name]
        status, config = self.effective(type_name)
        text = response_type.message if message is None else message
        context["error"] = {
            "message": text,
            "messageString": json.dumps(text),
            "responseType": "DEFAULT_5XX" if type_name == "LAMBDA_ERROR" else type_name,
            "validationErrorString": "",
        }
        headers: list[tuple[str, str]] = []
        content_type = "application/json"
        template = response_type.template
        if config is not None:
            for name, source in config.parameters:
                value = resolve(source, values)
                if value is not None:
                    headers.append((name, value))
            if config.templates:
                content_type = _pick(config.templates, accept)
                template = config.templates[content_type].text
        body = _substitute(template, context, values.stage_variables)
        return RenderedResponse(
            status, tuple(headers), body.encode(), content_type, response_type.error_type
        )


def _pick(templates: Mapping[str, object], accept: str | None) -> str:
    """Template choice: the first Accept type if defined, else application/json, else the first."""
    if accept:
        first = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
        if first in templates:
            return first
    if "application/json" in templates:
        return "application/json"
    return next(iter(templates))
