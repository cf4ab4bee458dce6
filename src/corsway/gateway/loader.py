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
from corsway.runtimes.pyenvs import PythonEnvironments
from corsway.runtimes.registry import check_handlers


@dataclass(frozen=True, slots=True)
class LoadedService:
    """The service's APIs ready to serve, and what the user should read first."""

    apis: tuple[ServedApi, ...]
    warnings: tuple[Diagnostic, ...]
    source: str  # what the routes come from (serverless.yml or the template file)
    config: Mapping[str, Any] | None = None  # the resolved serverless.yml (None: a template)

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
    compiled: bool = False,
) -> tuple[ServedApi, ...]:
    """Every API of a template, each read by its flavour: the REST API (`http` events) and the
    HTTP API (`httpApi` events), or both; neither is an error. `compiled`: corsway's compiler
    made the template, and its warnings (with their serverless.yml lines) are printed already."""
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
    extra: list[str] = []
    if rest is not None:
        extra = overlap_warnings(http_api.routes, rest.base_path(ServeOptions()), rest.route_keys())
    elif not compiled:  # compiled: the compiler's CW008 says it, with the serverless.yml line
        extra = [
            f"{logical_id}: a REST API gateway response (AWS::ApiGateway::GatewayResponse) in a "
            "service without `http` events: HTTP APIs have no gateway responses, so it changes "
            "nothing (and CloudFormation rejects its RestApiId at deploy)"
            for logical_id, r in resources.items()
            if r["Type"] == "AWS::ApiGateway::GatewayResponse"
        ]
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
    code_dir: Path | None = None,
) -> LoadedService:
    """`corsway serve [SERVICE]`: compile serverless.yml in memory, then build the model.

    Without `stage`/`region`, the service's `provider.stage`/`provider.region` apply (else dev,
    us-east-1), as for `serverless package`. `code_dir`: where handler paths point instead of
    the service directory (a TypeScript build's output)."""
    try:
        from corsway.compile import compile_loaded  # type: ignore[import-not-found,unused-ignore]
        from corsway.service import load_service
    except ImportError:
        raise CorswayError(
            "this build of corsway has no compiler (corsway.compile); serve a template made "
            "by `serverless package` with --template FILE"
        ) from None
    loaded_service = load_service(service or Path.cwd(), stage=stage, region=region)
    result = compile_loaded(loaded_service)
    function_keys: Mapping[str, str] = getattr(result, "function_keys", {}) or {}
    _check_something_to_serve(result.template, result.warnings, str(result.config_path))
    apis = read_apis(
        result.template,
        service_dir=code_dir or Path(result.service_dir),
        stage=result.stage,
        region=result.region,
        source=str(result.config_path),
        function_keys=function_keys,
        jwks=jwks,
        compiled=True,
    )
    return LoadedService(
        apis, tuple(result.warnings), str(result.config_path), loaded_service.config
    )


def _check_something_to_serve(
    template: Mapping[str, Any], warnings: Sequence[Diagnostic], source: str
) -> None:
    """A service without any API Gateway resource: say why (its events are left out)."""
    resources = template.get("Resources")
    types = [r.get("Type", "") for r in (resources or {}).values() if isinstance(r, dict)]
    if any(str(kind).startswith("AWS::ApiGateway") for kind in types):
        return
    functions = sum(1 for kind in types if kind == "AWS::Lambda::Function")
    left_out = [str(w) for w in warnings if "left out" in w.message]
    if left_out:
        listed = "\n  ".join(left_out)
        raise CorswayError(
            "nothing to serve: corsway serve runs API Gateway `http` and `httpApi` events, and "
            f"none of the {functions} function(s) has one; the events it leaves out:\n  {listed}",
            SourceLocation(source),
        )


def check_functions(
    apis: ServedApi | Sequence[ServedApi], source: str, python: PythonEnvironments | None = None
) -> list[str]:
    """Check every function's handler; raise one error listing every problem.

    Returns start-up notes (runtimes that cannot run here, Node.js version differences,
    modules that fail to load: Python ones are imported when `python` is given).
    """
    served = tuple(apis) if isinstance(apis, Sequence) else (apis,)
    functions: dict[str, FunctionConfig] = {}
    for api in served:
        functions.update(api.functions)
    report = check_handlers(functions.values(), served[0].account_id, python)
    if report.problems:
        detail = "\n  ".join(report.problems)
        raise CorswayError(
            f"{len(report.problems)} handler(s) cannot be found:\n  {detail}",
            SourceLocation(source),
        )
    return report.notes
