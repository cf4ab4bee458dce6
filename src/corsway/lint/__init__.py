"""`corsway lint`: the survival guide's mistakes found statically, before anything is deployed.

from corsway.lint import lint_service
report = lint_service("path/to/service")   # load + compile + rules
for finding in report.findings:
    print(finding)   # serverless.yml:12:11: error CW003 ...

Rules judge the loaded and compiled service and point at the line where the user wrote the
value (handler findings point at the handler file). The catalog of rules is
`corsway.catalog.RULES`; docs/lint.md explains each one.
"""

from __future__ import annotations

from corsway.lint.engine import LintReport, apply_fixes, lint_loaded, lint_service, select
from corsway.lint.model import Finding, Fix

__all__ = ["Finding", "Fix", "LintReport", "apply_fixes", "lint_loaded", "lint_service", "select"]
