"""Helpers of the lint tests: write a small service, lint it, look at one rule's findings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from corsway.cli.main import cli
from corsway.lint import Finding, lint_service
from tests.compile.sls3cases import http_api_case

HEADER = """\
service: lint-case
provider:
  name: aws
  runtime: {runtime}
functions:
"""

PROXY_JS = """\
'use strict';
module.exports.handler = async () => ({
  statusCode: 200,
  headers: { 'Access-Control-Allow-Origin': '*' },
  body: '{}',
});
module.exports.auth = async (event) => ({ principalId: 'u', policyDocument: {} });
"""

PROXY_PY = """\
def handler(event, context):
    return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "{}"}
"""


def write_service(
    directory: Path,
    functions: str,
    *,
    extra: str = "",
    runtime: str = "nodejs18.x",
    files: dict[str, str] | None = None,
) -> Path:
    """serverless.yml = HEADER + `functions` (indented as written) + `extra`, plus files."""
    text = HEADER.format(runtime=runtime) + functions + textwrap.dedent(extra)
    (directory / "serverless.yml").write_text(text)
    sources = {"handler.js": PROXY_JS, "handler.py": PROXY_PY, **(files or {})}
    for name, content in sources.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return directory


def findings(directory: Path, rule: str | None = None) -> list[Finding]:
    found = lint_service(directory).findings
    return [f for f in found if rule is None or f.rule == rule]


def where(found: list[Finding]) -> list[str]:
    """`file:line:col` of each finding."""
    return [str(f.location) for f in found]


def httpapi_findings(
    case: str, rule: str, *, yml: str | None = None, directory: Path | None = None
) -> list[Finding]:
    """Lint an HTTP API oracle case end to end (load, compile, lint): as written, or with its
    serverless.yml replaced by `yml` in `directory` (a copy of the case's handler beside it)."""
    source_dir = http_api_case(case)
    if yml is not None:
        assert directory is not None
        if not (directory / "handler.js").exists():
            (directory / "handler.js").write_text((source_dir / "handler.js").read_text())
        (directory / "serverless.yml").write_text(yml)
        source_dir = directory
    return [f for f in lint_service(source_dir).findings if f.rule == rule]


def expected_template(case: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (http_api_case(case) / "expected-template.json").read_text()
    )
    return loaded


def run_lint(*args: str) -> Result:
    """`corsway lint ARGS` in-process (stdout and stderr apart)."""
    return CliRunner().invoke(cli, ["lint", *args])
