"""Formatting of user-facing errors and warnings."""

from __future__ import annotations

from corsway.errors import CorswayError, Diagnostic, SourceLocation


def test_error_points_at_file_line_and_column() -> None:
    err = CorswayError("bad value 'x'", SourceLocation("serverless.yml", 12, 7))
    assert str(err) == "serverless.yml:12:7: error: bad value 'x'"


def test_location_without_line_is_just_the_file() -> None:
    assert str(SourceLocation("serverless.yml")) == "serverless.yml"
    assert str(Diagnostic("warning", "careful")) == "warning: careful"
