"""The four ways `corsway lint` prints its findings: text, json, github, sarif."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from corsway import __version__
from corsway.catalog import RULES
from corsway.lint.engine import LintReport
from corsway.lint.model import Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "docs/lint.md"
_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def as_text(report: LintReport, findings: list[Finding]) -> str:
    """`serverless.yml:LINE:COL: severity CW0NN message`, one line per finding."""
    return "".join(f"{_where(report, f)}: {f.severity} {f.rule} {f.message}\n" for f in findings)


def as_json(report: LintReport, findings: list[Finding]) -> str:
    """A list of {rule, severity, file, line, column, message, fix}."""
    items = [
        {
            "rule": f.rule,
            "severity": f.severity,
            "file": report.display_path(f.location),
            "line": f.location.line or None,
            "column": f.location.column or None,
            "message": f.message,
            "fix": f.fix.description if f.fix else None,
        }
        for f in findings
    ]
    return json.dumps(items, indent=2) + "\n"


def as_github(report: LintReport, findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`."""
    lines = []
    for f in findings:
        properties = [f"file={_property(report.display_path(f.location))}"]
        if f.location.line:
            properties += [f"line={f.location.line}", f"col={f.location.column or 1}"]
        properties.append(f"title={_property(f'{f.rule} {RULES[f.rule].title}')}")
        level = _GITHUB_LEVELS[f.severity]
        lines.append(f"::{level} {','.join(properties)}::{_data(f.message)}\n")
    return "".join(lines)


def as_sarif(report: LintReport, findings: list[Finding]) -> str:
    """A SARIF 2.1.0 log with one run (for code-scanning uploads)."""
    rule_ids = sorted(RULES)
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": RULES[rule_id].title},
            "help": {"text": f"See {DOCS}#{RULES[rule_id].anchor}"},
            "defaultConfiguration": {"level": _SARIF_LEVELS[RULES[rule_id].severity]},
        }
        for rule_id in rule_ids
    ]
    results = []
    for f in findings:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": report.display_path(f.location).replace("\\", "/")}
        }
        if f.location.line:
            physical["region"] = {
                "startLine": f.location.line,
                "startColumn": f.location.column or 1,
            }
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _SARIF_LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": physical}],
        }
        if f.fix:
            result["properties"] = {"fix": f.fix.description}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "corsway",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/corsway/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def summary(findings: list[Finding], fixed: list[Finding]) -> str:
    """`2 errors, 1 warning, 1 info (1 fixable with --fix)` for standard error."""
    counts = dict.fromkeys(("error", "warning", "info"), 0)
    for finding in findings:
        counts[finding.severity] += 1
    parts = [
        f"{count} {severity}{'s' if count != 1 and severity != 'info' else ''}"
        for severity, count in counts.items()
    ]
    fixable = sum(1 for finding in findings if finding.fix)
    text = ", ".join(parts)
    if fixed:
        text += f"; fixed {len(fixed)}"
    elif fixable:
        text += f" ({fixable} fixable with --fix)"
    return text


FORMATS: dict[str, Callable[[LintReport, list[Finding]], str]] = {
    "text": as_text,
    "json": as_json,
    "github": as_github,
    "sarif": as_sarif,
}


def _where(report: LintReport, finding: Finding) -> str:
    path = report.display_path(finding.location)
    if not finding.location.line:
        return path
    return f"{path}:{finding.location.line}:{finding.location.column or 1}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
