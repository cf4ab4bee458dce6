"""Handler dependencies as Lambda has them: boto3 from the runtime, the rest from requirements.txt.

A real service served by `corsway serve` (a process, as a user runs it): its requirements are
installed once into the cache (`CORSWAY_CACHE_DIR`, repo-local in tests: see tests/conftest.py),
reused on the next start, and rebuilt when requirements.txt changes while serving. The packages
are small and pure Python (humanize, decorator).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.gateway.serve_process import serving

SERVERLESS_YML = """\
service: deps-demo
provider:
  name: aws
  runtime: python{version}
functions:
  sizes:
    handler: handler.sizes
    events:
      - http: GET /sizes
  broken:
    handler: broken.main
    events:
      - http: GET /broken
"""
HANDLER = """\
import boto3
import humanize


def sizes(event, context):
    try:
        import decorator  # added to requirements.txt while serving

        second = "decorator " + decorator.__version__
    except ImportError:
        second = "no decorator"
    body = humanize.naturalsize(3000000) + " | boto3 " + boto3.__version__ + " | " + second
    return {"statusCode": 200, "body": body}
"""
BROKEN = "import not_a_real_module_xyz\n\ndef main(event, context):\n    return {}\n"


def make_service(root: Path) -> Path:
    import sys

    service = root / "deps-demo"
    service.mkdir()
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (service / "serverless.yml").write_text(SERVERLESS_YML.format(version=version))
    (service / "handler.py").write_text(HANDLER)
    (service / "broken.py").write_text(BROKEN)
    (service / "requirements.txt").write_text("# what the handlers import\nhumanize\n")
    return service


def test_requirements_installed_once_reused_and_rebuilt_on_edit(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    with serving(str(service), tmp_path=tmp_path, name="first") as first:
        assert "one line per request" in first.banner, first.stderr
        assert "installing 1 package(s) from requirements.txt" in first.stderr
        assert "boto3" in first.banner and "from the cached base" in first.banner
        assert "1 package(s) from requirements.txt" in first.banner
        # the start-up import check names the missing module and the fix; others serve
        assert "function broken: handler 'broken.main' cannot be imported" in first.banner
        assert "add not_a_real_module_xyz to requirements.txt" in first.banner
        response = httpx.get(first.url + "/sizes", timeout=30)
        assert response.status_code == 200, first.wait_for("sizes")
        assert response.text.startswith("3.0 MB | boto3 1.")
        assert response.text.endswith("| no decorator")
        assert httpx.get(first.url + "/broken", timeout=30).status_code == 502
        first_startup = first.startup_s

    with serving(str(service), tmp_path=tmp_path, name="second") as second:
        assert "installing" not in second.stderr  # the cached packages are reused
        assert httpx.get(second.url + "/sizes", timeout=30).status_code == 200
        assert second.startup_s < first_startup, (second.startup_s, first_startup)

        (service / "requirements.txt").write_text("humanize\ndecorator\n")
        second.wait_for("reload: requirements.txt changed", timeout=180)
        assert "installing 2 package(s) from requirements.txt" in second.stderr
        deadline = time.monotonic() + 30
        body = ""
        while "decorator 5" not in body and time.monotonic() < deadline:
            body = httpx.get(second.url + "/sizes", timeout=30).text
            time.sleep(0.2)
        assert body.endswith("| decorator " + body.rsplit(" ", 1)[-1]) and "decorator 5" in body

        (service / "requirements.txt").write_text("humanize\nthis-package-does-not-exist-xyz==0\n")
        output = second.wait_for("installing requirements.txt failed", timeout=180)
        assert "keep the previous packages" in output
        assert httpx.get(second.url + "/sizes", timeout=30).text == body


def test_python_option_uses_that_environment_and_installs_nothing(tmp_path: Path) -> None:
    import sys

    service = make_service(tmp_path)
    (service / "requirements.txt").write_text("a-package-corsway-must-not-install==0\n")
    with serving(str(service), "--python", sys.executable, tmp_path=tmp_path) as served:
        assert "installing" not in served.stderr
        assert f"({sys.executable}; boto3" in served.banner
        assert "requirements.txt is not installed by corsway while --python" in served.banner
        # the fix names that environment
        assert "install not_a_real_module_xyz into the environment --python chooses" in (
            served.banner
        )


def test_active_virtualenv_is_used(tmp_path: Path) -> None:
    import sys

    service = make_service(tmp_path)
    venv = str(Path(sys.executable).parent.parent)
    with serving(str(service), tmp_path=tmp_path, env={"VIRTUAL_ENV": venv}) as served:
        assert f"({venv}/bin/python; boto3 " in served.banner
        assert "install not_a_real_module_xyz into the environment $VIRTUAL_ENV chooses" in (
            served.banner
        )
        assert "installing" not in served.stderr


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_uv_installs_when_present(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    env = {"CORSWAY_INSTALLER": "uv", "CORSWAY_CACHE_DIR": str(tmp_path / "uv-cache")}
    with serving(str(service), tmp_path=tmp_path, env=env) as served:
        assert "with uv" in served.stderr, served.stderr
        assert httpx.get(served.url + "/sizes", timeout=30).status_code == 200
