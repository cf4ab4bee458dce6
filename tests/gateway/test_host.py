"""`--host`: loopback by default; any other address is explicit and warns who can connect.

No test listens on a non-loopback address: the CLI test replaces the socket binding with a
loopback one and only looks at what `corsway serve` prints.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from corsway.cli.main import cli
from corsway.gateway import http, server
from tests.gateway.support import SERVICE_DIR, as_python, sls3_template


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_expose_nothing(host: str) -> None:
    assert http.exposure(host) is None
    assert http.exposure_warning(host, "http://x:3000/dev") is None


@pytest.mark.parametrize(
    ("host", "who"),
    [
        ("0.0.0.0", "every network interface of this machine"),
        ("::", "every network interface of this machine"),
        ("192.168.1.10", "192.168.1.10: any device on the network"),
        ("10.0.0.5", "10.0.0.5: any device on the network"),
    ],
)
def test_other_addresses_say_who_can_connect(host: str, who: str) -> None:
    warning = http.exposure_warning(host, "http://0.0.0.0:3000/dev")
    assert warning is not None
    assert warning.startswith(f"warning: --host {host} listens on {who}")
    assert "http://0.0.0.0:3000/dev" in warning
    assert "run your handlers on this machine" in warning
    assert "AWS credentials" in warning
    assert "127.0.0.1" in warning


def serve_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[str, str]:
    """What `corsway serve ARGS` prints before serving (it binds loopback, then returns)."""
    template = tmp_path / "template.json"
    template.write_text(json.dumps(as_python(sls3_template("seed-tldr"))))
    requested: list[str] = []
    real_bind = http.bind_socket

    def bind_loopback(host: str, port: int) -> socket.socket:
        requested.append(host)
        return real_bind("127.0.0.1", 0)

    monkeypatch.setattr(server, "bind_socket", bind_loopback)
    monkeypatch.setattr(server.GatewayServer, "run", lambda self: None)
    result = CliRunner().invoke(
        cli, ["serve", str(SERVICE_DIR), "--template", str(template), "--port", "0", *args]
    )
    assert result.exit_code == 0, result.output
    return result.output, requested[0]


def test_default_host_is_loopback_without_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, host = serve_output(tmp_path, monkeypatch)
    assert host == "127.0.0.1"
    assert "warning: --host" not in output


def test_explicit_all_interfaces_prints_the_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, host = serve_output(tmp_path, monkeypatch, "--host", "0.0.0.0")
    assert host == "0.0.0.0"
    text = " ".join(output.split())
    assert "warning: --host 0.0.0.0 listens on every network interface of this machine" in text
    assert "no authentication of its own" in text
