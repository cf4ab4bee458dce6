"""CloudFormation template → REST `Api`: all template analysis happens here, once, at start-up.

Reads the REST API, its resources and methods, gateway responses and the stage; authorizers are
read in `authorizer_config.py`, integrations in `integration_config.py`, Lambda functions in the
shared `gateway/functions.py`. A template the gateway cannot serve raises `CorswayError` naming
the logical id, the property and the value; what it can serve only partly becomes a start-up
note (never silence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError, SourceLocation
from corsway.gateway.cfn import TemplateReader, stack_name, template_resources
from corsway.gateway.functions import read_functions
from corsway.gateway.intrinsics import fake_id
from corsway.gateway.rest.authorizer_config import method_authorizer, read_authorizers
from corsway.gateway.rest.gateway_responses import VALID_TYPES
from corsway.gateway.rest.integration_config import (
    read_integration,
    read_mappings,
    read_templates,
    status_code,
)
from corsway.gateway.rest.model import (
    ANY_METHODS,
    Api,
    GatewayResponseConfig,
    Method,
    Resource,
)


def build_api(
    template: Any,
    *,
    service_dir: Path,
    stage: str,
    region: str,
    source: str,
    function_keys: Mapping[str, str] | None = None,
) -> Api:
    """Build the immutable API model of `template` (a parsed CloudFormation document).

    `source` names the template (or serverless.yml) in errors; `function_keys` maps Lambda
    logical ids to serverless.yml function keys when the compiler knows them.
    """
    return _Builder(
        template=template,
        service_dir=service_dir,
        stage=stage,
        region=region,
        source=source,
        function_keys=function_keys or {},
    ).build()


class _Builder:
    def __init__(
        self,
        *,
        template: Any,
        service_dir: Path,
        stage: str,
        region: str,
        source: str,
        function_keys: Mapping[str, str],
    ) -> None:
        resources = template_resources(template, source)
        self.service_dir = service_dir
        self.region = region
        self.requested_stage = stage
        self.function_keys = function_keys
        rest_apis = [lid for lid, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi"]
        external = {
            str(res.get("Properties", {}).get("RestApiId"))
            for res in resources.values()
            if res.get("Type") == "AWS::ApiGateway::Method"
            and isinstance(res.get("Properties", {}).get("RestApiId"), str)
        }
        if not rest_apis and external:
            raise CorswayError(
                "the template adds methods to an existing REST API "
                f"({', '.join(sorted(external))}, from provider.apiGateway.restApiId): that "
                "API's own resources are not in the "
                "template, so corsway serve cannot serve it; serve the service that owns the API",
                SourceLocation(source),
            )
        if not rest_apis:
            raise CorswayError(
                "the template has no AWS::ApiGateway::RestApi resource: the service has no "
                "`http` events to serve (an external provider.apiGateway.restApiId is not "
                "supported by corsway serve)",
                SourceLocation(source),
            )
        if len(rest_apis) > 1:
            raise CorswayError(
                "the template has several AWS::ApiGateway::RestApi resources "
                f"({', '.join(rest_apis)}); corsway serve serves exactly one",
                SourceLocation(source),
            )
        self.rest_api_id = rest_apis[0]
        properties = resources[self.rest_api_id].get("Properties", {})
        api_name = properties.get("Name") if isinstance(properties, dict) else None
        self.reader = TemplateReader(
            template,
            source=source,
            region=region,
            stack_name=stack_name(api_name if isinstance(api_name, str) else "", stage),
        )
        self.intrinsics = self.reader.intrinsics
        self.error = self.reader.error
        self.of_type = self.reader.of_type
        self.value = self.reader.value
        self.notes = self.reader.notes

    # -- build --------------------------------------------------------------------------

    def build(self) -> Api:
        stage, stage_variables = self._stage()
        functions, function_by_name = read_functions(
            self.reader, service_dir=self.service_dir, function_keys=self.function_keys
        )
        self.authorizers = read_authorizers(self.reader, function_by_name)
        resources = self._resources(function_by_name)
        api_id = self.intrinsics.physical_id(self.rest_api_id)
        binary = self.value(self.rest_api_id, "BinaryMediaTypes", []) or []
        if not isinstance(binary, list) or not all(isinstance(b, str) for b in binary):
            raise self.error(
                f"Resources.{self.rest_api_id}.Properties.BinaryMediaTypes must be a list of "
                f"media types, got {binary!r}"
            )
        name = self.value(self.rest_api_id, "Name", self.rest_api_id)
        deployments = self.of_type("AWS::ApiGateway::Deployment")
        return Api(
            name=str(name),
            api_id=api_id,
            stage=stage,
            region=self.region,
            account_id=self.intrinsics.account_id,
            deployment_id=fake_id(f"deployment:{deployments[0] if deployments else api_id}", 6),
            resources=tuple(resources),
            gateway_responses=self._gateway_responses(),
            functions=functions,
            binary_media_types=tuple(b.replace("~1", "/").lower() for b in binary),
            stage_variables=stage_variables,
            authorizers=self.authorizers,
            notes=tuple(self.reader.notes),
        )

    def _stage(self) -> tuple[str, dict[str, str] | None]:
        stage = None
        variables: Any = None
        for logical_id in self.of_type("AWS::ApiGateway::Stage"):
            stage = self.value(logical_id, "StageName")
            variables = self.value(logical_id, "Variables")
        for logical_id in self.of_type("AWS::ApiGateway::Deployment"):
            if stage is None:
                stage = self.value(logical_id, "StageName")
            description = self.value(logical_id, "StageDescription") or {}
            if variables is None and isinstance(description, dict):
                variables = description.get("Variables")
        if stage is None:
            stage = self.requested_stage
        if not isinstance(stage, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", stage):
            raise self.error(
                f"stage name {stage!r} is not valid: API Gateway stage names use letters, "
                "digits, '-' and '_' (at most 128)"
            )
        if variables is not None and not (
            isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())
        ):
            raise self.error(f"stage Variables must map names to strings, got {variables!r}")
        return stage, (dict(variables) if variables else None)

    def _resources(self, function_by_name: Mapping[str, str]) -> list[Resource]:
        root_id = self.intrinsics.evaluate(
            {"Fn::GetAtt": [self.rest_api_id, "RootResourceId"]}, "RootResourceId"
        )
        parts: dict[str, tuple[str, str, str]] = {}  # resource id -> (parent id, part, logical)
        for logical_id in self.of_type("AWS::ApiGateway::Resource"):
            parent = self.value(logical_id, "ParentId")
            part = self.value(logical_id, "PathPart")
            if not isinstance(parent, str) or not isinstance(part, str) or not part:
                raise self.error(
                    f"Resources.{logical_id}: ParentId and PathPart must be strings, got "
                    f"{parent!r} and {part!r}"
                )
            parts[self.intrinsics.physical_id(logical_id)] = (parent, part, logical_id)

        paths: dict[str, str] = {root_id: "/"}

        def path_of(resource_id: str, seen: tuple[str, ...] = ()) -> str:
            if resource_id in paths:
                return paths[resource_id]
            if resource_id not in parts or resource_id in seen:
                raise self.error(
                    f"resource {resource_id!r} has no parent chain to the REST API's root "
                    "(a ParentId names a resource that is not in the template)"
                )
            parent, part, _ = parts[resource_id]
            parent_path = path_of(parent, (*seen, resource_id))
            paths[resource_id] = parent_path.rstrip("/") + "/" + part
            return paths[resource_id]

        for resource_id in parts:
            path_of(resource_id)

        methods: dict[str, dict[str, Method]] = {rid: {} for rid in paths}
        for logical_id in self.of_type("AWS::ApiGateway::Method"):
            method = self._method(logical_id, paths, function_by_name)
            existing = methods[method.resource_id]
            if method.http_method in existing:
                self.notes.append(
                    f"{method.http_method} {method.resource_path}: defined twice "
                    f"({existing[method.http_method].logical_id}, {logical_id}); the last wins"
                )
            existing[method.http_method] = method
        return [
            Resource(
                resource_id=rid,
                path=path,
                path_part=parts[rid][1] if rid in parts else "",
                methods=methods[rid],
            )
            for rid, path in paths.items()
        ]

    def _method(
        self, logical_id: str, paths: Mapping[str, str], function_by_name: Mapping[str, str]
    ) -> Method:
        where = f"Resources.{logical_id}.Properties"
        resource_id = self.value(logical_id, "ResourceId")
        if resource_id not in paths:
            raise self.error(
                f"{where}.ResourceId: {resource_id!r} is not a resource of the REST API "
                f"{self.rest_api_id}"
            )
        path = paths[resource_id]
        http_method = self.value(logical_id, "HttpMethod")
        if not isinstance(http_method, str) or (
            http_method.upper() not in ANY_METHODS and http_method.upper() != "ANY"
        ):
            raise self.error(
                f"{where}.HttpMethod: {http_method!r} is not one of ANY, "
                f"{', '.join(sorted(ANY_METHODS))}"
            )
        http_method = http_method.upper()
        authorization = str(self.value(logical_id, "AuthorizationType", "NONE") or "NONE").upper()
        route = f"{http_method} {path}"
        authorizer_logical, scopes = method_authorizer(
            self.reader, self.authorizers, logical_id, authorization, route
        )
        api_key_required = bool(self.value(logical_id, "ApiKeyRequired", False))
        if api_key_required:
            self.notes.append(
                f"{route}: ApiKeyRequired is NOT checked by corsway serve: requests without "
                "x-api-key reach the integration"
            )
        integration = read_integration(self.reader, logical_id, route, function_by_name)
        return Method(
            logical_id=logical_id,
            http_method=http_method,
            resource_path=path,
            resource_id=str(resource_id),
            authorization_type=authorization,
            authorizer_logical_id=authorizer_logical,
            api_key_required=api_key_required,
            integration=integration,
            authorization_scopes=scopes,
        )

    def _gateway_responses(self) -> dict[str, GatewayResponseConfig]:
        configured: dict[str, GatewayResponseConfig] = {}
        for logical_id in self.of_type("AWS::ApiGateway::GatewayResponse"):
            where = f"Resources.{logical_id}.Properties"
            response_type = self.value(logical_id, "ResponseType")
            if response_type not in VALID_TYPES:
                valid = ", ".join(sorted(VALID_TYPES))
                raise self.error(
                    f"{where}.ResponseType: {response_type!r} is not a gateway response type "
                    f"(valid: {valid})"
                )
            status_raw = self.value(logical_id, "StatusCode")
            status = status_code(status_raw) if status_raw is not None else None
            if status_raw is not None and status is None:
                raise self.error(
                    f"{where}.StatusCode must be an HTTP status code, got {status_raw!r}"
                )
            if response_type == "REQUEST_TOO_LARGE":
                self.notes.append(
                    f"gateway response {logical_id}: API Gateway does not apply a customised "
                    "REQUEST_TOO_LARGE; neither does corsway serve"
                )
            if response_type in configured:
                self.notes.append(
                    f"gateway response {response_type} is defined twice "
                    f"({configured[response_type].logical_id}, {logical_id}); the last wins"
                )
            configured[response_type] = GatewayResponseConfig(
                logical_id=logical_id,
                response_type=response_type,
                status_code=status,
                parameters=read_mappings(
                    self.reader,
                    self.value(logical_id, "ResponseParameters"),
                    f"{where}.ResponseParameters",
                    "gatewayresponse.header.",
                    f"gateway response {response_type}",
                ),
                templates=read_templates(
                    self.reader,
                    self.value(logical_id, "ResponseTemplates"),
                    f"{where}.ResponseTemplates",
                ),
            )
        return configured
