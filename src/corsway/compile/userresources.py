"""The last steps of `package`: Export names on outputs, the user's `resources` merged in
(lodash `_.merge`: a user resource with a generated id is merged key by key) and `extensions`.
GatewayResponses the user writes pass through unchanged. (`null` properties are stripped when
the template is finalized, in `pipeline.finalize_template`.)"""

from __future__ import annotations

import copy
from typing import Any

from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import merge


def add_export_names(ctx: CompileContext) -> None:
    for key, output in ctx.outputs.items():
        if isinstance(output, dict) and not output.get("Export"):
            output["Export"] = {"Name": f"sls-{ctx.service_name}-{ctx.stage}-{key}"}


def merge_user_resources(ctx: CompileContext) -> None:
    resources = ctx.service.config.get("resources")
    if not isinstance(resources, dict):
        return
    user = copy.deepcopy(resources)
    user.setdefault("Resources", {})
    user.setdefault("Outputs", {})
    extensions = user.pop("extensions", None)
    if user.get("Resources") is None:
        user["Resources"] = {}
    if user.get("Outputs") is None:
        user["Outputs"] = {}
    merge(ctx.template, user)
    if not isinstance(extensions, dict):
        return
    template_resources = ctx.resources
    for name, definition in extensions.items():
        if not isinstance(definition, dict):
            continue
        for attribute, value in definition.items():
            path = ("resources", "extensions", name, attribute)
            if name not in template_resources:
                raise ctx.error(
                    f'cannot extend "{name}": no resource with that logical id is in the '
                    "compiled template",
                    ("resources", "extensions", name),
                    at_key=True,
                )
            target: dict[str, Any] = template_resources[name]
            if attribute in (
                "Condition",
                "CreationPolicy",
                "DeletionPolicy",
                "UpdatePolicy",
                "UpdateReplacePolicy",
            ):
                target[attribute] = value
            elif attribute in ("Properties", "Metadata"):
                if not isinstance(target.get(attribute), dict):
                    target[attribute] = {}
                target[attribute].update(value or {})
            elif attribute == "DependsOn":
                existing = target.get("DependsOn")
                if not existing:
                    existing = []
                elif isinstance(existing, str):
                    existing = [existing]
                target["DependsOn"] = [*existing, *(value or [])]
            else:
                raise ctx.error(
                    f'cannot extend the "{attribute}" attribute of "{name}" (extensions support '
                    "Properties, DependsOn, Metadata, Condition, CreationPolicy, DeletionPolicy, "
                    "UpdatePolicy and UpdateReplacePolicy)",
                    path,
                    at_key=True,
                )
