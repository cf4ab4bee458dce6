"""Benchmark: `corsway lint` on the 200-function service of benchmarks/package.py.

corsway lint is timed in-process (best of several runs: load, variables, compile, every rule,
the handler read once) and as a fresh `corsway lint` process; cfn-lint (installed with the test
extra) lints the compiled template in the same run, for scale: it checks CloudFormation, not
CORS, so the two are not doing the same work. The target: well under a second.

    .venv/bin/python benchmarks/lint.py [--functions 200] [--runs 5] [--no-cfn-lint]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# benchmarks/ is not a package: the service generator comes from the next script over.
from package import generate_service, time_command

TARGET_S = 1.0


def time_lint(directory: Path, runs: int) -> tuple[float, int]:
    from corsway.lint import lint_service

    best = float("inf")
    found = 0
    for _ in range(runs):
        start = time.perf_counter()
        report = lint_service(directory, stage="dev")
        best = min(best, time.perf_counter() - start)
        found = len(report.findings)
    return best, found


def time_cfn_lint(directory: Path) -> tuple[float, int] | None:
    try:
        from cfnlint.api import ManualArgs, lint
    except ImportError:
        return None
    from corsway.compile import compile_service
    from corsway.compile.jsonout import to_json

    text = to_json(compile_service(directory, stage="dev").template)
    start = time.perf_counter()  # one run: cfn-lint takes about a minute on this template
    matches = len(lint(text, config=ManualArgs(regions=["us-east-1"])))
    return time.perf_counter() - start, matches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cfn-lint", action="store_true", help="skip cfn-lint")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="corsway-lint-bench-") as temp:
        directory = Path(temp)
        events = generate_service(directory, args.functions)
        print(f"service: {args.functions + 1} functions, {events} http events")
        seconds, found = time_lint(directory, args.runs)
        verdict = "OK < 1 s" if seconds < TARGET_S else "SLOWER THAN 1 s"
        print(
            f"corsway lint (in-process, best of {args.runs}):  {seconds * 1000:8.1f} ms "
            f"({found} findings)  {verdict}"
        )
        corsway = shutil.which("corsway", path=str(Path(sys.executable).parent)) or "corsway"
        cli_seconds, _ = time_command(
            [corsway, "lint", str(directory), "--format", "json"], args.runs, check=False
        )
        print(f"corsway lint (new process, best of {args.runs}):  {cli_seconds * 1000:8.1f} ms")
        if not args.no_cfn_lint:
            cfn = time_cfn_lint(directory)
            if cfn is None:
                print("cfn-lint: skipped (not installed)")
            else:
                print(
                    f"cfn-lint on the template (in-process, 1 run): {cfn[0] * 1000:8.1f} ms "
                    f"({cfn[1]} matches); corsway lint is {cfn[0] / seconds:,.1f}x faster"
                )
        return 0 if seconds < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
