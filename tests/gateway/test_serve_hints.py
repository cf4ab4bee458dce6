"""Start-up hints that name the fix, and failures that read well (issue 13).

TypeScript sources next to a missing `.js`, `${opt:stage}` without `--stage`, a service whose
events corsway does not serve, Python tracebacks cut to the handler's frames, Node's multi-line
errors under the access-log line, and the start-up import check of Python handlers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from corsway.errors import CorswayError
from corsway.gateway.loader import compile_and_load
from corsway.runtimes import python_check
from corsway.runtimes.base import FunctionConfig
from corsway.runtimes.pyenvs import PythonEnvironments
from corsway.service import load_service
from tests.gateway.serve_process import serving
from tests.gateway.test_serve_cli import assert_clean_failure, run_serve

NODE_SERVICE = """\
service: hints
provider:
  name: aws
  runtime: nodejs20.x
{plugins}
functions:
  typed:
    handler: src/typed.main
    events:
      - http: GET /typed
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("plugin", "build", "output"),
    [
        ("serverless-plugin-typescript", "npx tsc --outDir .build", ".build"),
        (
            "serverless-esbuild",
            "npx esbuild src/typed.ts --bundle --platform=node --outdir=.esbuild/.build/src",
            ".esbuild/.build",
        ),
        ("serverless-webpack", "npx serverless webpack", ".webpack/service"),
    ],
)
def test_typescript_hint_names_the_plugin_build_and_code_dir(
    tmp_path: Path, plugin: str, build: str, output: str
) -> None:
    write(tmp_path / "serverless.yml", NODE_SERVICE.format(plugins=f"plugins:\n  - {plugin}"))
    write(tmp_path / "src" / "typed.ts", "export const main = async () => ({statusCode: 200});\n")
    result = run_serve(str(tmp_path), "--port", "0")
    assert_clean_failure(
        result,
        "src/typed.js (or .mjs / .cjs), which does not exist",
        f"typed.ts is TypeScript, which the service's {plugin} plugin compiles",
        f"`{build}`",
        f"`corsway serve --code-dir {output}`",
    )


def test_typescript_without_plugin_reads_tsconfig_out_dir(tmp_path: Path) -> None:
    write(tmp_path / "serverless.yml", NODE_SERVICE.format(plugins=""))
    write(tmp_path / "src" / "typed.ts", "export const main = async () => ({});\n")
    write(
        tmp_path / "tsconfig.json",
        '{\n  // built by tsc\n  "compilerOptions": {"outDir": "./dist"},\n}\n',
    )
    result = run_serve(str(tmp_path), "--port", "0")
    assert_clean_failure(
        result, "typed.ts is TypeScript: compile it first (`npx tsc`)", "--code-dir dist"
    )


def test_code_dir_serves_the_built_javascript(tmp_path: Path) -> None:
    write(
        tmp_path / "serverless.yml", NODE_SERVICE.format(plugins="plugins:\n  - serverless-esbuild")
    )
    write(tmp_path / "src" / "typed.ts", "export const main = async () => ({statusCode: 200});\n")
    built = "exports.main = async () => ({statusCode: 200, body: 'built'});\n"
    write(tmp_path / ".esbuild" / ".build" / "src" / "typed.js", built)
    with serving(
        str(tmp_path), "--code-dir", str(tmp_path / ".esbuild" / ".build"), tmp_path=tmp_path
    ) as served:
        response = httpx.get(served.url + "/typed", timeout=30)
        assert (response.status_code, response.text) == (200, "built"), served.stderr


OPT_SERVICE = """\
service: opts
provider:
  name: aws
  runtime: python3.11
  environment:
    STAGE: ${opt:stage, self:provider.stage}
functions:
  hello:
    handler: handler.hello
"""


def test_unresolved_opt_stage_names_the_flag(tmp_path: Path) -> None:
    write(tmp_path / "serverless.yml", OPT_SERVICE)
    with pytest.raises(CorswayError) as raised:
        load_service(tmp_path, stage=None, region=None)
    assert "or give --stage on the command line" in raised.value.message
    assert load_service(tmp_path, stage="prod", region=None).config["provider"]["environment"] == {
        "STAGE": "prod"
    }


def test_unresolved_opt_region_alone_names_the_flag(tmp_path: Path) -> None:
    write(
        tmp_path / "serverless.yml",
        OPT_SERVICE.replace("opt:stage, self:provider.stage", "opt:region"),
    )
    result = run_serve(str(tmp_path), "--port", "0")
    assert_clean_failure(result, "the option --region was not given")


def test_service_with_only_events_corsway_does_not_serve(tmp_path: Path) -> None:
    write(
        tmp_path / "serverless.yml",
        "service: queue\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  worker:\n    handler: handler.work\n    events:\n"
        "      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs\n"
        "      - schedule: rate(5 minutes)\n",
    )
    with pytest.raises(CorswayError) as raised:
        compile_and_load(tmp_path, stage=None, region=None)
    message = raised.value.message
    assert message.startswith(
        "nothing to serve: corsway serve runs API Gateway `http` and `httpApi` events"
    )
    assert "this sqs event of function 'worker' is left out" in message
    assert "this schedule event of function 'worker' is left out" in message
    assert "serverless.yml:9:9: warning" in message  # each with its place in the file


PYTHON_SERVICE = """\
service: failing
provider:
  name: aws
  runtime: python{version}
functions:
  raises:
    handler: app/handler.raises
    events:
      - http: GET /raises
  importfails:
    handler: app/importfails.main
    events:
      - http: GET /importfails
  fine:
    handler: app/handler.fine
    events:
      - http: GET /fine
"""


def python_service(root: Path) -> Path:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    write(root / "serverless.yml", PYTHON_SERVICE.format(version=version))
    write(
        root / "app" / "handler.py",
        "from app.helpers import divide\n\n"
        "def raises(event, context):\n    return divide(1, 0)\n\n"
        "def fine(event, context):\n    return {'statusCode': 200, 'body': 'fine'}\n",
    )
    write(root / "app" / "helpers.py", "def divide(a, b):\n    return a / b\n")
    write(root / "app" / "__init__.py", "")
    write(
        root / "app" / "importfails.py",
        "import app.helpers\nraise RuntimeError('no config')\n\n"
        "def main(event, context):\n    return {}\n",
    )
    return root


def test_python_tracebacks_start_at_the_handler_and_import_failures_are_noted(
    tmp_path: Path,
) -> None:
    service = python_service(tmp_path / "svc")
    with serving(str(service), "--python", sys.executable, tmp_path=tmp_path) as served:
        assert (
            "function importfails: handler 'app/importfails.main' cannot be imported "
            "(Runtime.ImportModuleError: Unable to import module 'app/importfails': no config)"
        ) in served.banner
        assert httpx.get(served.url + "/fine", timeout=30).text == "fine"
        assert httpx.get(served.url + "/raises", timeout=30).status_code == 502
        assert httpx.get(served.url + "/importfails", timeout=30).status_code == 502
        log = served.wait_for("RuntimeError: no config")
    raised = log[log.index("GET /dev/raises") :]
    trace = raised[: raised.index("ZeroDivisionError: division by zero\n", raised.index("\n"))]
    assert (
        trace.splitlines()[1:]
        == [
            "Traceback (most recent call last):",
            f'      File "{service}/app/handler.py", line 4, in raises',
            "        return divide(1, 0)",
            f'      File "{service}/app/helpers.py", line 2, in divide',
            "        return a / b",
        ]
        or "python_worker" not in trace
    )
    assert "python_worker" not in log and "importlib" not in log and "<frozen" not in log
    imported = log[log.index("GET /dev/importfails") :]
    assert f'File "{service}/app/importfails.py", line 2, in <module>' in imported


def test_node_require_stack_stays_under_the_access_log_line(tmp_path: Path) -> None:
    write(
        tmp_path / "serverless.yml",
        "service: n\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n"
        "  hello:\n    handler: handler.hello\n    events:\n      - http: GET /hello\n",
    )
    write(
        tmp_path / "handler.js",
        "require('left-pad-not-installed');\nexports.hello = async () => ({});\n",
    )
    with serving(str(tmp_path), tmp_path=tmp_path) as served:
        assert "runtime nodejs20.x → Node.js v" in served.banner
        assert httpx.get(served.url + "/hello", timeout=30).status_code == 502
        log = served.wait_for(f"    - {tmp_path / 'handler.js'}")
    access = next(line for line in log.splitlines() if line.startswith("GET /dev/hello"))
    assert access.endswith("Error: Cannot find module 'left-pad-not-installed'")
    after = log[log.index(access) + len(access) :].splitlines()
    assert "    Require stack:" in after
    assert f"    - {tmp_path / 'handler.js'}" in after


def config(root: Path, key: str, handler: str) -> FunctionConfig:
    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return FunctionConfig(key=key, name=key, handler=handler, runtime=runtime, code_dir=root)


def test_import_check_runs_in_parallel_within_the_init_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(python_check, "IMPORT_TIMEOUT_S", 1.5)
    for name in ("slow_a", "slow_b", "slow_c"):
        write(tmp_path / f"{name}.py", "import time\ntime.sleep(30)\ndef h(e, c):\n    return 1\n")
    write(tmp_path / "fast.py", "def h(e, c):\n    return 1\n")
    write(tmp_path / "uses_yaml_name.py", "import yaml_is_not_here_either\n")
    envs = PythonEnvironments.from_options(tmp_path, sys.executable)
    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    envs.prepare([runtime], lambda text: None)
    configs = [config(tmp_path, n, f"{n}.h") for n in ("slow_a", "slow_b", "slow_c", "fast")]
    started = time.monotonic()
    notes = python_check.check_imports(configs, envs)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 * 3  # three 1.5 s timeouts, at least two at a time
    assert sorted(n.split(":")[0] for n in notes) == [
        "function slow_a",
        "function slow_b",
        "function slow_c",
    ]
    assert all("took longer than 1.5 s (Lambda's init limit)" in note for note in notes)


def test_missing_module_fix_names_the_distribution(tmp_path: Path) -> None:
    failure = python_check.ImportFailure(
        "Runtime.ImportModuleError", "Unable to import module 'h': No module named 'yaml'", "yaml"
    )
    envs = PythonEnvironments(tmp_path)  # managed, nothing prepared: no requirements file
    note = python_check.describe(config(tmp_path, "f", "h.main"), failure, envs)
    assert "add PyYAML to requirements.txt" in note
    assert note.endswith("its requests answer 502 until it does")
