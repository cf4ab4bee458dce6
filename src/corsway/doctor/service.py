"""The service behind a URL, as `corsway check` reads it (`--service DIR`, or the service of the
`corsway serve` that answers the URL, found by its discovery record).

It is read the way `corsway serve` reads it — serverless.yml compiled in memory (or the
template `serve --template` serves) and turned into the same API models
(`gateway.loader.read_apis`: the REST `Api` and the `HttpApi`) — plus the loaded serverless.yml
with its source map (`lint.LintContext`), which says on which line an event, its `cors`, its
authorizer or the `resources` block was written, and where a handler function is defined.
`ServiceFacts` answers "which API, resource, method or route does this URL reach" and "where
is that written"; `causes_rest.py` and `causes_http.py` turn that into causes and fixes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from corsway.errors import CorswayError
from corsway.gateway.httpapi.model import HttpApi
from corsway.gateway.httpapi.model import Route as HttpRoute
from corsway.gateway.httpapi.routing import Router as HttpRouter
from corsway.gateway.httpapi.served import ServedHttpApi
from corsway.gateway.rest.model import Api as RestApi
from corsway.gateway.rest.model import Method, Resource
from corsway.gateway.rest.routing import Router as RestRouter
from corsway.gateway.rest.served import ServedRestApi

if TYPE_CHECKING:
    from corsway.compile.apigateway.events import HttpEvent
    from corsway.gateway.discovery import ServeRecord
    from corsway.lint.context import LintContext
    from corsway.lint.httpapi import ConfigRoute
    from corsway.service import Service
    from corsway.service.sourcemap import Path as ConfigPath


@dataclass(frozen=True, slots=True)
class ServiceSource:
    """Where the service is and how it is served (from `--service`, or a discovery record)."""

    directory: Path
    template: Path | None = None  # served from this template instead of serverless.yml
    stage: str | None = None  # None: the service's own
    region: str | None = None
    stage_prefix: bool | None = None  # None: not known (a deployed API, a custom domain)
    code_dir: Path | None = None
    server: ServeRecord | None = None  # the running corsway serve it was found behind

    @classmethod
    def of_server(cls, record: ServeRecord) -> ServiceSource:
        return cls(
            directory=Path(record.service_dir),
            template=Path(record.template) if record.template else None,
            stage=record.stage,
            region=record.region,
            stage_prefix=record.stage_prefix,
            code_dir=Path(record.code_dir) if record.code_dir else None,
            server=record,
        )

    @property
    def label(self) -> str:
        """How `corsway check` names the service it read."""
        where = display_path(self.directory)
        if self.server is None:
            return where
        host = f"[{self.server.host}]" if ":" in self.server.host else self.server.host
        return f"{where} (corsway serve, pid {self.server.pid}, on {host}:{self.server.port})"


@dataclass(frozen=True, slots=True)
class Place:
    """A line of a user's file, as `corsway check` prints it (the path relative to the working
    directory, like `corsway lint`)."""

    file: str
    line: int | None
    short: str = ""  # the file as the service directory names it (`serverless.yml`), for texts

    def __str__(self) -> str:
        name = self.short or self.file
        return f"{name}:{self.line}" if self.line else name


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


@dataclass(frozen=True, slots=True)
class RestTarget:
    """What a URL reaches in the REST API."""

    api: RestApi
    path: str | None  # inside the API ("/items"); None: the URL is outside its base path
    url_stage: str | None  # the stage segment the URL has, when it differs from the API's
    resource: Resource | None
    events: tuple[HttpEvent, ...]  # the http events of the resource's path

    def method(self, name: str) -> Method | None:
        """The method a request with this method runs (explicit, then ANY)."""
        if self.resource is None:
            return None
        methods = self.resource.methods
        return methods.get(name.upper()) or methods.get("ANY")

    def event(self, method: str) -> HttpEvent | None:
        """The http event of this path for `method` (an `any` event when none is explicit)."""
        lower = method.lower()
        return next((e for e in self.events if e.method == lower), None) or next(
            (e for e in self.events if e.method == "any"), None
        )

    def cors_event(self, method: str) -> HttpEvent | None:
        """The event whose `cors` the path's preflight comes from: the method's own when it
        has one, else the first event of the path with `cors`."""
        own = self.event(method)
        if own is not None and own.cors is not None:
            return own
        return next((e for e in self.events if e.cors is not None), None)


@dataclass(frozen=True, slots=True)
class HttpTarget:
    """What a URL reaches in the HTTP API."""

    api: HttpApi
    path: str | None
    route: HttpRoute | None  # for the page's method
    options_route: HttpRoute | None  # the route that takes an OPTIONS request, if any


@dataclass
class ServiceFacts:
    """The compiled service: its API models and, when serverless.yml was read, where things
    are written in it."""

    source: ServiceSource
    lint: LintContext | None
    rest: RestApi | None
    http: HttpApi | None
    _line_counts: dict[Path, int] = field(default_factory=dict)

    # -- places ---------------------------------------------------------------------------

    @property
    def service(self) -> Service | None:
        return self.lint.service if self.lint is not None else None

    def place(self, path: ConfigPath, *, at_key: bool = False) -> Place | None:
        """Where the value (or key) at `path` of serverless.yml was written."""
        if self.lint is None:
            return None
        location = self.lint.at(path, at_key=at_key)
        return Place(self._shown(location.file), location.line or None, location.file)

    def written(self, path: ConfigPath) -> bool:
        """Whether serverless.yml (or a file it includes) has exactly this path."""
        return self.lint is not None and self.lint.service.source_map.has(path)

    def _shown(self, file: str) -> str:
        target = Path(file)
        if not target.is_absolute():
            target = self.source.directory / target
        return display_path(target)

    def config_file(self) -> Place | None:
        service = self.service
        if service is None:
            return None
        return Place(display_path(service.config_path), None, service.config_path.name)

    def end_of_config(self) -> Place | None:
        """The line after serverless.yml's last (where a block is appended)."""
        service = self.service
        if service is None:
            return None
        path = service.config_path
        if path not in self._line_counts:
            try:
                self._line_counts[path] = len(path.read_text(encoding="utf-8").splitlines())
            except OSError:
                return Place(display_path(path), None, path.name)
        return Place(display_path(path), self._line_counts[path] + 1, path.name)

    def handler_place(self, function_key: str | None) -> tuple[str | None, Place | None]:
        """(the handler as written, where its function is defined — or, when the source cannot
        be read, where serverless.yml names it)."""
        service = self.service
        if function_key is None or service is None or self.lint is None:
            return None, None
        function = service.functions.get(function_key)
        if function is None:
            return None, None
        handler = function.get("handler")
        facts = self.lint.handler(function_key)
        if facts is not None:
            location = facts.location
            shown = self._shown(location.file)
            return str(handler), Place(shown, location.line or None, location.file)
        return (str(handler) if handler else None), self.place(
            ("functions", function_key, "handler")
        )

    def resources_block(self) -> tuple[Place | None, str]:
        """Where a GatewayResponse resource goes and how much of the block to paste:
        `Resources` (under an existing resources.Resources), `resources` (under an existing
        `resources:`), or `all` (appended to serverless.yml)."""
        service = self.service
        if service is None:
            return None, "all"
        resources = service.config.get("resources")
        if isinstance(resources, dict) and isinstance(resources.get("Resources"), dict):
            return self.place(("resources", "Resources"), at_key=True), "Resources"
        if isinstance(resources, dict) and self.written(("resources",)):
            return self.place(("resources",), at_key=True), "resources"
        return self.end_of_config(), "all"

    def user_gateway_response(self, response_type: str) -> tuple[str, Place | None] | None:
        """The user's GatewayResponse of this type (logical id, where written), if any."""
        if self.lint is None:
            return None
        for logical_id, properties in self.lint.resources("AWS::ApiGateway::GatewayResponse"):
            if properties.get("ResponseType") != response_type:
                continue
            path = self.lint.user_resource_path(logical_id)
            if path is not None:
                return logical_id, self.place(path, at_key=True)
        return None

    def config_routes(self) -> list[ConfigRoute]:
        if self.lint is None:
            return []
        from corsway.lint.httpapi import config_routes

        return config_routes(self.lint)

    def config_route(self, route_key: str) -> ConfigRoute | None:
        return next((r for r in self.config_routes() if r.key == route_key), None)

    # -- targets --------------------------------------------------------------------------

    def api_kind(self, url: str) -> str | None:
        """`rest` or `http`: which API of the service answers the URL (as `Dispatch` picks:
        the longest base path that starts the URL's path)."""
        if self.rest is None or self.http is None:
            return "rest" if self.rest is not None else ("http" if self.http else None)
        path = urlsplit(url).path or "/"
        rest_base = f"/{self.rest.stage}" if self.source.stage_prefix is not False else ""
        candidates = sorted(
            (("rest", rest_base), ("http", self.http.base_path)),
            key=lambda item: len(item[1]),
            reverse=True,
        )
        for kind, base in candidates:
            if not base or path == base or path.startswith(base + "/"):
                return kind
        return candidates[-1][0]

    def rest_target(self, url: str) -> RestTarget | None:
        api = self.rest
        if api is None:
            return None
        raw = urlsplit(url).path or "/"
        router = RestRouter(api.resources)
        path: str | None = raw
        url_stage = None
        if self.source.stage_prefix is not False:
            base = f"/{api.stage}"
            if raw == base or raw.startswith(base + "/"):
                path = raw[len(base) :] or "/"
            else:
                first, _, rest = raw.lstrip("/").partition("/")
                url_stage = first or None
                path = None
                if self.source.stage_prefix is None and first:
                    # a deployed API: the first segment is another stage, or (a custom
                    # domain) there is none; the reading that reaches a resource wins
                    staged = "/" + rest
                    path = raw if not _reaches(router, staged) and _reaches(router, raw) else staged
        resource = None
        if path is not None:
            match = router.match(path)
            resource = match.resource if match is not None else None
        events: tuple[HttpEvent, ...] = ()
        if resource is not None and self.lint is not None:
            wanted = resource.path.strip("/")
            events = tuple(e for e in self.lint.events if e.path.strip("/") == wanted)
        return RestTarget(api, path, url_stage, resource, events)

    def http_target(self, url: str, method: str) -> HttpTarget | None:
        api = self.http
        if api is None:
            return None
        raw = urlsplit(url).path or "/"
        base = api.base_path
        path: str | None = raw
        if base:
            path = raw[len(base) :] or "/" if raw == base or raw.startswith(base + "/") else None
        route = options = None
        if path is not None:
            router = HttpRouter(api.routes)
            found = router.match(method, path)
            route = found.route if found is not None else None
            if router.catches_options:
                caught = router.match("OPTIONS", path)
                options = caught.route if caught is not None else None
        return HttpTarget(api, path, route, options)


def _reaches(router: RestRouter, path: str) -> bool:
    """Whether the path reaches a resource with methods (the root always exists)."""
    match = router.match(path)
    return match is not None and bool(match.resource.methods)


def load_facts(source: ServiceSource) -> ServiceFacts:
    """Read and compile the service as `corsway serve` does; CorswayError when it cannot be."""
    from corsway.gateway.loader import load_template_file, read_apis
    from corsway.lint.context import LintContext
    from corsway.service import load_service

    if not source.directory.exists():
        raise CorswayError(
            f"{source.directory} does not exist (give the service's directory or its "
            "serverless.yml)"
        )
    lint: LintContext | None = None
    if source.template is not None:
        loaded = load_template_file(
            source.template,
            source.code_dir or source.directory,
            stage=source.stage,
            region=source.region,
        )
        apis = loaded.apis
        try:  # serverless.yml beside the code, for the lines (the template says nothing else)
            service = load_service(source.directory, stage=source.stage, region=source.region)
            template: Any = _read_template(source.template)
            lint = LintContext.build(service, template)
        except CorswayError:
            lint = None
    else:
        from corsway.compile import compile_loaded

        service = load_service(source.directory, stage=source.stage, region=source.region)
        compiled = compile_loaded(service)
        lint = LintContext.build(service, compiled.template)
        apis = read_apis(
            compiled.template,
            service_dir=source.code_dir or Path(compiled.service_dir),
            stage=compiled.stage,
            region=compiled.region,
            source=str(compiled.config_path),
            function_keys=getattr(compiled, "function_keys", None) or {},
        )
    rest = next((a.api for a in apis if isinstance(a, ServedRestApi)), None)
    http = next((a.api for a in apis if isinstance(a, ServedHttpApi)), None)
    return ServiceFacts(source, lint, rest, http)


def _read_template(path: Path) -> Any:
    from corsway.gateway.cfn import read_template

    return read_template(path)
