"""`corsway check` on the command line: output, exit status, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from corsway.cli.main import cli
from tests.doctor.matrix import Matrix


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_terminal_output_tells_the_whole_story(matrix: Matrix) -> None:
    url = matrix.script.bases["a"] + "/preflight-403-no-cors/a"
    code, out, _ = invoke(
        url,
        "--origin",
        "http://localhost:5173",
        "-X",
        "PUT",
        "-H",
        "Authorization: Bearer a-rather-long-token",
    )
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0]
        == f"corsway check  PUT {url}  from http://localhost:5173  (credentials: same-origin)"
    )
    assert f"preflight  OPTIONS {url}" in lines
    assert "  Access-Control-Request-Headers: authorization" in lines
    assert '← 403  {"message":"Missing Authentication Token"}' in lines
    assert "  x-amzn-ErrorType: MissingAuthenticationTokenException" in lines
    assert "  Access-Control-Allow-Origin: (missing)" in lines
    assert "blocked  PreflightMissingAllowOriginHeader" in lines
    assert any(line.startswith("Chromium: Access to fetch at") for line in lines)
    assert "cause: no-preflight-route" in lines
    assert any(line.startswith("fix: API Gateway has no OPTIONS method") for line in lines)
    matrix.script.take("preflight-403-no-cors")


def test_an_allowed_request_exits_0_and_secrets_are_shortened(matrix: Matrix) -> None:
    url = matrix.script.bases["a"] + "/cookie-include/a"
    code, out, _ = invoke(
        url,
        "--origin",
        matrix.script.bases["page"],
        "--credentials",
        "include",
        "-H",
        "Cookie: session=0123456789abcdefghij",
    )
    assert code == 0
    assert "  Cookie: session=0123…" in out.splitlines()
    assert "allowed: the page can read the response (status 200)" in out
    matrix.script.take("cookie-include")


def test_no_answer_exits_2_with_one_line(matrix: Matrix) -> None:
    url = f"http://127.0.0.1:{matrix.down_port}/x"
    code, out, err = invoke(url, "--origin", "http://localhost:5173", "--json")
    assert code == 2
    assert json.loads(out)["message"] == "Failed to load resource: net::ERR_CONNECTION_REFUSED"
    assert err.strip().splitlines() == [
        f"corsway check: no answer from {url} (net::ERR_CONNECTION_REFUSED): is the server running?"
    ]


def test_bad_input_exits_2_with_one_line() -> None:
    for args, words in [
        (["http://127.0.0.1:1/x", "--origin", "localhost"], "origin 'localhost' is not an origin"),
        (
            ["http://127.0.0.1:1/x", "--origin", "null", "--data", "x", "-X", "GET"],
            "a GET request cannot have a body",
        ),
        (
            ["http://127.0.0.1:1/x", "--origin", "null", "-H", "NoColon"],
            "header 'NoColon' is not 'Name: value'",
        ),
        (["http://127.0.0.1:1/x", "--origin", "null", "-H", "Host: x"], "header Host:"),
    ]:
        code, out, err = invoke(*args)
        assert code == 2
        assert out == ""
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("corsway check: error: ")
        assert words in err


def test_a_service_directory_without_serverless_yml_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    code, out, err = invoke(
        "http://127.0.0.1:9/x", "--origin", "null", "--service", str(tmp_path), "--json"
    )
    assert code == 2
    assert out == ""
    assert f"--service {tmp_path}: " in err
    assert "no serverless.yml or serverless.yaml in" in err


def test_the_command_runs_as_a_process(matrix: Matrix) -> None:
    url = matrix.script.bases["a"] + "/put-acam-lowercase/a"
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from corsway.cli import run; run()",
            "check",
            url,
            "--origin",
            matrix.script.bases["page"],
            "-X",
            "PUT",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert document["browser_error"] == "MethodDisallowedByPreflightResponse"
    assert document["cause"] == "method-not-allowed"
    assert document["exchanges"][0]["request"]["method"] == "OPTIONS"
    assert document["exchanges"][0]["response"]["headers"][0] == [
        "Access-Control-Allow-Origin",
        matrix.script.bases["page"],
    ]
    assert document["fix"]["file"] is None
    matrix.script.take("put-acam-lowercase")
