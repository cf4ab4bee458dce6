"""Lambda REQUEST authorizers and `AWS_IAM` routes of an HTTP API (fact sheet §3.4).

A Lambda authorizer: every identity source must be present and non-empty, else 401 without
invoking the function; then the cache (keyed by the identity-source values, for the TTL, shared
by every route using the authorizer — `$context.routeKey` as a source makes it per route) or the
function, with the payload 1.0 or 2.0 authorizer event. Its answer: with simple responses
`{isAuthorized, context}`, otherwise an IAM policy evaluated against the route ARN
(`gateway/iam_policy.py`; a cached policy is evaluated again per request). Deny → 403; a
failure, a timeout or an invalid answer → 500; neither is cached.

`AWS_IAM` routes need a SigV4 signature (an `AWS4-HMAC-SHA256` Authorization header or an
`X-Amz-Signature` query parameter), else 403; the signature itself is not verified.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from corsway.gateway.authorizer_cache import ResultCache
from corsway.gateway.httpapi.events import EventBuilder, dumps
from corsway.gateway.httpapi.failure import GatewayError
from corsway.gateway.httpapi.model import Authorizer, HttpApi, IdentitySource, Route
from corsway.gateway.iam_policy import InvalidPolicy, Policy, Verdict, parse_policy
from corsway.gateway.invoke import failure_reason, invoke_with_timeout
from corsway.gateway.request import GatewayRequest
from corsway.runtimes.base import ASSIGNED_BY_WORKER, FunctionRuntime, Outcome

AUTHORIZER_TIMEOUT_S = 10.0  # [D quotas] a Lambda authorizer's answer is awaited 10 s


@dataclass(frozen=True, slots=True)
class Output:
    """A valid authorizer answer: what the cache keeps."""

    allowed: bool | None  # simple responses; None: decided by `policy`
    policy: Policy | None
    context: Any  # requestContext.authorizer.lambda (any JSON)


def parse_output(payload: bytes, authorizer: Authorizer) -> Output:
    """Check an authorizer's answer; raise ValueError saying what is wrong."""
    try:
        output = json.loads(payload)
    except ValueError:
        raise ValueError("the answer is not JSON") from None
    if not isinstance(output, dict):
        raise ValueError(f"the answer must be an object, got {json.dumps(output)[:80]}")
    context = output.get("context")
    if context is not None and not isinstance(context, dict):
        raise ValueError(f"context must be an object, got {context!r}")
    if authorizer.simple_responses:
        allowed = output.get("isAuthorized")
        if not isinstance(allowed, bool):
            raise ValueError(
                "with simple responses the answer must be {isAuthorized: true|false, context}, "
                f"got isAuthorized {allowed!r}"
            )
        return Output(allowed, None, context)
    if "policyDocument" not in output:
        raise ValueError(
            f"the answer has no policyDocument (keys: {', '.join(sorted(output)) or 'none'}); "
            "simple responses ({isAuthorized}) need EnableSimpleResponses"
        )
    try:
        policy = parse_policy(output["policyDocument"])
    except InvalidPolicy as error:
        raise ValueError(str(error)) from None
    return Output(None, policy, context)


def signed_access_key(request: GatewayRequest) -> str | None:
    """The SigV4 access key id of a signed request ('' when unreadable), None when unsigned."""
    authorization = request.header_ci("authorization") or ""
    if authorization.startswith("AWS4-HMAC-SHA256 "):
        credential = authorization.partition("Credential=")[2]
        return credential.split("/", 1)[0] if credential else ""
    for name, value in request.query:
        if name == "X-Amz-Credential":
            return value.split("/", 1)[0]
    if any(name == "X-Amz-Signature" for name, _ in request.query):
        return ""
    return None


class LambdaAuthorizers:
    """Runs the Lambda authorizers and AWS_IAM checks of one API."""

    def __init__(
        self,
        api: HttpApi,
        runtimes: Mapping[str, FunctionRuntime],
        events: EventBuilder,
        *,
        clock: Callable[[], float] = time.monotonic,
        timeout_s: float = AUTHORIZER_TIMEOUT_S,
    ) -> None:
        self.api = api
        self.runtimes = runtimes
        self.events = events
        self.cache: ResultCache[Output] = ResultCache(clock)
        self._timeout_s = timeout_s
        self._arn_prefix = (
            f"arn:aws:execute-api:{api.region}:{api.account_id}:{api.api_id}/{api.stage}/"
        )

    def route_arn(self, request: GatewayRequest) -> str:
        """`arn:aws:execute-api:REGION:ACCOUNT:API/$default/VERB/path` (the request's path)."""
        return f"{self._arn_prefix}{request.method}{request.raw_path}"

    def aws_iam(self, request: GatewayRequest) -> tuple[dict[str, Any], str]:
        """(`requestContext.authorizer` for an AWS_IAM route, note) or a 403."""
        access_key = signed_access_key(request)
        if access_key is None:
            raise GatewayError(
                403, "AWS_IAM route: the request has no SigV4 signature (Authorization header)"
            )
        identity = {
            "accessKey": access_key,
            "accountId": self.api.account_id,
            "callerId": access_key,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{self.api.account_id}:user/{access_key or 'unknown'}",
            "userId": access_key,
        }
        return {"iam": identity}, "AWS_IAM: signature NOT verified locally"

    async def authorize(
        self,
        authorizer: Authorizer,
        route: Route,
        request: GatewayRequest,
        path_parameters: Mapping[str, str],
    ) -> tuple[Any, str]:
        """(the authorizer's context, access-log note) or GatewayError."""
        label = f"authorizer {authorizer.name}"
        values = tuple(self._identity(authorizer, source, route, request, label)
                       for source in authorizer.identity_sources)  # fmt: skip
        caching = authorizer.ttl_s > 0 and bool(values)
        output = self.cache.get(authorizer.logical_id, values) if caching else None
        cached = output is not None
        if output is None:
            output = await self._run(
                authorizer,
                route=route,
                request=request,
                path_parameters=path_parameters,
                values=values,
                label=label,
            )
            if caching:
                self.cache.put(authorizer.logical_id, values, output, authorizer.ttl_s)
        source = " (cached)" if cached else ""
        if output.allowed is not None:
            allowed = output.allowed
            how = f"isAuthorized {str(allowed).lower()}"
        else:
            assert output.policy is not None
            verdict = output.policy.evaluate((self.route_arn(request),)).verdict
            allowed = verdict is Verdict.ALLOW
            how = f"policy {verdict.value}"
        if not allowed:
            raise GatewayError(403, f"{label}: {how}{source}")
        return output.context, f"{label}: {how}{source}"

    def _identity(
        self,
        authorizer: Authorizer,
        source: IdentitySource,
        route: Route,
        request: GatewayRequest,
        label: str,
    ) -> str:
        value = self.identity_value(source, route, request)
        if not value:
            raise GatewayError(
                401,
                f"{label}: 401 without invoking it: {source.expression} is "
                f"{'empty' if value == '' else 'missing'}",
            )
        return value

    def identity_value(
        self, source: IdentitySource, route: Route, request: GatewayRequest
    ) -> str | None:
        """The value of one identity source for this request (None: absent)."""
        value: str | None
        if source.kind == "header":
            value = request.header_ci(source.name.lower())
        elif source.kind == "querystring":
            found = [v for name, v in request.query if name == source.name]
            value = ",".join(found) if found else None
        elif source.kind == "stageVariables":
            value = (self.api.stage_variables or {}).get(source.name)
        else:
            value = self._context_value(source.name, route, request)
        return value

    def _context_value(self, name: str, route: Route, request: GatewayRequest) -> str | None:
        values = {
            "routeKey": route.route_key,
            "httpMethod": request.method,
            "path": request.raw_path,
            "stage": self.api.stage,
            "apiId": self.api.api_id,
            "accountId": self.api.account_id,
            "requestId": request.extended_request_id,
            "domainName": request.header_ci("host") or "",
            "identity.sourceIp": request.source_ip,
            "identity.userAgent": request.header_ci("user-agent") or "",
        }
        return values.get(name)

    def _event(
        self,
        authorizer: Authorizer,
        route: Route,
        request: GatewayRequest,
        path_parameters: Mapping[str, str],
        values: tuple[str, ...],
    ) -> dict[str, Any]:
        arn = self.route_arn(request)
        if authorizer.payload_version == "2.0":
            event = self.events.event_v2(request, route, path_parameters, None)
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
            del event["version"]
            return {
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": arn,
                "identitySource": list(values),
                **event,
            }
        event = self.events.event_v1(request, route, path_parameters, None)
        del event["body"], event["isBase64Encoded"], event["version"]
        joined = ",".join(values)
        return {
            "version": "1.0",
            "type": "REQUEST",
            "methodArn": arn,
            "identitySource": joined,
            "authorizationToken": joined,
            **event,
        }

    async def _run(
        self,
        authorizer: Authorizer,
        *,
        route: Route,
        request: GatewayRequest,
        path_parameters: Mapping[str, str],
        values: tuple[str, ...],
        label: str,
    ) -> Output:
        runtime = self.runtimes.get(authorizer.function_key or "")
        if runtime is None:
            raise GatewayError(
                500,
                f"{label}: its function ({authorizer.uri or 'no AuthorizerUri'}) is not in this "
                "template, so it cannot be invoked",
            )
        event = dumps(self._event(authorizer, route, request, path_parameters, values))
        result = await invoke_with_timeout(runtime, event, ASSIGNED_BY_WORKER, self._timeout_s)
        if result is None:
            raise GatewayError(
                500, f"{label}: the function did not answer within {self._timeout_s:g} s"
            )
        if result.outcome is not Outcome.SUCCESS:
            raise GatewayError(500, f"{label}: {failure_reason(result)}", problem=result.traceback)
        try:
            return parse_output(result.payload, authorizer)
        except ValueError as error:
            raise GatewayError(500, f"{label}: invalid answer: {error}") from None
