"""User-facing errors and warnings that point at a place in a file (`file:line:col`).

Shared by the service loader, the compiler and the gateway. The command line prints them
without a traceback and exits with status 1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A position in a user's file; `line` and `column` count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A warning or error about the user's input, printed as `file:line:col: severity: text`.

    A diagnostic that is also a lint rule (`corsway.catalog`) carries its id and prints as
    `file:line:col: severity CW0NN text`, the shape `corsway lint` prints.
    """

    severity: str  # "warning" | "error"
    message: str
    location: SourceLocation | None = None
    rule: str | None = None  # a `corsway.catalog` rule id, e.g. "CW002"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        if self.rule:
            return f"{where}{self.severity} {self.rule} {self.message}"
        return f"{where}{self.severity}: {self.message}"


class CorswayError(Exception):
    """An error in the user's input or environment, reported without a traceback.

    The message names the file, the field and the value, and says what would be valid.
    """

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    @property
    def diagnostic(self) -> Diagnostic:
        """This error as a printable diagnostic."""
        return Diagnostic("error", self.message, self.location)

    def __str__(self) -> str:
        return str(self.diagnostic)
