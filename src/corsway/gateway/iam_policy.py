"""The IAM policy a Lambda authorizer returns, and its evaluation against a method ARN.

IAM semantics as API Gateway applies them to `execute-api:Invoke`:

- a statement applies when its `Action` (or everything but its `NotAction`) covers
  `execute-api:Invoke` and its `Resource` (or everything but its `NotResource`) covers the
  method ARN;
- an applicable `Deny` wins over any `Allow` (explicit deny); no applicable statement is an
  implicit deny;
- wildcards: `*` is any run of characters, `/` and `:` included, `?` is exactly one character;
  a pattern without wildcards must equal the ARN;
- action names are case-insensitive (`EXECUTE-API:invoke`), resources (ARNs, paths) are not;
  `Effect` must be exactly `Allow` or `Deny` (IAM: "The Effect value is case sensitive").

`Condition` blocks cannot be evaluated locally (their keys describe AWS callers): an `Allow`
with a condition never applies and a `Deny` with a condition always does (fail closed), and the
verdict says so. Anything that is not a policy document raises `InvalidPolicy`, which API
Gateway answers with 500 AUTHORIZER_CONFIGURATION_ERROR.

Patterns are compiled once per parsed policy; a cached authorizer result keeps its `Policy`, so
a cache hit costs a few regex matches.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

INVOKE_ACTION = "execute-api:Invoke"
EFFECTS = ("Allow", "Deny")


class InvalidPolicy(ValueError):
    """The authorizer's `policyDocument` is not a valid policy."""


class Verdict(enum.Enum):
    """The result of evaluating a policy for one method ARN."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "Deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A verdict and what the console should say about how it was reached."""

    verdict: Verdict
    skipped_conditions: int = 0  # statements with a Condition that could not be evaluated


def wildcard_pattern(text: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """An IAM wildcard (`*` any run, `?` one character) as a regex for `fullmatch`."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@dataclass(frozen=True, slots=True)
class _Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    not_actions: bool
    resources: tuple[re.Pattern[str], ...]
    not_resources: bool
    has_condition: bool

    def applies(self, arns: Sequence[str]) -> bool:
        action_listed = any(p.fullmatch(INVOKE_ACTION) for p in self.actions)
        if action_listed == self.not_actions:
            return False
        resource_listed = any(p.fullmatch(arn) for p in self.resources for arn in arns)
        return resource_listed != self.not_resources


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy document."""

    statements: tuple[_Statement, ...]
    resources: tuple[str, ...]  # every Resource / NotResource as written, for the console

    def evaluate(self, arns: Sequence[str]) -> Evaluation:
        """The verdict for a request whose method ARN is any of `arns` (the root has two forms)."""
        allowed = False
        skipped = 0
        for statement in self.statements:
            if statement.has_condition and statement.effect == "Allow":
                skipped += 1
                continue
            if not statement.applies(arns):
                continue
            if statement.effect == "Deny":
                return Evaluation(Verdict.EXPLICIT_DENY, skipped)
            allowed = True
        return Evaluation(Verdict.ALLOW if allowed else Verdict.IMPLICIT_DENY, skipped)


def parse_policy(document: object) -> Policy:
    """Parse a `policyDocument`; raise InvalidPolicy saying what is wrong."""
    if not isinstance(document, dict):
        raise InvalidPolicy(f"policyDocument must be an object, got {_kind(document)}")
    if "Statement" not in document:
        raise InvalidPolicy("policyDocument has no Statement")
    raw = document["Statement"]
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise InvalidPolicy(f"policyDocument.Statement must be a list, got {_kind(raw)}")
    statements = []
    resources: list[str] = []
    for index, item in enumerate(items):
        where = f"Statement[{index}]"
        if not isinstance(item, dict):
            raise InvalidPolicy(f"{where} must be an object, got {_kind(item)}")
        effect = item.get("Effect")
        if effect not in EFFECTS:
            hint = " (IAM Effect values are case sensitive)" if _is_effect_word(effect) else ""
            raise InvalidPolicy(f"{where}.Effect is {effect!r}, not 'Allow' or 'Deny'{hint}")
        actions, not_actions = _either(item, "Action", "NotAction", where)
        targets, not_resources = _either(item, "Resource", "NotResource", where)
        resources.extend(targets)
        statements.append(
            _Statement(
                effect=str(effect),
                actions=tuple(wildcard_pattern(a, ignore_case=True) for a in actions),
                not_actions=not_actions,
                resources=tuple(wildcard_pattern(r) for r in targets),
                not_resources=not_resources,
                has_condition="Condition" in item,
            )
        )
    return Policy(tuple(statements), tuple(resources))


def _either(item: dict[str, object], name: str, negated: str, where: str) -> tuple[list[str], bool]:
    """The values of `name` or of `negated` (exactly one of them), and whether it was negated."""
    if (name in item) == (negated in item):
        raise InvalidPolicy(f"{where} must have exactly one of {name} and {negated}")
    key = name if name in item else negated
    return _strings(item[key], f"{where}.{key}"), key == negated


def _strings(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise InvalidPolicy(f"{where} must be a string or a list of strings, got {value!r}")


def _is_effect_word(value: object) -> bool:
    return isinstance(value, str) and value.lower() in ("allow", "deny")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
