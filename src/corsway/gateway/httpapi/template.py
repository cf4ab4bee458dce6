"""CloudFormation template → `HttpApi`: every `AWS::ApiGatewayV2::*` check happens here, once.

Reads the Api (its `CorsConfiguration`), the Stage, the Integrations, the Authorizers and the
Routes, with the shared Lambda functions (`gateway/functions.py`). What AWS would refuse at
deploy or what cannot run locally becomes a start-up note or an error naming the logical id,
the property and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError, SourceLocation
from corsway.gateway.cfn import TemplateReader, stack_name, template_resources
from corsway.gateway.functions import FUNCTION_ARN, read_functions
from corsway.gateway.httpapi.model import (
    ANY,
    AWS_IAM,
    CUSTOM,
    DEFAULT_ROUTE,
    DEFAULT_STAGE,
    JWT,
    METHODS,
    NONE,
    REQUEST,
    Authorizer,
    CorsConfig,
    HttpApi,
    IdentitySource,
    Integration,
    Route,
)

API_TYPE = "AWS::ApiGatewayV2::Api"
DEFAULT_INTEGRATION_TIMEOUT_MS = 30000  # AWS's default and maximum for HTTP APIs
# AWS's default when AuthorizerResultTtlInSeconds is omitted is not documented any more (older
# API docs said 300); Serverless omits it for authorizers without a TTL: assume no caching.
DEFAULT_AUTHORIZER_TTL_S = 0
PAYLOAD_VERSIONS = ("1.0", "2.0")
# A Lambda ARN (an integration's IntegrationUri), optionally with a version or alias.
_LAMBDA_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^/:]+)(?::[^/:]+)?$")
_IDENTITY_SOURCE = re.compile(
    r"\$(request\.header|request\.querystring|context|stageVariables)\.(\S+)"
)
_SOURCE_KINDS = {
    "request.header": "header",
    "request.querystring": "querystring",
    "context": "context",
    "stageVariables": "stageVariables",
}
_ROUTE_KEY = re.compile(r"^(\S+) (/\S*)$")


def has_http_api(template: Any) -> bool:
    """Whether the template has an HTTP API (or routes of one)."""
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return False
    return any(
        isinstance(r, dict) and r.get("Type") in (API_TYPE, "AWS::ApiGatewayV2::Route")
        for r in resources.values()
    )


def build_http_api(
    template: Any,
    *,
    service_dir: Path,
    stage: str,
    region: str,
    source: str,
    function_keys: Mapping[str, str] | None = None,
) -> HttpApi:
    """Read the template's HTTP API into the model (one HTTP API per template).

    `stage` is the service's stage (the framework names the API and the functions after it)."""
    resources = template_resources(template, source)
    apis = [
        lid
        for lid, r in resources.items()
        if r["Type"] == API_TYPE and _protocol(r) in ("HTTP", None)
    ]
    if not apis:
        external = sorted(
            {
                str(r.get("Properties", {}).get("ApiId"))
                for r in resources.values()
                if r["Type"] == "AWS::ApiGatewayV2::Route"
            }
        )
        raise CorswayError(
            "the template adds routes to an existing HTTP API "
            f"({', '.join(external)}, from provider.httpApi.id): that API's configuration is not "
            "in the template, so corsway serve cannot serve it; serve the service that owns it",
            SourceLocation(source),
        )
    if len(apis) > 1:
        raise CorswayError(
            f"the template has several HTTP APIs ({', '.join(apis)}); corsway serve serves one",
            SourceLocation(source),
        )
    api_lid = apis[0]
    properties = resources[api_lid].get("Properties", {})
    api_name = properties.get("Name") if isinstance(properties, dict) else None
    reader = TemplateReader(
        template,
        source=source,
        region=region,
        stack_name=stack_name(api_name if isinstance(api_name, str) else "", stage),
    )
    return _Reader(reader, api_lid, service_dir, function_keys or {}).build()


def _protocol(resource: Mapping[str, Any]) -> str | None:
    properties = resource.get("Properties")
    value = properties.get("ProtocolType") if isinstance(properties, dict) else None
    return value if isinstance(value, str) else None


class _Reader:
    def __init__(
        self,
        reader: TemplateReader,
        api_lid: str,
        service_dir: Path,
        function_keys: Mapping[str, str],
    ) -> None:
        self.reader = reader
        self.api_lid = api_lid
        self.service_dir = service_dir
        self.function_keys = function_keys
        self.notes = reader.notes
        self.error = reader.error
        self.value = reader.value

    def build(self) -> HttpApi:
        reader = self.reader
        functions, by_name = read_functions(
            reader, service_dir=self.service_dir, function_keys=self.function_keys
        )
        for lid in reader.of_type("AWS::ApiGatewayV2::Api"):
            if lid != self.api_lid:
                self.notes.append(f"{lid}: a {_protocol(reader.resources[lid])} API is not served")
        for key in ("Body", "BodyS3Location"):
            if key in reader.properties(self.api_lid):
                self.notes.append(
                    f"{self.api_lid}.{key}: an OpenAPI definition is not read by corsway serve; "
                    "only AWS::ApiGatewayV2::Route resources are served"
                )
        if self.value(self.api_lid, "DisableExecuteApiEndpoint") is True:
            self.notes.append(
                "HTTP API: DisableExecuteApiEndpoint is true, so AWS serves it only through a "
                "custom domain; corsway serves it at the root anyway"
            )
        stage, variables = self._stage()
        integrations = self._integrations(by_name)
        authorizers = self._authorizers(by_name)
        routes = self._routes(integrations, authorizers)
        name = self.value(self.api_lid, "Name", self.api_lid)
        return HttpApi(
            name=str(name),
            api_id=reader.intrinsics.physical_id(self.api_lid),
            region=reader.region,
            account_id=reader.intrinsics.account_id,
            stage=stage,
            routes=tuple(routes),
            functions=functions,
            cors=self._cors(),
            authorizers={a.logical_id: a for a in authorizers.values()},
            stage_variables=variables,
            notes=tuple(self.notes),
        )

    # -- Api and Stage ------------------------------------------------------------------

    def _cors(self) -> CorsConfig | None:
        where = f"Resources.{self.api_lid}.Properties.CorsConfiguration"
        raw = self.value(self.api_lid, "CorsConfiguration")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise self.error(f"{where} must be an object, got {raw!r}")
        known = {
            "AllowCredentials",
            "AllowHeaders",
            "AllowMethods",
            "AllowOrigins",
            "ExposeHeaders",
            "MaxAge",
        }
        for key in raw:
            if key not in known:
                raise self.error(
                    f"{where}.{key} is not a CorsConfiguration property (valid: "
                    f"{', '.join(sorted(known))})"
                )
        credentials = raw.get("AllowCredentials", False)
        if not isinstance(credentials, bool):
            raise self.error(f"{where}.AllowCredentials must be true or false, got {credentials!r}")
        max_age = raw.get("MaxAge")
        if max_age is not None and (
            isinstance(max_age, bool) or not isinstance(max_age, int) or not -1 <= max_age <= 86400
        ):
            raise self.error(f"{where}.MaxAge must be an integer from -1 to 86400, got {max_age!r}")
        config = CorsConfig(
            allow_origins=self._strings(raw.get("AllowOrigins"), f"{where}.AllowOrigins"),
            allow_methods=self._strings(raw.get("AllowMethods"), f"{where}.AllowMethods"),
            allow_headers=self._strings(raw.get("AllowHeaders"), f"{where}.AllowHeaders"),
            expose_headers=self._strings(raw.get("ExposeHeaders"), f"{where}.ExposeHeaders"),
            allow_credentials=credentials,
            max_age=max_age,
        )
        for method in config.allow_methods:
            if method != "*" and method.upper() not in (*METHODS, ANY):
                raise self.error(f"{where}.AllowMethods: {method!r} is not an HTTP method (or '*')")
        return config

    def _strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{where} must be a list of strings, got {value!r}")
        return tuple(value)

    def _stage(self) -> tuple[str, dict[str, str] | None]:
        stages = [
            lid
            for lid in self.reader.of_type("AWS::ApiGatewayV2::Stage")
            if self.value(lid, "ApiId") == self.reader.intrinsics.physical_id(self.api_lid)
        ]
        if not stages:
            self.notes.append(
                "HTTP API: no AWS::ApiGatewayV2::Stage in the template; served as the $default "
                "stage (at the root)"
            )
            return DEFAULT_STAGE, None
        lid = stages[0]
        if len(stages) > 1:
            self.notes.append(f"HTTP API: several stages; serving {lid} only")
        name = self.value(lid, "StageName")
        if not isinstance(name, str) or not re.fullmatch(r"\$default|[A-Za-z0-9_-]{1,128}", name):
            raise self.error(
                f"Resources.{lid}.Properties.StageName: {name!r} is not a stage name ($default, "
                "or letters, digits, '-' and '_')"
            )
        variables = self.value(lid, "StageVariables")
        if variables is not None and not (
            isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())
        ):
            raise self.error(
                f"Resources.{lid}.Properties.StageVariables must map names to strings, got "
                f"{variables!r}"
            )
        return name, (dict(variables) if variables else None)

    # -- integrations and authorizers ---------------------------------------------------

    def _integrations(self, by_name: Mapping[str, str]) -> dict[str, Integration]:
        """Integrations by their physical id (what route targets name)."""
        found = {}
        for lid in self.reader.of_type("AWS::ApiGatewayV2::Integration"):
            where = f"Resources.{lid}.Properties"
            kind = self.value(lid, "IntegrationType")
            uri = self.value(lid, "IntegrationUri", "")
            version = self.value(
                lid, "PayloadFormatVersion", "1.0" if kind != "AWS_PROXY" else None
            )
            timeout_ms = self.value(lid, "TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_MS)
            if (
                isinstance(timeout_ms, bool)
                or not isinstance(timeout_ms, int)
                or not (50 <= timeout_ms <= 30000)
            ):
                raise self.error(
                    f"{where}.TimeoutInMillis must be an integer from 50 to 30000, got "
                    f"{timeout_ms!r}"
                )
            function_key = None
            if kind == "AWS_PROXY":
                if version not in PAYLOAD_VERSIONS:
                    raise self.error(
                        f"{where}.PayloadFormatVersion: {version!r} is not '1.0' or '2.0' (AWS "
                        "refuses it at deploy; in serverless.yml write payload: '2.0' in quotes, "
                        "a YAML number 2.0 becomes '2')"
                    )
                match = _LAMBDA_ARN.match(uri) if isinstance(uri, str) else None
                match = match or (FUNCTION_ARN.search(uri) if isinstance(uri, str) else None)
                function_key = by_name.get(match.group(1)) if match else None
                if function_key is None:
                    self.notes.append(
                        f"integration {lid}: its function ({uri}) is not in this template; its "
                        "routes answer 500"
                    )
            else:
                self.notes.append(
                    f"integration {lid}: {kind} integrations are not run by corsway serve; its "
                    "routes answer 500"
                )
            found[self.reader.intrinsics.physical_id(lid)] = Integration(
                logical_id=lid,
                uri=str(uri),
                function_key=function_key,
                payload_version=str(version),
                timeout_s=timeout_ms / 1000,
                kind=str(kind),
            )
        return found

    def _authorizers(self, by_name: Mapping[str, str]) -> dict[str, Authorizer]:
        """Authorizers by their physical id (what routes' AuthorizerId names)."""
        found = {}
        for lid in self.reader.of_type("AWS::ApiGatewayV2::Authorizer"):
            where = f"Resources.{lid}.Properties"
            kind = self.value(lid, "AuthorizerType")
            name = str(self.value(lid, "Name", lid) or lid)
            if kind not in (JWT, REQUEST):
                raise self.error(f"{where}.AuthorizerType: {kind!r} is not JWT or REQUEST")
            sources = self._identity_sources(lid, kind)
            if kind == JWT:
                config = self.value(lid, "JwtConfiguration") or {}
                issuer = config.get("Issuer") if isinstance(config, dict) else None
                audience = config.get("Audience", []) if isinstance(config, dict) else None
                if not isinstance(issuer, str) or not issuer:
                    raise self.error(
                        f"{where}.JwtConfiguration.Issuer must be a URL, got {issuer!r}"
                    )
                audiences = self._strings(audience, f"{where}.JwtConfiguration.Audience")
                found[self.reader.intrinsics.physical_id(lid)] = Authorizer(
                    lid, name, JWT, sources, issuer=issuer, audience=audiences
                )
                continue
            uri = self.value(lid, "AuthorizerUri")
            match = FUNCTION_ARN.search(uri) if isinstance(uri, str) else None
            function_key = by_name.get(match.group(1)) if match else None
            if function_key is None:
                self.notes.append(
                    f"authorizer {name}: its function ({uri}) is not in this template; its "
                    "routes answer 500"
                )
            version = self.value(lid, "AuthorizerPayloadFormatVersion")
            if version not in PAYLOAD_VERSIONS:
                raise self.error(
                    f"{where}.AuthorizerPayloadFormatVersion: {version!r} is not '1.0' or '2.0'"
                )
            simple = self.value(lid, "EnableSimpleResponses", False)
            if simple is not True and simple is not False:
                raise self.error(f"{where}.EnableSimpleResponses must be true or false")
            if simple and version != "2.0":
                raise self.error(
                    f"{where}.EnableSimpleResponses: simple responses need payload format 2.0 "
                    f"(AuthorizerPayloadFormatVersion is {version!r})"
                )
            ttl = self.value(lid, "AuthorizerResultTtlInSeconds", DEFAULT_AUTHORIZER_TTL_S)
            if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= 3600:
                raise self.error(
                    f"{where}.AuthorizerResultTtlInSeconds must be 0 to 3600, got {ttl!r}"
                )
            if ttl and not sources:
                raise self.error(
                    f"{where}: AuthorizerResultTtlInSeconds {ttl} needs at least one "
                    "IdentitySource (the cache key)"
                )
            found[self.reader.intrinsics.physical_id(lid)] = Authorizer(
                lid,
                name,
                REQUEST,
                sources,
                function_key=function_key,
                uri=str(uri),
                payload_version=str(version),
                simple_responses=simple,
                ttl_s=ttl,
            )
        return found

    def _identity_sources(self, lid: str, kind: str) -> tuple[IdentitySource, ...]:
        where = f"Resources.{lid}.Properties.IdentitySource"
        raw = self.value(lid, "IdentitySource", [])
        if isinstance(raw, str):
            raw = [part.strip() for part in raw.split(",")]
        items = self._strings(raw, where)
        sources = []
        for expression in items:
            match = _IDENTITY_SOURCE.fullmatch(expression)
            if match is None:
                raise self.error(
                    f"{where}: {expression!r} is not an identity source ($request.header.NAME, "
                    "$request.querystring.NAME, $context.NAME or $stageVariables.NAME)"
                )
            sources.append(IdentitySource(expression, _SOURCE_KINDS[match[1]], match[2]))
        if kind == JWT and len(sources) != 1:
            raise self.error(f"{where}: a JWT authorizer has exactly one identity source")
        return tuple(sources)

    # -- routes -------------------------------------------------------------------------

    def _routes(
        self, integrations: Mapping[str, Integration], authorizers: Mapping[str, Authorizer]
    ) -> list[Route]:
        routes: dict[str, Route] = {}
        for lid in self.reader.of_type("AWS::ApiGatewayV2::Route"):
            route = self._route(lid, integrations, authorizers)
            if route is None:
                continue
            if route.route_key in routes:
                self.notes.append(
                    f"route {route.route_key} is defined twice "
                    f"({routes[route.route_key].logical_id}, {lid}); AWS refuses duplicates at "
                    "deploy; the last wins here"
                )
            routes[route.route_key] = route
        return list(routes.values())

    def _route(
        self,
        lid: str,
        integrations: Mapping[str, Integration],
        authorizers: Mapping[str, Authorizer],
    ) -> Route | None:
        where = f"Resources.{lid}.Properties"
        key = self.value(lid, "RouteKey")
        if not isinstance(key, str):
            raise self.error(f"{where}.RouteKey must be a string, got {key!r}")
        if key == DEFAULT_ROUTE:
            method, path = ANY, ""
        else:
            match = _ROUTE_KEY.match(key)
            if match is None or match[1].upper() not in (*METHODS, ANY):
                raise self.error(
                    f"{where}.RouteKey: {key!r} is not '$default' or 'METHOD /path' (METHOD one "
                    f"of ANY, {', '.join(METHODS)})"
                )
            method, path = match[1].upper(), match[2]
            if not self._path_ok(path, key):
                return None
        target = self.value(lid, "Target")
        integration = None
        if isinstance(target, str) and target.startswith("integrations/"):
            integration = integrations.get(target.removeprefix("integrations/"))
        if integration is None:
            self.notes.append(
                f"route {key}: its Target {target!r} names no integration of this template; it "
                "answers 500"
            )
        authorization = str(self.value(lid, "AuthorizationType", NONE) or NONE).upper()
        if authorization not in (NONE, JWT, CUSTOM, AWS_IAM):
            raise self.error(
                f"{where}.AuthorizationType: {authorization!r} is not NONE, JWT, CUSTOM or AWS_IAM"
            )
        authorizer = None
        if authorization in (JWT, CUSTOM):
            authorizer_id = self.value(lid, "AuthorizerId")
            authorizer = authorizers.get(str(authorizer_id))
            if authorizer is None:
                raise self.error(
                    f"{where}.AuthorizerId: {authorizer_id!r} is not an authorizer of this "
                    "template (an external authorizer id cannot be run locally)"
                )
            expected = JWT if authorization == JWT else REQUEST
            if authorizer.type != expected:
                raise self.error(
                    f"{where}: AuthorizationType {authorization} needs a {expected} authorizer, "
                    f"{authorizer.name} is {authorizer.type}"
                )
        scopes = self._strings(
            self.value(lid, "AuthorizationScopes"), f"{where}.AuthorizationScopes"
        )
        return Route(
            logical_id=lid,
            route_key=key if key == DEFAULT_ROUTE else f"{method} {path}",
            method=method,
            path=path,
            integration=integration,
            authorization_type=authorization,
            authorizer=authorizer,
            scopes=scopes,
        )

    def _path_ok(self, path: str, key: str) -> bool:
        parts = path.split("/")[1:]
        for index, part in enumerate(parts):
            if part.endswith("+}") and index != len(parts) - 1:
                self.notes.append(
                    f"route {key}: a greedy path variable must be the last segment (AWS refuses "
                    "this route at deploy); not served"
                )
                return False
        if len(path) > 1 and path.endswith("/"):
            self.notes.append(
                f"route {key}: AWS refuses a route ending in '/' at deploy; served here for "
                f"{path} only (a request without the '/' does not match it)"
            )
        return True
