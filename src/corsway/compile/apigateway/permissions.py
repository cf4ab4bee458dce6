"""`AWS::Lambda::Permission`s letting API Gateway invoke each function (one per function) and
each authorizer function (right after the first event that uses it)."""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.authorizers import is_cognito
from corsway.compile.apigateway.events import HttpEvent
from corsway.compile.context import CompileContext
from corsway.compile.invocation import execute_api_arn, invoke_permission


def _source_arn(ctx: CompileContext) -> dict[str, Any]:
    return execute_api_arn(ctx.rest_api_id(), "/*/*")


def compile_permissions(ctx: CompileContext, events: list[HttpEvent]) -> None:
    resources = ctx.resources
    for event in events:
        alias = ctx.aliases.get(event.function)
        resources[naming.permission_id(event.function)] = invoke_permission(
            ctx.lambda_target(event.function), _source_arn(ctx)
        )
        if alias:
            resources[naming.permission_id(event.function)]["DependsOn"] = alias[1]
        authorizer = event.authorizer
        if not authorizer or not authorizer.get("arn"):
            continue
        permission = naming.permission_id(str(authorizer.get("name")))
        if is_cognito(authorizer) or permission in resources or authorizer.get("managedExternally"):
            continue
        function_name = (
            {"Ref": authorizer["logicalId"]} if authorizer.get("logicalId") else authorizer["arn"]
        )
        resources[permission] = invoke_permission(function_name, _source_arn(ctx))
