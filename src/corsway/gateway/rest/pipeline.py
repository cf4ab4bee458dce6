"""The request pipeline: route → authorize → integrate → respond, as API Gateway runs it.

Each stage either passes the request on or fails with a `GatewayFailure` naming a gateway
response type; `respond` turns failures into gateway responses (with the user's
customisations) and leaves successful integration responses untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import Reply
from corsway.gateway.invoke import (
    GAVE_UP,
    LAMBDA_PAYLOAD_LIMIT,
    Deadlines,
    failure_reason,
    invoke_with_timeout,
)
from corsway.gateway.request import GatewayRequest, clf_time, media_type
from corsway.gateway.response import Response
from corsway.gateway.rest.authorizers import EXPLICIT_DENY_MESSAGES, Authorizers
from corsway.gateway.rest.failure import GatewayFailure
from corsway.gateway.rest.gateway_responses import GatewayResponses
from corsway.gateway.rest.integration_config import mock_status, select_integration_response
from corsway.gateway.rest.model import AWS_PROXY, MOCK, Api, Method, StaticResponse
from corsway.gateway.rest.parameters import RequestValues, resolve
from corsway.gateway.rest.proxy_event import EventBuilder
from corsway.gateway.rest.proxy_response import BinaryDecodeError, MalformedProxyResponse, render
from corsway.gateway.rest.routing import RouteMatch, Router
from corsway.gateway.rest.vtl import UTIL, TemplateInput
from corsway.runtimes.base import ASSIGNED_BY_WORKER, FunctionRuntime, Outcome

__all__ = ["LAMBDA_PAYLOAD_LIMIT", "Gateway", "GatewayFailure"]  # GatewayFailure: re-exported


@dataclass(slots=True)
class _Routed:
    method: Method
    match: RouteMatch
    stage_path: str
    function: str | None = None
    values: RequestValues | None = field(default=None)
    auth_note: str = ""  # what the authorize stage did, for the access log
    authorizer: dict[str, Any] | None = None  # requestContext.authorizer / $context.authorizer


class Gateway:
    """Answers requests for one API model with the given function runtimes."""

    def __init__(
        self,
        api: Api,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        *,
        stage_prefix: bool = True,
        server_port: int = 3000,
        integration_timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        explicit_deny_message: str = EXPLICIT_DENY_MESSAGES["current"],
    ) -> None:
        self.api = api
        self.runtimes = runtimes
        self.console = console
        self.stage_prefix = stage_prefix
        self.router = Router(api.resources)
        self.responses = GatewayResponses(api.gateway_responses)
        self.events = EventBuilder(api, stage_prefix=stage_prefix, server_port=server_port)
        self._integration_timeout_override = integration_timeout_s
        self._deadlines = Deadlines()  # the integration timeouts of running invocations
        self.authorizers = Authorizers(
            api,
            runtimes,
            self.events,
            lambda runtime, event, timeout: invoke_with_timeout(
                runtime, event, ASSIGNED_BY_WORKER, timeout
            ),
            timeout_s=integration_timeout_s or 29.0,
            clock=clock,
            explicit_deny_message=explicit_deny_message,
        )
        self._prefix = f"/{api.stage}"
        self._static: dict[str, Response] = {}
        for resource in api.resources:
            for method in resource.methods.values():
                static = method.integration.static_response
                if static is not None:
                    self._static[method.logical_id] = _static_response(static)

    # -- stages -------------------------------------------------------------------------

    async def handle(self, request: GatewayRequest) -> Response:
        """Run the pipeline for one request."""
        routed: _Routed | None = None
        try:
            routed = self.route(request)
            if routed.method.authorization_type != "NONE":
                await self.authorize(routed, request)
            if routed.method.integration.type == AWS_PROXY:
                response = await self._proxy(routed, request)  # one coroutine less per request
            else:
                response = await self.integrate(routed, request)
            if routed.auth_note:
                # static responses are shared by every request: note on a copy
                response = dataclasses.replace(response, note=routed.auth_note, encoded=None)
            return response
        except GatewayFailure as failure:
            return self.respond(failure, request, routed)

    def begin(self, request: GatewayRequest, reply: Reply) -> bool:
        """Answer at once what needs no waiting: a path no method matches and an
        unauthorized MOCK (the `cors: true` preflight); False for everything else."""
        routed: _Routed | None = None
        try:
            routed = self.route(request)
            method = routed.method
            if method.authorization_type != "NONE" or method.integration.type != MOCK:
                return False
            response = self._mock(routed, request)
        except GatewayFailure as failure:
            response = self.respond(failure, request, routed)
        reply(response)
        return True

    def id_headers(self, request: GatewayRequest, response: Response) -> bytes:
        """`x-amzn-RequestId`, `x-amzn-ErrorType` (gateway responses), `x-amz-apigw-id`."""
        ids = f"x-amzn-RequestId: {request.request_id}\r\n"
        if response.error_type is not None:
            ids += f"x-amzn-ErrorType: {response.error_type}\r\n"
        ids += f"x-amz-apigw-id: {request.extended_request_id}\r\n"
        return ids.encode()

    def stage_path(self, request: GatewayRequest) -> str:
        """The request path without the stage, or a 403 when the stage is not in it."""
        path = request.raw_path
        if not self.stage_prefix:
            return path
        prefix = self._prefix
        if path == prefix:
            return "/"
        if path.startswith(prefix) and path[len(prefix)] == "/":
            return path[len(prefix) :]
        raise GatewayFailure(
            "MISSING_AUTHENTICATION_TOKEN",
            f"no stage {self.api.stage!r} in the path (URLs look like /{self.api.stage}/...)",
        )

    def route(self, request: GatewayRequest) -> _Routed:
        """Match the path to a resource and the method to one of its methods."""
        stage_path = self.stage_path(request)
        match = self.router.match(stage_path)
        if match is None:
            raise GatewayFailure("MISSING_AUTHENTICATION_TOKEN", "no resource matches the path")
        method = match.method(request.method)
        if method is None:
            allowed = ", ".join(sorted(match.resource.methods)) or "none"
            raise GatewayFailure(
                "MISSING_AUTHENTICATION_TOKEN",
                f"resource {match.resource.path} has no {request.method} method (it has: "
                f"{allowed})",
            )
        return _Routed(method, match, stage_path)

    async def authorize(self, routed: _Routed, request: GatewayRequest) -> None:
        """Run the method's authorizer (see `authorizers`); raises GatewayFailure to refuse."""
        authorization = await self.authorizers.authorize(
            routed.method,
            request,
            routed.stage_path,
            routed.match.path_parameters,
            lambda: self.context(request, routed),
        )
        routed.auth_note = authorization.note
        routed.authorizer = authorization.context

    async def integrate(self, routed: _Routed, request: GatewayRequest) -> Response:
        """Run the method's integration."""
        integration = routed.method.integration
        if integration.type == MOCK:
            return self._mock(routed, request)
        if integration.type == AWS_PROXY:
            return await self._proxy(routed, request)
        raise GatewayFailure(
            "API_CONFIGURATION_ERROR",
            f"{integration.type} integrations are not run by corsway serve",
            "Internal server error",
        )

    def respond(
        self, failure: GatewayFailure, request: GatewayRequest, routed: _Routed | None
    ) -> Response:
        """A gateway response for a failed stage."""
        context = self.context(request, routed)
        values = self._values(request, routed, context)
        rendered = self.responses.render(
            failure.response_type,
            values,
            context,
            message=failure.message,
            accept=request.header_ci("accept"),
        )
        headers = [("Content-Type", rendered.content_type), *rendered.headers]
        note = failure.reason
        if routed is not None and routed.auth_note:
            note = f"{routed.auth_note}; {note}" if note else routed.auth_note
        return Response(
            rendered.status,
            headers,
            rendered.body,
            function=routed.function if routed else None,
            note=note,
            error_type=rendered.error_type,
            problem=failure.details,
        )

    # -- MOCK ---------------------------------------------------------------------------

    def _mock(self, routed: _Routed, request: GatewayRequest) -> Response:
        method = routed.method
        integration = method.integration
        content_type = media_type(request.header_ci("content-type")) or "application/json"
        static = self._static.get(method.logical_id)
        if static is not None and content_type == "application/json":
            return static
        context = self.context(request, routed)
        values = self._values(request, routed, context)
        body_text = request.body.decode("utf-8", errors="replace")
        template = integration.request_templates.get(content_type)
        if template is None:
            behaviour = integration.passthrough_behavior
            if behaviour == "NEVER" or (
                behaviour == "WHEN_NO_TEMPLATES" and integration.request_templates
            ):
                raise GatewayFailure(
                    "UNSUPPORTED_MEDIA_TYPE",
                    f"no request template for {content_type} and PassthroughBehavior {behaviour}",
                )
            rendered_request = body_text
        else:
            rendered_request = template.render(self._namespace(body_text, values, context))
        status = mock_status(rendered_request)
        if status is None:
            raise GatewayFailure(
                "API_CONFIGURATION_ERROR",
                f"the MOCK request template gave no statusCode: {rendered_request[:80]!r}",
                "Internal server error",
            )
        chosen = select_integration_response(integration.responses, str(status))
        if chosen is None:
            raise GatewayFailure(
                "API_CONFIGURATION_ERROR",
                f"no integration response matches status {status} and none is the default",
                "Internal server error",
            )
        headers: list[tuple[str, str]] = []
        for name, source in chosen.parameters:
            value = resolve(source, values)
            if value is not None:
                headers.append((name, value))
        body = ""
        response_type = "application/json"
        override: dict[str, Any] = {"header": {}, "status": None}
        if chosen.templates:
            response_type = _pick_template(chosen.templates, request.header_ci("accept"))
            context["responseOverride"] = override
            body = chosen.templates[response_type].render(self._namespace("", values, context))
        final_status = chosen.status_code
        if override["status"] not in (None, ""):
            with contextlib.suppress(TypeError, ValueError):
                final_status = int(override["status"])
        for name, value in override["header"].items():
            headers = [(n, v) for n, v in headers if n.lower() != str(name).lower()]
            headers.append((str(name), str(value)))
        return Response(final_status, [("Content-Type", response_type), *headers], body.encode())

    def _namespace(
        self, body: str, values: RequestValues, context: dict[str, Any]
    ) -> dict[str, Any]:
        parameters = {
            "path": values.path,
            "querystring": values.querystring,
            "header": values.headers,
        }
        return {
            "input": TemplateInput(body, parameters),
            "context": context,
            "util": UTIL,
            "stageVariables": dict(values.stage_variables),
        }

    # -- AWS_PROXY ----------------------------------------------------------------------

    async def _proxy(self, routed: _Routed, request: GatewayRequest) -> Response:
        integration = routed.method.integration
        key = integration.function_key
        runtime = self.runtimes.get(key) if key else None
        if runtime is None:
            raise GatewayFailure(
                "LAMBDA_ERROR",
                f"the integration's function is not in this template ({integration.uri})",
            )
        routed.function = key
        event = self.events.event_bytes(
            request,
            routed.method,
            routed.stage_path,
            routed.match.path_parameters,
            authorizer=routed.authorizer,
        )
        if len(event) > LAMBDA_PAYLOAD_LIMIT:
            raise GatewayFailure(
                "REQUEST_TOO_LARGE",
                f"the Lambda event is {len(event)} bytes; a synchronous invocation takes at most "
                f"{LAMBDA_PAYLOAD_LIMIT} (6 MB)",
            )
        timeout = self._integration_timeout_override or integration.timeout_s
        # Lambda gives each invocation its own request id (context.aws_request_id).
        waiting = runtime.invoke(event, ASSIGNED_BY_WORKER)
        result = await self._deadlines.watch(waiting, timeout)
        if result is GAVE_UP:
            raise GatewayFailure(
                "INTEGRATION_TIMEOUT",
                f"the function did not answer within the {timeout:g} s integration timeout "
                "(API Gateway's limit is 29 s)",
            )
        if result.outcome is not Outcome.SUCCESS:
            raise GatewayFailure("LAMBDA_ERROR", failure_reason(result), details=result.traceback)
        try:
            rendered = render(
                result.payload,
                accept=request.header_ci("accept"),
                binary_media_types=self.api.binary_media_types,
            )
        except MalformedProxyResponse as error:
            raise GatewayFailure(
                "LAMBDA_ERROR", f"malformed Lambda proxy response: {error}"
            ) from None
        except BinaryDecodeError as error:
            raise GatewayFailure(
                "API_CONFIGURATION_ERROR", str(error), "Internal server error"
            ) from None
        return Response(rendered.status, rendered.headers, rendered.body, function=key)

    # -- request values -----------------------------------------------------------------

    def context(self, request: GatewayRequest, routed: _Routed | None) -> dict[str, Any]:
        """`$context` for templates and `context.*` mappings."""
        api = self.api
        return {
            "accountId": api.account_id,
            "apiId": api.api_id,
            "deploymentId": api.deployment_id,
            "domainName": request.header_ci("host") or "",
            "extendedRequestId": request.extended_request_id,
            "httpMethod": request.method,
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": request.header_ci("user-agent") or "",
            },
            "path": request.raw_path,
            "protocol": "HTTP/1.1",
            "requestId": request.request_id,
            "requestTime": clf_time(request.epoch_ms // 1000),
            "requestTimeEpoch": request.epoch_ms,
            "resourceId": routed.method.resource_id if routed else "",
            "resourcePath": routed.method.resource_path if routed else "",
            "stage": api.stage,
            "authorizer": (routed.authorizer if routed else None) or {},
        }

    def _values(
        self, request: GatewayRequest, routed: _Routed | None, context: dict[str, Any]
    ) -> RequestValues:
        headers_multi: dict[str, list[str]] = {}
        for name, value in request.headers:
            headers_multi.setdefault(name, []).append(value)
        query_multi: dict[str, list[str]] = {}
        for name, value in request.query:
            query_multi.setdefault(name, []).append(value)
        single_headers, single_query = request.last_values()
        return RequestValues(
            headers=single_headers,
            headers_multi=headers_multi,
            path=dict(routed.match.path_parameters) if routed else {},
            querystring=single_query,
            querystring_multi=query_multi,
            context=context,
            stage_variables=self.api.stage_variables or {},
        )


def _static_response(static: StaticResponse) -> Response:
    """A prebuilt answer, shared by every request (never mutated: the HTTP layer copies)."""
    headers = [("Content-Type", static.content_type), *static.headers]
    return Response(static.status, headers, static.body)


def _pick_template(templates: Mapping[str, object], accept: str | None) -> str:
    if accept:
        first = media_type(accept.split(",", 1)[0])
        if first in templates:
            return first
    if "application/json" in templates:
        return "application/json"
    return next(iter(templates))
