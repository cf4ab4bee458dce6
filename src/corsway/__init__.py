"""corsway: CORS for serverless HTTP APIs that works the first time, locally and in production.

Importing the package loads only the standard library: it runs inside Lambda functions, where
import time is cold-start time.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
