"""The immutable HTTP API model, read once from the template (`template.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from corsway.runtimes.base import FunctionConfig

DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"
ANY = "ANY"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

JWT = "JWT"
REQUEST = "REQUEST"  # a Lambda authorizer (routes say CUSTOM)
NONE = "NONE"
CUSTOM = "CUSTOM"
AWS_IAM = "AWS_IAM"


@dataclass(frozen=True, slots=True)
class CorsConfig:
    """`AWS::ApiGatewayV2::Api.CorsConfiguration`, as configured (lists in their order)."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True, slots=True)
class Integration:
    """An `AWS_PROXY` Lambda integration (other types cannot run locally: `function_key` None)."""

    logical_id: str
    uri: str
    function_key: str | None
    payload_version: str  # "1.0" | "2.0"
    timeout_s: float
    kind: str = "AWS_PROXY"


@dataclass(frozen=True, slots=True)
class IdentitySource:
    """`$request.header.Authorization` → kind `header`, name `Authorization`."""

    expression: str
    kind: str  # header | querystring | context | stageVariables
    name: str


@dataclass(frozen=True, slots=True)
class Authorizer:
    """A JWT or Lambda REQUEST authorizer."""

    logical_id: str
    name: str
    type: str  # JWT | REQUEST
    identity_sources: tuple[IdentitySource, ...]
    issuer: str = ""  # JWT
    audience: tuple[str, ...] = ()  # JWT
    function_key: str | None = None  # REQUEST: None when the function is not in the template
    uri: str = ""  # REQUEST
    payload_version: str = "2.0"  # REQUEST
    simple_responses: bool = False  # REQUEST, payload 2.0 only
    ttl_s: int = 0  # REQUEST

    @property
    def route_key_in_cache_key(self) -> bool:
        """Whether cached results are per route (`$context.routeKey` is an identity source)."""
        return any(s.kind == "context" and s.name == "routeKey" for s in self.identity_sources)


@dataclass(frozen=True, slots=True)
class Route:
    """One route: `GET /items/{id}`, `ANY /{proxy+}` or `$default`."""

    logical_id: str
    route_key: str
    method: str  # GET, ..., ANY ($default: ANY)
    path: str  # "/items/{id}" ("" for $default)
    integration: Integration | None
    authorization_type: str = NONE
    authorizer: Authorizer | None = None
    scopes: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        """The `$default` route."""
        return self.route_key == DEFAULT_ROUTE


@dataclass(frozen=True, slots=True)
class HttpApi:
    """One HTTP API as `corsway serve` serves it."""

    name: str
    api_id: str
    region: str
    account_id: str
    stage: str
    routes: tuple[Route, ...]
    functions: Mapping[str, FunctionConfig]
    cors: CorsConfig | None = None
    authorizers: Mapping[str, Authorizer] = field(default_factory=dict)
    stage_variables: Mapping[str, str] | None = None
    notes: tuple[str, ...] = ()

    @property
    def base_path(self) -> str:
        """`` for the `$default` stage (Serverless' only stage), else `/STAGE`."""
        return "" if self.stage == DEFAULT_STAGE else f"/{self.stage}"
