"""HTTP API test helpers: templates shaped as Serverless v3 compiles `httpApi` events, and a
real gateway serving a template's APIs on a loopback port."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corsway.compile.apigateway.events import DEFAULT_CORS_HEADERS
from corsway.gateway.httpapi.jwks import JwksConfig
from corsway.gateway.loader import read_apis
from tests.compile.sls3cases import http_api_case
from tests.gateway.support import FIXTURES, RunningGateway, lambda_uri, serving_apis

SERVICE_DIR = FIXTURES / "httpapi_service"
DEFAULT_HEADERS = list(DEFAULT_CORS_HEADERS)  # what the framework writes for `cors: true`


def shared_template(case: str) -> dict[str, Any]:
    """What Serverless v3.40 compiled from a shared httpApi case."""
    loaded: dict[str, Any] = json.loads(
        (http_api_case(case) / "expected-template.json").read_text()
    )
    return loaded


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _upper_first(name: str) -> str:
    return name[0].upper() + name[1:]


def _route_id(route_key: str) -> str:
    if route_key == "$default":
        return "HttpApiRouteDefault"
    parts = []
    for raw in route_key.split("/"):
        text = raw.strip().capitalize().replace("-", "Dash")
        text = re.sub(r"^\{(.*?)\+?\}$", lambda m: m[1].capitalize() + "Var", text)
        parts.append(re.sub(r"[^A-Za-z0-9]", "", text))
    return "HttpApiRoute" + "".join(_upper_first(p) for p in parts if p)


@dataclass
class HttpTemplate:
    """Builds an HTTP API template the way the framework shapes one."""

    service: str = "http-service"
    stage: str = "dev"
    cors: dict[str, Any] | None = None
    resources: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        properties: dict[str, Any] = {
            "Name": f"{self.stage}-{self.service}",
            "ProtocolType": "HTTP",
        }
        if self.cors is not None:
            properties["CorsConfiguration"] = self.cors
        self.resources["HttpApi"] = {"Type": "AWS::ApiGatewayV2::Api", "Properties": properties}
        self.resources["HttpApiStage"] = {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": _ref("HttpApi"), "StageName": "$default", "AutoDeploy": True},
        }

    def function(
        self,
        key: str,
        handler: str,
        *,
        runtime: str = "python3.11",
        timeout: float = 6,
        payload: str = "2.0",
        timeout_ms: int = 30000,
    ) -> HttpTemplate:
        name = _upper_first(key)
        self.resources[f"{name}LambdaFunction"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Handler": handler,
                "Runtime": runtime,
                "FunctionName": f"{self.service}-{self.stage}-{key}",
                "MemorySize": 1024,
                "Timeout": timeout,
            },
        }
        self.resources[f"HttpApiIntegration{name}"] = {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": _ref("HttpApi"),
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Fn::GetAtt": [f"{name}LambdaFunction", "Arn"]},
                "PayloadFormatVersion": payload,
                "TimeoutInMillis": timeout_ms,
            },
        }
        return self

    def route(
        self,
        route_key: str,
        function: str,
        *,
        authorizer: str | None = None,
        scopes: list[str] | None = None,
        aws_iam: bool = False,
    ) -> HttpTemplate:
        properties: dict[str, Any] = {
            "ApiId": _ref("HttpApi"),
            "RouteKey": route_key,
            "Target": {
                "Fn::Join": [
                    "/",
                    ["integrations", _ref(f"HttpApiIntegration{_upper_first(function)}")],
                ]
            },
        }
        if aws_iam:
            properties["AuthorizationType"] = "AWS_IAM"
        elif authorizer is not None:
            logical = f"HttpApiAuthorizer{_upper_first(authorizer)}"
            kind = self.resources[logical]["Properties"]["AuthorizerType"]
            properties["AuthorizationType"] = "JWT" if kind == "JWT" else "CUSTOM"
            properties["AuthorizerId"] = _ref(logical)
            if scopes:
                properties["AuthorizationScopes"] = scopes
        self.resources[_route_id(route_key)] = {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": properties,
        }
        return self

    def jwt_authorizer(
        self,
        name: str,
        *,
        issuer: str,
        audience: list[str],
        source: str = "$request.header.Authorization",
    ) -> HttpTemplate:
        self.resources[f"HttpApiAuthorizer{_upper_first(name)}"] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": _ref("HttpApi"),
                "Name": name,
                "IdentitySource": [source],
                "AuthorizerType": "JWT",
                "JwtConfiguration": {"Audience": audience, "Issuer": issuer},
            },
        }
        return self

    def lambda_authorizer(
        self,
        name: str,
        function: str,
        *,
        sources: list[str],
        simple: bool = False,
        ttl: int | None = None,
        payload: str = "2.0",
    ) -> HttpTemplate:
        arn = {"Fn::GetAtt": [f"{_upper_first(function)}LambdaFunction", "Arn"]}
        properties: dict[str, Any] = {
            "ApiId": _ref("HttpApi"),
            "Name": name,
            "IdentitySource": sources,
            "AuthorizerType": "REQUEST",
        }
        if simple:
            properties["EnableSimpleResponses"] = True
        if ttl is not None:
            properties["AuthorizerResultTtlInSeconds"] = ttl
        properties["AuthorizerPayloadFormatVersion"] = payload
        properties["AuthorizerUri"] = lambda_uri(arn)
        self.resources[f"HttpApiAuthorizer{_upper_first(name)}"] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": properties,
        }
        return self

    def build(self) -> dict[str, Any]:
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": copy.deepcopy(self.resources),
        }


class Served(RunningGateway):
    """A gateway serving a template's APIs on loopback, its console and an HTTP client."""

    @property
    def url(self) -> str:
        """The HTTP API's base URL (the root)."""
        return dict(self.server.base_urls()).get("HTTP API", self.server.base_url)


@contextmanager
def serving(
    template: dict[str, Any],
    service_dir: Path = SERVICE_DIR,
    *,
    jwks: JwksConfig | None = None,
    **options: Any,
) -> Iterator[Served]:
    """Serve every API of `template` on 127.0.0.1 (ephemeral port) in a background thread."""
    apis = read_apis(
        template,
        service_dir=service_dir,
        stage="dev",
        region="us-east-1",
        source="test.json",
        jwks=jwks,
    )
    with serving_apis(apis, **options) as (server, output, client):
        yield Served(server, output, client)
