"""The adapters' import footprint: standard library only, and none of the slow modules (logging,
json, asyncio, typing, ...) until a path that needs them runs. Lambda cold starts pay for every
module imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.engine.test_imports import engine_modules

HEAVY = [
    "asyncio",
    "collections",
    "dataclasses",
    "enum",
    "functools",
    "inspect",
    "json",
    "logging",
    "re",
    "traceback",
    "typing",
]

PROBE = """
import json, sys
before = set(sys.modules)
{statement}
after = set(sys.modules) - before
print(json.dumps(sorted(after)))
"""

HAPPY_PATHS = {
    "corsway.aws": (
        "from corsway.aws import cors\n"
        "h = cors(origins=['https://a.example'], methods=['PUT'], credentials=True)("
        "lambda e, c: {'statusCode': 200})\n"
        "h({'httpMethod': 'GET', 'headers': {'Origin': 'https://a.example'}}, None)\n"
        "h({'httpMethod': 'OPTIONS', 'headers': {'Origin': 'https://a.example',"
        " 'Access-Control-Request-Method': 'PUT'}}, None)\n"
        "h({'version': '2.0', 'requestContext': {'http': {'method': 'GET'}},"
        " 'headers': {'origin': 'https://a.example'}}, None)\n"
    ),
    "corsway.asgi": (
        "from corsway.asgi import CorsMiddleware\n"
        "async def app(s, r, send):\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "m = CorsMiddleware(app, origins=['https://a.example'])\n"
        "async def send(message): pass\n"
        "async def receive(): return {}\n"
        "c = m({'type': 'http', 'method': 'GET', 'headers': [(b'origin', b'https://a.example')]},"
        " receive, send)\n"
        "try:\n    c.send(None)\nexcept StopIteration:\n    pass\n"
    ),
    "corsway.wsgi": (
        "from corsway.wsgi import CorsMiddleware\n"
        "def app(env, start):\n    start('200 OK', [])\n    return [b'']\n"
        "m = CorsMiddleware(app, allow_origins=['https://a.example'])\n"
        "m({'REQUEST_METHOD': 'GET', 'HTTP_ORIGIN': 'https://a.example'}, lambda *a: None)\n"
    ),
}


def new_modules(statement: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules: list[str] = json.loads(result.stdout)
    return modules


@pytest.mark.parametrize("module", sorted(HAPPY_PATHS))
def test_adapters_import_only_light_standard_library_modules(module: str) -> None:
    loaded = new_modules(f"import {module}")
    ours = {m for m in loaded if m.split(".")[0] == "corsway"}
    assert ours == {"corsway", *engine_modules(), "corsway._adapter", module}
    others = [m for m in loaded if m not in ours]
    assert all(m.split(".")[0] in sys.stdlib_module_names for m in others), others
    assert not set(HEAVY) & set(others), others


@pytest.mark.parametrize("module", sorted(HAPPY_PATHS))
def test_the_usual_requests_import_nothing_slow(module: str) -> None:
    loaded = new_modules(HAPPY_PATHS[module])
    assert not set(HEAVY) & set(loaded), loaded


def test_importing_the_package_does_not_load_the_adapters() -> None:
    loaded = new_modules("import corsway")
    assert [m for m in loaded if m.startswith("corsway")] == ["corsway"]
