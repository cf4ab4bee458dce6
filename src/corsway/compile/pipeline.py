"""The compile pipeline, step for step in the order of `serverless package`'s lifecycle."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corsway.compile.apigateway import compile_http_events
from corsway.compile.context import CompileContext
from corsway.compile.core import compile_core, compile_iam
from corsway.compile.functions import compile_functions
from corsway.compile.jsmerge import UNDEFINED
from corsway.compile.quirks import warn_service_quirks
from corsway.compile.userresources import add_export_names, merge_user_resources
from corsway.errors import Diagnostic
from corsway.service import Service, load_service
from corsway.service.jsvalues import js_ordered, js_truthy, normalize_number

if TYPE_CHECKING:
    from corsway.compile.httpapi import HttpApiConfig

# What `--api-only` keeps: REST and HTTP API resources (and the Lambda permissions)
API_RESOURCE_PREFIXES = ("AWS::ApiGateway::", "AWS::ApiGatewayV2::")


@dataclass
class CompiledService:
    """The result of compiling a service: the template and what the gateway needs around it."""

    template: dict[str, Any]  # the full CloudFormation template, plain JSON data
    warnings: list[Diagnostic]
    service_dir: Path  # handler paths are relative to it
    config_path: Path
    function_keys: dict[str, str] = field(default_factory=dict)  # Lambda logical id -> key
    stage: str = "dev"
    region: str = "us-east-1"

    def api_only(self) -> dict[str, Any]:
        """`{"Resources": ...}` with only API Gateway (REST and HTTP API) resources and Lambda
        permissions."""
        return api_subset(self.template)


def api_subset(template: dict[str, Any]) -> dict[str, Any]:
    """The API Gateway (`AWS::ApiGateway::*`, `AWS::ApiGatewayV2::*`) and Lambda::Permission
    resources, in template order."""
    return {
        "Resources": {
            logical_id: resource
            for logical_id, resource in template.get("Resources", {}).items()
            if isinstance(resource, dict)
            and isinstance(resource.get("Type"), str)
            and (
                resource["Type"].startswith(API_RESOURCE_PREFIXES)
                or resource["Type"] == "AWS::Lambda::Permission"
            )
        }
    }


def compile_service(
    path: str | os.PathLike[str],
    stage: str | None = "dev",
    region: str | None = "us-east-1",
    *,
    env: dict[str, str] | None = None,
    instance_id: str | None = None,
) -> CompiledService:
    """Compile `path` (a service directory, or its serverless.yml) like `serverless package`.

    `stage`/`region` act as `--stage`/`--region`; pass None to leave an option out (the file's
    `provider.stage`/`provider.region`, else `dev`/`us-east-1`, apply then). `env` replaces
    `os.environ` for `${env:...}`; `instance_id` fixes the millisecond timestamp that names the
    deployment (default: now). Raises `CorswayError` for input the framework would reject or
    that would not deploy.
    """
    service = load_service(path, stage=stage, region=region, env=env, instance_id=instance_id)
    return compile_loaded(service)


def compile_loaded(service: Service) -> CompiledService:
    """Compile an already loaded service."""
    ctx = CompileContext(service)
    compile_core(ctx)
    compile_iam(ctx)
    compile_functions(ctx)
    events = compile_http_events(ctx)
    http_api = _compile_http_api(ctx)
    warn_service_quirks(ctx, events, http_api)
    add_export_names(ctx)
    merge_user_resources(ctx)
    template = finalize_template(ctx.template)
    return CompiledService(
        template=template,
        warnings=service.warnings,
        service_dir=service.service_dir,
        config_path=service.config_path,
        function_keys=dict(ctx.function_keys),
        stage=service.stage,
        region=service.region,
    )


def _compile_http_api(ctx: CompileContext) -> HttpApiConfig | None:
    """The HTTP API, for services that configure one (imported only then)."""
    service = ctx.service
    logs = ctx.provider.get("logs")
    if (
        "httpApi" not in ctx.provider
        and not (isinstance(logs, dict) and "httpApi" in logs)
        and not any(
            isinstance(event, dict) and "httpApi" in event
            for function in service.functions.values()
            for event in function.get("events") or []
        )
    ):
        return None
    from corsway.compile.httpapi import compile_http_api

    return compile_http_api(ctx)


def finalize_template(template: dict[str, Any]) -> dict[str, Any]:
    """The last step of `package` (null properties of resources stripped), then the template
    as JSON data (see `js_json_data`)."""
    result: dict[str, Any] = {}
    for key, value in js_ordered(template).items():
        if key != "Resources" or not isinstance(value, dict):
            if value is not UNDEFINED:
                result[key] = js_json_data(value)
            continue
        resources: dict[str, Any] = {}
        for logical_id, resource in js_ordered(value).items():
            if resource is UNDEFINED:
                continue
            if not isinstance(resource, dict):
                resources[logical_id] = js_json_data(resource)
                continue
            cleaned: dict[str, Any] = {}
            for attribute, item in js_ordered(resource).items():
                if item is UNDEFINED:
                    continue
                if attribute == "Properties":
                    if not js_truthy(item):
                        continue  # the framework deletes empty-ish Properties
                    cleaned[attribute] = js_json_data(item, strip_nulls=True)
                else:
                    cleaned[attribute] = js_json_data(item)
            resources[logical_id] = cleaned
        result[key] = resources
    return result


def js_json_data(value: Any, *, strip_nulls: bool = False) -> Any:
    """The template as `JSON.stringify` would write it: JS key order, JS numbers, no
    `undefined` keys (and `null` for `undefined` list items)."""
    if isinstance(value, dict):
        return {
            key: js_json_data(item, strip_nulls=strip_nulls)
            for key, item in js_ordered(value).items()
            if item is not UNDEFINED and not (strip_nulls and item is None)
        }
    if isinstance(value, list):
        return [
            None if item is UNDEFINED else js_json_data(item, strip_nulls=strip_nulls)
            for item in value
        ]
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None  # JSON.stringify writes NaN and Infinity as null
        return normalize_number(value)
    return value
