"""The `AWS::ApiGatewayV2::*` resources (and Lambda permissions) of the HTTP API, in the
framework's order: Api, LogGroup, Stage (+ outputs), authorizers, then per route its function's
permission and integration (once per function) and the route itself."""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.context import CompileContext
from corsway.compile.httpapi.config import (
    DEFAULT_PAYLOAD,
    INTEGRATION_TIMEOUT_S,
    HttpApiAuthorizer,
    HttpApiConfig,
    js_to_string,
)
from corsway.compile.invocation import execute_api_arn, invoke_permission, lambda_uri
from corsway.compile.jsmerge import UNDEFINED
from corsway.service.jsvalues import as_dict, js_truthy

_INTEGRATION_TIMEOUT_MS = INTEGRATION_TIMEOUT_S * 1000  # always, whatever the function's (3.40)


def _api_id(config: HttpApiConfig) -> Any:
    return config.id if config.external else {"Ref": naming.HTTP_API}


def _source_arn(config: HttpApiConfig) -> dict[str, Any]:
    return execute_api_arn(_api_id(config), "/*")


def api_name(ctx: CompileContext) -> str:
    """`getHttpApiName`: `provider.httpApi.name`, else `<stage>-<service>` (or the other way
    round with `shouldStartNameWithService`)."""
    settings = as_dict(ctx.provider.get("httpApi"))
    name = settings.get("name")
    if js_truthy(name):
        return js_to_string(name)
    if js_truthy(settings.get("shouldStartNameWithService")):
        return f"{ctx.service_name}-{ctx.stage}"
    return f"{ctx.stage}-{ctx.service_name}"


def stack_name(ctx: CompileContext) -> str:
    name = ctx.provider.get("stackName")
    return name if isinstance(name, str) and name else f"{ctx.service_name}-{ctx.stage}"


def compile_api(ctx: CompileContext, config: HttpApiConfig) -> None:
    if config.external:
        return
    disable = config.disable_default_endpoint
    properties: dict[str, Any] = {
        "Name": api_name(ctx),
        "ProtocolType": "HTTP",
        "DisableExecuteApiEndpoint": UNDEFINED if disable is None else disable,
    }
    tags = ctx.provider.get("tags")
    if js_truthy(tags):
        properties["Tags"] = dict(tags) if isinstance(tags, dict) else tags
    cors = config.cors
    if cors is not None:
        exposed = cors.get("exposedResponseHeaders")
        properties["CorsConfiguration"] = {
            "AllowCredentials": cors.get("allowCredentials", UNDEFINED),
            "AllowHeaders": list(cors["allowedHeaders"]),
            "AllowMethods": list(cors["allowedMethods"]),
            "AllowOrigins": list(cors["allowedOrigins"]),
            "ExposeHeaders": list(exposed) if exposed else UNDEFINED,
            "MaxAge": cors.get("maxAge", UNDEFINED),
        }
    ctx.resources[naming.HTTP_API] = {"Type": "AWS::ApiGatewayV2::Api", "Properties": properties}


def compile_log_group(ctx: CompileContext, config: HttpApiConfig) -> None:
    if not js_truthy(config.access_log_format):
        return
    properties: dict[str, Any] = {"LogGroupName": f"/aws/http-api/{stack_name(ctx)}"}
    retention = ctx.provider.get("logRetentionInDays")
    if js_truthy(retention):
        properties["RetentionInDays"] = retention
    protection = ctx.provider.get("logDataProtectionPolicy")
    if js_truthy(protection):
        properties["DataProtectionPolicy"] = protection
    ctx.resources[naming.HTTP_API_LOG_GROUP] = {
        "Type": "AWS::Logs::LogGroup",
        "Properties": properties,
    }


def compile_stage(ctx: CompileContext, config: HttpApiConfig) -> None:
    if config.external:
        return
    properties: dict[str, Any] = {
        "ApiId": {"Ref": naming.HTTP_API},
        "StageName": "$default",
        "AutoDeploy": True,
        "DefaultRouteSettings": {"DetailedMetricsEnabled": config.metrics},
    }
    tags = ctx.provider.get("tags")
    if js_truthy(tags):
        properties["Tags"] = dict(tags) if isinstance(tags, dict) else tags
    resource: dict[str, Any] = {"Type": "AWS::ApiGatewayV2::Stage", "Properties": properties}
    ctx.resources[naming.HTTP_API_STAGE] = resource
    if js_truthy(config.access_log_format):
        properties["AccessLogSettings"] = {
            "DestinationArn": {"Fn::GetAtt": [naming.HTTP_API_LOG_GROUP, "Arn"]},
            "Format": config.access_log_format,
        }
        resource["DependsOn"] = naming.HTTP_API_LOG_GROUP
    ctx.outputs["HttpApiId"] = {
        "Description": "Id of the HTTP API",
        "Value": {"Ref": naming.HTTP_API},
    }
    ctx.outputs["HttpApiUrl"] = {
        "Description": "URL of the HTTP API",
        "Value": {
            "Fn::Join": [
                "",
                [
                    "https://",
                    {"Ref": naming.HTTP_API},
                    ".execute-api.",
                    {"Ref": "AWS::Region"},
                    ".",
                    {"Ref": "AWS::URLSuffix"},
                ],
            ]
        },
    }


def _authorizer_function(ctx: CompileContext, authorizer: HttpApiAuthorizer) -> Any:
    """The authorizer's function ARN: `functionArn`, or the service function (alias-aware)."""
    if js_truthy(authorizer.function_arn):
        return authorizer.function_arn
    return ctx.lambda_target(str(authorizer.function_name))


def _alias_id(ctx: CompileContext, authorizer: HttpApiAuthorizer) -> Any:
    if js_truthy(authorizer.function_arn) or not isinstance(authorizer.function_name, str):
        return UNDEFINED
    alias = ctx.aliases.get(authorizer.function_name)
    return alias[1] if alias else UNDEFINED


def compile_authorizers(ctx: CompileContext, config: HttpApiConfig) -> None:
    for authorizer in config.authorizers.values():
        identity = authorizer.identity_source
        properties: dict[str, Any] = {
            "ApiId": _api_id(config),
            "Name": authorizer.name,
            "IdentitySource": identity if isinstance(identity, list) else [identity],
        }
        resource: dict[str, Any] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": properties,
        }
        if authorizer.is_request:
            target = _authorizer_function(ctx, authorizer)
            properties["AuthorizerType"] = "REQUEST"
            properties["EnableSimpleResponses"] = authorizer.enable_simple_responses
            properties["AuthorizerResultTtlInSeconds"] = authorizer.result_ttl
            properties["AuthorizerPayloadFormatVersion"] = authorizer.payload_version
            properties["AuthorizerUri"] = lambda_uri(target)
            resource["DependsOn"] = _alias_id(ctx, authorizer)
            if not js_truthy(authorizer.managed_externally):
                permission = invoke_permission(target, _source_arn(config))
                alias = _alias_id(ctx, authorizer)
                if alias is not UNDEFINED:
                    permission["DependsOn"] = alias
                ctx.resources[naming.http_api_authorizer_permission_id(str(authorizer.name))] = (
                    permission
                )
        else:
            properties["AuthorizerType"] = "JWT"
            properties["JwtConfiguration"] = {
                "Audience": list(authorizer.audience),
                "Issuer": authorizer.issuer_url,
            }
        ctx.resources[naming.http_api_authorizer_id(str(authorizer.name))] = resource


def _first_truthy(*values: Any) -> Any:
    """`a || b || c`."""
    for value in values[:-1]:
        if js_truthy(value):
            return value
    return values[-1]


def compile_endpoints(ctx: CompileContext, config: HttpApiConfig) -> None:
    """Per route: its function's permission and integration (the first time), then the route."""
    done: set[str] = set()
    provider_payload = as_dict(ctx.provider.get("httpApi")).get("payload")
    for route in config.routes.values():
        function = route.function
        integration_id = naming.http_api_integration_id(function)
        if function not in done:
            done.add(function)
            target = ctx.lambda_target(function)
            alias = ctx.aliases.get(function)
            permission = invoke_permission(target, _source_arn(config))
            permission["DependsOn"] = alias[1] if alias else UNDEFINED
            ctx.resources[naming.http_api_permission_id(function)] = permission
            own = ctx.service.functions[function].get("httpApi")
            own_payload = own.get("payload") if isinstance(own, dict) else None
            ctx.resources[integration_id] = {
                "Type": "AWS::ApiGatewayV2::Integration",
                "DependsOn": alias[1] if alias else UNDEFINED,
                "Properties": {
                    "ApiId": _api_id(config),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": target,
                    "PayloadFormatVersion": _first_truthy(
                        own_payload, provider_payload, DEFAULT_PAYLOAD
                    ),
                    "TimeoutInMillis": _INTEGRATION_TIMEOUT_MS,
                },
            }
        properties: dict[str, Any] = {
            "ApiId": _api_id(config),
            "RouteKey": "$default" if route.key == "*" else route.key,
            "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration_id}]]},
        }
        ctx.resources[naming.http_api_route_id(route.key)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": properties,
            "DependsOn": integration_id,
        }
        authorizer = route.authorizer
        if authorizer is None:
            continue
        if authorizer.type == "request":
            properties["AuthorizationType"] = "CUSTOM"
        elif authorizer.type == "aws_iam":
            properties["AuthorizationType"] = "AWS_IAM"
        else:
            properties["AuthorizationType"] = "JWT"
        if authorizer.type != "aws_iam":
            properties["AuthorizerId"] = (
                authorizer.id
                if js_truthy(authorizer.id)
                else {
                    "Ref": naming.http_api_authorizer_id(
                        str(authorizer.configured.name if authorizer.configured else "")
                    )
                }
            )
            properties["AuthorizationScopes"] = (
                list(route.scopes) if route.scopes is not None else UNDEFINED
            )
