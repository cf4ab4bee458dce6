"""One lint run: load and compile the service, collect the compiler's rule findings, run the
lint rules, attach the mechanical fixes, and apply them on request."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from corsway.compile import compile_loaded
from corsway.errors import Diagnostic, SourceLocation
from corsway.lint import httpapi, rest
from corsway.lint.context import LintContext
from corsway.lint.edits import EditError, YamlEdits
from corsway.lint.gatewayresponses import gateway_response_fix
from corsway.lint.model import Finding, Fix
from corsway.service import Service, load_service
from corsway.service.schema import YAML11_FALSE, YAML11_TRUE
from corsway.service.sourcemap import Path

RULE_FUNCTIONS = (*rest.RULES, *httpapi.RULES)


@dataclass
class LintReport:
    """The findings of one service (`location.file` relative to `service_dir`)."""

    findings: list[Finding]
    service_dir: FilePath
    config_path: FilePath
    fixed: list[Finding] = field(default_factory=list)  # the findings --fix repaired

    def display_path(self, location: SourceLocation) -> str:
        """The finding's file relative to the working directory (as ruff prints it)."""
        target = FilePath(location.file)
        if not target.is_absolute():
            target = self.service_dir / target
        try:
            return os.path.relpath(target)
        except ValueError:  # another drive on Windows
            return str(target)


def lint_service(path: str | os.PathLike[str], *, stage: str | None = None) -> LintReport:
    """Lint the service at `path` (a directory or its serverless.yml); raises CorswayError when
    the service cannot be read or compiled."""
    service = load_service(path, stage=stage, region=None)
    compiled = compile_loaded(service)
    return LintReport(
        lint_loaded(service, compiled.template), service.service_dir, service.config_path
    )


def lint_loaded(service: Service, template: dict[str, Any]) -> list[Finding]:
    """The findings of a loaded service compiled to `template`: the ruled warnings the loader
    and compiler gave (`service.warnings`) and the lint rules."""
    ctx = LintContext.build(service, template)
    findings = list(_compiler_findings(ctx, service.warnings))
    for rule in RULE_FUNCTIONS:
        findings.extend(rule(ctx))
    unique: dict[tuple[str, str, int, int, str], Finding] = {}
    for finding in findings:
        key = (finding.rule, *finding.sort_key()[:3], finding.message)
        unique.setdefault(key, finding)
    return sorted(unique.values(), key=Finding.sort_key)


def select(
    findings: Iterable[Finding], chosen: Iterable[str] = (), ignored: Iterable[str] = ()
) -> list[Finding]:
    """The findings whose rule starts with one of `chosen` (all when empty), minus `ignored`."""
    chosen, ignored = tuple(chosen), tuple(ignored)
    return [
        finding
        for finding in findings
        if (not chosen or finding.rule.startswith(chosen))
        and not (ignored and finding.rule.startswith(ignored))
    ]


def apply_fixes(report: LintReport, findings: list[Finding]) -> list[Finding]:
    """Apply the fixes of `findings` to serverless.yml; return the findings fixed.

    Raises EditError (nothing written) when an edit cannot be made or breaks the YAML.
    """
    fixable = [finding for finding in findings if finding.fix is not None]
    if not fixable:
        return []
    raw = report.config_path.read_bytes()
    text = raw.decode("utf-8")
    edits = YamlEdits(text)
    done: list[Finding] = []
    applied: set[str] = set()
    for finding in fixable:
        assert finding.fix is not None
        if finding.fix.description in applied:
            done.append(finding)
            continue
        try:
            finding.fix.apply(edits)
        except EditError:
            continue
        applied.add(finding.fix.description)
        done.append(finding)
    if edits.changed:
        report.config_path.write_bytes(edits.result().encode("utf-8"))
    return done


# --- the compiler's findings and their fixes ------------------------------------------------


def _compiler_findings(ctx: LintContext, diagnostics: list[Diagnostic]) -> Iterator[Finding]:
    paths: dict[SourceLocation, Path] | None = None
    for diagnostic in diagnostics:
        if not diagnostic.rule or diagnostic.location is None:
            continue
        fix = None
        if diagnostic.rule == "CW003":
            fix = gateway_response_fix(ctx, "DEFAULT_4XX")
        elif diagnostic.rule == "CW006":
            fix = httpapi.catch_all_fix(ctx, diagnostic.location)
        elif diagnostic.rule == "CW013":
            if paths is None:
                paths = _value_paths(ctx)
            path = paths.get(diagnostic.location)
            fix = _quirk_fix(ctx, path) if path is not None else None
        yield Finding(diagnostic.rule, diagnostic.message, diagnostic.location, fix)


def _value_paths(ctx: LintContext) -> dict[SourceLocation, Path]:
    """Where each scalar of the config was written -> its path (serverless.yml only)."""
    found: dict[SourceLocation, Path] = {}
    stack: list[tuple[Path, Any]] = [((), ctx.service.config)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
        elif ctx.service.source_map.has(path):
            found.setdefault(ctx.at(path), path)
    return found


def _quirk_fix(ctx: LintContext, path: Path) -> Fix | None:
    """`cors: off` -> `false`, `'yes'` -> `true`, a lower-case cors method -> upper case."""
    value = _value_at(ctx.service.config, path)
    if not isinstance(value, str) or not ctx.written_here(path):
        return None
    if value in YAML11_TRUE | YAML11_FALSE:
        meant = "true" if value in YAML11_TRUE else "false"
        effect = (
            "no change in behaviour"
            if meant == "true"
            else "Serverless read it as true; it is now off as written"
        )
        return Fix(
            f"changed {path[-1]}: {value} to {meant} ({effect})",
            lambda edits: edits.replace_value(path, meant),
        )
    if "methods" in path and value.upper() != value:
        upper = value.upper()
        return Fix(
            f"changed the cors method {value!r} to {upper!r} (browsers compare methods "
            "case-sensitively)",
            lambda edits: edits.replace_value(path, upper, string=True),
        )
    return None


def _value_at(config: Any, path: Path) -> Any:
    value = config
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value
