"""Shared by every test: `corsway serve` builds its Python environments in a repo-local cache.

The first test that serves a Python service builds the base environment (boto3) once per clone;
later tests and runs reuse it (see `corsway.runtimes.pyenvs`).
"""

from __future__ import annotations

import os
from pathlib import Path

TEST_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "corsway-tests"
os.environ.setdefault("CORSWAY_CACHE_DIR", str(TEST_CACHE))
