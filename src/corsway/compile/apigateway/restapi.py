"""`AWS::ApiGateway::RestApi` and the `AWS::ApiGateway::Resource` tree of paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.events import HttpEvent
from corsway.compile.context import CompileContext
from corsway.compile.jsmerge import UNDEFINED
from corsway.service.jsvalues import js_ordered, js_truthy


def compile_rest_api(ctx: CompileContext) -> None:
    """The REST API itself (nothing when `provider.apiGateway.restApiId` points at one)."""
    api = ctx.api_gateway
    if api.get("restApiId"):
        return
    provider = ctx.provider
    endpoint = "EDGE"
    vpc_endpoints = None
    if provider.get("endpointType"):
        endpoint = str(provider["endpointType"]).upper()
        if provider.get("vpcEndpointIds"):
            vpc_endpoints = provider["vpcEndpointIds"]
            if endpoint != "PRIVATE":
                raise ctx.error(
                    "provider.vpcEndpointIds is only allowed with endpointType: PRIVATE",
                    ("provider", "vpcEndpointIds"),
                )
    endpoint_configuration: dict[str, Any] = {"Types": [endpoint]}
    if vpc_endpoints:
        endpoint_configuration["VpcEndpointIds"] = vpc_endpoints
    disable = api.get("disableDefaultEndpoint")
    properties: dict[str, Any] = {
        "Name": api_name(ctx),
        "BinaryMediaTypes": (
            api["binaryMediaTypes"] if js_truthy(api.get("binaryMediaTypes")) else UNDEFINED
        ),
        "DisableExecuteApiEndpoint": UNDEFINED if disable is None else disable,
        "EndpointConfiguration": endpoint_configuration,
    }
    policy = api.get("resourcePolicy")
    if policy and (not isinstance(policy, dict | list) or len(policy)):
        properties["Policy"] = {"Version": "2012-10-17", "Statement": policy}
    else:
        properties["Policy"] = ""
    if api.get("apiKeySourceType"):
        properties["ApiKeySourceType"] = str(api["apiKeySourceType"]).upper()
    if api.get("minimumCompressionSize") is not None:
        properties["MinimumCompressionSize"] = api["minimumCompressionSize"]
    if api.get("description"):
        properties["Description"] = api["description"]
    ctx.merge_resource(
        naming.REST_API, {"Type": "AWS::ApiGateway::RestApi", "Properties": properties}
    )


def api_name(ctx: CompileContext) -> str:
    """`provider.apiName`, else `<stage>-<service>` (or `<service>-<stage>` if asked)."""
    if ctx.provider.get("apiName"):
        return str(ctx.provider["apiName"])
    if ctx.api_gateway.get("shouldStartNameWithService"):
        return f"{ctx.service_name}-{ctx.stage}"
    return f"{ctx.stage}-{ctx.service_name}"


@dataclass(eq=False)
class PathNode:
    """One path of the resource tree."""

    path: str
    part: str
    parent: PathNode | None
    level: int
    children: list[PathNode] = field(default_factory=list)
    name: str | None = None
    resource_id: Any = None  # an existing (external) resource id, or a Ref once compiled
    logical_id: str | None = None
    has_method: bool = False
    is_cut: bool = False


class ResourceTree:
    """Paths -> resources, built and compiled the way the framework's `resources.js` does."""

    def __init__(self, ctx: CompileContext, events: list[HttpEvent]) -> None:
        self.ctx = ctx
        self.nodes = self._build(events)

    def root_id(self) -> Any:
        root = self.ctx.api_gateway.get("restApiRootResourceId")
        return root if root else {"Fn::GetAtt": [naming.REST_API, "RootResourceId"]}

    def resource_id(self, path: str) -> Any:
        """The id of the resource for `path` (the root's for "")."""
        if not path:
            return self.root_id()
        node = self._node(path)
        if node.resource_id is None and node.logical_id:
            node.resource_id = {"Ref": node.logical_id}
        return node.resource_id

    def resource_name(self, path: str) -> str:
        """The path's fragment of method logical ids (`ProductIdVar`)."""
        if not path:
            return ""
        return self._node(path).name or ""

    def _node(self, path: str) -> PathNode:
        node = self.nodes.get(path)
        if node is None:
            raise self.ctx.error(
                f"Serverless v3.40 fails on this service with 'Can not find API Gateway resource "
                f"from path {path}': when every http path is in restApiResources, the paths there "
                f"are used exactly as written, so write {path}: ... instead of /{path}: ...",
                ("provider", "apiGateway", "restApiResources"),
            )
        return node

    def compile(self) -> None:
        for path, node in self.nodes.items():
            if node.resource_id is not None:
                continue
            node.logical_id = naming.resource_id(path)
            node.resource_id = {"Ref": node.logical_id}
            parent = node.parent.resource_id if node.parent else self.root_id()
            self.ctx.merge_resource(
                node.logical_id,
                {
                    "Type": "AWS::ApiGateway::Resource",
                    "Properties": {
                        "ParentId": parent,
                        "PathPart": node.part,
                        "RestApiId": self.ctx.rest_api_id(),
                    },
                },
            )

    # -- building --------------------------------------------------------------------------
    def _predefined(self) -> list[dict[str, Any]]:
        resources = self.ctx.api_gateway.get("restApiResources")
        if not resources:
            return []
        if isinstance(resources, list):
            return [item for item in resources if isinstance(item, dict)]
        return [{"path": key, "resourceId": value} for key, value in resources.items()]

    def _build(self, events: list[HttpEvent]) -> dict[str, PathNode]:
        trees: list[PathNode] = []
        predefined_nodes: list[PathNode] = []
        method_nodes: list[PathNode] = []
        predefined_paths: set[str] = set()
        method_paths: set[str] = set()

        def apply(path_text: str, name: str | None, resource_id: Any, is_method: bool) -> None:
            path = path_text[1:] if path_text.startswith("/") else path_text
            path = path[:-1] if path.endswith("/") else path
            parts = path.split("/")
            root: PathNode | None = None
            parent: PathNode | None = None
            current = ""
            for index, part in enumerate(parts):
                current = f"{current}/{part}" if current else part
                if root is None:
                    root = next((tree for tree in trees if tree.path == current), None)
                if parent is None:
                    parent = root
                node: PathNode | None = None
                if parent is not None:
                    if parent.path == current:
                        node = parent
                    else:
                        node = next((c for c in parent.children if c.path == current), None)
                if node is None:
                    node = PathNode(current, part, parent, index)
                    if parent is not None:
                        parent.children.append(node)
                    if root is None:
                        root = node
                        trees.append(root)
                if index == len(parts) - 1:
                    node.name = name
                    if resource_id:
                        node.resource_id = resource_id
                        if node.path not in predefined_paths:
                            predefined_paths.add(node.path)
                            predefined_nodes.append(node)
                    if is_method and not node.has_method:
                        node.has_method = True
                        if node.path not in method_paths:
                            method_paths.add(node.path)
                            method_nodes.append(node)
                parent = node

        predefined = self._predefined()
        for item in predefined:
            apply(str(item.get("path", "")), item.get("name"), item.get("resourceId"), False)
        for event in events:
            if event.path:
                apply(event.path, None, None, True)

        if not predefined_nodes:
            return self._combine(trees)
        if all(event.path in predefined_paths for event in events):
            # The framework keys these by the path exactly as written (a leading `/` included).
            result: dict[str, PathNode] = {}
            for item in predefined:
                raw = str(item.get("path", ""))
                stripped = raw[1:] if raw.startswith("/") else raw
                stripped = stripped[:-1] if stripped.endswith("/") else stripped
                node = next((n for n in predefined_nodes if n.path == stripped), None)
                if node is None:
                    continue
                node.name = item.get("name") or naming.normalize_path(raw)
                result[raw] = node
            return js_ordered(result)

        def cut(node: PathNode) -> None:
            if node.parent is None:
                return
            if len(node.parent.children) <= 1:
                node.parent.children = []
            else:
                node.parent.children = [c for c in node.parent.children if c.path != node.path]
                node.parent.is_cut = True
            node.parent = None

        for node in sorted(predefined_nodes, key=lambda n: n.level)[::-1]:
            current = node
            while current.parent is not None:
                parent = current.parent
                if parent.has_method and not parent.resource_id:
                    raise self._missing_id(parent.path)
                if parent.resource_id or len(parent.children) > 1:
                    cut(current)
                    break
                current = parent
        validated: list[PathNode] = []
        for node in method_nodes:
            current_node: PathNode | None = node
            while current_node is not None:
                if current_node.resource_id:
                    cut(current_node)
                    if all(tree.path != node.path for tree in validated):
                        validated.append(current_node)
                    break
                if current_node.is_cut or (current_node.parent is None and current_node.level > 0):
                    raise self._missing_id(current_node.path)
                if current_node.parent is None:
                    validated.append(current_node)
                    break
                current_node = current_node.parent
        return self._combine(validated)

    def _missing_id(self, path: str) -> Exception:
        return self.ctx.error(
            f"provider.apiGateway.restApiResources needs the id of the resource /{path} (a "
            "method is attached below a predefined resource, so every resource above it must "
            "be predefined too)",
            ("provider", "apiGateway", "restApiResources"),
        )

    @staticmethod
    def _combine(trees: list[PathNode]) -> dict[str, PathNode]:
        result: dict[str, PathNode] = {}

        def visit(node: PathNode) -> None:
            result[node.path] = node
            if not node.name:
                node.name = naming.normalize_path(node.path)
            for child in node.children:
                visit(child)

        for tree in trees:
            visit(tree)
        return js_ordered(result)
