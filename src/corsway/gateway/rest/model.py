"""The API model: what the gateway serves, built once from the template and never changed.

`template.build_api()` turns a CloudFormation template into an `Api`; the pipeline only reads
it. Everything a request needs that does not depend on the request (compiled templates, parsed
mappings, selection patterns, precomputed preflight answers) is prepared here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from corsway.gateway.rest.parameters import ParameterSource
from corsway.gateway.rest.vtl import MappingTemplate
from corsway.runtimes.base import FunctionConfig

# Integration types as CloudFormation spells them.
MOCK = "MOCK"
AWS_PROXY = "AWS_PROXY"
NOT_RUN_INTEGRATIONS = frozenset({"AWS", "HTTP", "HTTP_PROXY"})

ANY = "ANY"
ANY_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})


@dataclass(frozen=True, slots=True)
class IntegrationResponse:
    """One `IntegrationResponses` entry of a non-proxy (MOCK) integration."""

    status_code: int
    selection_pattern: re.Pattern[str] | None  # None: the default response
    parameters: tuple[tuple[str, ParameterSource], ...]  # (header name, source)
    templates: Mapping[str, MappingTemplate]  # content type -> template


@dataclass(frozen=True, slots=True)
class StaticResponse:
    """A MOCK answer that does not depend on the request (the usual `cors: true` preflight)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class Integration:
    """A method's integration."""

    type: str  # MOCK | AWS_PROXY | AWS | HTTP | HTTP_PROXY
    function_key: str | None = None  # the Lambda function an AWS_PROXY integration invokes
    uri: str = ""
    request_templates: Mapping[str, MappingTemplate] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()
    timeout_s: float = 29.0
    static_response: StaticResponse | None = None  # set when the MOCK answer is constant


@dataclass(frozen=True, slots=True)
class Method:
    """An `AWS::ApiGateway::Method`."""

    logical_id: str
    http_method: str  # GET, POST, ..., or ANY
    resource_path: str  # "/product/{id}"
    resource_id: str
    authorization_type: str  # NONE | CUSTOM | COGNITO_USER_POOLS | AWS_IAM
    authorizer_logical_id: str | None
    api_key_required: bool
    integration: Integration
    authorization_scopes: tuple[str, ...] = ()  # COGNITO_USER_POOLS: AuthorizationScopes


# Authorizer types (AWS::ApiGateway::Authorizer Type).
TOKEN = "TOKEN"
REQUEST = "REQUEST"
COGNITO_USER_POOLS = "COGNITO_USER_POOLS"
DEFAULT_AUTHORIZER_TTL_S = 300  # AuthorizerResultTtlInSeconds when the property is absent


@dataclass(frozen=True, slots=True)
class IdentitySource:
    """One identity source of an authorizer: where a request carries (part of) its identity."""

    expression: str  # as written, e.g. "method.request.header.Authorization"
    kind: str  # header | querystring | stageVariables | context
    name: str  # "Authorization", or a dotted $context path such as "identity.sourceIp"


@dataclass(frozen=True, slots=True)
class Authorizer:
    """An `AWS::ApiGateway::Authorizer`, ready to run."""

    logical_id: str
    name: str
    type: str  # TOKEN | REQUEST | COGNITO_USER_POOLS
    identity_sources: tuple[IdentitySource, ...]
    validation: re.Pattern[str] | None  # TOKEN: IdentityValidationExpression (full match)
    ttl_s: int  # AuthorizerResultTtlInSeconds; 0 disables the cache
    function_key: str | None = None  # the template's Lambda function it invokes, if any
    uri: str = ""  # AuthorizerUri as evaluated (names the function, or an external one)
    provider_arns: tuple[str, ...] = ()  # COGNITO_USER_POOLS: the user pools


@dataclass(frozen=True, slots=True)
class Resource:
    """An `AWS::ApiGateway::Resource` (or the root), with its methods by HTTP method."""

    resource_id: str
    path: str  # "/", "/product", "/product/{id}"
    path_part: str  # "", "product", "{id}", "{proxy+}"
    methods: Mapping[str, Method]


@dataclass(frozen=True, slots=True)
class GatewayResponseConfig:
    """A user's `AWS::ApiGateway::GatewayResponse`."""

    logical_id: str
    response_type: str
    status_code: int | None
    parameters: tuple[tuple[str, ParameterSource], ...]
    templates: Mapping[str, MappingTemplate]


@dataclass(frozen=True, slots=True)
class Api:
    """The whole REST API of one stage."""

    name: str
    api_id: str
    stage: str
    region: str
    account_id: str
    deployment_id: str
    resources: tuple[Resource, ...]
    gateway_responses: Mapping[str, GatewayResponseConfig]
    functions: Mapping[str, FunctionConfig]  # function key -> config
    binary_media_types: tuple[str, ...] = ()
    stage_variables: Mapping[str, str] | None = None
    authorizers: Mapping[str, Authorizer] = field(default_factory=dict)  # by logical id
    notes: tuple[str, ...] = ()  # start-up lines: what is not run or not enforced, and why
