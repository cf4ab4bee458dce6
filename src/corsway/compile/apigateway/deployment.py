"""The `AWS::ApiGateway::Deployment` (named by the compile's timestamp) and `ServiceEndpoint`."""

from __future__ import annotations

from corsway.compile import naming
from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import UNDEFINED


def compile_deployment(ctx: CompileContext, method_ids: list[str]) -> str:
    """Add the deployment (depending on every method, OPTIONS first); return its logical id."""
    logical_id = naming.deployment_id(ctx.service.instance_id)
    api = ctx.api_gateway
    ctx.merge_resource(
        logical_id,
        {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {
                "RestApiId": ctx.rest_api_id(),
                "StageName": api.get("stage") or ctx.stage,
                "Description": api.get("description") or UNDEFINED,
            },
            "DependsOn": list(method_ids),
        },
    )
    ctx.outputs["ServiceEndpoint"] = {
        "Description": "URL of the service endpoint",
        "Value": {
            "Fn::Join": [
                "",
                [
                    "https://",
                    ctx.rest_api_id(),
                    ".execute-api.",
                    {"Ref": "AWS::Region"},
                    ".",
                    {"Ref": "AWS::URLSuffix"},
                    f"/{ctx.stage}",
                ],
            ]
        },
    }
    return logical_id
