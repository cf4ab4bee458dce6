"""Benchmark: `corsway package` vs the real `serverless package` (v3.40) on generated services.

The REST service has 200 functions and 400 http events (cors objects and `cors: true`, shared
paths, path variables, an authorizer, variables); the HTTP API variant has as many functions and
httpApi events (a cors object, a JWT and a request authorizer, path variables, a catch-all).
corsway is timed in-process (best of several runs, including loading and variable resolution)
and, for the REST service, as a fresh `corsway package` process; when node and npm are
available, scripts/sls3-package.sh runs the real framework on the same directories (its first
use installs serverless@3.40.0, which is not timed) and the run prints the ratios and whether
the API outputs are identical.

    .venv/bin/python benchmarks/package.py [--functions 200] [--runs 5] [--no-serverless]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "scripts" / "sls3-package.sh"
HANDLER = """'use strict';
module.exports.handler = async () => ({
  statusCode: 200,
  headers: { 'Access-Control-Allow-Origin': '*' },
  body: '{}',
});
module.exports.authorizer = async (event) => ({
  principalId: 'user',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
  },
});
"""


def generate_service(directory: Path, functions: int) -> int:
    """Write serverless.yml + handler.js; return the number of http events."""
    lines = [
        "service: bench-service",
        "provider:",
        "  name: aws",
        "  runtime: nodejs18.x",
        "  environment:",
        "    STAGE: ${sls:stage}",
        "    TABLE: ${self:service}-${sls:stage}-table",
        "custom:",
        "  cors:",
        "    origins:",
        "      - https://app.example.com",
        "      - https://*.example.org",
        "    headers: [Content-Type, Authorization, X-Request-Id]",
        "    allowCredentials: true",
        "    maxAge: 600",
        "functions:",
        "  auth:",
        "    handler: handler.authorizer",
    ]
    events = 0
    for index in range(functions):
        group = f"group{index // 10}"
        lines += [
            f"  fn{index}:",
            "    handler: handler.handler",
            "    timeout: 10",
            "    environment:",
            f"      FUNCTION_INDEX: {index}",
            "    events:",
            "      - http:",
            f"          path: {group}/items{index}",
            "          method: get",
            "          cors: true",
            "      - http:",
            f"          path: {group}/items{index}/{{id}}",
            "          method: post" if index % 2 else "          method: put",
            "          cors: ${self:custom.cors}",
        ]
        if index % 5 == 0:
            lines.append("          authorizer: auth")
        events += 2
    lines += [
        "resources:",
        "  Resources:",
        "    GatewayResponseDefault4XX:",
        "      Type: AWS::ApiGateway::GatewayResponse",
        "      Properties:",
        "        ResponseParameters:",
        "          gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\"",
        "        ResponseType: DEFAULT_4XX",
        "        RestApiId: !Ref ApiGatewayRestApi",
    ]
    (directory / "serverless.yml").write_text("\n".join(lines) + "\n")
    (directory / "handler.js").write_text(HANDLER)
    return events


def generate_http_api_service(directory: Path, functions: int) -> int:
    """The HTTP API variant: serverless.yml + handler.js; return the number of httpApi events."""
    lines = [
        "service: bench-http-api",
        "provider:",
        "  name: aws",
        "  runtime: nodejs18.x",
        "  environment:",
        "    STAGE: ${sls:stage}",
        "  httpApi:",
        "    cors:",
        "      allowedOrigins: [https://app.example.com, 'http://localhost:${self:custom.port}']",
        "      allowedHeaders: [Content-Type, Authorization]",
        "      allowCredentials: true",
        "      maxAge: 600",
        "    authorizers:",
        "      jwt:",
        "        identitySource: $request.header.Authorization",
        "        issuerUrl: https://issuer.example.com/",
        "        audience: [bench]",
        "      gate:",
        "        type: request",
        "        functionName: auth",
        "        enableSimpleResponses: true",
        "        identitySource: $request.header.X-Key",
        "custom:",
        "  port: 5173",
        "functions:",
        "  auth:",
        "    handler: handler.authorizer",
        "  fallback:",
        "    handler: handler.handler",
        "    events:",
        "      - httpApi: '*'",
    ]
    events = 1
    for index in range(functions):
        group = f"group{index // 10}"
        lines += [
            f"  fn{index}:",
            "    handler: handler.handler",
            "    timeout: 10",
            "    events:",
            f"      - httpApi: 'GET /{group}/items{index}'",
            "      - httpApi:",
            "          method: post" if index % 2 else "          method: put",
            f"          path: /{group}/items{index}/{{id}}",
        ]
        if index % 5 == 0:
            lines.append("          authorizer: jwt")
        elif index % 5 == 1:
            lines += ["          authorizer:", "            name: gate"]
        events += 2
    (directory / "serverless.yml").write_text("\n".join(lines) + "\n")
    (directory / "handler.js").write_text(HANDLER)
    return events


def normalize(text: str) -> str:
    return re.sub(r"ApiGatewayDeployment\d{13}", "ApiGatewayDeploymentTIMESTAMP", text)


def time_in_process(directory: Path, runs: int) -> tuple[float, str, int]:
    from corsway.compile import api_subset, compile_service
    from corsway.compile.jsonout import to_json

    best = float("inf")
    output = ""
    resources = 0
    for _ in range(runs):
        start = time.perf_counter()
        compiled = compile_service(directory, stage="dev", region="us-east-1")
        output = to_json(api_subset(compiled.template)) + "\n"
        best = min(best, time.perf_counter() - start)
        resources = len(compiled.template["Resources"])
    return best, output, resources


def time_command(command: list[str], runs: int, *, check: bool = True) -> tuple[float, str]:
    best = float("inf")
    stdout = ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if check and proc.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{proc.stderr[-2000:]}")
        best = min(best, elapsed)
        stdout = proc.stdout
    return best, stdout


def compare_with_serverless(
    directory: Path, ours: str, seconds: float, runs: int, label: str
) -> tuple[bool, float]:
    """Time the real framework on `directory`; print the ratio and whether the API outputs
    match. Returns (identical, the framework's seconds)."""
    command = [str(ORACLE), "--api-only", "--stage", "dev", "--region", "us-east-1"]
    command.append(str(directory))
    env_home = os.environ.get("SLS3_HOME", str(Path.home() / ".cache" / "corsway-sls3"))
    if not (Path(env_home) / "node_modules" / "serverless").is_dir():
        print("serverless package: installing serverless@3.40.0 first (not timed) ...")
        time_command(command, 1)
    runs = max(1, min(runs, 3))
    sls_seconds, theirs = time_command(command, runs)
    print(f"{label}: serverless package (best of {runs}):          {sls_seconds * 1000:8.1f} ms")
    print(f"{label}: ratio: corsway in-process is {sls_seconds / seconds:,.0f}x faster")
    same = normalize(ours) == normalize(theirs)
    count = len(json.loads(theirs)["Resources"])
    print(f"{label}: parity: API output {'identical' if same else 'DIFFERENT'} ({count} resources)")
    return same, sls_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-serverless", action="store_true", help="skip the real framework")
    args = parser.parse_args()
    with_serverless = not args.no_serverless
    if with_serverless and not (shutil.which("node") and shutil.which("npm")):
        print("serverless package: skipped (node/npm not available)")
        with_serverless = False
    identical = True

    with tempfile.TemporaryDirectory(prefix="corsway-bench-") as temp:
        directory = Path(temp)
        events = generate_service(directory, args.functions)
        print(f"REST: service: {args.functions + 1} functions, {events} http events")
        seconds, ours, resources = time_in_process(directory, args.runs)
        print(
            f"REST: corsway compile (in-process, best of {args.runs}): {seconds * 1000:8.1f} ms "
            f"({resources} resources){'  OK < 1 s' if seconds < 1 else '  SLOWER THAN 1 s'}"
        )
        corsway = shutil.which("corsway", path=str(Path(sys.executable).parent)) or "corsway"
        cli_seconds, _ = time_command(
            [corsway, "package", str(directory), "--stage", "dev", "--api-only"], args.runs
        )
        print(
            f"REST: corsway package (new process, best of {args.runs}):  "
            f"{cli_seconds * 1000:8.1f} ms"
        )
        if with_serverless:
            same, sls_seconds = compare_with_serverless(directory, ours, seconds, args.runs, "REST")
            print(f"REST: as a process corsway is {sls_seconds / cli_seconds:,.1f}x faster")
            identical = identical and same

    with tempfile.TemporaryDirectory(prefix="corsway-bench-httpapi-") as temp:
        directory = Path(temp)
        events = generate_http_api_service(directory, args.functions)
        print(f"httpApi: service: {args.functions + 2} functions, {events} httpApi events")
        seconds, ours, resources = time_in_process(directory, args.runs)
        print(
            f"httpApi: corsway compile (in-process, best of {args.runs}): "
            f"{seconds * 1000:8.1f} ms ({resources} resources)"
        )
        if with_serverless:
            same, _ = compare_with_serverless(directory, ours, seconds, args.runs, "httpApi")
            identical = identical and same
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
