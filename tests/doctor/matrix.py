"""Runs one matrix case three ways: `check()`, `corsway check --json` and real Chromium."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from click.testing import CliRunner

from corsway.cli.main import cli
from corsway.doctor import CheckResult, check
from tests.doctor.cases import Case
from tests.doctor.chromium import BrowserOutcome, browser_fetch
from tests.doctor.scripted import Logged, Script

PAGE_PATHS = {"/sandboxed": "null"}


@dataclass
class Matrix:
    page_port: int
    script: Script
    down_port: int

    def page_origin(self, case: Case) -> str:
        if case.page == "/sandboxed":
            return "null"
        return f"http://{case.page_host}:{self.page_port}"

    def url(self, case: Case) -> str:
        port = self.down_port if case.server_down else self.script.bases["a"].rsplit(":", 1)[1]
        return f"http://{case.target_host}:{port}/{case.id}/a"

    def values(self, case: Case) -> dict[str, str]:
        return {**self.script.bases, "id": case.id}

    def expected_message(self, case: Case) -> str | None:
        """Chromium's console line, from the case's reason (browser-cors-facts.md)."""
        if case.error is None:
            return None
        if case.error.startswith("net::"):
            return f"Failed to load resource: {case.error}"
        first = self.url(case)
        at = case.at.format(**self.values(case)) if case.at else first
        redirected = f"(redirected from '{first}') " if at != first else ""
        return (
            f"Access to fetch at '{at}' {redirected}from origin '{self.page_origin(case)}' has "
            f"been blocked by CORS policy: {case.reason.format(**self.values(case))}"
        )

    def expected_error(self, case: Case) -> str | None:
        return None if case.error is None or case.error.startswith("net::") else case.error

    # -- the three ways ------------------------------------------------------------------

    def headers(self, case: Case) -> list[tuple[str, str]]:
        headers = list(case.init.get("headers", {}).items())
        if case.cookie:
            headers.append(("Cookie", case.cookie))
        return headers

    def run_check(self, case: Case) -> tuple[CheckResult, list[Logged]]:
        result = check(
            self.url(case),
            origin=self.page_origin(case),
            method=case.init.get("method", "GET"),
            headers=self.headers(case),
            data=case.init.get("body"),
            credentials=case.init.get("credentials", "same-origin"),
            page_address_space="public" if case.page == "/public" else None,
            local_network_permission=case.grant_local_network,
        )
        return result, self.script.take(case.id)

    def run_cli(self, case: Case) -> tuple[int, dict[str, Any], list[Logged]]:
        """`corsway check URL --origin O [-X M] [-H ...] [--data] [--credentials] --json`."""
        args = ["check", self.url(case), "--origin", self.page_origin(case), "--json"]
        args += ["-X", case.init.get("method", "GET")]
        for name, value in self.headers(case):
            args += ["-H", f"{name}: {value}"]
        if "body" in case.init:
            args += ["--data", case.init["body"]]
        if "credentials" in case.init:
            args += ["--credentials", case.init["credentials"]]
        if case.page == "/public":
            args += ["--page-address-space", "public"]
        result = CliRunner().invoke(cli, args)
        return result.exit_code, json.loads(result.stdout), self.script.take(case.id)

    def run_browser(self, browser: Any, case: Case) -> tuple[BrowserOutcome, list[Logged]]:
        init = dict(case.init.items())
        cookies = None
        if case.cookie:
            name, _, value = case.cookie.partition("=")
            cookies = [{"name": name, "value": value, "url": self.url(case)}]
        page_url = f"http://{case.page_host}:{self.page_port}{case.page}"
        outcome = browser_fetch(
            browser,
            page_url,
            self.url(case),
            init,
            cookies=cookies,
            grant_local_network=case.grant_local_network,
        )
        return outcome, self.script.take(case.id)


def flow(log: list[Logged]) -> tuple[int, int]:
    """(preflights, actual requests) that reached the servers."""
    preflights = sum(1 for entry in log if entry.method == "OPTIONS")
    return preflights, len(log) - preflights


def wire(log: list[Logged]) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    """What identifies each request on the wire: server, method, path, Origin, the preflight's
    Access-Control-Request-Method/-Headers."""
    return [
        (
            entry.server,
            entry.method,
            entry.path,
            entry.header("origin"),
            entry.header("access-control-request-method"),
            entry.header("access-control-request-headers"),
        )
        for entry in log
    ]
