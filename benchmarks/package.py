"""Benchmark: `corsway package` vs the real `serverless package` (v3.40) on one generated service.

The service has 200 functions and 400 http events (cors objects and `cors: true`, shared paths,
path variables, an authorizer, variables). corsway is timed in-process (best of several runs,
including loading and variable resolution) and as a fresh `corsway package` process; when node
and npm are available, scripts/sls3-package.sh runs the real framework on the same directory
(its first use installs serverless@3.40.0, which is not timed) and the run prints the ratio and
whether both API outputs are identical.

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-serverless", action="store_true", help="skip the real framework")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="corsway-bench-") as temp:
        directory = Path(temp)
        events = generate_service(directory, args.functions)
        print(f"service: {args.functions + 1} functions, {events} http events")

        seconds, ours, resources = time_in_process(directory, args.runs)
        print(
            f"corsway compile (in-process, best of {args.runs}): {seconds * 1000:8.1f} ms "
            f"({resources} resources){'  OK < 1 s' if seconds < 1 else '  SLOWER THAN 1 s'}"
        )
        corsway = shutil.which("corsway", path=str(Path(sys.executable).parent)) or "corsway"
        cli_seconds, _ = time_command(
            [corsway, "package", str(directory), "--stage", "dev", "--api-only"], args.runs
        )
        print(f"corsway package (new process, best of {args.runs}):  {cli_seconds * 1000:8.1f} ms")

        if args.no_serverless:
            return 0
        if not (shutil.which("node") and shutil.which("npm")):
            print("serverless package: skipped (node/npm not available)")
            return 0
        command = [str(ORACLE), "--api-only", "--stage", "dev", "--region", "us-east-1"]
        command.append(str(directory))
        env_home = os.environ.get("SLS3_HOME", str(Path.home() / ".cache" / "corsway-sls3"))
        if not (Path(env_home) / "node_modules" / "serverless").is_dir():
            print("serverless package: installing serverless@3.40.0 first (not timed) ...")
            time_command(command, 1)
        runs = max(1, min(args.runs, 3))
        sls_seconds, theirs = time_command(command, runs)
        print(f"serverless package (best of {runs}):               {sls_seconds * 1000:8.1f} ms")
        print(
            f"ratio: corsway in-process is {sls_seconds / seconds:,.0f}x faster, "
            f"as a process {sls_seconds / cli_seconds:,.1f}x faster"
        )
        same = normalize(ours) == normalize(theirs)
        count = len(json.loads(theirs)["Resources"])
        print(f"parity: API output {'identical' if same else 'DIFFERENT'} ({count} resources)")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
