"""`corsway serve`: a local API Gateway for a Serverless service, failures included."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click
from rich.console import Console as RichConsole
from rich.markup import escape
from rich.table import Table

from corsway.cli.options import region_option, stage_option
from corsway.errors import CorswayError
from corsway.gateway.accesslog import Console
from corsway.gateway.model import AWS_PROXY, COGNITO_USER_POOLS, MOCK, Api, Method, Resource


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
    "--explicit-deny-wording",
    type=click.Choice(["current", "legacy"]),
    default="current",
    show_default=True,
    help="Message of an authorizer's explicit Deny (403): API Gateway's current text, or the "
    "legacy one without 'in an identity-based policy'.",
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
    explicit_deny_wording: str,
) -> None:
    """Serve SERVICE (default: the current directory) the way API Gateway would."""
    from corsway.gateway.authorizers import EXPLICIT_DENY_MESSAGES
    from corsway.gateway.http import exposure_warning
    from corsway.gateway.loader import (
        LoadedService,
        check_functions,
        compile_and_load,
        load_template_file,
        service_directory,
    )
    from corsway.gateway.reload import Reloader, ReloadSource
    from corsway.gateway.server import GatewayServer

    def load() -> tuple[LoadedService, list[str]]:
        if template_file is not None:
            loaded = load_template_file(template_file, service, stage=stage, region=region)
        else:
            loaded = compile_and_load(service, stage=stage, region=region)
        return loaded, check_functions(loaded.api, loaded.source)

    err = RichConsole(stderr=True, highlight=False)
    try:
        loaded, notes = load()
        console = Console()
        server = GatewayServer(
            loaded.api,
            console,
            host=host,
            port=port,
            stage_prefix=not no_stage_prefix,
            explicit_deny_message=EXPLICIT_DENY_MESSAGES[explicit_deny_wording],
        )
        source = ReloadSource(
            service_dir=service_directory(service),
            config_file=Path(loaded.source),
            template_mode=template_file is not None,
            load=load,
        )
    except CorswayError as error:
        err.print(str(error), style="bold red", markup=False, soft_wrap=True)
        sys.exit(1)
    notes = [*loaded.api.notes, *notes]
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
    print_banner(out, loaded.api, server.base_url, loaded.source, notes, watching=watching)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


def print_banner(
    out: RichConsole,
    api: Api,
    base_url: str,
    source: str,
    notes: list[str],
    *,
    watching: str = "",
) -> None:
    """The start banner: where to send requests, every route, what is watched for reload."""
    out.print(f"[bold]corsway serve[/]  {api.name}  (stage {api.stage}, from {source})")
    out.print(f"  base URL: [bold cyan]{base_url}[/]")
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for column in ("method", "path", "function", "preflight / CORS", "authorizer"):
        table.add_column(column)
    for resource in sorted(api.resources, key=lambda r: r.path):
        for name, method in sorted(resource.methods.items()):
            table.add_row(
                name,
                resource.path,
                _integration_label(method),
                _cors_label(resource, method),
                authorizer_label(api, method),
            )
    out.print(table)
    out.print(
        "[dim]proxy routes: API Gateway adds no CORS headers, the handler must return "
        "Access-Control-Allow-Origin itself[/]"
    )
    for note in notes:
        out.print(f"[yellow]note:[/] {note}", soft_wrap=True)
    if watching:
        out.print(watching, style="dim", markup=False, soft_wrap=True)
    out.print("[dim]one line per request: method path status latency function CORS-note[/]")


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
