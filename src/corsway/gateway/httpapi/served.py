"""The HTTP API as the front door sees it (`gateway.flavour.ServedApi`): routes table, notes,
base path (the root for the `$default` stage), and its request handler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.markup import escape

from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import RouteRow, ServedModel, ServeOptions
from corsway.gateway.httpapi.cors import is_subdomain_wildcard
from corsway.gateway.httpapi.jwks import JwksConfig
from corsway.gateway.httpapi.model import ANY, AWS_IAM, JWT, NONE, HttpApi, Route
from corsway.gateway.httpapi.pipeline import HttpApiHandler
from corsway.runtimes.base import FunctionRuntime


class ServedHttpApi(ServedModel[HttpApi]):
    """An `HttpApi` model served by `HttpApiHandler`."""

    kind = "HTTP API"

    def __init__(
        self, api: HttpApi, jwks: JwksConfig | None = None, extra_notes: Sequence[str] = ()
    ) -> None:
        super().__init__(api)
        self.jwks = jwks or JwksConfig()
        self._notes = (*api.notes, *self._cors_notes(), *self._auth_notes(), *extra_notes)

    @property
    def notes(self) -> tuple[str, ...]:
        """What is not served or not enforced, and the CORS traps of this configuration."""
        return self._notes

    def base_path(self, options: ServeOptions) -> str:
        """The root (the `$default` stage has no prefix); `/STAGE` for a named stage."""
        return self.api.base_path

    def route_rows(self) -> list[RouteRow]:
        """Every route, sorted by path then method (`$default` last)."""
        routes = sorted(self.api.routes, key=lambda r: (r.is_default, r.path, r.method))
        return [
            RouteRow(
                route.method if not route.is_default else "*",
                route.path or "$default",
                _function_label(route),
                self._cors_label(route),
                self._authorizer_label(route),
            )
            for route in routes
        ]

    def banner_lines(self) -> list[str]:
        """How CORS works on this API, in one line."""
        cors = self.api.cors
        if cors is None:
            return [
                "[dim]HTTP API without CorsConfiguration: no CORS headers are added, OPTIONS "
                "is routed like any method[/]"
            ]
        origins = ", ".join(cors.allow_origins) or "(none)"
        return [
            f"[dim]HTTP API CORS from its CorsConfiguration (origins {escape(origins)}): "
            "preflights answered by the gateway, handlers' own Access-Control-* headers "
            "dropped[/]"
        ]

    def route_keys(self) -> frozenset[tuple[str, str]]:
        """(path, method) of every route."""
        return frozenset((r.path or "$default", r.method) for r in self.api.routes)

    def handler(
        self,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        options: ServeOptions,
    ) -> HttpApiHandler:
        """The request pipeline for this API."""
        return HttpApiHandler(
            self.api,
            runtimes,
            console,
            server_port=options.server_port,
            integration_timeout_s=options.integration_timeout_s,
            clock=options.clock,
            jwks=self.jwks,
        )

    # -- labels and notes ---------------------------------------------------------------

    def _cors_label(self, route: Route) -> str:
        if self.api.cors is None:
            return "no CORS"
        catches = route.is_default or route.method in (ANY, "OPTIONS")
        if not catches:
            return "built-in preflight ✓"
        if route.authorization_type != NONE:
            if self._options_covered():
                return "preflights go to the OPTIONS route ✓"
            return "[red]catches preflights: its authorizer answers them (401/403)[/]"
        return "[yellow]catches preflights: the handler answers them[/]"

    def _options_covered(self) -> bool:
        """Whether an unauthenticated `OPTIONS /{proxy+}` route takes every preflight before a
        catch-all route with an authorizer could (the documented fix)."""
        return any(
            r.method == "OPTIONS"
            and r.path.startswith("/{")
            and r.path.endswith("+}")
            and r.authorization_type == NONE
            for r in self.api.routes
        )

    def _authorizer_label(self, route: Route) -> str:
        kind = route.authorization_type
        if kind == NONE:
            return "NONE"
        if kind == AWS_IAM:
            return "[yellow]AWS_IAM (signature not verified)[/]"
        authorizer = route.authorizer
        assert authorizer is not None
        name = escape(authorizer.name)
        if kind == JWT:
            scopes = f" scopes {escape(' '.join(route.scopes))}" if route.scopes else ""
            verified = (
                ""
                if self.jwks.for_authorizer(authorizer.name, authorizer.logical_id)
                else (" [yellow](signature not verified)[/]")
            )
            return f"{name} JWT{scopes}{verified}"
        sources = ", ".join(s.expression for s in authorizer.identity_sources) or "no source"
        cache = f"ttl {authorizer.ttl_s}s" if authorizer.ttl_s else "no cache"
        label = f"{name} REQUEST {authorizer.payload_version} {escape(sources)} {cache}"
        if authorizer.function_key is None:
            return f"[red]{label} (function not in service: 500)[/]"
        return label

    def _cors_notes(self) -> list[str]:
        cors = self.api.cors
        if cors is None:
            return []
        notes = []
        if cors.allow_credentials and "*" in cors.allow_origins:
            notes.append(
                "HTTP API CorsConfiguration: AllowCredentials with AllowOrigins '*': AWS refuses "
                "this at deploy (allow-credentials is not supported if 'allow-origin' is *); "
                "served as configured, browsers refuse credentialed answers with '*'"
            )
        for origin in cors.allow_origins:
            if is_subdomain_wildcard(origin):
                notes.append(
                    f"HTTP API CorsConfiguration: origin {origin!r} is matched literally: AWS "
                    "documents only '*', 'https://*' and 'http://*' as wildcards, so a browser "
                    "on a subdomain gets no CORS headers here (check on AWS before relying on it)"
                )
        for route in self.api.routes:
            catches = route.is_default or route.method == ANY
            if catches and route.authorization_type != NONE and not self._options_covered():
                notes.append(
                    f"HTTP API route {route.route_key} has an authorizer and catches OPTIONS: "
                    "browsers' preflights get its 401/403 and fail, as on AWS; add an "
                    "unauthenticated 'OPTIONS /{proxy+}' route (httpApi: 'OPTIONS /{proxy+}') "
                    "so that API Gateway's CORS answers them"
                )
        return notes

    def _auth_notes(self) -> list[str]:
        notes = []
        for authorizer in self.api.authorizers.values():
            if authorizer.type != JWT:
                continue
            source = self.jwks.for_authorizer(authorizer.name, authorizer.logical_id)
            if source is None:
                notes.append(
                    f"JWT authorizer {authorizer.name}: token signatures are NOT verified (give "
                    "the issuer's keys with --jwks FILE_OR_URL); issuer, audience, expiry and "
                    "scopes are checked"
                )
            else:
                notes.append(
                    f"JWT authorizer {authorizer.name}: signatures verified with the JWKS "
                    f"{source.location}"
                )
        if any(r.authorization_type == AWS_IAM for r in self.api.routes):
            notes.append(
                "AWS_IAM routes: a SigV4 Authorization header is required (403 without), its "
                "signature is NOT verified locally"
            )
        return notes


def _function_label(route: Route) -> str:
    integration = route.integration
    if integration is None:
        return "[red]no integration (500)[/]"
    if integration.function_key is None:
        return f"[red]{escape(integration.kind)} (not run: 500)[/]"
    payload = "" if integration.payload_version == "2.0" else " (payload 1.0)"
    return f"{integration.function_key}{payload}"
