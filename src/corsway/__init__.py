"""corsway: CORS for serverless HTTP APIs that works the first time, locally and in production.

Importing the package loads only the standard library: it runs inside Lambda functions, where
import time is cold-start time. ``CorsPolicy`` and ``CorsConfigError`` are re-exported from
``corsway.cors`` on first use, so ``import corsway`` itself stays free of work.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from corsway.cors import CorsConfigError, CorsPolicy

__version__ = "0.1.0"
__all__ = ["CorsConfigError", "CorsPolicy", "__version__"]

_LAZY = frozenset({"CorsPolicy", "CorsConfigError"})  # from corsway.cors


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'corsway' has no attribute {name!r}")
    from corsway import cors

    value: object = getattr(cors, name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
