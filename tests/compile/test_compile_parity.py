"""Parity with the real Serverless Framework v3.40 on every stored case.

The expected files were produced by scripts/sls3-package.sh (the framework itself, offline).
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from corsway.cli.main import cli
from corsway.compile import compile_service, functions
from corsway.compile.jsonout import to_json
from tests.compile.sls3cases import (
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
def test_whole_template_is_byte_identical_given_the_frameworks_zip_hash(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fed the CodeSha256 of the framework's zip, corsway emits the very same template:
    version logical ids included (the framework's hashing of the function properties)."""
    expected = json.loads(expected_text(case, "template"))["Resources"]
    hashes = {
        resource["Properties"]["CodeSha256"]
        for resource in expected.values()
        if resource["Type"] == "AWS::Lambda::Version"
    }
    assert len(hashes) <= 1  # one artifact per service
    if hashes:
        monkeypatch.setattr(functions, "code_hash", lambda *_: next(iter(hashes)))
    compiled = compile_service(
        case_dir(case),
        env={**os.environ, **case_env(case)},
        instance_id=expected_instance_id(case),
    )
    assert normalize(to_json(compiled.template)) == expected_text(case, "template")


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


def test_a_given_artifact_makes_the_whole_template_byte_identical() -> None:
    """With package.artifact the framework hashes that file, and so does corsway: no masking."""
    compiled = compile_service(
        case_dir("given-artifact"), instance_id=expected_instance_id("given-artifact")
    )
    assert normalize(to_json(compiled.template)) == expected_text("given-artifact", "template")
