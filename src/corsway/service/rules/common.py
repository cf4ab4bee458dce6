"""Rules shared by several parts of the config: CloudFormation functions, ARNs, Lambda settings.

The Lambda settings (runtime, memory, timeout, environment, tags, role, log retention,
architecture) are the ones both `provider` and a function take.
"""

from __future__ import annotations

from typing import Any

from corsway.service.schema import (
    AnyOf,
    AnyValue,
    Const,
    Custom,
    Issue,
    Lenient,
    Num,
    Obj,
    Report,
    Rule,
    Str,
)
from corsway.service.sourcemap import Path

ANY = AnyValue()

RUNTIMES = [
    "dotnet6",
    "go1.x",
    "java21",
    "java17",
    "java11",
    "java8",
    "java8.al2",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "provided",
    "provided.al2",
    "provided.al2023",
    "python3.7",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "ruby2.7",
    "ruby3.2",
]

CFN_FUNCTION_KEYS = [
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::GetAtt",
    "Ref",
    "Fn::Sub",
    "Fn::Base64",
    "Fn::ToJsonString",
]


def _cf_function(value: Any, path: Path, report: Report) -> Any:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in CFN_FUNCTION_KEYS:
        return value
    report(Issue(path, "must be a CloudFormation function (Ref, Fn::GetAtt, Fn::Sub, ...)", "type"))
    return value


def cf_named(*keys: str) -> Rule:
    """A rule for a CloudFormation function given by one of `keys` (e.g. `Fn::If`)."""

    def check(value: Any, path: Path, report: Report) -> Any:
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in keys:
            return value
        report(Issue(path, f"must be {' or '.join(keys)}", "type"))
        return value

    return Custom(check, " or ".join(keys))


CF_FUNCTION = Custom(_cf_function, "a CloudFormation function")
CF_INSTRUCTION = AnyOf(Str(min_length=1), CF_FUNCTION, label="a string or CloudFormation function")
CF_IF = cf_named("Fn::If")
CF_SELECT = cf_named("Fn::Select")
ARN = AnyOf(
    Str(pattern=r"^arn:", pattern_text="an ARN (arn:...)", pattern_kind="enum"),
    CF_FUNCTION,
    label="an ARN or CloudFormation function",
)

ENVIRONMENT = Obj(
    extra=Lenient(AnyOf(Const(""), CF_INSTRUCTION, CF_IF, CF_SELECT, label="a string")),
    extra_pattern=r"^[A-Za-z_][a-zA-Z0-9_]*$",
    label="a mapping of environment variable names to values",
    unknown_hint="environment variable names must match [A-Za-z_][a-zA-Z0-9_]*",
)
# Values the compiler copies into the template as written: like the framework, corsway only
# warns when they break the schema (`memorySize: '1536MB'` packages; AWS refuses it at deploy).
TIMEOUT = Lenient(Num(minimum=1, maximum=900))
MEMORY = Lenient(Num(minimum=128, maximum=10240))
RUNTIME = Lenient(Str(enum=RUNTIMES))
TAGS = Obj(extra=Lenient(Str(max_length=256)), label="a mapping of tag names to values")
# The framework's `awsLambdaRole`: `role` of provider and functions, and `provider.iam.role`'s
# reference form.
ROLE_REFERENCE = AnyOf(
    Str(min_length=1),
    cf_named("Fn::Sub"),
    cf_named("Fn::ImportValue"),
    cf_named("Fn::GetAtt"),
    label="a role name, ARN or CloudFormation function",
)
ROLE = Lenient(ROLE_REFERENCE)
LOG_RETENTION = Lenient(
    Num(
        integer=False,
        enum=(
            *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557),
            *(2922, 3288, 3653),
        ),
    )
)
ARCHITECTURE = Lenient(Str(enum=("arm64", "x86_64")))
LENIENT_ARN = Lenient(ARN)


def _description(value: Any, path: Path, report: Report) -> Any:
    """A string of at most 256 characters; a CloudFormation function (e.g. Fn::Sub) is what
    the framework warns about and packages, and CloudFormation resolves at deploy."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in CFN_FUNCTION_KEYS:
        report(
            Issue(
                path,
                f"Serverless v3.40's schema wants a string here, so it warns (must be string), "
                f"but it compiles this {next(iter(value))} as written and CloudFormation "
                "resolves it at deploy",
                "warning",
            )
        )
        return value
    return Lenient(Str(max_length=256)).check(value, path, report)


DESCRIPTION = Custom(_description, "a description")
