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

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import Reply
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
    GAVE_UP,
    LAMBDA_PAYLOAD_LIMIT,
    Deadlines,
    failure_reason,
)
from corsway.gateway.request import GatewayRequest
from corsway.gateway.response import Response, internal_error
from corsway.runtimes.base import ASSIGNED_BY_WORKER, FunctionRuntime, InvocationResult, Outcome


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
        self._deadlines = Deadlines()  # the integration timeouts of running invocations

    # -- the front door's interface -----------------------------------------------------

    def id_headers(self, request: GatewayRequest, response: Response) -> bytes:
        """`apigw-requestid` (lower case, as AWS sends it)."""
        return b"apigw-requestid: %s\r\n" % request.extended_request_id.encode()

    async def handle(self, request: GatewayRequest) -> Response:
        """The answer to one request (never raises for a request's sake)."""
        cors = self.cors
        origin, preflight, built_in = self._cors_stage(request)
        if built_in is not None:
            return built_in
        try:
            response = await self._run(request)
        except GatewayError as error:
            response = error_response(error)
        if cors is not None:
            response = cors.apply(response, origin, preflight)
        return response

    def begin(self, request: GatewayRequest, reply: Reply) -> bool:
        """`handle` without a task for what needs no authorizer: the built-in preflight and
        404s at once, an integration from the worker's result callback; False for routes
        with an authorizer."""
        cors = self.cors
        origin, preflight, built_in = self._cors_stage(request)
        if built_in is not None:
            reply(built_in)
            return True
        try:
            route, parameters = self._route(request)
            if route.authorization_type != NONE:
                return False
            call = self._invocation(route, request, parameters, None, "")
        except GatewayError as error:
            response = error_response(error)
            reply(cors.apply(response, origin, preflight) if cors is not None else response)
            return True
        deadlines = self._deadlines

        def finished(result: InvocationResult) -> None:
            try:
                try:
                    response = self._result(call, result)
                except GatewayError as error:
                    response = error_response(error)
                if cors is not None:
                    response = cors.apply(response, origin, preflight, owned=True)
            except Exception as error:  # a bug in corsway: answer, report it, keep serving
                response = internal_error(error)
            reply(response)

        runtime = call.runtime
        invoke_then = getattr(runtime, "invoke_then", None)  # the worker pool's
        if invoke_then is not None:
            waiting = invoke_then(call.event, ASSIGNED_BY_WORKER, finished)
            if not waiting.done():  # (a worker that cannot even start answers at once)
                deadlines.add(waiting, call.timeout_s, finished)
            return True
        waiting = deadlines.watch(runtime.invoke(call.event, ASSIGNED_BY_WORKER), call.timeout_s)

        def relay(done: asyncio.Future[InvocationResult]) -> None:
            if done.cancelled():  # shutting down
                reply(internal_error(asyncio.CancelledError("the invocation was cancelled")))
            elif done.exception() is not None:
                reply(internal_error(done.exception()))  # type: ignore[arg-type]
            else:
                finished(done.result())

        waiting.add_done_callback(relay)
        return True

    # -- stages ---------------------------------------------------------------------------

    def _cors_stage(
        self, request: GatewayRequest
    ) -> tuple[str | None, tuple[str, str | None] | None, Response | None]:
        """(Origin, the (method, headers) of a preflight that a route answers, API Gateway's
        own answer to a preflight that no route catches)."""
        cors = self.cors
        if cors is None:
            return None, None, None
        origin = request.header_ci("origin")
        if request.method == "OPTIONS" and origin is not None:
            asked = request.header_ci("access-control-request-method")
            if asked is not None:
                if not self._route_for_options(request):
                    return origin, None, self._preflight(cors, origin, asked, request)
                return origin, (asked, request.header_ci("access-control-request-headers")), None
        return origin, None, None

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

    def _route(self, request: GatewayRequest) -> tuple[Route, Mapping[str, str]]:
        path = self._path(request)
        match = self.router.match(request.method, path) if path is not None else None
        if match is None:
            raise GatewayError(404, "no route matches")
        return match

    async def _run(self, request: GatewayRequest) -> Response:
        route, parameters = self._route(request)
        authorizer: Any = None
        note = ""
        if route.authorization_type != NONE:
            authorizer, note = await self._authorize(route, request, parameters)
        call = self._invocation(route, request, parameters, authorizer, note)
        waiting = call.runtime.invoke(call.event, ASSIGNED_BY_WORKER)
        return self._result(call, await self._deadlines.watch(waiting, call.timeout_s))

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

    def _invocation(
        self,
        route: Route,
        request: GatewayRequest,
        parameters: Mapping[str, str],
        authorizer: Any,
        note: str,
    ) -> _Invocation:
        """The route's function invocation, ready to start, or a GatewayError (no function
        to run, an event over Lambda's limit)."""
        integration = route.integration
        runtime = self.runtimes.get(integration.function_key or "") if integration else None
        if integration is None or runtime is None:
            what = integration.uri if integration else "no integration"
            raise GatewayError(500, f"{note + '; ' if note else ''}route {route.route_key}: "
                               f"its integration cannot run locally ({what})")  # fmt: skip
        key = integration.function_key
        assert key is not None
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
        timeout_s = self._timeout_override or integration.timeout_s
        # (tuple.__new__: a NamedTuple's own constructor is a Python function)
        return tuple.__new__(_Invocation, (runtime, event, timeout_s, key, version, note))

    @staticmethod
    def _result(call: _Invocation, result: InvocationResult) -> Response:
        """The answer made of an invocation's result (`GAVE_UP`: the integration timed out)."""
        note = call.note
        key = call.function_key
        prefix = f"{note}; " if note else ""
        if result is GAVE_UP:
            raise GatewayError(
                503,
                f"{prefix}the function did not answer within the {call.timeout_s:g} s "
                "integration timeout (HTTP APIs wait at most 30 s)",
                function=key,
            )
        if result.outcome is not Outcome.SUCCESS:
            raise GatewayError(
                500, prefix + failure_reason(result), problem=result.traceback, function=key
            )
        version = call.payload_version
        try:
            response = (render_v2 if version == "2.0" else render_v1)(result.payload)
        except MalformedResult as error:
            raise GatewayError(
                500, f"{prefix}malformed Lambda result (payload {version}): {error}", function=key
            ) from None
        response.function = key
        response.note = note
        return response


class _Invocation(NamedTuple):
    """A function invocation of a route, ready to start."""

    runtime: FunctionRuntime
    event: bytes
    timeout_s: float
    function_key: str
    payload_version: str
    note: str  # the authorizer's, for the access log
