"""`corsway package`: output, options, warnings on stderr, and bad input (exit 1, no traceback)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corsway.cli.main import cli
from tests.compile.sls3cases import case_dir, case_env, expected_text, normalize

WARNING_LINE = re.compile(r"^serverless\.yml:\d+:\d+: warning(: | CW\d{3} )\S")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["package", *args], env=env)


def test_default_service_is_the_current_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case_dir("seed-tldr"))
    result = run("--stage", "dev", "--api-only")
    assert result.exit_code == 0
    assert normalize(result.stdout).rstrip("\n") == expected_text("seed-tldr", "api")


def test_the_file_itself_can_be_given() -> None:
    result = run(str(case_dir("seed-tldr") / "serverless.yml"), "--api-only")
    assert result.exit_code == 0
    assert normalize(result.stdout).rstrip("\n") == expected_text("seed-tldr", "api")


def test_full_template_by_default_and_api_only_keeps_api_resources() -> None:
    full = json.loads(run(str(case_dir("authorizers"))).stdout)
    assert set(full) == {"AWSTemplateFormatVersion", "Description", "Resources", "Outputs"}
    api = json.loads(run(str(case_dir("authorizers")), "--api-only").stdout)
    assert list(api) == ["Resources"]
    types = {resource["Type"] for resource in api["Resources"].values()}
    assert "AWS::Lambda::Function" not in types
    assert all(t.startswith("AWS::ApiGateway::") or t == "AWS::Lambda::Permission" for t in types)
    # the user's GatewayResponses pass through, in template order (at the end)
    assert list(api["Resources"])[-2:] == ["GatewayResponseDefault4XX", "GatewayResponseDefault5XX"]


def test_stage_and_region_options() -> None:
    template = json.loads(run(str(case_dir("seed-tldr")), "--stage", "prod").stdout)
    assert (
        template["Resources"]["ApiGatewayRestApi"]["Properties"]["Name"] == "prod-products-service"
    )
    function = template["Resources"]["GetProductLambdaFunction"]["Properties"]
    assert function["FunctionName"] == "products-service-prod-getProduct"
    deployment = next(
        r for k, r in template["Resources"].items() if k.startswith("ApiGatewayDeployment")
    )
    assert deployment["Properties"]["StageName"] == "prod"
    variables = json.loads(
        run(str(case_dir("variables")), "--region", "eu-west-1", env=case_env("variables")).stdout
    )
    environment = variables["Resources"]["ItemsLambdaFunction"]["Properties"]["Environment"]
    assert environment["Variables"]["REGION"] == "eu-west-1"
    assert environment["Variables"]["OPT_REGION"] == "eu-west-1"


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "template.json"
    result = run(str(case_dir("seed-tldr")), "--api-only", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert normalize(target.read_text()).rstrip("\n") == expected_text("seed-tldr", "api")
    missing = run(str(case_dir("seed-tldr")), "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert missing.exit_code == 1
    assert "error: cannot write the template" in missing.stderr


def test_warnings_go_to_stderr_as_file_line_col() -> None:
    result = run(str(case_dir("cors-origins-edge")), "--api-only")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 7
    assert all(WARNING_LINE.match(line) for line in lines)
    assert json.loads(result.stdout)  # stdout stays pure JSON


BAD_INPUT = {
    "malformed-yaml": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "     events: []\n",
        "serverless.yml:7:12: error: malformed YAML: mapping values are not allowed",
    ),
    "wrong-type": (
        "service: x\nprovider:\n  name: aws\n  environment: soon\n",
        "serverless.yml:4:16: error: provider.environment: must be a mapping of environment "
        'variable names to values, not string "soon"',
    ),
    "wrong-type-in-event": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: x\n          method: get\n          cors: 5\n",
        "serverless.yml:11:17: error: functions.a.events[0].http.cors: must be true, false or a "
        "cors object, not number 5",
    ),
    "bad-path-characters": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: items/<id>\n          method: get\n",
        "serverless.yml:9:17: error: the path 'items/<id>' has the segment '<id>'; API Gateway "
        "allows only letters, digits, . _ - : in a path part, or a whole {variable} / "
        "{variable+}",
    ),
    "path-with-space": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: items list\n          method: get\n",
        "serverless.yml:9:17: error: functions.a.events[0].http.path: 'items list' is not a path "
        "without whitespace",
    ),
    "greedy-not-last": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http: GET /files/{proxy+}/meta\n",
        "serverless.yml:8:15: error: the path '/files/{proxy+}/meta' has the greedy variable "
        "{proxy+} before its last segment",
    ),
    "sibling-variables": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http: GET /items/{id}\n      - http: DELETE /items/{itemId}\n",
        "serverless.yml:9:15: error: the path part {itemId} conflicts with {id} of functions.a "
        "(events[0]): API Gateway allows one variable path part under /items — use the same "
        "name in both",
    ),
    "event-without-path": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          method: get\n",
        "serverless.yml:8:9: error: functions.a.events[0].http: an http event needs a path "
        "(e.g. path: items); API Gateway routes by it (missing 'path')",
    ),
    "event-without-method": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: items\n",
        "serverless.yml:8:9: error: functions.a.events[0].http: an http event needs a method "
        "(e.g. method: get, or any) (missing 'method')",
    ),
    "invalid-method": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: x\n          method: fetch\n",
        "serverless.yml:10:19: error: functions.a.events[0].http.method: 'fetch' is not an HTTP "
        "method (GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, ANY)",
    ),
    "authorizer-missing-function": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: items\n          method: get\n"
        "          authorizer: authFunc\n",
        "serverless.yml:11:23: error: the authorizer 'authFunc' is not a function of this service "
        "(functions: a); Serverless would package a template whose deploy fails. Name a function "
        "defined under functions:, or give the authorizer's arn",
    ),
    "authorizer-object-missing-function": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: items\n          method: get\n"
        "          authorizer:\n            name: nope\n            type: request\n",
        "serverless.yml:12:19: error: the authorizer 'nope' is not a function of this service "
        "(functions: a); Serverless would package a template whose deploy fails. Name a function "
        "defined under functions:, or give the authorizer's arn",
    ),
    "missing-handler": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    events:\n      - http: GET /x\n",
        'serverless.yml:5:3: error: function "a" needs a handler (e.g. handler: handler.main, the '
        "file handler.js or handler.py and its exported function main)",
    ),
    "http-without-status-codes": (
        "service: x\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.main\n"
        "    events:\n      - http:\n          path: x\n          method: get\n"
        "          integration: http\n          request:\n            uri: https://e.com\n",
        "serverless.yml:11:24: error: integration: http needs response.statusCodes (Serverless "
        "v3.40 crashes with 'Cannot convert undefined or null to object' without it)",
    ),
    "unresolvable-variable": (
        "service: x\nprovider:\n  name: aws\n  environment:\n"
        "    KEY: ${env:CORSWAY_TEST_SURELY_UNSET}\n",
        "serverless.yml:5:10: error: cannot resolve ${env:CORSWAY_TEST_SURELY_UNSET} in "
        "provider.environment.KEY: the environment variable CORSWAY_TEST_SURELY_UNSET is not set "
        "and no default is given",
    ),
    "variable-cycle": (
        "service: x\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nprovider:\n"
        "  name: aws\n",
        "serverless.yml:4:6: error: circular reference among variables: custom.a -> custom.b -> "
        "custom.a",
    ),
    "predefined-path-with-slash": (
        "service: x\nprovider:\n  name: aws\n  apiGateway:\n    restApiId: abc\n"
        "    restApiRootResourceId: root\n    restApiResources:\n      /x: rid\n"
        "functions:\n  f:\n    handler: h.main\n    events:\n      - http: GET /x\n",
        "serverless.yml:8:7: error: Serverless v3.40 fails on this service with 'Can not find "
        "API Gateway resource from path x': when every http path is in restApiResources, the "
        "paths there are used exactly as written, so write x: ... instead of /x: ...",
    ),
    "not-a-mapping": (
        "- a\n- b\n",
        "serverless.yml:1:1: error: the configuration must be a "
        "mapping (service:, provider:, functions:, ...)",
    ),
    "no-provider": (
        "service: x\n",
        "serverless.yml:1:1: error: the configuration needs a provider (e.g. provider: {name: "
        "aws, runtime: nodejs18.x}) (missing 'provider')",
    ),
    "not-aws": (
        "service: x\nprovider:\n  name: google\n",
        "serverless.yml:3:9: error: provider.name must be 'aws' (corsway compiles AWS services), "
        "not 'google'",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_input_is_one_clear_error(tmp_path: Path, name: str) -> None:
    text, message = BAD_INPUT[name]
    (tmp_path / "serverless.yml").write_text(text)
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def test_no_traceback_from_the_console_script(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text("service: x\nprovider: [\n")
    code = f"from corsway.cli import run; run(['package', {str(tmp_path)!r}])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("serverless.yml:3:1: error: malformed YAML")
    assert "Traceback" not in proc.stderr


def test_missing_service_directory(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("error: " + f"{tmp_path / 'nope'} does not exist")
    (tmp_path / "serverless.json").write_text("{}")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "serverless.json is not supported (convert it to YAML)" in result.stderr


def test_an_internal_failure_is_reported_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import corsway.compile

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(corsway.compile, "compile_service", broken)
    result = run(str(case_dir("seed-tldr")))
    assert result.exit_code == 1
    assert "internal error in corsway while compiling (KeyError: 'boom')" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_describes_the_command() -> None:
    result = CliRunner().invoke(cli, ["package", "--help"])
    assert result.exit_code == 0
    text = textwrap.dedent(result.output)
    for option in ("--stage", "--region", "--api-only", "-o, --output"):
        assert option in text
