"""Request validators and models (`request.parameters` marked required, `request.schemas`)."""

from __future__ import annotations

import re
from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.events import HttpEvent
from corsway.compile.apigateway.restapi import ResourceTree
from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import UNDEFINED


def _start_case(text: str) -> str:
    """lodash `startCase` without spaces: `application/json` -> `ApplicationJson`."""
    words = re.findall(r"[A-Z]{2,}(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", text)
    return "".join(word[:1].upper() + word[1:] for word in words)


def _camel_case(text: str) -> str:
    words = re.findall(r"[A-Z]{2,}(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+", text)
    return "".join(
        (word.lower() if index == 0 else word[:1].upper() + word[1:].lower())
        for index, word in enumerate(words)
    )


def _required(value: Any) -> bool:
    if not isinstance(value, dict | list):
        return bool(value)
    required = value.get("required") if isinstance(value, dict) else None
    return True if required is None else bool(required)


def compile_validators(ctx: CompileContext, events: list[HttpEvent], tree: ResourceTree) -> None:
    validator_id: str | None = None
    provider_schemas = (ctx.api_gateway.get("request") or {}).get("schemas") or {}

    def validator() -> str:
        nonlocal validator_id
        if validator_id is None:
            validator_id = naming.validator_id(ctx.service_name)
            ctx.resources[validator_id] = {
                "Type": "AWS::ApiGateway::RequestValidator",
                "Properties": {
                    "RestApiId": ctx.rest_api_id(),
                    "ValidateRequestBody": True,
                    "ValidateRequestParameters": True,
                    "Name": f"{ctx.service_name}-{ctx.stage} | Validate request body and "
                    "querystring parameters",
                },
            }
        return validator_id

    for event in events:
        resource_name = tree.resource_name(event.path)
        method_id = naming.method_id(resource_name, event.method)
        template = ctx.resources[method_id]
        request = event.request if isinstance(event.request, dict) else {}
        parameters = request.get("parameters")
        if isinstance(parameters, dict) and any(_required(v) for v in parameters.values()):
            template["Properties"]["RequestValidatorId"] = {"Ref": validator()}
        schemas = request.get("schemas")
        if not isinstance(schemas, dict):
            continue
        for content_type, schema in schemas.items():
            validator_ref = validator()
            if isinstance(schema, str) and schema in provider_schemas:
                model_id = _provider_model(ctx, schema, provider_schemas[schema])
            else:
                name: Any = UNDEFINED
                description: Any = UNDEFINED
                definition: Any = schema
                if isinstance(schema, dict) and schema.get("schema"):
                    name = schema.get("name", UNDEFINED)
                    description = schema.get("description", UNDEFINED)
                    definition = schema["schema"]
                model_id = f"{method_id}{_start_case(content_type)}Model"
                ctx.resources[model_id] = {
                    "Type": "AWS::ApiGateway::Model",
                    "Properties": {
                        "RestApiId": ctx.rest_api_id(),
                        "ContentType": content_type,
                        "Schema": definition,
                        "Name": name,
                        "Description": description,
                    },
                }
            template["Properties"]["RequestValidatorId"] = {"Ref": validator_ref}
            template["Properties"].setdefault("RequestModels", {})[content_type] = {"Ref": model_id}


def _provider_model(ctx: CompileContext, schema_id: str, config: Any) -> str:
    model_id = f"ApiGateway{naming.upper_first(_camel_case(schema_id))}Model"
    config = config if isinstance(config, dict) else {}
    definition = config.get("schema") or config
    properties: dict[str, Any] = {
        "RestApiId": {"Ref": naming.REST_API},
        "Schema": definition,
        "ContentType": "application/json",
    }
    if config.get("name"):
        properties["Name"] = config["name"]
    if config.get("description"):
        properties["Description"] = config["description"]
    ctx.resources[model_id] = {"Type": "AWS::ApiGateway::Model", "Properties": properties}
    return model_id
