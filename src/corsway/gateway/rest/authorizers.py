"""The authorize stage: Lambda (TOKEN / REQUEST) authorizers, Cognito and AWS_IAM methods.

What API Gateway does for a method with `AuthorizationType: CUSTOM`, in order:

1. identity sources: TOKEN reads one header (`IdentityValidationExpression` must match the
   whole token); REQUEST needs every source present and non-empty. Otherwise 401
   `{"message":"Unauthorized"}` without invoking the function;
2. the cache (per authorizer, keyed by the identity-source values, `ttl_s` seconds, 0 disables
   it) or the function: the TOKEN event `{type, authorizationToken, methodArn}` or the REQUEST
   event (the proxy event without the body, plus `type` and `methodArn`);
3. the function's answer: failing with exactly `Unauthorized` → 401; any other failure, a
   timeout or an invalid output (no policy, `context` values that are objects or arrays) →
   500 AUTHORIZER_CONFIGURATION_ERROR `{"message": null}`;
4. the policy, evaluated against this request's method ARN (`arn:aws:execute-api:REGION:
   ACCOUNT:API/STAGE/VERB/concrete/path`): Allow → the integration runs with `principalId`, the
   stringified `context` and `integrationLatency` in `requestContext.authorizer`; an explicit
   Deny → 403 with the explicit-deny message; no match → 403 implicit deny.

What is cached is the function's output (the policy), never the decision: a cached policy is
evaluated again for each later request, so a policy that names only the first method denies
the next one with the same token, as in production. Denying policies are cached like allowing
ones; failures (`Unauthorized`, errors, invalid output) are not cached (the docs describe the
cache as holding the returned policy; nothing documents caching a failed invocation).

COGNITO_USER_POOLS methods: the token header must be present (401 otherwise, as on AWS); the
token is not verified, its claims are decoded without verification. AWS_IAM methods: a request
without a SigV4 `Authorization` header (or `X-Amz-Signature` query) gets 403 Missing
Authentication Token, as on AWS; signatures are not verified. Both are announced at start-up.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from corsway.gateway.authorizer_cache import ResultCache
from corsway.gateway.iam_policy import InvalidPolicy, Policy, Verdict, parse_policy
from corsway.gateway.request import GatewayRequest
from corsway.gateway.rest.failure import GatewayFailure
from corsway.gateway.rest.model import (
    COGNITO_USER_POOLS,
    TOKEN,
    Api,
    Authorizer,
    IdentitySource,
    Method,
)
from corsway.gateway.rest.proxy_event import EventBuilder
from corsway.runtimes.base import FunctionRuntime, InvocationResult, Outcome

IMPLICIT_DENY_MESSAGE = "User is not authorized to access this resource"
EXPLICIT_DENY_MESSAGES = {
    # API Gateway's current wording, and the one most older captures show.
    "current": "User is not authorized to access this resource with an explicit deny in an "
    "identity-based policy",
    "legacy": "User is not authorized to access this resource with an explicit deny",
}
UNAUTHORIZED = "Unauthorized"  # the one error message API Gateway turns into a 401

# Runs one invocation: (runtime, event, timeout) -> result, or None when API Gateway gave up.
Invoker = Callable[[FunctionRuntime, bytes, float], Awaitable[InvocationResult | None]]


class InvalidOutput(ValueError):
    """The authorizer function returned something API Gateway cannot use."""


@dataclass(frozen=True, slots=True)
class AuthorizerOutput:
    """A valid authorizer output: what the cache keeps."""

    principal_id: Any  # passed on as given (usually a string)
    policy: Policy
    context: Mapping[str, str | None]  # values stringified as API Gateway passes them


@dataclass(frozen=True, slots=True)
class Authorization:
    """A request the authorize stage lets through."""

    note: str  # for the access log, e.g. "authorizer auth: Allow (cached)"
    context: dict[str, Any] | None  # requestContext.authorizer; None: no such key


def stringify(value: object, where: str) -> str | None:
    """A context value as API Gateway passes it on (`1` → "1", `true` → "true", null stays)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    raise InvalidOutput(
        f"{where} is {'an object' if isinstance(value, dict) else 'a list'}; context values "
        "must be strings, numbers or booleans"
    )


def parse_output(payload: bytes) -> AuthorizerOutput:
    """Check an authorizer's output as API Gateway does; raise InvalidOutput saying why."""
    try:
        output = json.loads(payload)
    except ValueError:
        raise InvalidOutput("the output is not JSON") from None
    if not isinstance(output, dict):
        shown = json.dumps(output)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise InvalidOutput(f"the output must be an object with a policyDocument, got {shown}")
    if "policyDocument" not in output:
        keys = ", ".join(sorted(output)) or "none"
        raise InvalidOutput(f"the output has no policyDocument (keys: {keys})")
    try:
        policy = parse_policy(output["policyDocument"])
    except InvalidPolicy as error:
        raise InvalidOutput(str(error)) from None
    principal = output.get("principalId")
    if isinstance(principal, dict | list):
        raise InvalidOutput(f"principalId must be a string, got {principal!r}")
    raw_context = output.get("context")
    if raw_context is not None and not isinstance(raw_context, dict):
        raise InvalidOutput(f"context must be an object, got {raw_context!r}")
    context = {
        str(key): stringify(value, f"context.{key}") for key, value in (raw_context or {}).items()
    }
    return AuthorizerOutput(principal, policy, context)


class Authorizers:
    """Runs the authorize stage for one API."""

    def __init__(
        self,
        api: Api,
        runtimes: Mapping[str, FunctionRuntime],
        events: EventBuilder,
        invoke: Invoker,
        *,
        timeout_s: float = 29.0,
        clock: Callable[[], float] = time.monotonic,
        explicit_deny_message: str = EXPLICIT_DENY_MESSAGES["current"],
    ) -> None:
        self.api = api
        self.runtimes = runtimes
        self.events = events
        self.cache: ResultCache[AuthorizerOutput] = ResultCache(clock)
        self._invoke = invoke
        self._timeout_s = timeout_s
        self._explicit_deny = explicit_deny_message
        self._arn_prefix = (
            f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/{api.stage}/"
        )

    def method_arn(self, http_method: str, stage_path: str) -> str:
        """`arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/path` with the concrete path."""
        return f"{self._arn_prefix}{http_method}/{stage_path[1:]}"

    async def authorize(
        self,
        method: Method,
        request: GatewayRequest,
        stage_path: str,
        path_parameters: Mapping[str, str],
        context: Callable[[], Mapping[str, Any]],
    ) -> Authorization:
        """Let the request through (what the log and the event get) or raise GatewayFailure."""
        kind = method.authorization_type
        if kind == "AWS_IAM":
            return self._aws_iam(request)
        authorizer = self.api.authorizers.get(method.authorizer_logical_id or "")
        if authorizer is None:
            raise GatewayFailure(
                "AUTHORIZER_CONFIGURATION_ERROR",
                f"authorizer {method.authorizer_logical_id!r} is not in the template, corsway "
                "serve cannot run it",
            )
        if authorizer.type == COGNITO_USER_POOLS:
            return self._cognito(authorizer, request)
        return await self._lambda(
            authorizer,
            method=method,
            request=request,
            stage_path=stage_path,
            path_parameters=path_parameters,
            context=context,
        )

    # -- Lambda authorizers -------------------------------------------------------------

    async def _lambda(
        self,
        authorizer: Authorizer,
        *,
        method: Method,
        request: GatewayRequest,
        stage_path: str,
        path_parameters: Mapping[str, str],
        context: Callable[[], Mapping[str, Any]],
    ) -> Authorization:
        label = f"authorizer {authorizer.name}"
        key = self._identity(authorizer, request, context, label)
        arn = self.method_arn(request.method, stage_path)
        arns = (arn, arn + "/") if stage_path == "/" else (arn,)
        output = self.cache.get(authorizer.logical_id, key) if authorizer.ttl_s else None
        cached = output is not None
        latency_ms = 0
        if output is None:
            started = time.perf_counter()
            output = await self._run(
                authorizer,
                method=method,
                request=request,
                stage_path=stage_path,
                path_parameters=path_parameters,
                arn=arn,
            )
            latency_ms = round((time.perf_counter() - started) * 1000)
            if authorizer.ttl_s:
                self.cache.put(authorizer.logical_id, key, output, authorizer.ttl_s)
        evaluation = output.policy.evaluate(arns)
        source = " (cached)" if cached else ""
        skipped = (
            f"; {evaluation.skipped_conditions} Allow statement(s) with a Condition skipped "
            "(conditions are not evaluated locally)"
            if evaluation.skipped_conditions
            else ""
        )
        if evaluation.verdict is Verdict.ALLOW:
            authorizer_context: dict[str, Any] = {
                "principalId": output.principal_id,
                **output.context,
                "integrationLatency": latency_ms,
            }
            return Authorization(f"{label}: Allow{source}{skipped}", authorizer_context)
        if evaluation.verdict is Verdict.EXPLICIT_DENY:
            raise GatewayFailure(
                "ACCESS_DENIED", f"{label}: Deny{source}{skipped}", self._explicit_deny
            )
        listed = ", ".join(output.policy.resources) or "no resource"
        details = f"no statement of the policy allows {arn}; it names: {listed}"
        if cached:
            details += (
                f"\nthe policy is cached (ttl {authorizer.ttl_s} s) from an earlier request with "
                "the same identity and reused for every method, as on AWS: return a policy that "
                f"covers every method (e.g. {self._arn_prefix}*) or set the TTL to 0"
            )
        raise GatewayFailure(
            "ACCESS_DENIED", f"{label}: implicit deny{source}{skipped}", details=details
        )

    def _identity(
        self,
        authorizer: Authorizer,
        request: GatewayRequest,
        context: Callable[[], Mapping[str, Any]],
        label: str,
    ) -> tuple[str, ...]:
        """The identity-source values (the cache key), or a 401 without invoking."""
        values = []
        for source in authorizer.identity_sources:
            value = self._source_value(source, request, context)
            if not value:
                raise GatewayFailure(
                    "UNAUTHORIZED",
                    f"{label}: 401 without invoking it: {_describe(source)} is "
                    f"{'empty' if value == '' else 'missing'}",
                )
            values.append(value)
        validation = authorizer.validation if authorizer.type == TOKEN else None
        if validation is not None and validation.fullmatch(values[0]) is None:
            raise GatewayFailure(
                "UNAUTHORIZED",
                f"{label}: 401 without invoking it: the {authorizer.identity_sources[0].name} "
                f"value does not match IdentityValidationExpression {validation.pattern!r}",
            )
        return tuple(values)

    def _source_value(
        self,
        source: IdentitySource,
        request: GatewayRequest,
        context: Callable[[], Mapping[str, Any]],
    ) -> str | None:
        if source.kind == "header":
            return request.header_ci(source.name.lower())
        if source.kind == "querystring":
            found = None
            for name, query_value in request.query:
                if name == source.name:
                    found = query_value
            return found
        if source.kind == "stageVariables":
            return (self.api.stage_variables or {}).get(source.name)
        current: Any = context()
        for part in source.name.split("."):
            current = current.get(part) if isinstance(current, Mapping) else None
        return None if current is None else str(current)

    async def _run(
        self,
        authorizer: Authorizer,
        *,
        method: Method,
        request: GatewayRequest,
        stage_path: str,
        path_parameters: Mapping[str, str],
        arn: str,
    ) -> AuthorizerOutput:
        """Invoke the function and check its output; raise GatewayFailure for every failure."""
        label = f"authorizer {authorizer.name}"
        runtime = self.runtimes.get(authorizer.function_key or "")
        if runtime is None:
            raise GatewayFailure(
                "AUTHORIZER_CONFIGURATION_ERROR",
                f"{label}: its function ({authorizer.uri or 'no AuthorizerUri'}) is not in this "
                "template, so it cannot be invoked",
            )
        event: dict[str, Any]
        if authorizer.type == TOKEN:
            token = request.header_ci(authorizer.identity_sources[0].name.lower())
            event = {"type": TOKEN, "authorizationToken": token, "methodArn": arn}
        else:
            proxy = self.events.event(request, method, stage_path, path_parameters)
            del proxy["body"], proxy["isBase64Encoded"]
            event = {"type": "REQUEST", "methodArn": arn, **proxy}
        result = await self._invoke(runtime, self.events.encode(event), self._timeout_s)
        if result is None:
            raise GatewayFailure(
                "AUTHORIZER_CONFIGURATION_ERROR",
                f"{label}: the function did not answer within {self._timeout_s:g} s",
            )
        if result.outcome is not Outcome.SUCCESS:
            if result.outcome is Outcome.FUNCTION_ERROR and _error_message(result) == UNAUTHORIZED:
                raise GatewayFailure("UNAUTHORIZED", f"{label}: the function failed with "
                                     "'Unauthorized' (401)")  # fmt: skip
            raise GatewayFailure(
                "AUTHORIZER_CONFIGURATION_ERROR",
                f"{label}: the function failed: {result.error}",
                details=result.traceback,
            )
        try:
            return parse_output(result.payload)
        except InvalidOutput as error:
            raise GatewayFailure(
                "AUTHORIZER_CONFIGURATION_ERROR", f"{label}: invalid output: {error}"
            ) from None

    # -- Cognito and IAM ----------------------------------------------------------------

    def _cognito(self, authorizer: Authorizer, request: GatewayRequest) -> Authorization:
        header = authorizer.identity_sources[0].name
        token = request.header_ci(header.lower())
        label = f"authorizer {authorizer.name} (COGNITO_USER_POOLS)"
        if not token:
            raise GatewayFailure("UNAUTHORIZED", f"{label}: 401, no {header} header")
        claims = jwt_claims(token)
        note = f"{label}: token present, NOT verified locally"
        if claims is None:
            return Authorization(note + " (not a readable JWT)", {"claims": None})
        return Authorization(note, {"claims": claims})

    def _aws_iam(self, request: GatewayRequest) -> Authorization:
        signed = request.header_ci("authorization") or any(
            name == "X-Amz-Signature" for name, _ in request.query
        )
        if not signed:
            raise GatewayFailure(
                "MISSING_AUTHENTICATION_TOKEN",
                "AWS_IAM method: the request has no SigV4 signature (Authorization header)",
            )
        return Authorization("AWS_IAM: signature NOT verified locally", None)


def jwt_claims(token: str) -> dict[str, str] | None:
    """A JWT's claims, decoded WITHOUT verification and stringified; None if not a JWT."""
    parts = token.removeprefix("Bearer ").split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(payload, dict):
        return None
    claims = {}
    for name, value in payload.items():
        if isinstance(value, str):
            claims[str(name)] = value
        elif isinstance(value, bool):
            claims[str(name)] = "true" if value else "false"
        else:
            claims[str(name)] = json.dumps(value, separators=(",", ":"))
    return claims


def _error_message(result: InvocationResult) -> str | None:
    try:
        error = json.loads(result.payload)
    except ValueError:
        return None
    message = error.get("errorMessage") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


def _describe(source: IdentitySource) -> str:
    kind = {"header": "header", "querystring": "query parameter"}.get(source.kind)
    return f"the {source.name} {kind}" if kind else source.expression
