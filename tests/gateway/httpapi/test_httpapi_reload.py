"""Reload and Node.js handlers on HTTP API routes: a handler edit and a template edit apply to
the next request, as for REST routes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corsway.gateway.loader import LoadedService, check_functions, load_template_file
from tests.compile.sls3cases import http_api_case
from tests.gateway.test_reload import serve

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def test_node_handler_and_template_edits_reload(tmp_path: Path) -> None:
    service = tmp_path / "service"
    shutil.copytree(http_api_case("cors-true"), service)
    template_path = service / "expected-template.json"

    def load() -> tuple[LoadedService, list[str]]:
        loaded = load_template_file(template_path, service, stage="dev", region="us-east-1")
        return loaded, check_functions(loaded.apis, loaded.source)

    for running in serve(service, load, template_path, template_mode=True):
        first = running.get("/users")
        assert first.json() == {"ok": True, "routeKey": "GET /users"}
        assert "apigw-requestid" in first.headers
        running.edit("handler.js", "({ ok: true,", "({ ok: true, edited: 1,")
        log = running.wait_for("reload: handler.js changed")
        assert "workers recycled" in log
        assert running.json("/users") == {"ok": True, "edited": 1, "routeKey": "GET /users"}
        template = json.loads(template_path.read_text())
        template["Resources"]["HttpApiRouteGetUsers"]["Properties"]["RouteKey"] = "GET /people"
        template_path.write_text(json.dumps(template))
        log = running.wait_for("reload: expected-template.json changed")
        assert "added GET /people" in log and "removed GET /users" in log
        assert running.json("/people")["routeKey"] == "GET /people"
        missing = running.get("/users")
        assert missing.status_code == 404
        assert missing.content == b'{"message":"Not Found"}'
        assert "GET /people  200" in running.console()
