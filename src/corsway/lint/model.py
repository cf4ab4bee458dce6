"""What a lint run finds: `Finding`s, each with its rule, place, message and optional `Fix`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corsway.catalog import RULES
from corsway.errors import SourceLocation

if TYPE_CHECKING:
    from corsway.lint.edits import YamlEdits

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Fix:
    """A mechanical change to serverless.yml: what it does, in words, and how to make it."""

    description: str
    apply: Callable[[YamlEdits], None] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Finding:
    """One rule broken at one place (`location.file` is relative to the service directory)."""

    rule: str
    message: str
    location: SourceLocation
    fix: Fix | None = None

    @property
    def severity(self) -> str:
        return RULES[self.rule].severity

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.file, self.location.line, self.location.column, self.rule)

    def __str__(self) -> str:
        return f"{self.location}: {self.severity} {self.rule} {self.message}"
