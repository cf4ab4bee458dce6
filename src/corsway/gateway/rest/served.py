"""The REST API as the front door sees it (`gateway.flavour.ServedApi`): routes table, notes,
base path `/STAGE`, and its request handler (the pipeline's `Gateway`)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.markup import escape

from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import RouteRow, ServedModel, ServeOptions
from corsway.gateway.rest.authorizers import EXPLICIT_DENY_MESSAGES
from corsway.gateway.rest.model import (
    AWS_PROXY,
    COGNITO_USER_POOLS,
    MOCK,
    Api,
    Method,
    Resource,
)
from corsway.gateway.rest.pipeline import Gateway
from corsway.runtimes.base import FunctionRuntime


class ServedRestApi(ServedModel[Api]):
    """A REST `Api` model served by the pipeline."""

    kind = "REST API"

    def base_path(self, options: ServeOptions) -> str:
        """`/STAGE`, or the root under --no-stage-prefix."""
        return f"/{self.api.stage}" if options.stage_prefix else ""

    def route_rows(self) -> list[RouteRow]:
        """Every method of every resource, sorted by path then method."""
        rows = []
        for resource in sorted(self.api.resources, key=lambda r: r.path):
            for name, method in sorted(resource.methods.items()):
                rows.append(
                    RouteRow(
                        name,
                        resource.path,
                        _integration_label(method),
                        _cors_label(resource, method),
                        authorizer_label(self.api, method),
                    )
                )
        return rows

    def banner_lines(self) -> list[str]:
        """The one thing every REST proxy user must know about CORS."""
        return [
            "[dim]proxy routes: API Gateway adds no CORS headers, the handler must return "
            "Access-Control-Allow-Origin itself[/]"
        ]

    def route_keys(self) -> frozenset[tuple[str, str]]:
        """(path, method) of every method."""
        return frozenset(
            (resource.path, name) for resource in self.api.resources for name in resource.methods
        )

    def handler(
        self,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        options: ServeOptions,
    ) -> Gateway:
        """The request pipeline for this API."""
        return Gateway(
            self.api,
            runtimes,
            console,
            stage_prefix=options.stage_prefix,
            server_port=options.server_port,
            integration_timeout_s=options.integration_timeout_s,
            clock=options.clock,
            explicit_deny_message=options.explicit_deny_message
            or EXPLICIT_DENY_MESSAGES["current"],
        )


def authorizer_label(api: Api, method: Method) -> str:
    """The routes table's authorizer cell: name, type, identity sources, cache TTL."""
    kind = method.authorization_type
    if kind == "NONE":
        return "NONE"
    if kind == "AWS_IAM":
        return "[yellow]AWS_IAM (signature not verified)[/]"
    authorizer = api.authorizers.get(method.authorizer_logical_id or "")
    if authorizer is None:
        return f"[red]{escape(str(method.authorizer_logical_id))} (not in template: 500)[/]"
    name = escape(authorizer.name)
    if authorizer.type == COGNITO_USER_POOLS:
        return f"[yellow]{name} COGNITO_USER_POOLS (token presence only)[/]"
    sources = ", ".join(
        source.expression.removeprefix("method.request.") for source in authorizer.identity_sources
    )
    cache = f"ttl {authorizer.ttl_s}s" if authorizer.ttl_s else "no cache"
    label = " ".join(part for part in (name, authorizer.type, escape(sources), cache) if part)
    if authorizer.function_key is None:
        return f"[red]{label} (function not in service: 500)[/]"
    return label


def _integration_label(method: Method) -> str:
    integration = method.integration
    if integration.type == AWS_PROXY:
        return integration.function_key or "[red]? (not in template)[/]"
    if integration.type == MOCK:
        return "MOCK"
    return f"[yellow]{integration.type} (not run)[/]"


def _cors_label(resource: Resource, method: Method) -> str:
    if method.http_method == "OPTIONS":
        if method.integration.type != MOCK:
            return "OPTIONS runs the integration"
        return _preflight_summary(method)
    options = resource.methods.get("OPTIONS") or resource.methods.get("ANY")
    if options is None:
        return "[yellow]no preflight: OPTIONS → 403[/]"
    return "preflight ✓"


def _preflight_summary(method: Method) -> str:
    responses = method.integration.responses
    if not responses:
        return "MOCK without responses (500)"
    response = responses[0]
    values = {name: source.name for name, source in response.parameters if source.kind == "static"}
    origin = values.get("Access-Control-Allow-Origin", "(none)")
    echoes = any(t.constant is None for t in response.templates.values())
    parts = [f"allow-origin {origin}" + (" or the allowed Origin (echo)" if echoes else "")]
    if values.get("Access-Control-Allow-Credentials") == "true":
        parts.append("credentials")
    if "Access-Control-Allow-Methods" in values:
        parts.append(values["Access-Control-Allow-Methods"])
    return ", ".join(parts)
