"""`useDotenv: true`: load `.env.<stage>` (or else `.env`) like Serverless v3 (dotenv + expand).

Existing environment variables are never overridden; `${VAR}` and `$VAR` in values expand from
the environment and from earlier lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from corsway.errors import CorswayError, SourceLocation

_LINE = re.compile(
    r"^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*"
    r"(?:'((?:\\'|[^'])*)'|\"((?:\\\"|[^\"])*)\"|`((?:\\`|[^`])*)`|([^#\r\n]*))\s*(?:#.*)?$"
)
_EXPAND = re.compile(
    r"(\\)?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


def parse_dotenv(text: str) -> dict[str, str]:
    """The variables a .env file defines, before expansion."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        name, single, double, backtick, bare = match.groups()
        if single is not None:
            value = single
        elif double is not None:
            value = double.replace("\\n", "\n").replace("\\r", "\r")
        elif backtick is not None:
            value = backtick
        else:
            value = (bare or "").strip()
        values[name] = value
    return values


def load_dotenv_files(service_dir: Path, stage: str, environment: dict[str, str]) -> Path | None:
    """Add `.env.<stage>` (or `.env`) to `environment`; return the file used, if any."""
    for candidate in (service_dir / f".env.{stage}", service_dir / ".env"):
        if not candidate.is_file():
            continue
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CorswayError(
                f"failed to load environment variables from {candidate.name}: {error}",
                SourceLocation(candidate.name),
            ) from None
        parsed = parse_dotenv(text)
        for name, raw in parsed.items():
            if name in environment:
                continue
            environment[name] = _expand(raw, environment, parsed)
        return candidate
    return None


def _expand(value: str, environment: dict[str, str], parsed: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        escaped, braced, default, bare = match.groups()
        if escaped:
            return match.group(0)[1:]
        name = braced or bare
        if name in environment:
            return environment[name]
        if name in parsed:
            return parsed[name]
        return default or ""

    return _EXPAND.sub(replace, value)
