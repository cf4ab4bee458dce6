"""`AWS::Lambda::Function` (and `AWS::Lambda::Version`) resources, as `compileFunctions` emits.

The gateway runs handlers from these resources: Handler, Runtime, MemorySize (default 1024),
Timeout (default 6) and Environment.Variables (provider's, then the function's) are exact.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import unicodedata
from typing import Any

from corsway.compile import naming
from corsway.compile.artifact import artifact_directory, artifact_hash, code_hash
from corsway.compile.context import CompileContext
from corsway.compile.core import custom_execution_role, deployment_bucket_settings, function_name
from corsway.service.jsvalues import as_dict, js_truthy

DEFAULT_RUNTIME = "nodejs16.x"
DEFAULT_MEMORY = 1024
DEFAULT_TIMEOUT = 6

UNSUPPORTED_FUNCTION_PROPERTIES = {
    "image": "container-image functions",
    "url": "Lambda function URLs",
    "destinations": "asynchronous invocation destinations",
    "maximumEventAge": "asynchronous invocation settings",
    "maximumRetryAttempts": "asynchronous invocation settings",
    "fileSystemConfig": "EFS file systems",
    "runtimeManagement": "runtime management settings",
}


@functools.lru_cache(maxsize=4096)
def _collation_key(key: str) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    """Approximates `String.prototype.localeCompare` (ICU root collation) for property names.

    Primary: punctuation < digits < letters, letters case-insensitive; tertiary: lower case
    before upper case.
    """
    primary: list[tuple[int, str]] = []
    tertiary: list[int] = []
    for char in unicodedata.normalize("NFD", key):
        if unicodedata.combining(char):
            continue
        if char.isalpha():
            primary.append((3, char.lower()))
            tertiary.append(0 if char.islower() else 1)
        elif char.isdigit():
            primary.append((2, char))
            tertiary.append(0)
        elif char.isspace():
            primary.append((0, char))
            tertiary.append(0)
        else:
            primary.append((1, _PUNCTUATION_ORDER.get(char, char)))
            tertiary.append(0)
    return tuple(primary), tuple(tertiary)


# ICU root order of common ASCII punctuation (compared before digits and letters).
_PUNCTUATION_ORDER = {
    char: f"{index:02d}" for index, char in enumerate("_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$")
}


def deep_sort(value: Any) -> Any:
    """The framework's `deepSortObjectByKey` (keys ordered by `localeCompare`)."""
    if isinstance(value, list):
        return [deep_sort(item) for item in value]
    if isinstance(value, dict):
        return {key: deep_sort(value[key]) for key in sorted(value, key=_collation_key)}
    return value


def js_json(value: Any) -> str:
    """`JSON.stringify(value)` (compact), with JS property order for integer-like keys."""
    from corsway.service.jsvalues import js_ordered

    def order(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: order(inner) for key, inner in js_ordered(item).items()}
        if isinstance(item, list):
            return [order(inner) for inner in item]
        return item

    return json.dumps(order(value), separators=(",", ":"), ensure_ascii=False)


def version_digest(code_sha256: str, properties: dict[str, Any]) -> str:
    """The hash in `<Fn>LambdaVersion<hash>`: artifact hash + the sorted function properties."""
    hashed = {
        key: value
        for key, value in properties.items()
        if key not in ("Code", "ReservedConcurrentExecutions", "Tags")
    }
    hashed["layerConfigurations"] = []
    digest = hashlib.sha256()
    digest.update(code_sha256.encode("utf-8"))
    digest.update(js_json(deep_sort(hashed)).encode("utf-8"))
    return base64.b64encode(digest.digest()).decode("ascii")


def _compile_role(resource: dict[str, Any], role: Any) -> None:
    properties = resource["Properties"]
    if isinstance(role, str):
        if role.startswith("arn:"):
            properties["Role"] = role
        elif role == naming.ROLE:
            properties["Role"] = {"Fn::GetAtt": [role, "Arn"]}
        else:
            properties["Role"] = {"Fn::GetAtt": [role, "Arn"]}
            resource["DependsOn"] = [*resource.get("DependsOn", []), role]
    elif isinstance(role, dict) and "Fn::GetAtt" in role:
        properties["Role"] = role
        resource["DependsOn"] = [*resource.get("DependsOn", []), role["Fn::GetAtt"][0]]
    else:
        properties["Role"] = role


def compile_functions(ctx: CompileContext) -> None:
    """Every function's Lambda resource, then (as the framework's async steps finish) versions."""
    service = ctx.service
    provider = ctx.provider
    functions = service.functions
    if not functions:
        return
    package = as_dict(service.config.get("package"))
    prefix = provider.get("deploymentPrefix")
    directory = artifact_directory(
        "serverless" if prefix is None else str(prefix),
        ctx.service_name,
        ctx.stage,
        service.instance_id,
    )
    bucket_name, _ = deployment_bucket_settings(ctx)
    service_hash: str | None = None
    versions: list[tuple[str, dict[str, Any], str]] = []
    for key, function in functions.items():
        path = ("functions", key)
        for prop, what in UNSUPPORTED_FUNCTION_PROPERTIES.items():
            if prop in function and function[prop] not in (None, False):
                ctx.warn(
                    f"functions.{key}.{prop}: corsway does not compile {what}; the template "
                    "leaves out what Serverless would add for it",
                    (*path, prop),
                    at_key=True,
                )
        handler = function.get("handler")
        if not handler and function.get("image"):
            raise ctx.error(
                f'function "{key}" is a container image; corsway compiles (and the gateway '
                "runs) handler functions only",
                (*path, "image"),
                at_key=True,
            )
        if not handler:
            raise ctx.error(
                f'function "{key}" needs a handler (e.g. handler: handler.main, the file '
                "handler.js or handler.py and its exported function main)",
                path,
                at_key=True,
            )
        function_package = as_dict(function.get("package"))
        artifact = function_package.get("artifact") or package.get("artifact")
        sha: str | None = None
        if artifact:
            artifact_name = str(artifact).replace("\\", "/").split("/")[-1]
            sha = artifact_hash(service.service_dir, str(artifact))
            if sha is None:
                ctx.warn(
                    f"package.artifact {artifact!r} is not a local file corsway can read, so "
                    "CodeSha256 (and the version id) cannot be the framework's",
                    (*path, "package", "artifact")
                    if function_package.get("artifact")
                    else ("package", "artifact"),
                )
        elif package.get("individually") or function_package.get("individually"):
            artifact_name = f"{key}.zip"
        else:
            artifact_name = f"{ctx.service_name}.zip"

        properties: dict[str, Any] = {"Code": {}}
        resource: dict[str, Any] = {"Type": "AWS::Lambda::Function", "Properties": properties}
        properties["Handler"] = handler
        properties["Code"]["S3Bucket"] = bucket_name or {"Ref": naming.DEPLOYMENT_BUCKET}
        properties["Code"]["S3Key"] = f"{directory}/{artifact_name}"
        properties["Runtime"] = (
            function.get("runtime") or provider.get("runtime") or DEFAULT_RUNTIME
        )
        properties["FunctionName"] = function_name(ctx, key)
        properties["MemorySize"] = (
            function.get("memorySize") or provider.get("memorySize") or DEFAULT_MEMORY
        )
        properties["Timeout"] = (
            function.get("timeout") or provider.get("timeout") or DEFAULT_TIMEOUT
        )
        architecture = function.get("architecture") or provider.get("architecture")
        if architecture:
            properties["Architectures"] = [architecture]
        if function.get("description"):
            properties["Description"] = function["description"]
        if function.get("condition"):
            resource["Condition"] = function["condition"]
        if function.get("dependsOn"):
            resource["DependsOn"] = [*resource.get("DependsOn", []), *function["dependsOn"]]
        if function.get("tags") or provider.get("tags"):
            tags = {**(provider.get("tags") or {}), **(function.get("tags") or {})}
            properties["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if function.get("ephemeralStorageSize"):
            properties["EphemeralStorage"] = {"Size": function["ephemeralStorageSize"]}
        if function.get("onError"):
            properties["DeadLetterConfig"] = {"TargetArn": function["onError"]}
            role = ctx.resources.get(naming.ROLE)
            if role and isinstance(function["onError"], str):
                role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(
                    {
                        "Effect": "Allow",
                        "Action": ["sns:Publish"],
                        "Resource": [function["onError"]],
                    }
                )
        kms = function.get("kmsKeyArn") or provider.get("kmsKeyArn")
        if kms:
            properties["KmsKeyArn"] = kms
            role = ctx.resources.get(naming.ROLE)
            if role and isinstance(kms, str):
                _union_statement(
                    role, {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [kms]}
                )
        tracing_config = provider.get("tracing")
        tracing = function.get("tracing") or (
            tracing_config.get("lambda") if isinstance(tracing_config, dict) else None
        )
        if tracing:
            properties["TracingConfig"] = {"Mode": "Active" if tracing is True else tracing}
            role = ctx.resources.get(naming.ROLE)
            if role:
                _union_statement(
                    role,
                    {
                        "Effect": "Allow",
                        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                        "Resource": ["*"],
                    },
                )
        if function.get("environment") or provider.get("environment"):
            properties["Environment"] = {
                "Variables": {
                    **(provider.get("environment") or {}),
                    **(function.get("environment") or {}),
                }
            }
        role = custom_execution_role(ctx, function)
        _compile_role(resource, role or naming.ROLE)
        vpc = function.get("vpc")
        if vpc is not None and vpc is not False:
            function_vpc = as_dict(vpc)
            provider_vpc = as_dict(provider.get("vpc"))
            groups = function_vpc.get("securityGroupIds") or provider_vpc.get("securityGroupIds")
            subnets = function_vpc.get("subnetIds") or provider_vpc.get("subnetIds")
            if groups and subnets:
                properties["VpcConfig"] = {"SecurityGroupIds": groups, "SubnetIds": subnets}
        elif vpc is None and "vpc" not in function:
            provider_vpc = as_dict(provider.get("vpc"))
            if provider_vpc.get("securityGroupIds") and provider_vpc.get("subnetIds"):
                properties["VpcConfig"] = {
                    "SecurityGroupIds": provider_vpc["securityGroupIds"],
                    "SubnetIds": provider_vpc["subnetIds"],
                }
        reserved = function.get("reservedConcurrency")
        if reserved or reserved == 0:
            properties["ReservedConcurrentExecutions"] = reserved
        if not function.get("disableLogs"):
            resource["DependsOn"] = [naming.log_group_id(key), *resource.get("DependsOn", [])]
        if function.get("layers"):
            properties["Layers"] = function["layers"]
        elif provider.get("layers"):
            properties["Layers"] = list(provider["layers"])

        logical_id = naming.lambda_id(key)
        ctx.resources[logical_id] = resource
        ctx.function_keys[logical_id] = key
        should_version = function.get("versionFunction")
        if should_version is None:
            should_version = provider.get("versionFunctions")
            if should_version is None:
                should_version = True
        provisioned = js_truthy(function.get("provisionedConcurrency"))
        snap_start = js_truthy(function.get("snapStart"))
        if should_version or provisioned or snap_start:
            if sha is None:
                if service_hash is None:
                    service_hash = code_hash(service.service_dir, service.config_path.name)
                sha = service_hash
            versions.append((key, resource, sha))
        if provisioned and snap_start:
            raise ctx.error(
                f'function "{key}" has both snapStart and provisionedConcurrency; Lambda does '
                "not support provisioned concurrency on SnapStart functions: remove one",
                (*path, "provisionedConcurrency"),
                at_key=True,
            )
        if provisioned:
            ctx.aliases[key] = (naming.PROVISIONED_ALIAS, naming.provisioned_alias_id(key))
        elif snap_start:
            ctx.aliases[key] = (naming.SNAPSTART_ALIAS, naming.snapstart_alias_id(key))

    for key, resource, sha in versions:
        properties = resource["Properties"]
        version: dict[str, Any] = {
            "Type": "AWS::Lambda::Version",
            "DeletionPolicy": "Retain",
            "Properties": {"FunctionName": {"Ref": naming.lambda_id(key)}, "CodeSha256": sha},
        }
        if functions[key].get("description"):
            version["Properties"]["Description"] = functions[key]["description"]
        version_id = naming.lambda_version_id(key, version_digest(sha, properties))
        ctx.resources[version_id] = version
        ctx.outputs[naming.version_output_id(key)] = {
            "Description": "Current Lambda function version",
            "Value": {"Ref": version_id},
        }
        _compile_alias(ctx, key, resource, version_id)


def _compile_alias(
    ctx: CompileContext, key: str, resource: dict[str, Any], version_id: str
) -> None:
    """The alias API Gateway invokes (provisioned concurrency or SnapStart), after the version:
    the version then keeps no DeletionPolicy unless the function is versioned anyway."""
    alias = ctx.aliases.get(key)
    if alias is None:
        return
    function = ctx.service.functions[key]
    versioned = function.get("versionFunction")
    if versioned is None:
        versioned = ctx.provider.get("versionFunctions")
    if not js_truthy(True if versioned is None else versioned):
        ctx.resources[version_id].pop("DeletionPolicy", None)
    name, logical_id = alias
    properties: dict[str, Any] = {
        "FunctionName": {"Ref": naming.lambda_id(key)},
        "FunctionVersion": {"Fn::GetAtt": [version_id, "Version"]},
        "Name": name,
    }
    if name == naming.PROVISIONED_ALIAS:
        properties["ProvisionedConcurrencyConfig"] = {
            "ProvisionedConcurrentExecutions": function["provisionedConcurrency"]
        }
    else:  # SnapStart: set on the function after its version id is computed
        resource["Properties"]["SnapStart"] = {"ApplyOn": "PublishedVersions"}
    ctx.resources[logical_id] = {
        "Type": "AWS::Lambda::Alias",
        "Properties": properties,
        "DependsOn": naming.lambda_id(key),
    }


def _union_statement(role: dict[str, Any], statement: dict[str, Any]) -> None:
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    if statement not in statements:
        statements.append(statement)
