"""`corsway check`: what a browser makes of a cross-origin request, in Chromium's words, and
what to change."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console


@click.command("check")
@click.argument("url")
@click.option(
    "--origin",
    required=True,
    help="The page's origin, e.g. http://localhost:5173 (or null for an opaque origin).",
)
@click.option(
    "-X",
    "--request",
    "method",
    help="The fetch() method (default GET, or POST with --data); as fetch(), only DELETE, GET, "
    "HEAD, OPTIONS, POST and PUT are upper-cased.",
)
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    help="A header the page's script sets, 'Name: value' (repeatable). 'Cookie: a=b' stands "
    "for the browser's cookies for the URL's host.",
)
@click.option("--data", help="The request body (fetch's body, a string).")
@click.option(
    "--credentials",
    type=click.Choice(["omit", "same-origin", "include"]),
    default="same-origin",
    show_default=True,
    help="fetch()'s credentials mode.",
)
@click.option(
    "--service",
    type=click.Path(path_type=Path),
    help="The service behind the URL (its directory or serverless.yml): the cause is then "
    "worked out with the compiled service and the fix names the serverless.yml line. Default: "
    "the service of the running `corsway serve` that answers URL, if any.",
)
@click.option(
    "--no-discover",
    is_flag=True,
    help="Do not look for a running `corsway serve` behind URL (causes from the answers alone).",
)
@click.option(
    "--page-address-space",
    type=click.Choice(["loopback", "local", "public"]),
    help="Where the page is served from, for Local Network Access (default: from the origin's "
    "host).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(
    *,
    url: str,
    origin: str,
    method: str | None,
    headers: tuple[str, ...],
    data: str | None,
    credentials: str,
    service: Path | None,
    page_address_space: str | None,
    no_discover: bool,
    as_json: bool,
) -> None:
    """Fetch URL as a page at --origin would, and say whether the browser allows it, why not,
    and what to change. Exit status: 0 allowed, 1 blocked, 2 no answer or bad input."""
    from corsway.doctor.classify import RequestError
    from corsway.doctor.driver import check as run_check
    from corsway.doctor.render import render
    from corsway.errors import CorswayError

    err = Console(stderr=True, highlight=False)
    try:
        result = run_check(
            url,
            origin=origin,
            method=method,
            headers=headers,
            data=data,
            credentials=credentials,
            service=service,
            discover=not no_discover,
            page_address_space=page_address_space,  # type: ignore[arg-type]  # a Choice
        )
    except RequestError as error:
        _give_up(err, f"error: {error}")
    except CorswayError as error:
        where = f"{error.location}: " if error.location else ""
        _give_up(err, f"error: --service {service}: {where}{error.message}")
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
        render(result, out)
    if not result.answered:
        failure = result.outcome.failure
        net_error = failure.net_error if failure is not None else "no answer"
        _give_up(err, f"no answer from {url} ({net_error}): is the server running?")
    sys.exit(0 if result.verdict == "allowed" else 1)


def _give_up(err: Console, message: str) -> NoReturn:
    """One line on stderr, exit status 2 (no answer, or bad input)."""
    err.print(f"corsway check: {message}", style="bold red", markup=False, soft_wrap=True)
    sys.exit(2)
