"""`http` events -> API Gateway REST API resources, in the framework's order:

RestApi, Resources, CORS preflights, Methods, RequestValidators, Authorizers, Deployment,
ApiKeys, UsagePlan, UsagePlanKeys, Lambda Permissions.
"""

from __future__ import annotations

from corsway.compile.apigateway.authorizers import compile_authorizers
from corsway.compile.apigateway.cors import compile_cors
from corsway.compile.apigateway.deployment import compile_deployment
from corsway.compile.apigateway.events import HttpEvent, read_http_events
from corsway.compile.apigateway.methods import compile_methods
from corsway.compile.apigateway.permissions import compile_permissions
from corsway.compile.apigateway.restapi import ResourceTree, compile_rest_api
from corsway.compile.apigateway.usageplans import (
    compile_api_keys,
    compile_usage_plan_keys,
    compile_usage_plans,
)
from corsway.compile.apigateway.validators import compile_validators
from corsway.compile.context import CompileContext

__all__ = ["HttpEvent", "compile_http_events"]


def compile_http_events(ctx: CompileContext) -> list[HttpEvent]:
    """Compile every `http` event of the service; returns the normalised events."""
    events, preflights = read_http_events(ctx)
    if not events:
        return events
    compile_rest_api(ctx)
    tree = ResourceTree(ctx, events)
    tree.compile()
    method_ids: list[str] = []
    compile_cors(ctx, preflights, tree, method_ids)
    compile_methods(ctx, events, tree, method_ids)
    compile_validators(ctx, events, tree)
    compile_authorizers(ctx, events)
    deployment_id = compile_deployment(ctx, method_ids)
    compile_api_keys(ctx, deployment_id)
    plans = compile_usage_plans(ctx, deployment_id)
    compile_usage_plan_keys(ctx, plans)
    compile_permissions(ctx, events)
    return events
