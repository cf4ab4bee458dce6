"""The start-up check of Node.js handlers: every problem at once, notes for what still runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corsway.runtimes.base import FunctionConfig
from corsway.runtimes.registry import check_handlers
from tests.gateway.node_support import make_node_service, requires_node
from tests.gateway.support import TemplateBuilder

pytestmark = requires_node

COMMAND = [sys.executable, "-c", "from corsway.cli import run; run()", "serve"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_node_service(tmp_path_factory.mktemp("node-check"))


def config(service: Path, key: str, handler: str, runtime: str = "nodejs20.x") -> FunctionConfig:
    return FunctionConfig(key=key, name=f"svc-dev-{key}", handler=handler, runtime=runtime,
                          code_dir=service)  # fmt: skip


def test_valid_handlers_pass_without_notes(service: Path) -> None:
    report = check_handlers(
        [
            config(service, "a", "handlers.callback"),
            config(service, "b", "handlers.nested.deeper.handler"),
            config(service, "c", "esm/handler.handler"),
            config(service, "d", "typemodule/handler.handler"),
            config(service, "e", "src/api/handler.main"),
            config(service, "f", "handlers.envAndContext"),  # requires from node_modules
        ]
    )
    assert report.problems == []
    assert report.notes == []


def test_every_problem_is_reported_at_once(service: Path) -> None:
    (service / "products.js").write_text(
        "exports.getProduct = async () => ({});\nexports.createProduct = async () => ({});\n"
    )
    report = check_handlers(
        [
            config(service, "noFile", "missing.handler"),
            config(service, "noExport", "products.getProducts"),
            config(service, "notFunction", "handlers.notAFunction"),
            config(service, "malformed", "handlers"),
            config(service, "upwards", "../elsewhere/handler.main"),
            config(service, "fine", "handlers.callback"),
        ]
    )
    assert report.problems == [
        f"function noFile: handler 'missing.handler' needs the file {service}/missing.js "
        "(or .mjs / .cjs), which does not exist",
        "function malformed: handler 'handlers' must look like 'file.export' "
        "(e.g. 'handler.getProduct')",
        "function upwards: handler '../elsewhere/handler.main' must not contain '..' (handler "
        "paths are relative to the service)",
        f"function noExport: handler 'products.getProducts': {service}/products.js does not "
        "export 'getProducts' (it exports: getProduct, createProduct)",
        f"function notFunction: handler 'handlers.notAFunction': 'notAFunction' in "
        f"{service}/handlers.js is a number, not a function",
    ]


def test_a_long_export_list_is_shortened(service: Path) -> None:
    report = check_handlers([config(service, "noExport", "handlers.doesNotExist")])
    assert report.problems[0].startswith(
        f"function noExport: handler 'handlers.doesNotExist': {service}/handlers.js does not "
        "export 'doesNotExist' (it exports: echo, envAndContext, callback, succeed, done, fail, "
        "firstCallWins, promiseFromPlainFunction, waitsForTimers, openHandle, throws, rejects and "
    )


def test_a_module_that_fails_to_load_is_a_note(service: Path) -> None:
    report = check_handlers([config(service, "broken", "broken.handler")])
    assert report.problems == []
    assert report.notes == [
        f"function broken: handler 'broken.handler': {service}/broken.js cannot be loaded: "
        "Runtime.ImportModuleError: Error: Cannot find module 'not-installed-anywhere' (are its "
        f"dependencies installed? run `npm install` in {service}); its requests answer 502 "
        "until it loads"
    ]


def test_old_runtime_names_get_one_line(service: Path) -> None:
    report = check_handlers(
        [
            config(service, "getProduct", "handlers.callback", "nodejs6.10"),
            config(service, "createProduct", "handlers.callback", "nodejs6.10"),
            config(service, "current", "handlers.callback", "nodejs20.x"),
        ]
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    if not node.startswith("v20."):
        pytest.skip(f"this test names nodejs20.x as the installed version; node is {node}")
    assert report.problems == []
    assert report.notes == [
        f"runtime nodejs6.10 (getProduct, createProduct) runs on the installed Node.js {node}"
    ]


def test_callback_handlers_on_nodejs24_get_a_note(service: Path) -> None:
    report = check_handlers(
        [
            config(service, "callback", "callback_node24.handler", "nodejs24.x"),
            config(service, "async", "callback_node24.asyncHandler", "nodejs24.x"),
        ]
    )
    assert [n for n in report.notes if n.startswith("function ")] == [
        "function callback: handler 'callback_node24.handler': runtime nodejs24.x: AWS Lambda "
        "rejects callback-style handlers (3 parameters) from Node.js 24 on, so its requests "
        "answer 502 (Runtime.CallbackHandlerDeprecated), as they would on AWS"
    ]


def test_missing_node_is_a_clear_error(service: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORSWAY_NODE", str(service / "no-such-node"))
    report = check_handlers(
        [
            config(service, "getProduct", "handlers.callback"),
            config(service, "createProduct", "handlers.callback"),
            config(service, "python", "handlers.callback", "python3.11"),  # not Node: skipped
        ]
    )
    assert report.problems[-1] == (
        f"functions getProduct, createProduct use a Node.js runtime, but no `node` executable "
        f"was found on $CORSWAY_NODE ({service}/no-such-node): install Node.js 18 or later, or "
        "set CORSWAY_NODE to its path"
    )


def test_unsupported_runtime_is_a_note(service: Path) -> None:
    report = check_handlers([config(service, "java", "com.example.Handler", "java21")])
    assert report.notes == [
        "function java: runtime java21 is not supported by this version of corsway serve; its "
        "routes answer 502"
    ]


def test_module_output_while_loading_does_not_break_the_check(tmp_path: Path) -> None:
    (tmp_path / "chatty.js").write_text(
        "console.log('{\"functions\": []}');\nprocess.stdout.write('noise');\n"
        "setTimeout(() => { throw new Error('later'); }, 0);\n"
        "exports.handler = async () => ({});\n"
    )
    report = check_handlers([config(tmp_path, "chatty", "chatty.handler")])
    assert report.problems == []
    assert report.notes == []


def run_serve(
    service: Path, template: dict[str, object], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    path = service / "template.json"
    path.write_text(json.dumps(template))
    return subprocess.run(
        [*COMMAND, str(service), "--template", str(path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def test_serve_exits_1_listing_every_missing_node_handler(service: Path) -> None:
    template = (
        TemplateBuilder()
        .function("noExport", "handlers.nope", runtime="nodejs20.x")
        .function("noFile", "nowhere.handler", runtime="nodejs18.x")
        .function("fine", "handlers.callback", runtime="nodejs20.x")
        .proxy("a", "GET", "noExport")
        .proxy("b", "GET", "noFile")
        .build()
    )
    result = run_serve(service, template)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in (
        "2 handler(s) cannot be found",
        "function noFile: handler 'nowhere.handler' needs the file",
        "function noExport: handler 'handlers.nope':",
        "does not export 'nope'",
    ):
        assert fragment in result.stderr, result.stderr


def test_serve_exits_1_when_node_is_missing(service: Path) -> None:
    template = (
        TemplateBuilder()
        .function("hello", "handlers.callback", runtime="nodejs20.x")
        .proxy("hello", "GET", "hello")
        .build()
    )
    result = run_serve(service, template, {"CORSWAY_NODE": "/nonexistent/node"})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (
        "functions hello use a Node.js runtime, but no `node` executable was found on "
        "$CORSWAY_NODE (/nonexistent/node)" in result.stderr
    )
