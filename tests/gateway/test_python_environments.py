"""Which interpreter runs each Python runtime, and how a service's requirements are read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from corsway.errors import CorswayError
from corsway.runtimes import interpreters
from corsway.runtimes.interpreters import Interpreter, choose_interpreter, find_exact
from corsway.runtimes.pydeps import read_requirements
from corsway.runtimes.pyenvs import PythonEnvironments, cache_root
from tests.gateway.serve_process import serving
from tests.gateway.test_serve_cli import assert_clean_failure, run_serve


def fake_pythons(monkeypatch: pytest.MonkeyPatch, minors: list[int]) -> None:
    def find(minor: int) -> Interpreter | None:
        return (
            Interpreter(f"/opt/py3{minor}/bin/python", f"3.{minor}.1") if minor in minors else None
        )

    monkeypatch.setattr(interpreters, "find_exact", find)


def test_exact_version_first(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pythons(monkeypatch, [9, 11, 12])
    choice = choose_interpreter("python3.12")
    assert (choice.interpreter.version, choice.note) == ("3.12.1", "")


def test_closest_version_otherwise_with_a_note_naming_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_pythons(monkeypatch, [9, 12])
    choice = choose_interpreter("python3.11")
    assert choice.interpreter.version == "3.12.1"  # 1 away beats 2 away
    assert "runtime python3.11 runs on Python 3.12.1" in choice.note
    assert "`pyenv install 3.11`" in choice.note and "--python" in choice.note
    fake_pythons(monkeypatch, [9, 11])
    assert choose_interpreter("python3.10").interpreter.version == "3.11.1"  # a tie: the newer


def test_real_interpreters_match_their_runtime() -> None:
    mine = sys.version_info[:2]
    choice = choose_interpreter(f"python{mine[0]}.{mine[1]}")
    assert choice.note == ""
    assert choice.interpreter.minor == mine
    for minor in range(8, 14):
        found = find_exact(minor)
        if found is not None:  # pyenv's 3.8-3.13 on the development machine
            assert found.minor == (3, minor)
            assert "shims" not in found.path


def test_python_option_that_is_not_an_interpreter(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "serverless.yml").write_text(
        "service: svc\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n"
        "  f:\n    handler: h.f\n    events:\n      - http: GET /f\n"
    )
    (service / "h.py").write_text("def f(e, c):\n    return {'statusCode': 200}\n")
    result = run_serve(str(service), "--python", str(tmp_path / "nope" / "python"))
    assert_clean_failure(result, "--python:", "is not a Python interpreter", ".venv/bin/python")


@pytest.mark.skipif(find_exact(8) is None, reason="no Python 3.8 on this machine")
def test_the_worker_runs_on_python_3_8(tmp_path: Path) -> None:
    python38 = find_exact(8)
    assert python38 is not None
    service = tmp_path / "svc"
    service.mkdir()
    (service / "serverless.yml").write_text(
        "service: svc\nprovider:\n  name: aws\n  runtime: python3.8\nfunctions:\n"
        "  f:\n    handler: h.f\n    events:\n      - http: GET /f\n"
        "  fails:\n    handler: h.fails\n    events:\n      - http: GET /fails\n"
    )
    (service / "h.py").write_text(
        "import sys\n\ndef f(e, c):\n    return {'statusCode': 200, 'body': sys.version[:4]}\n\n"
        "def fails(e, c):\n    raise ValueError('bad input')\n"
    )
    with serving(str(service), "--python", python38.path, tmp_path=tmp_path) as served:
        assert f"runtime python3.8 → Python {python38.version}" in served.banner
        assert httpx.get(served.url + "/f", timeout=30).text == "3.8."
        assert httpx.get(served.url + "/fails", timeout=30).status_code == 502
        log = served.wait_for(f'File "{service}/h.py", line 7, in fails')
    assert f'File "{service}/h.py", line 7, in fails' in log
    assert "python_worker" not in log


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CORSWAY_CACHE_DIR", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    monkeypatch.delenv("CORSWAY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "corsway"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path.home() / ".cache" / "corsway"


def test_option_and_virtualenv_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", "/some/venv")
    assert PythonEnvironments.from_options(tmp_path, "/my/python").user_source == "--python"
    assert PythonEnvironments.from_options(tmp_path, None).user_python == "/some/venv"
    monkeypatch.delenv("VIRTUAL_ENV")
    assert PythonEnvironments.from_options(tmp_path, None).managed


# -- requirements, as serverless-python-requirements reads them ---------------------------


def test_requirements_txt_filtered_like_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\n--extra-index-url https://example.invalid/simple\nrequests>=2  # http\n"
        "-e ./lib\nboto3==1.34.0\n\n-r more.txt\n"
    )
    (tmp_path / "more.txt").write_text("attrs\n")
    config = {"custom": {"pythonRequirements": {"noDeploy": ["boto3"]}}}
    found = read_requirements(tmp_path, config)
    assert found is not None
    assert found.lines == (
        "--extra-index-url https://example.invalid/simple",
        "./lib",
        "attrs",
        "requests>=2",
    )
    assert found.source == tmp_path / "requirements.txt"
    assert found.files == {tmp_path / "requirements.txt", tmp_path / "more.txt"}


def test_file_name_option(tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    (tmp_path / "deps" / "prod.txt").write_text("humanize\n")
    config = {"custom": {"pythonRequirements": {"fileName": "deps/prod.txt"}}}
    found = read_requirements(tmp_path, config)
    assert found is not None and found.lines == ("humanize",)
    assert read_requirements(tmp_path, None) is None


def test_pipfile_wins_over_requirements_txt(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ignored\n")
    (tmp_path / "Pipfile").write_text(
        '[packages]\nrequests = "*"\nattrs = ">=23"\n'
        'httpx = {version = "==0.27", extras = ["http2"]}\n'
        '[dev-packages]\npytest = "*"\n'
    )
    found = read_requirements(tmp_path, None)
    assert found is not None
    assert found.lines == ("attrs>=23", "httpx[http2]==0.27", "requests")
    (tmp_path / "Pipfile.lock").write_text(
        json.dumps({"default": {"requests": {"version": "==2.31.0"}}, "develop": {"pytest": {}}})
    )
    assert read_requirements(tmp_path, None).lines == ("requests==2.31.0",)  # type: ignore[union-attr]
    config = {"custom": {"pythonRequirements": {"usePipenv": False}}}
    assert read_requirements(tmp_path, config).lines == ("ignored",)  # type: ignore[union-attr]


def test_pyproject_project_dependencies(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["humanize>=4"]\n'
        '[project.optional-dependencies]\nlambda = ["mangum"]\n'
    )
    (tmp_path / "requirements.txt").write_text("ignored\n")
    assert read_requirements(tmp_path, None).lines == ("humanize>=4",)  # type: ignore[union-attr]
    config = {"custom": {"pythonRequirements": {"pyprojectWithGroups": ["lambda"]}}}
    assert read_requirements(tmp_path, config).lines == ("humanize>=4", "mangum")  # type: ignore[union-attr]


def test_poetry_project_needs_poetry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "svc"\n[build-system]\nrequires = ["poetry-core"]\n'
    )
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(CorswayError) as raised:
        read_requirements(tmp_path, None)
    assert "is a Poetry project" in raised.value.message
    assert "install Poetry" in raised.value.message and "usePoetry: false" in raised.value.message


def test_unreadable_pyproject_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(CorswayError) as raised:
        read_requirements(tmp_path, None)
    assert str(tmp_path / "pyproject.toml") in raised.value.message
