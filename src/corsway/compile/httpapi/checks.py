"""Warnings for HTTP API configurations the framework packages but AWS refuses at deploy, or
that break CORS in production."""

from __future__ import annotations

from corsway.compile.context import CompileContext
from corsway.compile.httpapi.config import HttpApiConfig


def check_http_api(ctx: CompileContext, config: HttpApiConfig) -> None:
    """Every warning about `config` (none for a correct configuration)."""
