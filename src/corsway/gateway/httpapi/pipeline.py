"""An HTTP API's request pipeline (fact sheet §0): preflight → route → authorize → integrate →
respond, with the CorsConfiguration applied to every answer.

1. a preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`) on an API with a
   CorsConfiguration is answered by API Gateway itself unless a route matches the `OPTIONS`
   request (`$default`, `ANY`, `OPTIONS` routes catch it, authorizer included);
2. route selection (`routing.py`), 404 `{"message":"Not Found"}` when nothing matches;
3. the route's authorizer: JWT, Lambda REQUEST or AWS_IAM presence;
4. the Lambda integration with payload 2.0 or 1.0, at most the integration's timeout (30 s:
   503 after it), a failed or malformed invocation → 500;
5. the CorsConfiguration's headers on the answer (integration responses and the gateway's own
   errors alike), the integration's own `Access-Control-*` headers dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from corsway.gateway.accesslog import Console
from corsway.gateway.httpapi.cors import HttpApiCors
from corsway.gateway.httpapi.events import EventBuilder
from corsway.gateway.httpapi.failure import GatewayError, error_response
from corsway.gateway.httpapi.jwks import JwksConfig
from corsway.gateway.httpapi.jwt_authorizer import JwtAuthorizers
from corsway.gateway.httpapi.lambda_authorizer import LambdaAuthorizers
from corsway.gateway.httpapi.model import AWS_IAM, JWT, NONE, HttpApi, Route
from corsway.gateway.httpapi.results import MalformedResult, render_v1, render_v2
from corsway.gateway.httpapi.routing import Router
from corsway.gateway.invoke import (
    FUTURE,
    GAVE_UP,
    LAMBDA_PAYLOAD_LIMIT,
    failure_reason,
    give_up,
    wait_with_timeout,
)
from corsway.gateway.request import GatewayRequest, new_request_id
from corsway.gateway.response import Response
from corsway.runtimes.base import FunctionRuntime, Outcome


class HttpApiHandler:
    """Answers the requests of one HTTP API with the given function runtimes."""

    def __init__(
        self,
        api: HttpApi,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        *,
        server_port: int = 3000,
        integration_timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        jwks: JwksConfig | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.runtimes = runtimes
        self.console = console
        self.router = Router(api.routes)
        self.cors = HttpApiCors(api.cors) if api.cors is not None else None
        self.events = EventBuilder(api, server_port=server_port)
        self.jwt = JwtAuthorizers(jwks, wall_clock)
        self.lambdas = LambdaAuthorizers(api, runtimes, self.events, clock=clock)
        self._timeout_override = integration_timeout_s
        self._base = api.base_path
        # Without a route that can catch OPTIONS, every preflight is API Gateway's own.
        self._options_routed = self.router.catches_options

    # -- the front door's interface -----------------------------------------------------

    def id_headers(self, request: GatewayRequest, response: Response) -> bytes:
        """`apigw-requestid` (lower case, as AWS sends it)."""
        return b"apigw-requestid: %s\r\n" % request.extended_request_id.encode()

    async def handle(self, request: GatewayRequest) -> Response:
        """The answer to one request (never raises for a request's sake)."""
        cors = self.cors
        origin = None
        preflight = None
        if cors is not None:
            origin = request.header_ci("origin")
            if request.method == "OPTIONS" and origin is not None:
                asked = request.header_ci("access-control-request-method")
                if asked is not None:
                    if not self._route_for_options(request):
                        return self._preflight(cors, origin, asked, request)
                    preflight = (asked, request.header_ci("access-control-request-headers"))
        try:
            response = await self._run(request)
        except GatewayError as error:
            response = error_response(error)
        if cors is not None:
            response = cors.apply(response, origin, preflight)
        return response

    # -- stages -------------------------------------------------------------------------

    def _path(self, request: GatewayRequest) -> str | None:
        path = request.raw_path
        base = self._base
        if not base:
            return path
        if path == base:
            return "/"
        if path.startswith(base + "/"):
            return path[len(base) :]
        return None

    def _route_for_options(self, request: GatewayRequest) -> bool:
        if not self._options_routed:
            return False
        path = self._path(request)
        return path is not None and self.router.match("OPTIONS", path) is not None

    def _preflight(
        self, cors: HttpApiCors, origin: str, asked: str, request: GatewayRequest
    ) -> Response:
        requested = request.header_ci("access-control-request-headers")
        answer = cors.preflight(origin, asked, requested)
        if answer.headers:
            return answer
        reason = cors.refusal_reason(origin, asked, requested)
        return Response(
            answer.status,
            answer.headers,
            answer.body,
            note=f"built-in preflight without CORS headers: {reason}",
        )

    async def _run(self, request: GatewayRequest) -> Response:
        path = self._path(request)
        match = self.router.match(request.method, path) if path is not None else None
        if match is None:
            raise GatewayError(404, "no route matches")
        route, parameters = match
        authorizer: Any = None
        note = ""
        if route.authorization_type != NONE:
            authorizer, note = await self._authorize(route, request, parameters)
        return await self._integrate(route, request, parameters, authorizer, note)

    async def _authorize(
        self, route: Route, request: GatewayRequest, parameters: Mapping[str, str]
    ) -> tuple[Any, str]:
        """(`requestContext.authorizer` for the event, access-log note) or GatewayError."""
        if route.authorization_type == AWS_IAM:
            return self.lambdas.aws_iam(request)
        authorizer = route.authorizer
        assert authorizer is not None  # template.py checks every route's authorizer
        if authorizer.type == JWT:
            source = authorizer.identity_sources[0]
            token = self.lambdas.identity_value(source, route, request)
            context, note = await self.jwt.authorize(authorizer, route, token)
            return {"jwt": context}, note
        context, note = await self.lambdas.authorize(authorizer, route, request, parameters)
        return {"lambda": context}, note

    async def _integrate(
        self,
        route: Route,
        request: GatewayRequest,
        parameters: Mapping[str, str],
        authorizer: Any,
        note: str,
    ) -> Response:
        integration = route.integration
        runtime = self.runtimes.get(integration.function_key or "") if integration else None
        if integration is None or runtime is None:
            what = integration.uri if integration else "no integration"
            raise GatewayError(500, f"{note + '; ' if note else ''}route {route.route_key}: "
                               f"its integration cannot run locally ({what})")  # fmt: skip
        key = integration.function_key
        version = integration.payload_version
        if version == "1.0" and authorizer is not None and "jwt" in authorizer:
            authorizer = authorizer["jwt"]  # payload 1.0: {claims, scopes}
        event = self.events.event_bytes(request, route, parameters, authorizer, version)
        if len(event) > LAMBDA_PAYLOAD_LIMIT:
            raise GatewayError(
                413,
                f"the Lambda event is {len(event)} bytes; a synchronous invocation takes at most "
                f"{LAMBDA_PAYLOAD_LIMIT} (6 MB)",
                function=key,
            )
        timeout = self._timeout_override or integration.timeout_s
        waiting = runtime.invoke(event, new_request_id())
        if waiting.__class__ is FUTURE:  # the worker pool: wait here, no coroutine
            loop = waiting.get_loop()
            timer = loop.call_at(loop.time() + timeout, give_up, waiting)
            try:
                result = await waiting
            finally:
                timer.cancel()
            if result is GAVE_UP:
                result = None
        else:
            result = await wait_with_timeout(waiting, timeout)
        prefix = f"{note}; " if note else ""
        if result is None:
            raise GatewayError(
                503,
                f"{prefix}the function did not answer within the {timeout:g} s integration "
                "timeout (HTTP APIs wait at most 30 s)",
                function=key,
            )
        if result.outcome is not Outcome.SUCCESS:
            raise GatewayError(
                500, prefix + failure_reason(result), problem=result.traceback, function=key
            )
        try:
            rendered = (render_v2 if version == "2.0" else render_v1)(result.payload)
        except MalformedResult as error:
            raise GatewayError(
                500, f"{prefix}malformed Lambda result (payload {version}): {error}", function=key
            ) from None
        return Response(rendered.status, rendered.headers, rendered.body, function=key, note=note)
