"""The command line's own behaviour: version, help, and running without the cli extra."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from corsway import __version__
from corsway.cli.main import cli


def test_version_is_printed() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"corsway, version {__version__}"


def test_console_script_runs_as_module_entry_point() -> None:
    code = "from corsway.cli import run; run(['--help'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "Usage: corsway" in proc.stdout


def test_missing_click_gives_install_hint() -> None:
    code = "import sys; sys.modules['click'] = None\nfrom corsway.cli import run\nrun(['--help'])\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "pip install 'corsway[cli]'" in proc.stderr
    assert "Traceback" not in proc.stderr
