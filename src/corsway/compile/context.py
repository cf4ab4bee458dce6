"""State shared by the compile steps: the service, the template being built, the warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corsway.compile import naming
from corsway.compile.jsmerge import merge
from corsway.errors import CorswayError
from corsway.service import Service
from corsway.service.sourcemap import Path


@dataclass
class CompileContext:
    """One compilation of one service."""

    service: Service
    template: dict[str, Any] = field(default_factory=dict)
    function_keys: dict[str, str] = field(default_factory=dict)  # Lambda logical id -> key
    # function key -> (alias name, alias logical id) for functions invoked through an alias
    # (provisioned concurrency, SnapStart): the framework's `functionObject.targetAlias`
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template["Resources"]
        return resources

    @property
    def outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = self.template["Outputs"]
        return outputs

    @property
    def provider(self) -> dict[str, Any]:
        return self.service.provider

    @property
    def api_gateway(self) -> dict[str, Any]:
        """`provider.apiGateway` (empty when not set)."""
        value = self.provider.get("apiGateway")
        return value if isinstance(value, dict) else {}

    @property
    def stage(self) -> str:
        return self.service.stage

    @property
    def service_name(self) -> str:
        return self.service.name

    def lambda_target(self, function: str) -> dict[str, Any]:
        """What API Gateway invokes: the function's ARN, or `<arn>:<alias>` when it has an alias
        (the framework's `resolveLambdaTarget`)."""
        arn = {"Fn::GetAtt": [naming.lambda_id(function), "Arn"]}
        alias = self.aliases.get(function)
        return {"Fn::Join": [":", [arn, alias[0]]]} if alias else arn

    def merge_resource(self, logical_id: str, resource: dict[str, Any]) -> None:
        """Add a resource the way the framework does: `_.merge` into Resources."""
        merge(self.resources, {logical_id: resource})

    def rest_api_id(self) -> Any:
        """`Ref: ApiGatewayRestApi`, or the external `provider.apiGateway.restApiId`."""
        external = self.api_gateway.get("restApiId")
        return external if external else {"Ref": naming.REST_API}

    def warn(
        self, message: str, path: Path, *, at_key: bool = False, rule: str | None = None
    ) -> None:
        """A warning at `path`; `rule` is its `corsway.catalog` id when it is a lint rule."""
        self.service.warn(message, path, at_key=at_key, rule=rule)

    def error(self, message: str, path: Path, *, at_key: bool = False) -> CorswayError:
        return self.service.error(message, path, at_key=at_key)
