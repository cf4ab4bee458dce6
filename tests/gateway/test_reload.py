"""Reload while serving: edits to serverless.yml, included files, the template or the handlers
apply to the next request; a broken edit keeps the last good configuration serving."""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from corsway.gateway.accesslog import Console
from corsway.gateway.loader import (
    LoadedService,
    check_functions,
    compile_and_load,
    load_template_file,
)
from corsway.gateway.reload import Reloader, ReloadSource, is_ignored, is_source
from corsway.gateway.server import GatewayServer
from tests.gateway.support import FIXTURES, BackgroundGet, TemplateBuilder

SERVICE = FIXTURES / "reload_service"


@dataclass
class Served:
    server: GatewayServer
    reloader: Reloader
    output: io.StringIO
    client: httpx.Client
    service: Path

    @property
    def url(self) -> str:
        return self.server.base_url

    def get(self, path: str) -> httpx.Response:
        return self.client.get(self.url + path)

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def console(self) -> str:
        return self.output.getvalue()

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.service / name
        text = path.read_text()
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new))

    def wait_for(self, text: str, count: int = 1, timeout: float = 15.0) -> str:
        """The console once it holds `text` `count` times (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.console()
            if log.count(text) >= count:
                time.sleep(0.05)  # the reload's console line is printed after it is applied
                return self.console()
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not printed {count} time(s):\n{self.console()[-3000:]}")


def serve(
    service: Path, load: Any, config_file: Path, *, template_mode: bool = False
) -> Iterator[Served]:
    loaded, _ = load()
    output = io.StringIO()
    server = GatewayServer(loaded.api, Console(output, color=False), host="127.0.0.1", port=0)
    source = ReloadSource(
        service_dir=service, config_file=config_file, template_mode=template_mode, load=load
    )
    reloader = Reloader(server, source, debounce_ms=400, step_ms=60)
    server.reloader = reloader
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the gateway did not start"
        time.sleep(0.01)
    time.sleep(0.3)  # the watcher is set up
    try:
        with httpx.Client(timeout=30) as client:
            yield Served(server, reloader, output, client, service)
    finally:
        server.stop()
        thread.join(timeout=15)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    service = tmp_path / "service"
    shutil.copytree(SERVICE, service)

    def load() -> tuple[LoadedService, list[str]]:
        loaded = compile_and_load(service, stage="dev", region="us-east-1")
        return loaded, check_functions(loaded.api, loaded.source)

    yield from serve(service, load, service / "serverless.yml")


def test_a_handler_edit_applies_to_the_next_request(served: Served) -> None:
    before = served.json("/hello")
    assert before["version"] == 1
    served.edit("handler.py", '"version": 1', '"version": 2')
    log = served.wait_for("reload: handler.py changed")
    assert "workers recycled for hello, slow" in log
    after = served.json("/hello")
    assert after["version"] == 2
    assert after["pid"] != before["pid"]  # a fresh worker loaded the new code


def test_an_edit_to_an_imported_module_reloads_the_handler(served: Served) -> None:
    assert served.json("/hello")["shout"] == "A"
    served.edit("helpers.py", "text.upper()", "text.upper() + '!'")
    served.wait_for("reload: helpers.py changed")
    assert served.json("/hello")["shout"] == "A!"


def test_an_atomic_save_is_seen_like_an_edit(served: Served) -> None:
    served.json("/hello")
    path = served.service / "handler.py"
    temporary = served.service / ".handler.py.swp"
    temporary.write_text(path.read_text().replace('"version": 1', '"version": 3'))
    os.replace(temporary, path)  # what many editors do on save
    served.wait_for("reload: handler.py changed")
    assert served.json("/hello")["version"] == 3


def test_a_configuration_edit_adds_a_route(served: Served) -> None:
    assert served.get("/goodbye").status_code == 403
    served.edit(
        "serverless.yml",
        "  slow:\n",
        "  goodbye:\n    handler: handler.hello\n    events:\n      - http:\n"
        "          path: goodbye\n          method: get\n  slow:\n",
    )
    log = served.wait_for("reload: serverless.yml changed")
    assert "added GET /goodbye" in log
    assert "fresh workers for goodbye" in log
    assert served.json("/goodbye")["version"] == 1


def test_an_included_file_edit_restarts_the_functions_it_configures(served: Served) -> None:
    before = served.json("/hello")
    assert before["greeting"] == "hello from settings"
    served.edit("settings.yml", "hello from settings", "hello again")
    log = served.wait_for("reload: settings.yml changed")
    assert "fresh workers for hello, slow" in log  # the environment of both changed
    after = served.json("/hello")
    assert after["greeting"] == "hello again"
    assert after["pid"] != before["pid"]


def test_a_function_whose_configuration_is_unchanged_stays_warm(served: Served) -> None:
    warm = served.json("/hello")["pid"]
    served.edit("serverless.yml", "          path: slow\n", "          path: slower\n")
    log = served.wait_for("reload: serverless.yml changed")
    assert "added GET /slower" in log and "removed GET /slow" in log
    assert "fresh workers" not in log
    assert served.json("/hello")["pid"] == warm
    assert served.get("/slow").status_code == 403
    assert served.get("/slower?s=0").status_code == 200


def test_broken_yaml_keeps_the_last_good_configuration(served: Served) -> None:
    served.edit("serverless.yml", "          path: hello\n", "          path: [hello\n")
    log = served.wait_for("does not load")
    assert (
        "reload: serverless.yml changed, but it does not load (the previous configuration " in log
    )
    assert "serverless.yml:13:" in log  # file:line of the YAML error
    assert served.json("/hello")["version"] == 1  # still serving
    served.edit("serverless.yml", "          path: [hello\n", "          path: hi\n")
    log = served.wait_for("reload: serverless.yml changed:")
    assert "added GET /hi" in log
    assert served.json("/hi")["version"] == 1


def test_a_python_syntax_error_keeps_the_previous_code(served: Served) -> None:
    before = served.json("/hello")
    served.edit("handler.py", '"version": 1', '"version": 1,,')
    lines = (served.service / "handler.py").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if '"version": 1,,' in text)
    log = served.wait_for("does not load")
    assert "reload: handler.py changed, but it does not load (the workers keep the previous" in log
    assert f"{served.service / 'handler.py'}:{line}:" in log
    assert "SyntaxError" in log
    assert served.json("/hello") == before  # the same warm worker, the same code
    served.edit("handler.py", '"version": 1,,', '"version": 4')
    served.wait_for("reload: handler.py changed:")
    assert served.json("/hello")["version"] == 4


def test_a_missing_handler_keeps_serving_and_the_fix_reloads(served: Served) -> None:
    served.json("/hello")  # a warm worker with the good code
    served.edit("handler.py", "def hello(", "def hullo(")
    log = served.wait_for("does not load")
    assert "defines no 'hello'" in log
    assert served.json("/hello")["version"] == 1
    # A configuration that names a handler not written yet is retried after the next edit.
    served.edit("serverless.yml", "handler: handler.hello", "handler: handler.hullo")
    served.wait_for("reload: serverless.yml changed:")
    assert served.json("/hello")["version"] == 1


def test_a_configuration_naming_a_future_handler_applies_once_it_exists(served: Served) -> None:
    served.edit(
        "serverless.yml",
        "  slow:\n",
        "  extra:\n    handler: handler.extra\n    events:\n      - http:\n"
        "          path: extra\n          method: get\n  slow:\n",
    )
    served.wait_for("defines no 'extra'")
    assert served.get("/extra").status_code == 403
    with (served.service / "handler.py").open("a") as handler:
        handler.write('\n\ndef extra(event, context):\n    return {"body": "extra"}\n')
    log = served.wait_for("reload: handler.py changed:")
    assert "added GET /extra" in log
    assert served.get("/extra").text == "extra"


def test_a_request_in_flight_finishes_on_the_old_configuration(served: Served) -> None:
    slow = BackgroundGet(served.url + "/slow?s=1.5")
    deadline = time.monotonic() + 10
    while not any(r.size for r in [served.server.runtimes["slow"]]):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)
    served.edit("serverless.yml", "          path: slow\n", "          path: gone\n")
    served.wait_for("reload: serverless.yml changed:")
    assert served.get("/slow").status_code == 403  # new requests see the new model
    assert slow.response().status_code == 200
    assert slow.response().json()["slow"] == "done"


def test_ignored_files_do_not_reload(served: Served) -> None:
    for name in (
        ".git/index",
        "node_modules/pkg/index.js",
        "__pycache__/handler.cpython-311.pyc",
        ".serverless/cloudformation-template-update-stack.json",
        "handler.py~",
        ".#handler.py",
        "#handler.py#",
        "4913",
        ".handler.py.swp",
        "serve-output",  # `corsway serve > serve-output` in the service: no feedback loop
        "items.db",  # files the handlers write
        "notes.txt",
    ):
        path = served.service / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not a change of the service")
    served.edit("helpers.py", "text.upper()", "text.upper() + '?'")
    log = served.wait_for("reload: ")
    lines = [line for line in log.splitlines() if line.startswith("reload: ")]
    assert lines == [lines[0]]
    assert lines[0].startswith("reload: helpers.py changed:"), lines
    assert served.reloader.reloads == 1


def test_ignore_rules() -> None:
    root = Path("/svc")
    for name in ("node_modules/x/y.js", ".git/HEAD", "a/__pycache__/b.pyc", "x.py~", "4913"):
        assert is_ignored(root / name, root), name
    for name in ("handler.py", "src/api/handler.py", "serverless.yml", ".env.dev", "lib/x.js"):
        assert not is_ignored(root / name, root), name
    for name in ("handler.py", "lib/x.mjs", "x.cjs", "serverless.yml", "a.yaml", "d.json", ".env"):
        assert is_source(root / name), name
    for name in ("out", "serve.txt", "items.db", "image.png", "handler.pyi.bak"):
        assert not is_source(root / name), name


def test_a_template_edit_reloads_the_template(tmp_path: Path) -> None:
    service = tmp_path / "service"
    shutil.copytree(SERVICE, service)
    template_path = tmp_path / "template.json"

    def template(path: str) -> dict[str, Any]:
        return (
            TemplateBuilder().function("hello", "handler.hello").proxy(path, "GET", "hello").build()
        )

    template_path.write_text(json.dumps(template("one")))
    os.environ["GREETING"] = "from the shell"

    def load() -> tuple[LoadedService, list[str]]:
        loaded = load_template_file(template_path, service, stage="dev", region="us-east-1")
        return loaded, check_functions(loaded.api, loaded.source)

    for running in serve(service, load, template_path, template_mode=True):
        assert running.json("/one")["version"] == 1
        template_path.write_text(json.dumps(template("two")))
        log = running.wait_for("reload: ")
        assert "template.json changed:" in log
        assert "added GET /two" in log and "removed GET /one" in log
        assert running.json("/two")["version"] == 1
        template_path.write_text("{ not json")
        log = running.wait_for("does not load")
        assert f"{template_path}:1:3" in log
        assert running.json("/two")["version"] == 1
    del os.environ["GREETING"]
