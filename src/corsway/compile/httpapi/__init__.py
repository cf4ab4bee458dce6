"""`httpApi` events -> the HTTP API (API Gateway v2) resources, as Serverless v3.40's
`http-api.js` compiles them: configuration first (with the framework's errors), then Api,
LogGroup, Stage, Authorizers and per function its permission, integration and routes.
Warnings for what the framework packages but AWS refuses (or breaks CORS) are in `checks`."""

from __future__ import annotations

from corsway.compile.context import CompileContext
from corsway.compile.httpapi.checks import check_http_api
from corsway.compile.httpapi.config import HttpApiConfig, resolve_configuration
from corsway.compile.httpapi.resources import (
    compile_api,
    compile_authorizers,
    compile_endpoints,
    compile_log_group,
    compile_stage,
)

__all__ = ["HttpApiConfig", "compile_http_api"]


def compile_http_api(ctx: CompileContext) -> HttpApiConfig:
    """Compile every `httpApi` event; returns the resolved configuration."""
    config = resolve_configuration(ctx)
    check_http_api(ctx, config)
    if not config.routes:
        return config
    compile_api(ctx, config)
    compile_log_group(ctx, config)
    compile_stage(ctx, config)
    compile_authorizers(ctx, config)
    compile_endpoints(ctx, config)
    return config
