"""Real Chromium for the doctor's matrix, launched as browser-cors-facts.md's harness did.

Playwright's default flags turn off Chromium features that touch CORS (redirect handling among
them), so the browser is launched with `ignore_default_args=True` and only the harness's flags.
`--host-resolver-rules` keeps it off every non-loopback name. Each fetch runs in a fresh
context (its own preflight cache, HTTP cache and cookie jar) and a raw CDP session reports
the console text (`Log.entryAdded`) and DevTools' CorsError (`Audits.issueAdded`).

Pages: `/` is an ordinary page, `/sandboxed` has an opaque origin (CSP `sandbox
allow-scripts`), `/public` counts as a public address (CSP `treat-as-public-address`), so that
fetching a loopback server from it is a Local Network Access request.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

PAGE = b'<!doctype html><html><head><link rel="icon" href="data:,"></head><body>page</body></html>'
PAGE_POLICIES = {
    "/sandboxed": "sandbox allow-scripts",
    "/public": "treat-as-public-address",
}
FETCH = """async ({url, init}) => {
  try {
    const response = await fetch(url, init);
    await response.text();
    return {allowed: true, status: response.status};
  } catch (error) {
    return {allowed: false, error: String(error)};
  }
}"""
FAILED_TO_LOAD = "Failed to load resource: "
BLOCKED_BY_CORS = "has been blocked by CORS policy: "


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        policy = PAGE_POLICIES.get(self.path)
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


@contextlib.contextmanager
def page_server() -> Iterator[int]:
    """The page's server, on 127.0.0.1 and (when available) ::1 at the same port."""
    servers: list[ThreadingHTTPServer] = [ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)]
    port = servers[0].server_address[1]
    with contextlib.suppress(OSError):
        servers.append(_IPv6Server(("::1", port), _PageHandler))
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def launch_args(user_data_dir: str) -> list[str]:
    """The facts harness's flags (Playwright's own defaults are not used)."""
    return [
        *CHROMIUM_ARGS,
        f"--user-data-dir={user_data_dir}",
        "--remote-debugging-pipe",
        "--no-startup-window",
        "--disable-dev-shm-usage",
        "--disable-field-trial-config",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost, "
        "EXCLUDE [::1]",
    ]


@contextlib.contextmanager
def chromium(playwright: Any) -> Iterator[Any]:
    """A Playwright Browser on /usr/bin/chromium with the harness's flags."""
    with tempfile.TemporaryDirectory() as profile:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=launch_args(profile),
            ignore_default_args=True,
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserOutcome:
    """What the page saw and what DevTools reported for one fetch."""

    allowed: bool
    status: int | None
    error: str | None  # the JavaScript error (always "TypeError: Failed to fetch" when blocked)
    cors_error: str | None  # CorsIssue's corsErrorStatus.corsError
    failed_parameter: str | None
    console: list[str] = field(default_factory=list)  # Log.entryAdded texts, in order
    preflights: int = 0  # preflights the browser sent (Network events)
    requests: int = 0  # actual requests it sent

    @property
    def cors_message(self) -> str | None:
        """The CORS console message, or the network error line when there is none."""
        for text in self.console:
            if BLOCKED_BY_CORS in text:
                return text
        for text in self.console:
            if text.startswith(FAILED_TO_LOAD + "net::") and not text.endswith("net::ERR_FAILED"):
                return text
        return None


def browser_fetch(
    browser: Any,
    page_url: str,
    url: str,
    init: dict[str, Any],
    *,
    cookies: list[dict[str, Any]] | None = None,
    grant_local_network: bool = False,
) -> BrowserOutcome:
    """Open `page_url` in a fresh context, `fetch(url, init)` from it, report what happened."""
    context = browser.new_context()
    try:
        if cookies:
            context.add_cookies(cookies)
        if grant_local_network:
            context.grant_permissions(["local-network-access"])
        page = context.new_page()
        session = context.new_cdp_session(page)
        console: list[str] = []
        issues: list[dict[str, Any]] = []
        sent: dict[str, str] = {}  # requestId -> initiator type

        def on_request(params: dict[str, Any]) -> None:
            if params["request"]["url"] != page_url and params["type"] != "Document":
                sent.setdefault(params["requestId"], params["initiator"]["type"])

        session.on("Log.entryAdded", lambda params: console.append(params["entry"]["text"]))
        session.on("Audits.issueAdded", lambda params: issues.append(params["issue"]))
        session.on("Network.requestWillBeSent", on_request)
        session.send("Log.enable")
        session.send("Audits.enable")
        session.send("Network.enable")
        page.goto(page_url)
        result = page.evaluate(FETCH, {"url": url, "init": init})
        if not result["allowed"]:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                failed = any(text.startswith(FAILED_TO_LOAD) for text in console)
                cors = any(BLOCKED_BY_CORS in text for text in console)
                if failed and (not cors or _cors_issue(issues)):
                    break
                page.wait_for_timeout(20)
        issue = _cors_issue(issues) if not result["allowed"] else None
        status = issue.get("corsErrorStatus", {}) if issue else {}
        return BrowserOutcome(
            allowed=bool(result["allowed"]),
            status=result.get("status"),
            error=result.get("error"),
            cors_error=status.get("corsError"),
            failed_parameter=status.get("failedParameter"),
            console=console,
            preflights=sum(1 for kind in sent.values() if kind == "preflight"),
            requests=sum(1 for kind in sent.values() if kind != "preflight"),
        )
    finally:
        context.close()


def _cors_issue(issues: list[dict[str, Any]]) -> dict[str, Any] | None:
    for issue in issues:
        if issue.get("code") == "CorsIssue":
            details: dict[str, Any] = issue["details"]["corsIssueDetails"]
            return details
    return None
