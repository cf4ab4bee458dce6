"""`AWS::ApiGateway::Authorizer` resources for custom (Lambda) and Cognito authorizers.

Several events naming the same authorizer merge into one resource in event order: a later
defined value overwrites, a missing one does not (so a plain-string authorizer has no ttl
unless another event gives one).
"""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.events import HttpEvent, is_cognito_arn
from corsway.compile.context import CompileContext
from corsway.compile.invocation import lambda_uri
from corsway.compile.jsmerge import UNDEFINED


def is_cognito(authorizer: dict[str, Any]) -> bool:
    return str(authorizer.get("type") or "").upper() == "COGNITO_USER_POOLS" or is_cognito_arn(
        authorizer.get("arn")
    )


def _undefined_if_none(value: Any) -> Any:
    return UNDEFINED if value is None else value


def compile_authorizers(ctx: CompileContext, events: list[HttpEvent]) -> None:
    for event in events:
        authorizer = event.authorizer
        if not authorizer or not authorizer.get("arn"):
            continue
        properties: dict[str, Any] = {
            "AuthorizerResultTtlInSeconds": _undefined_if_none(
                authorizer.get("resultTtlInSeconds")
            ),
            "IdentitySource": _undefined_if_none(authorizer.get("identitySource")),
            "Name": _undefined_if_none(authorizer.get("name")),
            "RestApiId": ctx.rest_api_id(),
        }
        if isinstance(authorizer.get("identityValidationExpression"), str):
            properties["IdentityValidationExpression"] = authorizer["identityValidationExpression"]
        if is_cognito(authorizer):
            properties["Type"] = "COGNITO_USER_POOLS"
            properties["ProviderARNs"] = [authorizer["arn"]]
        else:
            properties["AuthorizerUri"] = lambda_uri(authorizer["arn"])
            kind = authorizer.get("type")
            properties["Type"] = str(kind).upper() if kind else "TOKEN"
        ctx.merge_resource(
            naming.authorizer_id(str(authorizer.get("name"))),
            {
                "Type": "AWS::ApiGateway::Authorizer",
                "DependsOn": _undefined_if_none(authorizer.get("logicalId")),
                "Properties": properties,
            },
        )
