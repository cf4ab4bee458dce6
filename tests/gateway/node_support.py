"""Shared by the Node.js runtime tests: the fixture service, with a package in node_modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corsway.runtimes.node import node_executable
from tests.gateway.support import FIXTURES

NODE_FIXTURE = FIXTURES / "node_service"

requires_node = pytest.mark.skipif(
    node_executable() is None, reason="Node.js (`node`) is not installed"
)


def make_node_service(directory: Path) -> Path:
    """A copy of the fixture service in `directory`, plus `node_modules/greeting` (node_modules
    folders are not committed, so the test writes the package the handlers `require`)."""
    service = directory / "node_service"
    shutil.copytree(NODE_FIXTURE, service)
    package = service / "node_modules" / "greeting"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "greeting", "main": "index.js"}\n')
    (package / "index.js").write_text("module.exports = (who) => `hello from ${who}`;\n")
    return service
