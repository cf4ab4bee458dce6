"""The real (non-OPTIONS) `AWS::ApiGateway::Method` of every http event.

`AWS_PROXY`/`HTTP_PROXY` methods carry no CORS at all (`MethodResponses: []`): the function or
backend must send the headers. `lambda`/`http`/`mock` methods with responses get
Access-Control-Allow-Origin on every status code from the *event's own* cors config: several
`origins` are comma-joined into one (invalid) value, and Allow-Credentials is the unquoted
`true` — both reproduced and reported.
"""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.cors import js_template
from corsway.compile.apigateway.events import HttpEvent, is_cognito_arn
from corsway.compile.apigateway.restapi import ResourceTree
from corsway.compile.apigateway.templates import (
    CLAIMS_PLACEHOLDER,
    DEFAULT_FORM_REQUEST_TEMPLATE,
    DEFAULT_JSON_REQUEST_TEMPLATE,
)
from corsway.compile.context import CompileContext
from corsway.compile.invocation import lambda_uri
from corsway.compile.jsmerge import UNDEFINED, merge
from corsway.service.jsvalues import as_dict, js_ordered


def compile_methods(
    ctx: CompileContext, events: list[HttpEvent], tree: ResourceTree, method_ids: list[str]
) -> None:
    """One method per event, merged into any resource of the same logical id."""
    for event in events:
        resource_name = tree.resource_name(event.path)
        request_parameters: dict[str, Any] = {}
        request = event.request
        if isinstance(request, dict) and isinstance(request.get("parameters"), dict):
            for key, value in request["parameters"].items():
                if isinstance(value, dict | list):
                    required = value.get("required") if isinstance(value, dict) else None
                    request_parameters[key] = True if required is None else required
                else:
                    request_parameters[key] = value
        properties: dict[str, Any] = {
            "HttpMethod": event.method.upper(),
            "RequestParameters": request_parameters,
            "ResourceId": tree.resource_id(event.path),
            "RestApiId": ctx.rest_api_id(),
            "OperationName": UNDEFINED if event.operation_id is None else event.operation_id,
            "ApiKeyRequired": bool(event.private),
        }
        template: dict[str, Any] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": properties,
            "DependsOn": [naming.permission_id(event.function)],
        }
        lambda_logical_id = naming.lambda_id(event.function)
        alias = ctx.aliases.get(event.function)
        if alias:
            template["DependsOn"].append(alias[1])
        merge(
            template,
            _authorization(event),
            _integration(event, lambda_logical_id, alias[0] if alias else None),
            _method_responses(event),
        )
        _apply_claims(event, template)
        logical_id = naming.method_id(resource_name, event.method)
        if logical_id in ctx.resources:
            _warn_collision(ctx, event, logical_id, method_ids)
        method_ids.append(logical_id)
        ctx.merge_resource(logical_id, template)
        _warn_nonproxy_cors(ctx, event)


def _warn_collision(
    ctx: CompileContext, event: HttpEvent, logical_id: str, method_ids: list[str]
) -> None:
    if event.method == "options":
        ctx.warn(
            f"method: options on /{event.path} collides with the preflight that cors "
            f"generates there: both become {logical_id} and Serverless merges them into one "
            f"hybrid method ({event.integration} integration with the MOCK preflight's templates "
            "and responses), listed twice in the deployment; drop this event or the cors",
            event.at("method"),
            rule="CW013",
        )
    else:
        ctx.warn(
            f"{event.method.upper()} /{event.path} is defined twice: both events become "
            f"{logical_id} and Serverless merges them into one method (the later event's "
            "integration wins, merged key by key into the earlier one)",
            event.where,
            rule="CW013",
        )


def _authorization(event: HttpEvent) -> dict[str, Any]:
    authorizer = event.authorizer
    if authorizer and authorizer.get("type") == "AWS_IAM":
        return {"Properties": {"AuthorizationType": "AWS_IAM"}}
    if authorizer:
        kind = authorizer.get("type")
        if kind and authorizer.get("authorizerId"):
            upper = str(kind).upper()
            auth_type = "CUSTOM" if upper in ("TOKEN", "REQUEST") else kind
            result: dict[str, Any] = {
                "Properties": {
                    "AuthorizationType": auth_type,
                    "AuthorizerId": authorizer["authorizerId"],
                }
            }
            if upper == "COGNITO_USER_POOLS" and authorizer.get("scopes"):
                result["Properties"]["AuthorizationScopes"] = authorizer["scopes"]
            return result
        logical_id = naming.authorizer_id(str(authorizer.get("name")))
        if str(kind or "").upper() == "COGNITO_USER_POOLS" or is_cognito_arn(authorizer.get("arn")):
            cognito: dict[str, Any] = {
                "Properties": {
                    "AuthorizationType": "COGNITO_USER_POOLS",
                    "AuthorizerId": {"Ref": logical_id},
                },
                "DependsOn": [logical_id],
            }
            if authorizer.get("scopes"):
                cognito["Properties"]["AuthorizationScopes"] = authorizer["scopes"]
            return cognito
        return {
            "Properties": {"AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": logical_id}},
            "DependsOn": [logical_id],
        }
    return {"Properties": {"AuthorizationType": "NONE"}}


def _integration(event: HttpEvent, lambda_logical_id: str, alias: str | None) -> dict[str, Any]:
    kind = event.integration
    request = event.request if isinstance(event.request, dict) else None
    integration: dict[str, Any] = {"IntegrationHttpMethod": "POST", "Type": kind}
    if kind in ("AWS", "AWS_PROXY"):
        uri = lambda_uri({"Fn::GetAtt": [lambda_logical_id, "Arn"]})
        if alias:  # `<arn>:<alias>` inside the Join, not a nested Join
            uri["Fn::Join"][1][-1:-1] = [":", alias]
        integration["Uri"] = uri
    elif kind in ("HTTP", "HTTP_PROXY"):
        method = (request.get("method") if request else None) or event.method
        integration["Uri"] = request.get("uri") if request else UNDEFINED
        integration["IntegrationHttpMethod"] = str(method).upper()
        if event.connection_type:
            integration["ConnectionType"] = event.connection_type
            integration["ConnectionId"] = (
                UNDEFINED if event.connection_id is None else event.connection_id
            )
    if kind in ("AWS", "HTTP", "MOCK"):
        integration["PassthroughBehavior"] = _or_undefined(request, "passThrough")
        integration["ContentHandling"] = _or_undefined(request, "contentHandling")
        integration["RequestTemplates"] = _request_templates(request, kind == "AWS")
        integration["IntegrationResponses"] = _integration_responses(event)
    parameters = request.get("parameters") if request else None
    if (
        kind in ("AWS", "HTTP", "HTTP_PROXY") and isinstance(parameters, dict) and parameters
    ) or event.is_async:
        mapped: dict[str, Any] = {}
        for key, value in (parameters or {}).items():
            mapped_value = value.get("mappedValue") if isinstance(value, dict) else None
            mapped[f"integration.{key[len('method.') :]}"] = mapped_value or key
        if event.is_async:
            mapped["integration.request.header.X-Amz-Invocation-Type"] = "'Event'"
        integration["RequestParameters"] = mapped
    return {"Properties": {"Integration": integration}}


def _or_undefined(mapping: dict[str, Any] | None, key: str) -> Any:
    if not mapping or mapping.get(key) is None:
        return UNDEFINED
    return mapping[key]


def _request_templates(request: dict[str, Any] | None, defaults: bool) -> Any:
    templates: dict[str, Any] = {}
    if defaults:
        templates["application/json"] = DEFAULT_JSON_REQUEST_TEMPLATE
        templates["application/x-www-form-urlencoded"] = DEFAULT_FORM_REQUEST_TEMPLATE
    custom = request.get("template") if request else None
    if isinstance(custom, dict):
        for content_type, value in custom.items():
            if value is None:
                templates.pop(content_type, None)
            else:
                templates[content_type] = value
    return templates if templates else UNDEFINED


def _cors_response_headers(event: HttpEvent) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    cors = event.cors
    if cors:
        origin = cors.get("origin")
        origins = cors.get("origins")
        if isinstance(origins, list) and origins:
            origin = ",".join(js_template(item) for item in origins)
        headers["Access-Control-Allow-Origin"] = f"'{js_template(origin)}'"
        if cors.get("allowCredentials"):
            headers["Access-Control-Allow-Credentials"] = "true"
    response = event.response or {}
    if isinstance(response.get("headers"), dict):
        merge(headers, response["headers"])
    return headers


def _status_codes(event: HttpEvent) -> dict[str, Any]:
    codes = (event.response or {}).get("statusCodes")
    return js_ordered(codes) if isinstance(codes, dict) else {}


def _integration_responses(event: HttpEvent) -> Any:
    response = event.response
    if not response:
        return []
    headers = _cors_response_headers(event)
    responses: list[dict[str, Any]] = []
    for status, raw_config in _status_codes(event).items():
        config = as_dict(raw_config)
        item: dict[str, Any] = {
            "StatusCode": status,
            "SelectionPattern": config.get("pattern") or "",
            "ResponseParameters": {
                f"method.response.header.{name}": value for name, value in headers.items()
            },
            "ResponseTemplates": {},
            "ContentHandling": (
                _or_undefined(response, "contentHandling") if status.startswith("2") else UNDEFINED
            ),
        }
        if isinstance(config.get("headers"), dict):
            merge(
                item["ResponseParameters"],
                {f"method.response.header.{k}": v for k, v in config["headers"].items()},
            )
        if response.get("template"):
            merge(item["ResponseTemplates"], {"application/json": response["template"]})
        template = config.get("template")
        if template:
            merge(
                item["ResponseTemplates"],
                {"application/json": template} if isinstance(template, str) else template,
            )
        responses.append(item)
    return responses


def _method_responses(event: HttpEvent) -> dict[str, Any]:
    responses: list[dict[str, Any]] = []
    if event.integration in ("AWS", "HTTP", "MOCK") and event.response:
        headers = _cors_response_headers(event)
        for status, raw_config in _status_codes(event).items():
            config = as_dict(raw_config)
            parameters = {f"method.response.header.{name}": True for name in headers}
            if isinstance(config.get("headers"), dict):
                parameters.update(
                    {f"method.response.header.{name}": True for name in config["headers"]}
                )
            responses.append(
                {"ResponseParameters": parameters, "ResponseModels": {}, "StatusCode": status}
            )
    return {"Properties": {"MethodResponses": responses}}


def _apply_claims(event: HttpEvent, template: dict[str, Any]) -> None:
    claims: list[str] = []
    if event.authorizer:
        for claim in event.authorizer.get("claims") or []:
            if isinstance(claim, str) and ":" in claim:
                sub = claim[claim.index(":") + 1 :]
                claims.append(f'"{sub}": "$context.authorizer.claims[\'{claim}\']"')
            else:
                claims.append(f'"{claim}": "$context.authorizer.claims.{claim}"')
    templates = template["Properties"]["Integration"].get("RequestTemplates")
    if isinstance(templates, dict):
        text = ",".join(claims) + "," if claims else ""
        for key, value in templates.items():
            if isinstance(value, str):
                templates[key] = value.replace(CLAIMS_PLACEHOLDER, text, 1)


def _warn_nonproxy_cors(ctx: CompileContext, event: HttpEvent) -> None:
    if not event.cors or not event.response or event.integration not in ("AWS", "HTTP", "MOCK"):
        return
    origins = event.cors.get("origins")
    if isinstance(origins, list) and len(origins) > 1:
        ctx.warn(
            f"with integration {event.integration}, Serverless puts all cors origins into one "
            f"Access-Control-Allow-Origin response header ('{','.join(map(str, origins))}'), "
            "which no browser accepts; the function's responses need a single origin",
            event.at("cors", "origins"),
            rule="CW013",
        )
    if event.cors.get("allowCredentials"):
        ctx.warn(
            f"with integration {event.integration}, Serverless maps "
            "Access-Control-Allow-Credentials to the unquoted value true (not the static "
            "'true'); API Gateway may reject that mapping when the stack deploys",
            event.at("cors", "allowCredentials"),
            rule="CW013",
        )
