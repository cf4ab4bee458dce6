"""CloudFormation template → `Api`: all template analysis happens here, once, at start-up.

Reads the REST API, its resources, methods (MOCK and AWS_PROXY integrations, what the others
are), gateway responses, the stage and the Lambda functions. A template the gateway cannot
serve raises `CorswayError` naming the logical id, the property and the value; what it can serve
only partly becomes a start-up note (never silence).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError, SourceLocation
from corsway.gateway.gateway_responses import VALID_TYPES
from corsway.gateway.intrinsics import Intrinsics, fake_id
from corsway.gateway.model import (
    ANY_METHODS,
    AWS_PROXY,
    COGNITO_USER_POOLS,
    DEFAULT_AUTHORIZER_TTL_S,
    MOCK,
    NOT_RUN_INTEGRATIONS,
    REQUEST,
    TOKEN,
    Api,
    Authorizer,
    GatewayResponseConfig,
    IdentitySource,
    Integration,
    IntegrationResponse,
    Method,
    Resource,
    StaticResponse,
)
from corsway.gateway.parameters import InvalidMappingExpression, ParameterSource
from corsway.gateway.vtl import MappingTemplate, TemplateSyntaxError
from corsway.runtimes.base import FunctionConfig

DEFAULT_INTEGRATION_TIMEOUT_S = 29.0
CFN_DEFAULT_TIMEOUT_S = 3.0  # AWS::Lambda::Function defaults (the framework always sets both)
CFN_DEFAULT_MEMORY_MB = 128

_FUNCTION_ARN = re.compile(r"functions/arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^/:]+)")
_AUTHORIZER_TYPES = (TOKEN, REQUEST, COGNITO_USER_POOLS)
_AUTHORIZATION_TYPES = ("NONE", "CUSTOM", "AWS_IAM", COGNITO_USER_POOLS)
_IDENTITY_SOURCE = re.compile(
    r"(method\.request\.header|method\.request\.querystring|stageVariables|context)\.(\S+)"
)
_MOCK_STATUS = re.compile(r"""["']?statusCode["']?\s*:\s*["']?(\d{3})""")


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
        self.source = source
        if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
            raise CorswayError(
                "not a CloudFormation template: expected a JSON/YAML object with a "
                "'Resources' mapping",
                SourceLocation(source),
            )
        self.resources: dict[str, Any] = template["Resources"]
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                raise self.error(f"Resources.{logical_id} must be an object with a 'Type'")
        self.service_dir = service_dir
        self.region = region
        self.requested_stage = stage
        self.function_keys = function_keys
        self.notes: list[str] = []
        rest_apis = self.of_type("AWS::ApiGateway::RestApi")
        external = {
            str(res.get("Properties", {}).get("RestApiId"))
            for res in self.resources.values()
            if res.get("Type") == "AWS::ApiGateway::Method"
            and isinstance(res.get("Properties", {}).get("RestApiId"), str)
        }
        if not rest_apis and external:
            raise self.error(
                "the template adds methods to an existing REST API "
                f"({', '.join(sorted(external))}, from provider.apiGateway.restApiId): that "
                "API's own resources are not in the "
                "template, so corsway serve cannot serve it; serve the service that owns the API"
            )
        if not rest_apis:
            raise self.error(
                "the template has no AWS::ApiGateway::RestApi resource: the service has no "
                "`http` events to serve (an external provider.apiGateway.restApiId is not "
                "supported by corsway serve)"
            )
        if len(rest_apis) > 1:
            raise self.error(
                "the template has several AWS::ApiGateway::RestApi resources "
                f"({', '.join(rest_apis)}); corsway serve serves exactly one"
            )
        self.rest_api_id = rest_apis[0]
        api_name = self.properties(self.rest_api_id).get("Name")
        stack_name = self._stack_name(api_name if isinstance(api_name, str) else "", stage)
        self.intrinsics = Intrinsics(
            self.resources,
            region=region,
            stack_name=stack_name,
            source=source,
            parameters=template.get("Parameters") if isinstance(template, dict) else None,
        )

    # -- helpers ------------------------------------------------------------------------

    def error(self, message: str) -> CorswayError:
        return CorswayError(message, SourceLocation(self.source))

    def of_type(self, kind: str) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") == kind]

    def properties(self, logical_id: str) -> dict[str, Any]:
        properties = self.resources[logical_id].get("Properties", {})
        if not isinstance(properties, dict):
            raise self.error(f"Resources.{logical_id}.Properties must be an object")
        return properties

    def value(self, logical_id: str, name: str, default: Any = None) -> Any:
        raw = self.properties(logical_id).get(name, default)
        return self.intrinsics.evaluate(raw, f"Resources.{logical_id}.Properties.{name}")

    @staticmethod
    def _stack_name(api_name: str, stage: str) -> str:
        prefix = f"{stage}-"
        if api_name.startswith(prefix):
            return f"{api_name[len(prefix) :]}-{stage}"
        return api_name or f"corsway-{stage}"

    # -- build --------------------------------------------------------------------------

    def build(self) -> Api:
        stage, stage_variables = self._stage()
        functions, function_by_name = self._functions()
        self.authorizers = self._authorizers(function_by_name)
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
            notes=tuple(self.notes),
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

    def _functions(self) -> tuple[dict[str, FunctionConfig], dict[str, str]]:
        functions: dict[str, FunctionConfig] = {}
        by_name: dict[str, str] = {}
        for logical_id in self.of_type("AWS::Lambda::Function"):
            where = f"Resources.{logical_id}.Properties"
            name = self.intrinsics.physical_id(logical_id)
            key = self.function_keys.get(logical_id) or self._derive_key(logical_id, name)
            handler = self.value(logical_id, "Handler")
            runtime = self.value(logical_id, "Runtime")
            if not isinstance(handler, str) or not isinstance(runtime, str):
                self.notes.append(
                    f"function {key}: no Handler/Runtime in the template (container image?); "
                    "its routes answer 502"
                )
                handler, runtime = handler if isinstance(handler, str) else "", str(runtime or "")
            timeout = self.value(logical_id, "Timeout", CFN_DEFAULT_TIMEOUT_S)
            memory = self.value(logical_id, "MemorySize", CFN_DEFAULT_MEMORY_MB)
            try:
                timeout_s = float(timeout)
                memory_mb = int(memory)
            except (TypeError, ValueError):
                raise self.error(
                    f"{where}: Timeout and MemorySize must be numbers, got {timeout!r} and "
                    f"{memory!r}"
                ) from None
            environment = self.properties(logical_id).get("Environment") or {}
            variables = environment.get("Variables", {}) if isinstance(environment, dict) else None
            if not isinstance(variables, dict):
                raise self.error(f"{where}.Environment.Variables must be a mapping")
            env = {}
            for var, raw_value in variables.items():
                try:
                    val = self.intrinsics.evaluate(
                        raw_value, f"{where}.Environment.Variables.{var}"
                    )
                except CorswayError as error:
                    self.notes.append(
                        f"function {key}: environment variable {var} is left unset, it has no "
                        f"local value ({error.message})"
                    )
                    continue
                if isinstance(val, bool):
                    env[str(var)] = str(val).lower()
                elif isinstance(val, str | int | float):
                    env[str(var)] = str(val)
                else:
                    raise self.error(
                        f"{where}.Environment.Variables.{var} must be a string, got {val!r}"
                    )
            functions[key] = FunctionConfig(
                key=key,
                name=name,
                handler=handler,
                runtime=runtime,
                code_dir=self.service_dir,
                region=self.region,
                timeout_s=timeout_s,
                memory_mb=memory_mb,
                environment=env,
            )
            by_name[name] = key
        return functions, by_name

    def _derive_key(self, logical_id: str, name: str) -> str:
        prefix = f"{self.intrinsics.stack_name}-"
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
        key = logical_id.removesuffix("LambdaFunction") or logical_id
        return key[0].lower() + key[1:]

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
        authorizer_logical, scopes = self._method_authorizer(logical_id, authorization, route)
        api_key_required = bool(self.value(logical_id, "ApiKeyRequired", False))
        if api_key_required:
            self.notes.append(
                f"{route}: ApiKeyRequired is NOT checked by corsway serve: requests without "
                "x-api-key reach the integration"
            )
        integration = self._integration(logical_id, route, function_by_name)
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

    def _authorizers(self, function_by_name: Mapping[str, str]) -> dict[str, Authorizer]:
        """Every AWS::ApiGateway::Authorizer, checked and compiled once."""
        authorizers = {}
        for logical_id in self.of_type("AWS::ApiGateway::Authorizer"):
            where = f"Resources.{logical_id}.Properties"
            kind = self.value(logical_id, "Type")
            if not isinstance(kind, str) or kind.upper() not in _AUTHORIZER_TYPES:
                raise self.error(
                    f"{where}.Type: {kind!r} is not an authorizer type (TOKEN, REQUEST, "
                    "COGNITO_USER_POOLS)"
                )
            kind = kind.upper()
            name = str(self.value(logical_id, "Name", logical_id) or logical_id)
            ttl = self._authorizer_ttl(logical_id, where)
            sources = self._identity_sources(logical_id, where, kind, ttl)
            validation = None
            expression = self.value(logical_id, "IdentityValidationExpression")
            if expression is not None and not isinstance(expression, str):
                raise self.error(
                    f"{where}.IdentityValidationExpression must be a string (a regular "
                    f"expression), got {expression!r}"
                )
            if expression and kind == TOKEN:
                try:
                    validation = re.compile(expression)
                except re.error as error:
                    raise self.error(
                        f"{where}.IdentityValidationExpression {expression!r} is not a regular "
                        f"expression corsway can compile: {error}"
                    ) from None
            elif expression and kind == REQUEST:
                self.notes.append(
                    f"authorizer {name}: IdentityValidationExpression {expression!r} does not "
                    "apply to REQUEST authorizers (API Gateway ignores it too)"
                )
            elif expression:
                self.notes.append(
                    f"authorizer {name}: IdentityValidationExpression {expression!r} (matched "
                    "against the token's aud claim on AWS) is NOT checked by corsway serve"
                )
            function_key = None
            uri = ""
            providers: tuple[str, ...] = ()
            if kind == COGNITO_USER_POOLS:
                raw = self.value(logical_id, "ProviderARNs") or []
                if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
                    raise self.error(
                        f"{where}.ProviderARNs must be a list of user pool ARNs, got {raw!r}"
                    )
                providers = tuple(raw)
            else:
                evaluated = self.value(logical_id, "AuthorizerUri")
                if not isinstance(evaluated, str) or not evaluated:
                    raise self.error(
                        f"{where}.AuthorizerUri is required for a {kind} authorizer (the Lambda "
                        f"function's invocation URI), got {evaluated!r}"
                    )
                uri = evaluated
                match = _FUNCTION_ARN.search(uri)
                if match is not None and match.group(1) in function_by_name:
                    function_key = function_by_name[match.group(1)]
            authorizers[logical_id] = Authorizer(
                logical_id=logical_id,
                name=name,
                type=kind,
                identity_sources=sources,
                validation=validation,
                ttl_s=ttl,
                function_key=function_key,
                uri=uri,
                provider_arns=providers,
            )
        return authorizers

    def _authorizer_ttl(self, logical_id: str, where: str) -> int:
        raw = self.value(logical_id, "AuthorizerResultTtlInSeconds")
        if raw is None:
            return DEFAULT_AUTHORIZER_TTL_S  # API Gateway's default when the property is absent
        text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
        if not text.isdigit() or int(text) > 3600:
            raise self.error(
                f"{where}.AuthorizerResultTtlInSeconds must be a whole number of seconds from 0 "
                f"(no caching) to 3600, got {raw!r}"
            )
        return int(text)

    def _identity_sources(
        self, logical_id: str, where: str, kind: str, ttl: int
    ) -> tuple[IdentitySource, ...]:
        raw = self.value(logical_id, "IdentitySource")
        if raw is not None and not isinstance(raw, str):
            raise self.error(
                f"{where}.IdentitySource must be a comma-separated string of mapping "
                f"expressions, got {raw!r}"
            )
        sources = []
        for expression in (part.strip() for part in (raw or "").split(",")):
            if not expression:
                continue
            match = _IDENTITY_SOURCE.fullmatch(expression)
            if match is None:
                detail = (
                    "path parameters cannot be identity sources"
                    if expression.startswith("method.request.path.")
                    else "valid: method.request.header.NAME, method.request.querystring.NAME, "
                    "stageVariables.NAME, context.NAME"
                )
                raise self.error(
                    f"{where}.IdentitySource: {expression!r} is not an identity source ({detail})"
                )
            prefix = match.group(1)
            source_kind = prefix.rsplit(".", 1)[-1] if prefix.startswith("method.") else prefix
            sources.append(IdentitySource(expression, source_kind, match.group(2)))
        if kind in (TOKEN, COGNITO_USER_POOLS) and (
            len(sources) != 1 or sources[0].kind != "header"
        ):
            raise self.error(
                f"{where}.IdentitySource: a {kind} authorizer reads its token from one header "
                f"(method.request.header.NAME), got {raw!r}"
            )
        if kind == REQUEST and ttl > 0 and not sources:
            raise self.error(
                f"{where}: a REQUEST authorizer with caching (AuthorizerResultTtlInSeconds "
                f"{ttl}) needs an IdentitySource, the cache key; add one or set the TTL to 0"
            )
        return tuple(sources)

    def _method_authorizer(
        self, logical_id: str, authorization: str, route: str
    ) -> tuple[str | None, tuple[str, ...]]:
        """The method's authorizer (logical id) and scopes; start-up notes for what is not run."""
        where = f"Resources.{logical_id}.Properties"
        if authorization not in _AUTHORIZATION_TYPES:
            raise self.error(
                f"{where}.AuthorizationType: {authorization!r} is not one of NONE, CUSTOM, "
                "AWS_IAM, COGNITO_USER_POOLS"
            )
        if authorization == "NONE":
            return None, ()
        if authorization == "AWS_IAM":
            self.notes.append(
                f"{route}: AWS_IAM: a request without a SigV4 signature gets 403 Missing "
                "Authentication Token (as on AWS); signatures and IAM permissions are NOT "
                "verified by corsway serve, so any signed request reaches the integration"
            )
            return None, ()
        raw = self.properties(logical_id).get("AuthorizerId")
        scopes_raw = self.value(logical_id, "AuthorizationScopes") or []
        if not isinstance(scopes_raw, list) or not all(isinstance(x, str) for x in scopes_raw):
            raise self.error(f"{where}.AuthorizationScopes must be a list of strings")
        scopes = tuple(scopes_raw)
        if isinstance(raw, dict) and isinstance(raw.get("Ref"), str):
            target = raw["Ref"]
            authorizer = self.authorizers.get(target)
            if authorizer is None:
                raise self.error(
                    f"{where}.AuthorizerId: {target!r} is not an AWS::ApiGateway::Authorizer "
                    "of this template"
                )
        else:
            existing = self.value(logical_id, "AuthorizerId")
            if not isinstance(existing, str) or not existing:
                raise self.error(
                    f"{where}.AuthorizerId is required with AuthorizationType {authorization} "
                    f"(a Ref to an AWS::ApiGateway::Authorizer), got {raw!r}"
                )
            self.notes.append(
                f"{route}: authorizer {existing!r} is not in the template (an existing "
                "authorizer, `authorizerId`): corsway serve cannot run it, so these requests "
                'answer 500 {"message": null} (AUTHORIZER_CONFIGURATION_ERROR)'
            )
            return existing, scopes
        cognito = authorization == COGNITO_USER_POOLS
        expected = (COGNITO_USER_POOLS,) if cognito else (TOKEN, REQUEST)
        if authorizer.type not in expected:
            raise self.error(
                f"{where}: AuthorizationType {authorization} does not fit authorizer "
                f"{authorizer.logical_id} of Type {authorizer.type}"
            )
        if authorizer.type == COGNITO_USER_POOLS:
            header = authorizer.identity_sources[0].name
            checked_scopes = f" and scopes ({', '.join(scopes)})" if scopes else ""
            self.notes.append(
                f"{route}: COGNITO_USER_POOLS authorizer {authorizer.name}: only the presence "
                f"of the {header} header is checked (401 without it, as on AWS); the token's "
                f"signature, expiry, audience, user pool{checked_scopes} are NOT verified by "
                "corsway serve, and requestContext.authorizer.claims holds its claims decoded "
                "without verification"
            )
        elif authorizer.function_key is None:
            self.notes.append(
                f"{route}: authorizer {authorizer.name} ({authorizer.type}) invokes "
                f"{_lambda_arn(authorizer.uri)}, which is not a Lambda function of this "
                "template: corsway serve cannot run it, so requests that pass its "
                "identity-source check answer "
                '500 {"message": null} (AUTHORIZER_CONFIGURATION_ERROR), as API Gateway does '
                "when it cannot invoke an authorizer"
            )
        return authorizer.logical_id, scopes

    def _integration(
        self, logical_id: str, route: str, function_by_name: Mapping[str, str]
    ) -> Integration:
        where = f"Resources.{logical_id}.Properties.Integration"
        raw = self.value(logical_id, "Integration")
        if not isinstance(raw, dict) or not isinstance(raw.get("Type"), str):
            raise self.error(f"{where} must be an object with a Type")
        kind = raw["Type"].upper()
        timeout_ms = raw.get("TimeoutInMillis", DEFAULT_INTEGRATION_TIMEOUT_S * 1000)
        try:
            timeout_s = min(float(timeout_ms) / 1000, DEFAULT_INTEGRATION_TIMEOUT_S)
        except (TypeError, ValueError):
            raise self.error(
                f"{where}.TimeoutInMillis must be a number, got {timeout_ms!r}"
            ) from None
        if kind == AWS_PROXY:
            uri = raw.get("Uri")
            match = _FUNCTION_ARN.search(uri) if isinstance(uri, str) else None
            if match is None or match.group(1) not in function_by_name:
                self.notes.append(
                    f"{route}: AWS_PROXY integration targets {uri!r}, which is not a Lambda "
                    "function of this template; it answers 502"
                )
                return Integration(type=kind, uri=str(uri), timeout_s=timeout_s)
            return Integration(
                type=kind,
                function_key=function_by_name[match.group(1)],
                uri=str(uri),
                timeout_s=timeout_s,
            )
        if kind == MOCK:
            return self._mock(raw, where, route, timeout_s)
        if kind in NOT_RUN_INTEGRATIONS:
            label = {"AWS": "AWS (lambda)", "HTTP": "HTTP", "HTTP_PROXY": "HTTP_PROXY"}[kind]
            self.notes.append(
                f"{route}: {label} integrations are not run by corsway serve; it answers 500 "
                '{"message": "Internal server error"}'
            )
            return Integration(type=kind, uri=str(raw.get("Uri", "")), timeout_s=timeout_s)
        raise self.error(
            f"{where}.Type: {raw['Type']!r} is not an integration type (AWS, AWS_PROXY, HTTP, "
            "HTTP_PROXY, MOCK)"
        )

    def _templates(self, raw: Any, where: str) -> dict[str, MappingTemplate]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.error(f"{where} must map content types to templates, got {raw!r}")
        templates = {}
        for content_type, text in raw.items():
            if not isinstance(text, str):
                raise self.error(f"{where}.{content_type} must be a string, got {text!r}")
            try:
                templates[str(content_type).lower()] = MappingTemplate(text)
            except TemplateSyntaxError as error:
                raise self.error(
                    f"{where}.{content_type}: the Velocity template does not parse: {error}"
                ) from None
        return templates

    def _mappings(
        self, raw: Any, where: str, prefix: str, route: str
    ) -> tuple[tuple[str, ParameterSource], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            raise self.error(f"{where} must be a mapping, got {raw!r}")
        mappings = []
        for key, expression in raw.items():
            if not str(key).startswith(prefix):
                self.notes.append(
                    f"{route}: {where}.{key} is ignored: only {prefix}NAME applies to responses"
                )
                continue
            try:
                mappings.append((str(key)[len(prefix) :], ParameterSource.parse(expression)))
            except InvalidMappingExpression as error:
                self.notes.append(
                    f"{route}: {where}.{key}: {error}; API Gateway would refuse to deploy "
                    "this, corsway serve leaves the header out"
                )
        return tuple(mappings)

    def _mock(self, raw: dict[str, Any], where: str, route: str, timeout_s: float) -> Integration:
        request_templates = self._templates(
            raw.get("RequestTemplates"), f"{where}.RequestTemplates"
        )
        responses_raw = raw.get("IntegrationResponses") or []
        if not isinstance(responses_raw, list):
            raise self.error(f"{where}.IntegrationResponses must be a list")
        responses = []
        for index, item in enumerate(responses_raw):
            item_where = f"{where}.IntegrationResponses[{index}]"
            if not isinstance(item, dict):
                raise self.error(f"{item_where} must be an object")
            status = _status(item.get("StatusCode"))
            if status is None:
                raise self.error(
                    f"{item_where}.StatusCode must be an HTTP status code, got "
                    f"{item.get('StatusCode')!r}"
                )
            pattern = item.get("SelectionPattern")
            try:
                compiled = re.compile(pattern, re.DOTALL) if pattern else None
            except re.error as error:
                raise self.error(
                    f"{item_where}.SelectionPattern {pattern!r} is not a valid regex: {error}"
                ) from None
            responses.append(
                IntegrationResponse(
                    status_code=status,
                    selection_pattern=compiled,
                    parameters=self._mappings(
                        item.get("ResponseParameters"),
                        f"{item_where}.ResponseParameters",
                        "method.response.header.",
                        route,
                    ),
                    templates=self._templates(
                        item.get("ResponseTemplates"), f"{item_where}.ResponseTemplates"
                    ),
                )
            )
        passthrough = str(raw.get("PassthroughBehavior") or "WHEN_NO_MATCH").upper()
        integration = Integration(
            type=MOCK,
            request_templates=request_templates,
            passthrough_behavior=passthrough,
            responses=tuple(responses),
            timeout_s=timeout_s,
        )
        static = _static_mock_response(integration)
        if static is None:
            return integration
        return dataclasses.replace(integration, static_response=static)

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
            status = _status(status_raw) if status_raw is not None else None
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
                parameters=self._mappings(
                    self.value(logical_id, "ResponseParameters"),
                    f"{where}.ResponseParameters",
                    "gatewayresponse.header.",
                    f"gateway response {response_type}",
                ),
                templates=self._templates(
                    self.value(logical_id, "ResponseTemplates"), f"{where}.ResponseTemplates"
                ),
            )
        return configured


def _status(value: Any) -> int | None:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and 100 <= int(text) <= 599 else None


def _lambda_arn(uri: str) -> str:
    """The function ARN inside a Lambda invocation URI (or the URI itself)."""
    match = re.search(r"functions/(.+?)/invocations", uri)
    return match.group(1) if match else uri


def mock_status(text: str) -> int | None:
    """The `statusCode` a MOCK request template asks for (lenient, as API Gateway reads it)."""
    match = _MOCK_STATUS.search(text)
    return int(match.group(1)) if match else None


def select_integration_response(
    responses: tuple[IntegrationResponse, ...], selector: str
) -> IntegrationResponse | None:
    """The response whose SelectionPattern matches `selector` in full, else the default one."""
    default = None
    for response in responses:
        pattern = response.selection_pattern
        if pattern is None:
            if default is None:
                default = response
        elif pattern.fullmatch(selector):
            return response
    return default


def _static_mock_response(integration: Integration) -> StaticResponse | None:
    """The preflight fast path: an answer that no request can change (no Content-Type sent)."""
    template = integration.request_templates.get("application/json")
    if template is None or template.constant is None:
        return None
    status = mock_status(template.constant)
    if status is None:
        return None
    response = select_integration_response(integration.responses, str(status))
    if response is None or len(response.templates) > 1:
        return None
    if any(source.kind != "static" for _, source in response.parameters):
        return None
    body = ""
    content_type = "application/json"
    if response.templates:
        content_type, body_template = next(iter(response.templates.items()))
        if body_template.constant is None:
            return None
        body = body_template.constant
    return StaticResponse(
        status=response.status_code,
        headers=tuple((name, source.name) for name, source in response.parameters),
        body=body.encode(),
        content_type=content_type,
    )
