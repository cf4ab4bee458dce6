"""The rule catalog of `corsway lint`: one id per CORS mistake, shared by compiler and linter.

The compiler tags the warnings it already gives with these ids (`Diagnostic.rule`), the
service loader tags its schema warnings (`schema_issue_rule`), and `corsway.lint` adds the
checks that need the whole compiled service. This module imports nothing, so every part of
corsway can use it without an import cycle. Each rule is documented in docs/lint.md under the
anchor `anchor` (why it fails in the browser, an example, the fix, the evidence).
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Rule:
    """One lint rule: its id, how bad a finding is, and a one-line title."""

    id: str
    severity: str  # "error" | "warning" | "info"
    title: str

    @property
    def anchor(self) -> str:
        """The section of docs/lint.md that explains the rule (`#cw001`)."""
        return self.id.lower()


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("CW001", "error", "allowCredentials with the origin '*'"),
        Rule("CW002", "warning", "an origin dropped when the events of one path merge"),
        Rule("CW003", "error", "an authorizer's 401/403 carries no CORS headers"),
        Rule("CW004", "warning", "a path where some methods have cors and others don't"),
        Rule("CW005", "warning", "a proxy handler that never sets Access-Control-Allow-Origin"),
        Rule("CW006", "error", "an authorized catch-all HTTP API route swallows the preflights"),
        Rule("CW007", "info", "HTTP API handler CORS headers that API Gateway drops"),
        Rule("CW008", "error", "a GatewayResponse for a REST API the service does not have"),
        Rule("CW009", "info", "maxAge above what browsers or the API allow"),
        Rule("CW010", "warning", "allowed headers '*' that cannot cover the request"),
        Rule("CW011", "info", "a 502/504 from a proxy route reaches the browser as a CORS error"),
        Rule("CW012", "warning", "an httpApi cors setting on an http event (ignored)"),
        Rule("CW013", "warning", "a compile quirk: the template says something else than the file"),
        Rule("CW014", "error", "an origin that can never match a browser's Origin"),
        Rule("CW100", "warning", "a value Serverless only warns about and deploys as written"),
        Rule("CW101", "warning", "a handler answers '*' on a route that allows credentials"),
        Rule("CW102", "warning", "a REST handler reads the Origin header in one spelling only"),
        Rule("CW103", "warning", "an HTTP API route or origin AWS refuses or does not document"),
    )
}

# Schema checks of the service loader (`corsway.service.schema.Issue.kind`) that are lint rules.
_CORS_KEYS = frozenset(("cors",))


def schema_issue_rule(path: tuple[str | int, ...], kind: str) -> str | None:
    """The rule of a schema warning at `path` (`kind` as in `Issue.kind`), if it has one.

    YAML 1.1 booleans (`cors: off`) and lower-case cors methods are compile quirks (CW013); a
    cors setting `http` events do not have (`exposedResponseHeaders`, `allowedOrigins`) is
    CW012; any other value the framework only warns about is CW100.
    """
    if kind == "yaml11":
        return "CW013"
    in_http_cors = len(path) >= 6 and path[0] == "functions" and path[4] == "http"
    in_http_cors = in_http_cors and path[5] in _CORS_KEYS
    if kind == "unknown" and in_http_cors and len(path) == 7:
        return "CW012"
    if kind == "enum" and in_http_cors and len(path) >= 7 and path[6] == "methods":
        return "CW013"
    if kind in ("enum", "unknown"):
        return "CW100"
    return None
