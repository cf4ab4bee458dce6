"""Templates with authorizers, tokens that script the test authorizer, and its call log."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.gateway.support import TemplateBuilder, lambda_uri

AUTHORIZER_HANDLER = "authorizers.authorize"  # tests/fixtures/gateway_service/authorizers.py
ACCOUNT = "123456789012"


def scripted(output: object) -> str:
    """A token that makes the test authorizer return `output` ("$methodArn" is substituted)."""
    return "json:" + base64.urlsafe_b64encode(json.dumps(output).encode()).decode()


def statement(
    effect: str, resource: object, action: object = "execute-api:Invoke"
) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def output(*statements: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An authorizer output with these statements (principalId "p" unless given)."""
    return {
        "principalId": "p",
        "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
        **extra,
    }


@dataclass
class Calls:
    """The test authorizer's invocation log (CALLS_FILE)."""

    path: Path

    def events(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def with_token(self, token: str) -> list[dict[str, Any]]:
        """Invocations whose identity (token or Authorization header) is exactly `token`."""
        found = []
        for event in self.events():
            if event["type"] == "TOKEN":
                value = event["authorizationToken"]
            else:
                headers = event.get("headers") or {}
                value = headers.get("Authorization", "")
            if value == token:
                found.append(event)
        return found


@dataclass
class FakeClock:
    """An injectable monotonic clock the tests move forward by hand."""

    now: float = 1000.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def add_authorizer(
    builder: TemplateBuilder,
    logical_id: str,
    *,
    kind: str = "TOKEN",
    function: str | None = "auth",
    identity: str | None = "method.request.header.Authorization",
    ttl: int | None = 300,
    validation: str | None = None,
    uri: object = None,
) -> TemplateBuilder:
    """An AWS::ApiGateway::Authorizer shaped as the framework compiles it."""
    properties: dict[str, Any] = {"Name": logical_id, "RestApiId": {"Ref": "ApiGatewayRestApi"}}
    if ttl is not None:
        properties["AuthorizerResultTtlInSeconds"] = ttl
    if identity is not None:
        properties["IdentitySource"] = identity
    if kind == "COGNITO_USER_POOLS":
        properties["ProviderARNs"] = [f"arn:aws:cognito-idp:us-east-1:{ACCOUNT}:userpool/pool"]
    elif uri is not None:
        properties["AuthorizerUri"] = uri
    elif function is not None:
        logical = f"{function[0].upper()}{function[1:]}LambdaFunction"
        properties["AuthorizerUri"] = lambda_uri({"Fn::GetAtt": [logical, "Arn"]})
    properties["Type"] = kind
    if validation is not None:
        properties["IdentityValidationExpression"] = validation
    builder.resources[logical_id] = {
        "Type": "AWS::ApiGateway::Authorizer",
        "Properties": properties,
    }
    return builder


def protected(
    builder: TemplateBuilder,
    path: str,
    http_method: str,
    authorizer: str | None,
    *,
    function: str = "echo",
    authorization: str = "CUSTOM",
    scopes: list[str] | None = None,
) -> TemplateBuilder:
    """A proxy method behind `authorizer` (a logical id, or None for AWS_IAM)."""
    builder.proxy(path, http_method, function, authorization=authorization)
    properties = builder.resources[next(reversed(builder.resources))]["Properties"]
    if authorizer is not None:
        properties["AuthorizerId"] = {"Ref": authorizer}
    if scopes:
        properties["AuthorizationScopes"] = scopes
    return builder
