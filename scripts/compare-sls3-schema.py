#!/usr/bin/env python3
"""Compare corsway's config rules (src/corsway/service/rules/) with the schema Serverless v3.40
validates serverless.yml against, field by field.

    .venv/bin/python scripts/compare-sls3-schema.py [--schema FILE]

The framework's effective schema (core + AWS provider + every plugin's event definitions) is
dumped by packaging a one-function service with scripts/sls3-package.sh while a `node -r` hook
saves `configSchemaHandler.schema` (or read from --schema). Printed:

* properties one side knows and the other does not (corsway warns "unrecognized property" where
  the framework is silent, or the other way round);
* corsway rules that can stop a compile (type/range/required/pattern problems) next to the
  framework's rule: the framework only warns about schema problems (configValidationMode: warn),
  so each of these must be a value corsway's compiler cannot use as written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from corsway.service import schema as S  # noqa: E402
from corsway.service.rules.root import SERVICE  # noqa: E402

HOOK = """
const path = require('path');
const home = process.env.SLS3_HOME || path.join(process.env.HOME_REAL, '.cache/corsway-sls3');
const lib = path.join(home, 'node_modules/serverless/lib');
const handler = require(path.join(lib, 'classes/config-schema-handler'));
const validate = handler.prototype.validateConfig;
handler.prototype.validateConfig = async function (config) {
  require('fs').writeFileSync(process.env.SCHEMA_OUT, JSON.stringify(this.schema));
  return validate.call(this, config);
};
"""
SERVICE_YML = """service: schema-dump
provider:
  name: aws
  runtime: nodejs18.x
functions:
  f:
    handler: handler.handler
"""


def dump_schema() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        (work / "svc").mkdir()
        (work / "svc" / "serverless.yml").write_text(SERVICE_YML)
        (work / "svc" / "handler.js").write_text("exports.handler = async () => ({});\n")
        (work / "hook.js").write_text(HOOK)
        env = {
            **os.environ,
            "HOME_REAL": str(Path.home()),
            "SCHEMA_OUT": str(work / "schema.json"),
            "NODE_OPTIONS": f"-r {work / 'hook.js'}",
        }
        subprocess.run(
            [str(ROOT / "scripts" / "sls3-package.sh"), str(work / "svc")],
            env=env,
            check=True,
            capture_output=True,
        )
        schema: dict[str, Any] = json.loads((work / "schema.json").read_text())
        return schema


class Framework:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.definitions: dict[str, Any] = schema.get("definitions", {})

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            node = self.definitions[node["$ref"].split("/")[-1]]
        return node

    def objects(self, node: Any) -> list[dict[str, Any]]:
        node = self.deref(node)
        found = [node] if isinstance(node, dict) and "properties" in node else []
        for key in ("anyOf", "oneOf"):
            for alternative in node.get(key, []) if isinstance(node, dict) else []:
                found += self.objects(alternative)
        return found

    def describe(self, node: Any) -> str:
        node = self.deref(node)
        if not isinstance(node, dict):
            return "?"
        parts = [str(node[k]) for k in ("type", "const", "enum") if k in node]
        for key in ("minimum", "maximum", "pattern", "regexp", "maxLength"):
            if key in node:
                parts.append(f"{key}={node[key]}")
        for key in ("anyOf", "oneOf"):
            if key in node:
                parts.append(f"{key}[" + " | ".join(self.describe(a) for a in node[key]) + "]")
        return " ".join(parts) or "any"


def corsway_objects(rule: S.Rule) -> list[S.Obj]:
    if isinstance(rule, S.Lenient):
        return corsway_objects(rule.rule)
    if isinstance(rule, S.Obj):
        return [rule]
    if isinstance(rule, S.AnyOf):
        return [obj for alternative in rule.alternatives for obj in corsway_objects(alternative)]
    return []


def compare(framework: Framework, rule: S.Rule, node: Any, path: str, out: list[str]) -> None:
    ours = corsway_objects(rule)
    theirs = framework.objects(node)
    if not ours or not theirs:
        return
    our_keys = {key for obj in ours for key in obj.properties if not key.startswith("Fn::")}
    their_keys = {
        key
        for obj in theirs
        for key in obj.get("properties", {})
        if not key.startswith("Fn::")  # CloudFormation functions: corsway checks them as such
    }
    our_extra = any(obj.extra is not None for obj in ours)
    their_extra = any(obj.get("additionalProperties", True) is not False for obj in theirs)
    if not our_extra and their_keys - our_keys:
        out.append(f"{path}: corsway warns about {sorted(their_keys - our_keys)}")
    if not their_extra and our_keys - their_keys:
        out.append(f"{path}: the framework warns about {sorted(our_keys - their_keys)}")
    for key in sorted(our_keys & their_keys):
        for obj in ours:
            for other in theirs:
                if key in obj.properties and key in other.get("properties", {}):
                    compare(
                        framework,
                        obj.properties[key],
                        other["properties"][key],
                        f"{path}.{key}" if path else key,
                        out,
                    )


def strict_rules(rule: S.Rule, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(rule, S.Lenient | S.AnyValue | S.Custom):
        return  # Custom rules decide per value (see their modules)
    if isinstance(rule, S.Obj):
        out.append((path, "object"))
        for key, sub in rule.properties.items():
            strict_rules(sub, f"{path}.{key}" if path else key, out)
        if rule.extra is not None:
            strict_rules(rule.extra, f"{path}.*", out)
    elif isinstance(rule, S.Arr):
        out.append((path, "list"))
        strict_rules(rule.items, f"{path}[]", out)
    elif isinstance(rule, S.AnyOf):
        out.append((path, rule.label))
    else:
        out.append((path, type(rule).__name__))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schema", type=Path, help="a dumped framework schema (JSON)")
    args = parser.parse_args()
    schema = json.loads(args.schema.read_text()) if args.schema else dump_schema()
    framework = Framework(schema)
    differences: list[str] = []
    compare(framework, SERVICE, schema, "", differences)
    print("properties known to one side only:")
    print("\n".join(f"  {line}" for line in differences) or "  none")
    strict: list[tuple[str, str]] = []
    strict_rules(SERVICE, "", strict)
    print("corsway rules whose type/range/required/pattern problems are errors:")
    for path, what in strict:
        print(f"  {path or '<root>'}: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
