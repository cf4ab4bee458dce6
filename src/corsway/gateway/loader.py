"""Where the gateway's APIs come from: a service compiled in memory, or a template file.

Each API flavour reads its part of the template into a `flavour.ServedApi`. Also the start-up
checks that must pass before serving: every function's handler file and function exist (all
are checked, all problems reported at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corsway.errors import CorswayError, Diagnostic, SourceLocation
from corsway.gateway.cfn import read_template, template_resources
from corsway.gateway.flavour import ServedApi, ServeOptions
from corsway.gateway.httpapi.jwks import JwksConfig
from corsway.gateway.httpapi.overlap import overlap_warnings
from corsway.gateway.httpapi.served import ServedHttpApi
from corsway.gateway.httpapi.template import build_http_api, has_http_api
from corsway.gateway.rest.served import ServedRestApi
from corsway.gateway.rest.template import build_api
from corsway.runtimes.base import FunctionConfig
from corsway.runtimes.registry import check_handlers


@dataclass(frozen=True, slots=True)
class LoadedService:
    """The service's APIs ready to serve, and what the user should read first."""

    apis: tuple[ServedApi, ...]
    warnings: tuple[Diagnostic, ...]
    source: str  # what the routes come from (serverless.yml or the template file)

    @property
    def api(self) -> ServedApi:
        """The first API (the only one of a service with one kind of events)."""
        return self.apis[0]

    @property
    def notes(self) -> tuple[str, ...]:
        """Every API's start-up notes."""
        return tuple(note for api in self.apis for note in api.notes)


def read_apis(
    template: Any,
    *,
    service_dir: Path,
    stage: str,
    region: str,
    source: str,
    function_keys: Mapping[str, str] | None = None,
    jwks: JwksConfig | None = None,
) -> tuple[ServedApi, ...]:
    """Every API of a template, each read by its flavour: the REST API (`http` events) and the
    HTTP API (`httpApi` events), or both; neither is an error."""
    resources = template_resources(template, source)
    has_rest = any(
        r["Type"] in ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Method")
        for r in resources.values()
    )
    has_http = has_http_api(template)
    if not has_rest and not has_http:
        raise CorswayError(
            "the service has no `http` or `httpApi` events to serve: the template has no "
            "AWS::ApiGateway::RestApi (REST API) and no AWS::ApiGatewayV2::Api (HTTP API)",
            SourceLocation(source),
        )
    rest = None
    if has_rest:
        rest = ServedRestApi(
            build_api(
                template,
                service_dir=service_dir,
                stage=stage,
                region=region,
                source=source,
                function_keys=function_keys,
            )
        )
    if not has_http:
        assert rest is not None
        return (rest,)
    http_api = build_http_api(
        template,
        service_dir=service_dir,
        stage=stage,
        region=region,
        source=source,
        function_keys=function_keys,
    )
    extra = []
    if rest is None:
        extra = [
            f"{logical_id}: a REST API gateway response (AWS::ApiGateway::GatewayResponse) in a "
            "service without `http` events: HTTP APIs have no gateway responses, so it changes "
            "nothing (and CloudFormation rejects its RestApiId at deploy)"
            for logical_id, r in resources.items()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"
        ]
    else:
        extra = overlap_warnings(http_api.routes, rest.base_path(ServeOptions()), rest.route_keys())
    http = ServedHttpApi(http_api, jwks, extra_notes=extra)
    return (http,) if rest is None else (rest, http)


def service_directory(service: Path | None) -> Path:
    """The directory handler paths are relative to (SERVICE may name serverless.yml itself)."""
    path = (service or Path.cwd()).resolve()
    if path.is_file():
        return path.parent
    if not path.is_dir():
        raise CorswayError(f"service {path} does not exist (give the service's directory)")
    return path


def load_template_file(
    template: Path,
    service: Path | None,
    *,
    stage: str | None,
    region: str | None,
    jwks: JwksConfig | None = None,
) -> LoadedService:
    """`corsway serve --template FILE [SERVICE]` (the template's own stage name wins)."""
    service_dir = service_directory(service)
    document = read_template(template)
    apis = read_apis(
        document,
        service_dir=service_dir,
        stage=stage or "dev",
        region=region or "us-east-1",
        source=str(template),
        jwks=jwks,
    )
    return LoadedService(apis, (), str(template))


def compile_and_load(
    service: Path | None,
    *,
    stage: str | None,
    region: str | None,
    jwks: JwksConfig | None = None,
) -> LoadedService:
    """`corsway serve [SERVICE]`: compile serverless.yml in memory, then build the model.

    Without `stage`/`region`, the service's `provider.stage`/`provider.region` apply (else dev,
    us-east-1), as for `serverless package`."""
    try:
        from corsway.compile import compile_service  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise CorswayError(
            "this build of corsway has no compiler (corsway.compile); serve a template made "
            "by `serverless package` with --template FILE"
        ) from None
    result = compile_service(service or Path.cwd(), stage=stage, region=region)
    function_keys: Mapping[str, str] = getattr(result, "function_keys", {}) or {}
    apis = read_apis(
        result.template,
        service_dir=Path(result.service_dir),
        stage=result.stage,
        region=result.region,
        source=str(result.config_path),
        function_keys=function_keys,
        jwks=jwks,
    )
    return LoadedService(apis, tuple(result.warnings), str(result.config_path))


def check_functions(apis: ServedApi | Sequence[ServedApi], source: str) -> list[str]:
    """Check every function's handler; raise one error listing every problem.

    Returns start-up notes (runtimes that cannot run here, Node.js version differences,
    modules that fail to load).
    """
    served = tuple(apis) if isinstance(apis, Sequence) else (apis,)
    functions: dict[str, FunctionConfig] = {}
    for api in served:
        functions.update(api.functions)
    report = check_handlers(functions.values(), served[0].account_id)
    if report.problems:
        detail = "\n  ".join(report.problems)
        raise CorswayError(
            f"{len(report.problems)} handler(s) cannot be found:\n  {detail}",
            SourceLocation(source),
        )
    return report.notes
