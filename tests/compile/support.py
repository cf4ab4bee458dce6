"""Compile a stored case or a serverless.yml text and keep the warnings, as the CLI prints them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from corsway.compile import compile_service
from tests.compile.sls3cases import case_dir, case_env


def warnings_of(case: str) -> list[str]:
    """The warnings of one case under tests/fixtures/sls3 (with its case.json environment)."""
    compiled = compile_service(case_dir(case), env={**os.environ, **case_env(case)})
    return [str(warning) for warning in compiled.warnings]


def compile_text(tmp_path: Path, body: str) -> list[str]:
    """The warnings of `body` (dedented) compiled as `tmp_path/serverless.yml`."""
    (tmp_path / "serverless.yml").write_text(textwrap.dedent(body))
    return [str(w) for w in compile_service(tmp_path, env={}).warnings]
