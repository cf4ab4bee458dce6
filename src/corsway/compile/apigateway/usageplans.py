"""API keys, usage plans and usage plan keys (`provider.apiGateway.apiKeys` / `usagePlan`)."""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import UNDEFINED


def _api_key(ctx: CompileContext, key: Any, deployment_id: str) -> dict[str, Any]:
    is_object = isinstance(key, dict)
    name = key if isinstance(key, str) else (key.get("name") if is_object else UNDEFINED)
    enabled = key.get("enabled") if is_object and key.get("enabled") is not None else True
    return {
        "Type": "AWS::ApiGateway::ApiKey",
        "Properties": {
            "Enabled": enabled,
            "Name": UNDEFINED if name is None else name,
            "Value": key.get("value") if is_object and key.get("value") else UNDEFINED,
            "Description": key.get("description", UNDEFINED) if is_object else UNDEFINED,
            "CustomerId": key.get("customerId", UNDEFINED) if is_object else UNDEFINED,
            "StageKeys": [{"RestApiId": ctx.rest_api_id(), "StageName": ctx.stage}],
        },
        "DependsOn": deployment_id,
    }


def _plan_names(usage_plan: Any) -> list[str]:
    if isinstance(usage_plan, list):
        return [next(iter(item)) for item in usage_plan if isinstance(item, dict) and item]
    return []


def compile_api_keys(ctx: CompileContext, deployment_id: str) -> None:
    keys = ctx.api_gateway.get("apiKeys")
    if not keys:
        return
    plans = _plan_names(ctx.api_gateway.get("usagePlan"))
    number = 0
    for definition in keys:
        name = next(iter(definition)) if isinstance(definition, dict) and definition else None
        if isinstance(definition, dict) and name in plans:
            number = 0
            for key in definition[name] or []:
                number += 1
                ctx.merge_resource(
                    naming.api_key_id(number, name), _api_key(ctx, key, deployment_id)
                )
        else:
            number += 1
            ctx.merge_resource(naming.api_key_id(number), _api_key(ctx, definition, deployment_id))


def _limits(plan: dict[str, Any], limits: Any) -> None:
    if not isinstance(limits, dict):
        return
    quota = limits.get("quota")
    if quota:
        plan["Properties"]["Quota"] = {
            "Limit": quota.get("limit", UNDEFINED),
            "Offset": quota.get("offset", UNDEFINED),
            "Period": quota.get("period", UNDEFINED),
        }
    throttle = limits.get("throttle")
    if throttle:
        plan["Properties"]["Throttle"] = {
            "BurstLimit": throttle.get("burstLimit", UNDEFINED),
            "RateLimit": throttle.get("rateLimit", UNDEFINED),
        }


def compile_usage_plans(ctx: CompileContext, deployment_id: str) -> list[str]:
    """Usage plans; returns their names (`default` for the single legacy plan)."""
    api = ctx.api_gateway
    usage_plan = api.get("usagePlan")
    if not usage_plan and not api.get("apiKeys"):
        return []
    service, stage = ctx.service_name, ctx.stage
    names: list[str] = []
    entries: list[tuple[str, Any]] = []
    if isinstance(usage_plan, list):
        for item in usage_plan:
            if isinstance(item, dict) and item:
                name = next(iter(item))
                entries.append((name, item[name]))
    else:
        entries.append(("default", usage_plan))
    for name, limits in entries:
        plan: dict[str, Any] = {
            "Type": "AWS::ApiGateway::UsagePlan",
            "DependsOn": deployment_id,
            "Properties": {
                "ApiStages": [{"ApiId": ctx.rest_api_id(), "Stage": stage}],
                "Description": f'Usage plan "{name}" for {service} {stage} stage',
                "UsagePlanName": f"{service}-{name}-{stage}",
            },
        }
        if name == "default":
            plan["Properties"]["UsagePlanName"] = f"{service}-{stage}"
            plan["Properties"]["Description"] = f"Usage plan for {service} {stage} stage"
        _limits(plan, limits)
        ctx.merge_resource(naming.usage_plan_id(None if name == "default" else name), plan)
        names.append(name)
    return names


def compile_usage_plan_keys(ctx: CompileContext, plan_names: list[str]) -> None:
    keys = ctx.api_gateway.get("apiKeys")
    if not keys:
        return
    number = 0
    for definition in keys:
        if isinstance(definition, dict) and definition:
            name: str | None = next(iter(definition))
            value = definition[name]
        else:
            name = None
            value = definition
        in_plans = name in plan_names
        if plan_names and not in_plans and isinstance(value, dict | list) and name is not None:
            raise ctx.error(
                f'API key "{name}" has no usage plan defined (add it under '
                "provider.apiGateway.usagePlan)",
                ("provider", "apiGateway", "apiKeys"),
            )
        if isinstance(definition, dict) and in_plans and name is not None:
            number = 0
            for _ in definition[name] or []:
                number += 1
                ctx.merge_resource(
                    naming.usage_plan_key_id(number, name),
                    _plan_key(naming.api_key_id(number, name), naming.usage_plan_id(name)),
                )
        else:
            number += 1
            ctx.merge_resource(
                naming.usage_plan_key_id(number),
                _plan_key(naming.api_key_id(number), naming.usage_plan_id()),
            )


def _plan_key(key_id: str, plan_id: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGateway::UsagePlanKey",
        "Properties": {
            "KeyId": {"Ref": key_id},
            "KeyType": "API_KEY",
            "UsagePlanId": {"Ref": plan_id},
        },
    }
