"""Parity with the real Serverless Framework v3.40 on every stored case.

The expected files were produced by scripts/sls3-package.sh (the framework itself, offline).
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from corsway.cli.main import cli
from corsway.compile import compile_service
from corsway.compile.functions import version_digest
from corsway.compile.jsonout import to_json
from corsway.compile.naming import lambda_version_id
from tests.sls3cases import (
    CASES,
    case_dir,
    case_env,
    expected_instance_id,
    expected_text,
    mask_code_hash,
    normalize,
)


@pytest.mark.parametrize("case", CASES)
def test_api_only_output_equals_the_framework(case: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["package", str(case_dir(case)), "--stage", "dev", "--api-only"],
        env=case_env(case),
    )
    assert result.exit_code == 0, result.output
    assert normalize(result.stdout).rstrip("\n") == expected_text(case, "api")


@pytest.mark.parametrize("case", CASES)
def test_whole_template_equals_the_framework_except_the_zip_hash(case: str) -> None:
    compiled = compile_service(
        case_dir(case),
        stage="dev",
        region="us-east-1",
        env={**os.environ, **case_env(case)},
        instance_id=expected_instance_id(case),
    )
    got = mask_code_hash(normalize(to_json(compiled.template)))
    assert got == mask_code_hash(expected_text(case, "template"))


@pytest.mark.parametrize("case", CASES)
def test_lambda_version_ids_use_the_framework_algorithm(case: str) -> None:
    """Fed the framework's CodeSha256, corsway derives exactly the framework's version ids."""
    compiled = compile_service(
        case_dir(case), env={**os.environ, **case_env(case)}, instance_id="1700000000000"
    )
    expected = json.loads(expected_text(case, "template"))["Resources"]
    checked = 0
    for logical_id, key in compiled.function_keys.items():
        versions = [
            (version_id, resource)
            for version_id, resource in expected.items()
            if resource["Type"] == "AWS::Lambda::Version"
            and resource["Properties"]["FunctionName"] == {"Ref": logical_id}
        ]
        if not versions:
            continue
        version_id, resource = versions[0]
        properties = compiled.template["Resources"][logical_id]["Properties"]
        digest = version_digest(resource["Properties"]["CodeSha256"], properties)
        assert lambda_version_id(key, digest) == version_id
        checked += 1
    if any(r["Type"] == "AWS::Lambda::Version" for r in expected.values()):
        assert checked > 0


def test_function_keys_map_lambda_ids_to_config_keys() -> None:
    compiled = compile_service(case_dir("authorizers"))
    assert compiled.function_keys["AuthorizerFuncLambdaFunction"] == "authorizerFunc"
    assert compiled.function_keys["TokenByNameLambdaFunction"] == "tokenByName"
    assert len(compiled.function_keys) == 12
    assert compiled.service_dir == case_dir("authorizers")
    assert compiled.config_path == case_dir("authorizers") / "serverless.yml"


def test_lambda_functions_carry_what_the_gateway_runs() -> None:
    compiled = compile_service(case_dir("python-env-timeouts"))
    resources = compiled.template["Resources"]
    api = resources["ApiLambdaFunction"]["Properties"]
    assert api["Handler"] == "src/api/handler.main"
    assert api["Runtime"] == "python3.11"
    assert (api["MemorySize"], api["Timeout"]) == (512, 10)
    assert api["Environment"]["Variables"] == {
        "STAGE": "dev",
        "TABLE_NAME": "override-table",
        "PORT": "8080",
        "DEBUG": "false",
        "_private": "x",
        "apiKey": "lower",
        "FEATURE_FLAG": "true",
        "RATIO": "0.5",
    }
    slow = resources["SlowLambdaFunction"]["Properties"]
    assert (slow["FunctionName"], slow["Runtime"], slow["MemorySize"], slow["Timeout"]) == (
        "custom-slow-name",
        "python3.10",
        2048,
        29,
    )
    defaults = compile_service(case_dir("seed-tldr")).template["Resources"]
    product = defaults["GetProductLambdaFunction"]["Properties"]
    assert (product["MemorySize"], product["Timeout"]) == (1024, 6)
    assert "Environment" not in product
