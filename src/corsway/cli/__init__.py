"""The `corsway` command line (needs the `cli` extra: `pip install 'corsway[cli]'`)."""

from __future__ import annotations

import sys
from typing import Any

# Third-party packages the command line needs; a missing one gets an install hint, not a traceback.
CLI_REQUIREMENTS = frozenset(
    {"click", "rich", "yaml", "uvicorn", "httptools", "watchfiles", "httpx"}
)


def run(argv: list[str] | None = None) -> Any:
    """Run the `corsway` command; explain how to install the extra when a dependency is missing."""
    try:
        from corsway.cli.main import cli
    except ModuleNotFoundError as error:
        if error.name not in CLI_REQUIREMENTS:
            raise
        sys.stderr.write(
            f"corsway: the command line needs the package {error.name!r}, which is not "
            "installed: pip install 'corsway[cli]'\n"
        )
        raise SystemExit(1) from None
    return cli.main(args=argv, prog_name="corsway")
