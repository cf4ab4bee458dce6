"""Discovery: a running `corsway serve` keeps a record of itself, and `corsway check` finds the
service behind a URL by it — without a flag, and without anything added on the wire."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from corsway.cli.main import cli
from corsway.gateway.discovery import (
    RUN_DIR_ENV,
    ServeRecord,
    advertised,
    pid_alive,
    record_for,
    running_servers,
    server_for,
    write_record,
)
from tests.doctor.matrix import Matrix
from tests.doctor.test_serve_causes import DEFECTS
from tests.gateway.serve_process import serving
from tests.gateway.support import FIXTURES

ORIGIN = "http://localhost:5173"


def record(host: str = "127.0.0.1", port: int = 3000, pid: int | None = None) -> ServeRecord:
    made = record_for(
        host=host,
        port=port,
        service_dir=DEFECTS,
        template=None,
        stage=None,
        region=None,
        stage_prefix=True,
        code_dir=None,
        apis=(("REST API", "/dev"),),
    )
    return made if pid is None else dataclasses.replace(made, pid=pid)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    ("listening", "url_host", "url_port", "served"),
    [
        ("127.0.0.1", "127.0.0.1", 3000, True),
        ("127.0.0.1", "localhost", 3000, True),
        ("127.0.0.1", "[::1]", 3000, True),
        ("127.0.0.1", "127.0.0.1", 3001, False),
        ("0.0.0.0", "localhost", 3000, True),
        ("0.0.0.0", "api.example.com", 3000, False),
        ("192.168.1.20", "192.168.1.20", 3000, True),
        ("192.168.1.20", "127.0.0.1", 3000, False),
    ],
)
def test_which_urls_a_server_answers(
    listening: str, url_host: str, url_port: int, served: bool
) -> None:
    assert record(listening).serves(url_host, url_port) is served


def test_records_are_found_by_host_and_port_and_stale_ones_are_dropped(tmp_path: Path) -> None:
    alive = write_record(record(port=4001), tmp_path)
    stale = write_record(record(port=4002, pid=dead_pid()), tmp_path)
    (tmp_path / "serve-garbage.json").write_text("{not json")
    (tmp_path / "serve-1-1.json").write_text(json.dumps({"version": 99}))
    assert [r.port for r in running_servers(tmp_path)] == [4001]
    assert not stale.exists()  # the process is gone: its record with it
    assert alive.exists()
    found = server_for("localhost", 4001, tmp_path)
    assert found is not None and found.pid == os.getpid()
    assert Path(found.service_dir) == DEFECTS.resolve()
    assert server_for("127.0.0.1", 4002, tmp_path) is None
    assert pid_alive(os.getpid()) and not pid_alive(dead_pid())


def test_a_record_lives_as_long_as_its_block(tmp_path: Path) -> None:
    written = record(port=4003)
    with advertised(written, tmp_path) as path:
        assert path is not None and path.exists()
        assert ServeRecord.from_json(json.loads(path.read_text())) == written
    assert not path.exists()
    blocked = tmp_path / "file"
    blocked.write_text("")
    with advertised(record(port=4004), blocked / "run") as nothing:  # cannot be written
        assert nothing is None


def check_json(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["check", *args, "--json"])
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def test_check_finds_the_service_of_a_running_corsway_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    monkeypatch.setenv(RUN_DIR_ENV, str(run))
    with serving(str(DEFECTS), tmp_path=tmp_path, env={RUN_DIR_ENV: str(run)}) as served:
        records = running_servers(run)
        assert [r.pid for r in records] == [served.process.pid]
        assert Path(records[0].service_dir) == DEFECTS.resolve()
        assert records[0].apis == (("REST API", "/dev"),)
        base = served.url.rstrip("/")
        code, found = check_json(f"{base}/orders", "--origin", ORIGIN, "-X", "PUT")
        assert code == 1
        assert found["cause"] == "no-preflight-route"
        fix = found["fix"]
        assert isinstance(fix, dict)
        assert (Path(str(fix["file"])).resolve(), fix["line"]) == (
            (DEFECTS / "serverless.yml").resolve(),
            19,
        )
        # --no-discover: the answers alone (no line); --service: the same service, named.
        _, alone = check_json(f"{base}/orders", "--origin", ORIGIN, "-X", "PUT", "--no-discover")
        assert alone["fix"] == {"text": alone["fix"]["text"], "file": None, "line": None}  # type: ignore[index]
        _, named = check_json(
            f"{base}/nothing", "--origin", ORIGIN, "-X", "PUT", "--service", str(DEFECTS)
        )
        assert (named["cause"], named["fix"]["line"]) == ("route-not-found", 8)  # type: ignore[index]
        # Nothing on the wire tells: the answers are API Gateway's own.
        response = httpx.get(f"{base}/orders")
        assert not [h for h in response.headers if "corsway" in h.lower()]
        terminal = CliRunner().invoke(
            cli, ["check", f"{base}/orders", "--origin", ORIGIN, "-X", "PUT"]
        )
        assert f"service: {os.path.relpath(DEFECTS)} (corsway serve, pid {served.process.pid}" in (
            terminal.stdout
        )
        assert "fix (tests/fixtures/doctor_service/serverless.yml:19):" in terminal.stdout
    assert running_servers(run) == []  # removed when serve exits
    assert list(run.glob("serve-*.json")) == []


def test_check_finds_an_http_api_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = tmp_path / "run"
    monkeypatch.setenv(RUN_DIR_ENV, str(run))
    service = FIXTURES / "doctor_httpapi" / "catchall"
    with serving(str(service), tmp_path=tmp_path, env={RUN_DIR_ENV: str(run)}) as served:
        assert [r.apis for r in running_servers(run)] == [(("HTTP API", ""),)]
        base = served.url.rstrip("/")
        code, found = check_json(
            f"{base}/anything", "--origin", ORIGIN, "-H", "Authorization: Bearer valid-token"
        )
    assert code == 1
    assert (found["browser_error"], found["cause"]) == (
        "PreflightInvalidStatus",
        "preflight-caught-by-route",
    )
    fix = found["fix"]
    assert isinstance(fix, dict)
    assert (Path(str(fix["file"])).resolve(), fix["line"]) == (
        (service / "serverless.yml").resolve(),
        25,
    )


def test_check_finds_a_service_served_from_a_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    monkeypatch.setenv(RUN_DIR_ENV, str(run))
    template = tmp_path / "template.json"
    packaged = CliRunner().invoke(cli, ["package", str(DEFECTS), "-o", str(template)])
    assert packaged.exit_code == 0, packaged.output
    args = (str(DEFECTS), "--template", str(template))
    with serving(*args, tmp_path=tmp_path, env={RUN_DIR_ENV: str(run)}) as served:
        records = running_servers(run)
        assert [Path(str(r.template)) for r in records] == [template.resolve()]
        base = served.url.rstrip("/")
        code, found = check_json(f"{base}/bare", "--origin", ORIGIN)
    assert (code, found["cause"]) == (1, "handler-missing-cors")
    fix = found["fix"]
    assert isinstance(fix, dict)
    assert (Path(str(fix["file"])).resolve(), fix["line"]) == (
        (DEFECTS / "handler.py").resolve(),
        22,
    )


def test_a_wrong_service_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["check", "http://127.0.0.1:9/x", "--origin", ORIGIN, "--service", str(tmp_path / "no")],
    )
    assert result.exit_code == 2
    assert "does not exist (give the service's directory or its serverless.yml)" in result.stderr
    assert "Traceback" not in result.output
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "serverless.yml").write_text("service: x\nprovider: {name: aws}\nfunctions: [1\n")
    result = CliRunner().invoke(
        cli, ["check", "http://127.0.0.1:9/x", "--origin", ORIGIN, "--service", str(broken)]
    )
    assert result.exit_code == 2
    assert "serverless.yml:" in result.stderr and "Traceback" not in result.output


def test_a_discovered_service_that_cannot_be_read_leaves_a_note(
    matrix: Matrix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    monkeypatch.setenv(RUN_DIR_ENV, str(run))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "serverless.yml").write_text("service: x\nprovider: {name: aws}\nfunctions: [1\n")
    base = matrix.script.bases["a"]
    port = int(base.rsplit(":", 1)[1])
    write_record(dataclasses.replace(record(port=port), service_dir=str(broken)), run)
    result = CliRunner().invoke(
        cli, ["check", f"{base}/preflight-403-no-cors/a", "--origin", ORIGIN, "-X", "PUT"]
    )
    matrix.script.take("preflight-403-no-cors")
    assert result.exit_code == 1
    assert "note: the service could not be read: serverless.yml:" in result.stdout
    assert "the cause comes from the answers alone" in result.stdout
    assert "cause: no-preflight-route" in result.stdout  # from the answers
    assert "Traceback" not in result.output
