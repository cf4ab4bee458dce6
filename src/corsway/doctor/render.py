"""`corsway check`'s terminal output: the exchanges (the headers that matter, the failing one
highlighted), the verdict, Chromium's console message, the cause and the fix."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from corsway.doctor.result import CheckResult, Exchange, Failure

# The request headers worth showing (the rest is the browser's boilerplate).
_REQUEST_BOILERPLATE = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "user-agent",
        "sec-fetch-site",
        "sec-fetch-mode",
        "sec-fetch-dest",
        "content-length",
    }
)
_RESPONSE_SHOWN = (
    "access-control-",
    "vary",
    "content-type",
    "location",
    "x-amzn-errortype",
    "apigw-requestid",
    "www-authenticate",
    "set-cookie",
)
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key"})
BODY_SHOWN = 160  # characters of a response body shown


def render(result: CheckResult, console: Console) -> None:
    """Print the whole story of one check."""
    page = result.outcome.request
    console.print(
        f"[bold]corsway check[/]  {escape(page.method)} {escape(str(page.url))}  "
        f"from [bold]{escape(page.origin.serialize())}[/]  (credentials: {page.credentials})",
        soft_wrap=True,
    )
    if result.service:
        console.print(f"[dim]service: {escape(result.service)}[/]", soft_wrap=True)
    if result.service_problem:
        console.print(
            f"[yellow]note:[/] {escape(result.service_problem)}; the cause comes from the answers "
            "alone",
            soft_wrap=True,
        )
    failure = result.outcome.failure
    if failure is not None and failure.stage == "local-network":
        console.print(
            f"\n[dim]not sent: the page is on a {result.outcome.initiator_space} address and "
            f"the URL resolves to a {escape(failure.hint)} one[/]"
        )
    for index, exchange in enumerate(result.exchanges):
        failed = failure if failure is not None and failure.exchange == index else None
        _exchange(console, exchange, failed)
    console.print()
    if result.verdict == "allowed":
        last = result.exchanges[-1].response if result.exchanges else None
        status = f" (status {last.status})" if last is not None else ""
        console.print(f"[bold green]allowed[/]: the page can read the response{status}")
    else:
        name = result.browser_error or (failure.net_error if failure else "")
        console.print(f"[bold red]blocked[/]  {escape(name or '')}")
    if result.message:
        console.print(f"[bold]Chromium:[/] {escape(result.message)}", soft_wrap=True)
    for note in result.outcome.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if result.cause:
        console.print(f"[bold]cause:[/] {result.cause}")
    if result.fix is not None:
        where = ""
        if result.fix.file:
            where = f" ({escape(result.fix.file)}" + (
                f":{result.fix.line})" if result.fix.line else ")"
            )
        console.print(f"[bold]fix{where}:[/] {escape(result.fix.text)}", soft_wrap=True)


def _exchange(console: Console, exchange: Exchange, failure: Failure | None) -> None:
    request = exchange.request
    label = "preflight" if request.kind == "preflight" else "request"
    console.print(
        f"\n[cyan]{label}[/]  [bold]{escape(request.method)}[/] {escape(request.url)}",
        soft_wrap=True,
    )
    for name, value in request.headers:
        if name.lower() not in _REQUEST_BOILERPLATE:
            console.print(f"  {escape(name)}: {escape(_masked(name, value))}", soft_wrap=True)
    response = exchange.response
    if response is None:
        net = failure.net_error if failure else None
        console.print(f"[red]← no answer[/] {escape(net or '')}")
        return
    status_style = "bold red" if failure is not None and failure.header is None else "bold"
    body = response.body.decode("utf-8", "replace").strip()
    snippet = body if len(body) <= BODY_SHOWN else body[:BODY_SHOWN] + "…"
    shown = f"  [dim]{escape(snippet)}[/]" if snippet else ""
    console.print(f"[{status_style}]← {response.status}[/]{shown}", soft_wrap=True)
    failing = failure.header.lower() if failure is not None and failure.header else None
    seen = False
    for name, value in response.headers:
        lower = name.lower()
        if lower == failing:
            seen = True
            console.print(f"  [bold red]{escape(name)}: {escape(value)}[/]", soft_wrap=True)
        elif lower.startswith(_RESPONSE_SHOWN):
            console.print(f"  {escape(name)}: {escape(value)}", soft_wrap=True)
    if failure is not None and failure.header and not seen:
        console.print(f"  [bold red]{escape(failure.header)}: (missing)[/]")


def _masked(name: str, value: str) -> str:
    if name.lower() in _SECRET_HEADERS and len(value) > 16:
        return value[:12] + "…"
    return value
