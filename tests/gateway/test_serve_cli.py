"""`corsway serve` as a user runs it: start-up errors exit 1 without a traceback; it serves."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from corsway.gateway.loader import compile_and_load
from tests.gateway.support import (
    EXAMPLE_DIR,
    SERVICE_DIR,
    TemplateBuilder,
    as_python,
    sls3_template,
)

COMMAND = [sys.executable, "-c", "from corsway.cli import run; run()", "serve"]


def run_serve(
    *args: str, timeout: float = 30, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=None if env is None else {**os.environ, **env},
    )


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`corsway serve ARGS` as a process, and its banner (up to the access-log header)."""
    process = subprocess.Popen(
        [*COMMAND, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    banner = ""
    deadline = time.monotonic() + 30
    while "one line per request" not in banner and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break  # it exited: the test's assertions on the banner say why
        banner += line
    return process, banner


def write_template(tmp_path: Path, template: dict[str, Any]) -> Path:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return path


def assert_clean_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_port_in_use(tmp_path: Path) -> None:
    template = write_template(tmp_path, as_python(sls3_template("seed-tldr")))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve(str(SERVICE_DIR), "--template", str(template), "--port", str(port))
    assert_clean_failure(result, f"port {port} on 127.0.0.1 is already in use", "--port")


def test_port_out_of_range_is_a_usage_error() -> None:
    result = run_serve(str(SERVICE_DIR), "--port", "99999")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Invalid value for '--port': 99999 is not in the range 0<=x<=65535" in result.stderr


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1000"])
def test_invalid_max_workers_variable(value: str) -> None:
    result = run_serve(str(EXAMPLE_DIR), "--port", "0", env={"CORSWAY_MAX_WORKERS": value})
    assert_clean_failure(
        result,
        f"CORSWAY_MAX_WORKERS={value!r}: must be a whole number of worker processes per "
        "function, from 1 to 256",
    )


def test_invalid_json_template_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "Resources": {\n    "A": \n  }\n}\n')
    result = run_serve(str(SERVICE_DIR), "--template", str(path))
    assert_clean_failure(result, f"{path}:4:3", "not valid JSON")


def test_template_without_any_api(tmp_path: Path) -> None:
    path = write_template(tmp_path, {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    result = run_serve(str(SERVICE_DIR), "--template", str(path))
    assert_clean_failure(
        result,
        "the service has no `http` or `httpApi` events to serve",
        "no AWS::ApiGateway::RestApi (REST API) and no AWS::ApiGatewayV2::Api (HTTP API)",
    )


def test_template_with_a_velocity_syntax_error(tmp_path: Path) -> None:
    template = TemplateBuilder().preflight("x", template="#if($x").build()
    result = run_serve(str(SERVICE_DIR), "--template", str(write_template(tmp_path, template)))
    assert_clean_failure(
        result,
        "Resources.ApiGatewayMethodXOptions.Properties.Integration.IntegrationResponses[0]"
        ".ResponseTemplates.application/json",
        "does not parse",
    )


def test_missing_template_file(tmp_path: Path) -> None:
    result = run_serve(str(SERVICE_DIR), "--template", str(tmp_path / "nope.json"))
    assert_clean_failure(result, "nope.json does not exist")


def test_every_missing_handler_is_reported_before_serving(tmp_path: Path) -> None:
    template = (
        TemplateBuilder()
        .function("noFunction", "handlers.does_not_exist")
        .function("noFile", "missing_module.handler")
        .function("fine", "handlers.echo")
        .proxy("a", "GET", "noFunction")
        .proxy("b", "GET", "noFile")
        .build()
    )
    result = run_serve(str(SERVICE_DIR), "--template", str(write_template(tmp_path, template)))
    assert_clean_failure(
        result,
        "2 handler(s) cannot be found",
        "function noFunction: handler 'handlers.does_not_exist'",
        "defines no 'does_not_exist'",
        "function noFile: handler 'missing_module.handler' needs the file",
        "missing_module.py, which does not exist",
    )


def test_compiling_without_a_compiler_or_service_fails_cleanly(tmp_path: Path) -> None:
    result = run_serve(str(tmp_path / "no-such-service"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_serves_prints_banner_and_access_log_then_stops_on_sigint(tmp_path: Path) -> None:
    template = write_template(tmp_path, as_python(sls3_template("seed-tldr"), "handlers.echo"))
    process, banner = start_serve(str(SERVICE_DIR), "--template", str(template), "--port", "0")
    try:
        assert process.stdout is not None
        match = re.search(r"base URL: (http://127\.0\.0\.1:\d+/dev)", banner)
        assert match, banner
        assert re.search(r"GET\s+│ /product/\{id\}\s+│ getProduct", banner), banner
        assert re.search(r"OPTIONS\s+│ /product\s+│ MOCK\s+│ allow-origin \*, OPTIONS,POST", banner)
        base = match.group(1)
        response = httpx.options(
            base + "/product",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        )
        assert response.status_code == 200
        assert httpx.get(base + "/product/1").json()["pathParameters"] == {"id": "1"}
        line = process.stdout.readline()
        assert "OPTIONS /dev/product  200" in line
        assert "CORS ok for http://localhost:5173" in line
        line = process.stdout.readline()
        assert line.startswith("GET /dev/product/1  200")
        assert "getProduct" in line
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Traceback" not in stderr


STAGED_SERVICE = """\
service: staged
provider:
  name: aws
  runtime: python3.11
  stage: prod
  region: eu-west-1
functions:
  hello:
    handler: handler.hello
    events:
      - http: {path: hello, method: get}
"""


def test_provider_stage_and_region_apply_without_flags(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(STAGED_SERVICE)
    (tmp_path / "handler.py").write_text(
        "import os\n\ndef hello(event, context):\n"
        "    return {'statusCode': 200, 'body': os.environ['AWS_REGION']}\n"
    )
    loaded = compile_and_load(tmp_path, stage=None, region=None)
    assert loaded.api.stage == "prod"
    assert {(f.name, f.region) for f in loaded.api.functions.values()} == {
        ("staged-prod-hello", "eu-west-1")
    }
    flagged = compile_and_load(tmp_path, stage="qa", region="us-west-2")
    assert flagged.api.stage == "qa"
    assert {(f.name, f.region) for f in flagged.api.functions.values()} == {
        ("staged-qa-hello", "us-west-2")
    }
    # and the command line leaves them to the service too
    process, banner = start_serve(str(tmp_path), "--port", "0")
    try:
        match = re.search(r"base URL: (http://127\.0\.0\.1:\d+/prod)\n", banner)
        assert match, banner
        assert httpx.get(match.group(1) + "/hello").text == "eu-west-1"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
