"""`corsway lint --fix`: the finding is gone afterwards and the rest of the file is unchanged,
byte for byte (comments, quoting, order, blank lines, line endings)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from click.testing import Result

from corsway.lint import apply_fixes, lint_service
from tests.compile.sls3cases import http_api_case
from tests.lint.support import run_lint, write_service
from tests.lint.test_httpapi_rules import without_preflight_route


def run_fix(directory: Path, *args: str) -> Result:
    return run_lint(str(directory), "--fix", *args)


def changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) between two texts."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


SERVICE = """\
  # the authorizer
  auth:
    handler: handler.auth
  items:
    handler: handler.handler   # keep this comment
    events:
      - http:
          path: "items"        # double-quoted on purpose
          method: get
          cors: true
          authorizer: auth
      - http:
          path: 'items'
          method: delete

      - http:
          path: other
          method: get
          cors: off
      - http:
          path: list
          method: get
          cors:
            origins: ['https://App.example.com/', "https://b.example.com"]
            methods:
              - get
"""


def test_fix_applies_every_mechanical_fix_and_keeps_the_rest(tmp_path: Path) -> None:
    write_service(tmp_path, SERVICE)
    config = tmp_path / "serverless.yml"
    before = config.read_text()
    result = run_fix(tmp_path)
    after = config.read_text()
    fixed = [line for line in result.stderr.splitlines() if " fixed CW" in line]
    assert {line.split(" fixed ")[1][:5] for line in fixed} == {
        "CW003",
        "CW004",
        "CW011",
        "CW013",
        "CW014",
    }, result.stderr
    removed, added = changes(before, after)
    assert removed == [
        "          cors: off\n",
        "            origins: ['https://App.example.com/', \"https://b.example.com\"]\n",
        "              - get\n",
    ]
    assert "          cors: false\n" in added
    assert "            origins: ['https://app.example.com', \"https://b.example.com\"]\n" in added
    assert "              - GET\n" in added
    # DELETE got the cors of GET, right after its method line (before the blank line).
    assert "          method: delete\n          cors: true\n\n" in after
    assert "GatewayResponseDefault4XX:" in after and "GatewayResponseDefault5XX:" in after
    # ndiff lists every line: apart from the three replaced ones, the original lines are all
    # there, in order, and the only other additions are DELETE's cors and the resources.
    assert added[0] == "          cors: true\n"
    assert added[4:6] == ["resources:\n", "  Resources:\n"]
    assert len(added) == 6 + 2 * 8  # two GatewayResponses of 8 lines each
    remaining = {f.rule for f in lint_service(tmp_path).findings}
    assert remaining.isdisjoint({"CW003", "CW004", "CW011", "CW013", "CW014"}), remaining
    assert result.exit_code == 0


def test_fix_keeps_crlf_line_endings(tmp_path: Path) -> None:
    write_service(tmp_path, SERVICE)
    config = tmp_path / "serverless.yml"
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    before = config.read_bytes()
    run_fix(tmp_path, "--select", "CW013")
    after = config.read_bytes()
    assert after.count(b"\r\n") == before.count(b"\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after == before.replace(b"cors: off", b"cors: false").replace(b"- get", b"- GET")


def test_fix_respects_select(tmp_path: Path) -> None:
    write_service(tmp_path, SERVICE)
    before = (tmp_path / "serverless.yml").read_text()
    run_fix(tmp_path, "--select", "CW014")
    removed, added = changes(before, (tmp_path / "serverless.yml").read_text())
    assert len(removed) == len(added) == 1 and "app.example.com'" in added[0]


def test_fix_adds_resources_at_the_end_when_there_are_none(tmp_path: Path) -> None:
    write_service(
        tmp_path,
        "  items:\n    handler: handler.handler\n    events:\n"
        "      - http: {path: items, method: get, cors: true}\n",
    )
    before = (tmp_path / "serverless.yml").read_text()
    run_fix(tmp_path)
    after = (tmp_path / "serverless.yml").read_text()
    assert after.startswith(before)
    assert after[len(before) :].startswith(
        "resources:\n  Resources:\n    GatewayResponseDefault5XX:"
    )
    assert [f.rule for f in lint_service(tmp_path).findings] == []


def test_fix_adds_the_unauthenticated_options_route(tmp_path: Path) -> None:
    text = without_preflight_route()
    (tmp_path / "serverless.yml").write_text(text)
    (tmp_path / "handler.js").write_text(
        (http_api_case("resources-overrides") / "handler.js").read_text()
    )
    report = lint_service(tmp_path)
    found = [f for f in report.findings if f.rule == "CW006"]
    assert len(found) == 1
    assert apply_fixes(report, found) == found
    after = (tmp_path / "serverless.yml").read_text()
    removed, added = changes(text, after)
    assert removed == []
    assert added == ["      - httpApi: 'OPTIONS /{proxy+}'\n"]
    assert "          authorizer: simpleAuth\n      - httpApi: 'OPTIONS /{proxy+}'\n" in after
    # Compiled again, the service has the route and the finding is gone.
    assert [f for f in lint_service(tmp_path).findings if f.rule == "CW006"] == []


def test_fix_adds_authorization_to_star_headers(tmp_path: Path) -> None:
    service = SERVICE.replace(
        "          cors: true\n          authorizer",
        "          cors:\n            headers: '*'\n          authorizer",
    )
    write_service(tmp_path, service)
    run_fix(tmp_path, "--select", "CW010")
    assert (
        "            headers: ['*', Authorization]\n" in (tmp_path / "serverless.yml").read_text()
    )
    assert [f for f in lint_service(tmp_path).findings if f.rule == "CW010"] == []


def test_json_output_names_the_fix(tmp_path: Path) -> None:
    write_service(tmp_path, SERVICE)
    result = run_lint(str(tmp_path), "--format", "json")
    fixes = {item["rule"]: item["fix"] for item in json.loads(result.stdout) if item["fix"]}
    assert fixes["CW004"].startswith("added the cors of GET /items to DELETE /items")
