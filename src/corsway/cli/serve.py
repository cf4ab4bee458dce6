"""`corsway serve`: a local API Gateway for a Serverless service, failures included."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console as RichConsole
from rich.table import Table

from corsway.cli.options import region_option, stage_option
from corsway.errors import CorswayError
from corsway.gateway.accesslog import Console

if TYPE_CHECKING:
    from corsway.gateway.server import GatewayServer


@click.command("serve")
@click.argument("service", required=False, type=click.Path(path_type=Path))
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but a loopback address exposes your handlers to "
    "other machines (a warning says to whom).",
)
@click.option(
    "--port",
    default=3000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@stage_option
@region_option
@click.option(
    "--no-stage-prefix", is_flag=True, help="Serve /path instead of /STAGE/path (a custom domain)."
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(path_type=Path),
    help="Serve this CloudFormation template (e.g. from `serverless package`); SERVICE holds "
    "the handler code.",
)
@click.option(
    "--python",
    "python",
    metavar="PATH",
    help="Run Python handlers on this interpreter (or virtual environment) with what it has "
    "installed. Default: the active virtualenv ($VIRTUAL_ENV), else a cached environment per "
    "runtime with boto3 and the service's requirements.txt.",
)
@click.option(
    "--code-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory the handler paths point into instead of the service's (e.g. the output "
    "of a TypeScript build, such as .build).",
)
@click.option(
    "--explicit-deny-wording",
    type=click.Choice(["current", "legacy"]),
    default="current",
    show_default=True,
    help="Message of an authorizer's explicit Deny (403): API Gateway's current text, or the "
    "legacy one without 'in an identity-based policy'.",
)
@click.option(
    "--jwks",
    "jwks_sources",
    multiple=True,
    metavar="[NAME=]FILE_OR_URL",
    help="HTTP API JWT authorizers verify token signatures with this JSON Web Key Set: a file, "
    "or an http URL on this machine. NAME= limits it to the authorizer named NAME (repeat "
    "for several). Without it, signatures are not verified (claims still are).",
)
def serve(
    *,
    service: Path | None,
    host: str,
    port: int,
    stage: str | None,
    region: str | None,
    no_stage_prefix: bool,
    template_file: Path | None,
    python: str | None,
    code_dir: Path | None,
    explicit_deny_wording: str,
    jwks_sources: tuple[str, ...],
) -> None:
    """Serve SERVICE (default: the current directory) the way API Gateway would."""
    from corsway.gateway.discovery import advertised, record_for
    from corsway.gateway.http import exposure_warning
    from corsway.gateway.httpapi.jwks import jwks_config
    from corsway.gateway.loader import (
        LoadedService,
        check_functions,
        compile_and_load,
        load_template_file,
        service_directory,
    )
    from corsway.gateway.reload import Reloader, ReloadSource
    from corsway.gateway.rest.authorizers import EXPLICIT_DENY_MESSAGES
    from corsway.gateway.server import GatewayServer, service_functions
    from corsway.runtimes.pyenvs import PythonEnvironments
    from corsway.runtimes.registry import python_runtimes, runtime_lines

    def load() -> tuple[LoadedService, list[str]]:
        jwks = jwks_config(jwks_sources)  # files read again on every reload
        if template_file is not None:
            loaded = load_template_file(
                template_file, code_dir or service, stage=stage, region=region, jwks=jwks
            )
        else:
            loaded = compile_and_load(
                service, stage=stage, region=region, jwks=jwks, code_dir=code_dir
            )
        if no_stage_prefix and len({api.kind for api in loaded.apis}) > 1:
            raise CorswayError(
                "--no-stage-prefix cannot serve a service with both `http` and `httpApi` "
                "events: the REST API would move to the root, where the HTTP API is"
            )
        envs.config = loaded.config  # custom.pythonRequirements
        notes = envs.prepare(python_runtimes(service_functions(loaded.apis)), _progress)
        return loaded, [*notes, *check_functions(loaded.apis, loaded.source, envs)]

    def rebuild_dependencies() -> list[str]:
        notes = envs.prepare(python_runtimes(service_functions(server.apis)), _progress)
        return [*notes, *check_functions(server.apis, str(source.config_file), envs)]

    err = RichConsole(stderr=True, highlight=False)
    try:
        envs = PythonEnvironments.from_options(service_directory(service), python)
        loaded, notes = load()
        console = Console()
        server = GatewayServer(
            loaded.apis,
            console,
            host=host,
            port=port,
            stage_prefix=not no_stage_prefix,
            explicit_deny_message=EXPLICIT_DENY_MESSAGES[explicit_deny_wording],
            python=envs,
        )
        source = ReloadSource(
            service_dir=service_directory(service),
            config_file=Path(loaded.source),
            template_mode=template_file is not None,
            load=load,
            dependency_files=envs.dependency_files,
            rebuild_dependencies=rebuild_dependencies,
        )
    except CorswayError as error:
        err.print(str(error), style="bold red", markup=False, soft_wrap=True)
        sys.exit(1)
    notes = [*loaded.notes, *notes]
    server.reloader = Reloader(server, source, known_warnings=[*map(str, loaded.warnings), *notes])
    out = RichConsole(highlight=False, width=None if sys.stdout.isatty() else 160)
    for warning in loaded.warnings:
        out.print(f"[yellow]{warning}[/]", soft_wrap=True)
    exposed = exposure_warning(host, server.base_url)
    if exposed is not None:
        out.print(exposed, style="bold yellow", markup=False, soft_wrap=True)
    watching = (
        f"watching {source.service_dir} for changes: edits to {source.config_file.name} or the "
        "handlers apply to the next request"
    )
    runtimes = runtime_lines(service_functions(server.apis), envs)
    record = record_for(
        host=server.host,
        port=server.port,
        service_dir=service_directory(service),
        template=template_file,
        stage=stage,
        region=region,
        stage_prefix=not no_stage_prefix,
        code_dir=code_dir,
        apis=tuple((api.kind, api.base_path(server.options)) for api in server.apis),
    )
    with advertised(record), contextlib.suppress(KeyboardInterrupt):  # for `corsway check`
        print_banner(out, server, loaded.source, notes, watching=watching, runtimes=runtimes)
        server.run()


def _progress(text: str) -> None:
    """A line while Python environments are built (stderr: the banner is on stdout)."""
    sys.stderr.write(f"corsway: {text}\n")
    sys.stderr.flush()


def print_banner(
    out: RichConsole,
    server: GatewayServer,
    source: str,
    notes: list[str],
    *,
    watching: str = "",
    runtimes: Sequence[str] = (),
) -> None:
    """The start banner: where to send requests, every route, what runs the handlers, what
    is watched for reload."""
    apis = server.apis
    first = apis[0]
    out.print(f"[bold]corsway serve[/]  {first.name}  (stage {first.stage}, from {source})")
    several = len(apis) > 1
    for kind, url in server.base_urls():
        label = f"{kind} base URL" if several else "base URL"
        out.print(f"  {label}: [bold cyan]{url}[/]")
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    columns = ("method", "path", "function", "preflight / CORS", "authorizer")
    for column in ("API", *columns) if several else columns:
        table.add_column(column)
    for api in apis:
        for row in api.route_rows():
            table.add_row(*((api.kind, *row) if several else row))
    out.print(table)
    for api in apis:
        for line in api.banner_lines():
            out.print(line)
    for line in runtimes:
        out.print(f"  runtime {line}", markup=False, soft_wrap=True)
    for note in notes:
        out.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    if watching:
        out.print(watching, style="dim", markup=False, soft_wrap=True)
    out.print("[dim]one line per request: method path status latency function CORS-note[/]")
