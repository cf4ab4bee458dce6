"""The template's Lambda functions (`AWS::Lambda::Function`) as the runtimes run them.

Shared by every API flavour: a service with REST and HTTP API events has one set of functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from corsway.errors import CorswayError
from corsway.gateway.cfn import TemplateReader
from corsway.runtimes.base import FunctionConfig

CFN_DEFAULT_TIMEOUT_S = 3.0  # AWS::Lambda::Function defaults (the framework always sets both)
CFN_DEFAULT_MEMORY_MB = 128

# The function name inside a Lambda ARN or an invocation URI (`.../functions/arn:...:fn/...`).
FUNCTION_ARN = re.compile(r"functions/arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^/:]+)")


def read_functions(
    reader: TemplateReader, *, service_dir: Path, function_keys: Mapping[str, str]
) -> tuple[dict[str, FunctionConfig], dict[str, str]]:
    """Every function's configuration by function key, and function key by physical name.

    `function_keys` maps logical ids to serverless.yml keys when the compiler knows them;
    otherwise the key is derived from the name or the logical id.
    """
    functions: dict[str, FunctionConfig] = {}
    by_name: dict[str, str] = {}
    for logical_id in reader.of_type("AWS::Lambda::Function"):
        where = f"Resources.{logical_id}.Properties"
        name = reader.intrinsics.physical_id(logical_id)
        key = function_keys.get(logical_id) or _derive_key(reader, logical_id, name)
        handler = reader.value(logical_id, "Handler")
        runtime = reader.value(logical_id, "Runtime")
        if not isinstance(handler, str) or not isinstance(runtime, str):
            reader.notes.append(
                f"function {key}: no Handler/Runtime in the template (container image?); "
                "its routes answer 502"
            )
            handler, runtime = handler if isinstance(handler, str) else "", str(runtime or "")
        timeout = reader.value(logical_id, "Timeout", CFN_DEFAULT_TIMEOUT_S)
        memory = reader.value(logical_id, "MemorySize", CFN_DEFAULT_MEMORY_MB)
        try:
            timeout_s = float(timeout)
            memory_mb = int(memory)
        except (TypeError, ValueError):
            raise reader.error(
                f"{where}: Timeout and MemorySize must be numbers, got {timeout!r} and {memory!r}"
            ) from None
        functions[key] = FunctionConfig(
            key=key,
            name=name,
            handler=handler,
            runtime=runtime,
            code_dir=service_dir,
            region=reader.region,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            environment=_environment(reader, logical_id, key),
        )
        by_name[name] = key
    return functions, by_name


def function_key_of(uri: object, by_name: Mapping[str, str]) -> str | None:
    """The key of the template's function an ARN or invocation URI names, if any."""
    match = FUNCTION_ARN.search(uri) if isinstance(uri, str) else None
    if match is None:
        return None
    return by_name.get(match.group(1))


def _environment(reader: TemplateReader, logical_id: str, key: str) -> dict[str, str]:
    where = f"Resources.{logical_id}.Properties"
    environment = reader.properties(logical_id).get("Environment") or {}
    variables = environment.get("Variables", {}) if isinstance(environment, dict) else None
    if not isinstance(variables, dict):
        raise reader.error(f"{where}.Environment.Variables must be a mapping")
    env = {}
    for var, raw_value in variables.items():
        try:
            val = reader.intrinsics.evaluate(raw_value, f"{where}.Environment.Variables.{var}")
        except CorswayError as error:
            reader.notes.append(
                f"function {key}: environment variable {var} is left unset, it has no "
                f"local value ({error.message})"
            )
            continue
        if isinstance(val, bool):
            env[str(var)] = str(val).lower()
        elif isinstance(val, str | int | float):
            env[str(var)] = str(val)
        else:
            raise reader.error(f"{where}.Environment.Variables.{var} must be a string, got {val!r}")
    return env


def _derive_key(reader: TemplateReader, logical_id: str, name: str) -> str:
    prefix = f"{reader.intrinsics.stack_name}-"
    if name.startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix) :]
    key = logical_id.removesuffix("LambdaFunction") or logical_id
    return key[0].lower() + key[1:]
