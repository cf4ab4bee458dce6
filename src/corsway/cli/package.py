"""`corsway package`: compile serverless.yml to the CloudFormation Serverless v3.40 would emit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corsway.cli.options import region_option, stage_option
from corsway.errors import CorswayError


@click.command("package")
@click.argument("service", required=False, default=".", type=click.Path(path_type=Path))
@stage_option
@region_option
@click.option(
    "--api-only",
    is_flag=True,
    help="Print only the API resources (AWS::ApiGateway::*, AWS::ApiGatewayV2::*) and the "
    "Lambda permissions (AWS::Lambda::Permission), in template order.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON to FILE instead of standard output.",
)
def package(
    service: Path, stage: str | None, region: str | None, api_only: bool, output: Path | None
) -> None:
    """Compile SERVICE (a directory with serverless.yml, or the file; default: .) to the
    CloudFormation template `serverless package` produces, and print it as JSON.

    Quirks of the framework are reproduced and reported as warnings on standard error
    (serverless.yml:LINE:COL: warning: ...).
    """
    from corsway.compile import api_subset, compile_service
    from corsway.compile.jsonout import to_json

    try:
        result = compile_service(service, stage=stage, region=region)
    except CorswayError as error:
        _fail(str(error))
    except RecursionError:
        _fail(f"{service}: error: the configuration nests too deeply to compile")
    except Exception as error:  # a bug in corsway: still no traceback for the user
        _fail(
            f"{service}: error: internal error in corsway while compiling "
            f"({type(error).__name__}: {error}); please report it with the serverless.yml"
        )
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    document = api_subset(result.template) if api_only else result.template
    text = to_json(document) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"{output}: error: cannot write the template: {error.strerror or error}")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    raise SystemExit(1)
