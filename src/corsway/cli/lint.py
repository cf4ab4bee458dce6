"""`corsway lint`: find the CORS mistakes of a serverless.yml before it is deployed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from corsway.cli.options import stage_option
from corsway.errors import CorswayError

FORMAT_NAMES = ("text", "json", "github", "sarif")


def _rule_ids(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """`CW001,CW1` -> ("CW001", "CW1"): ids or id prefixes that name at least one rule."""
    from corsway.catalog import RULES

    if not value:
        return ()
    ids = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    for rule_id in ids:
        if not any(known.startswith(rule_id) for known in RULES):
            raise click.BadParameter(
                f"{rule_id!r} names no rule (rules: {', '.join(sorted(RULES))})", ctx, param
            )
    return ids


@click.command("lint")
@click.argument("service", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMAT_NAMES),
    default="text",
    show_default=True,
    help="text (file:line:col: severity CW0NN message), json, github (workflow annotations) "
    "or sarif (SARIF 2.1.0).",
)
@click.option("--select", callback=_rule_ids, metavar="IDS", help="Only these rules (CW001,CW1).")
@click.option("--ignore", callback=_rule_ids, metavar="IDS", help="Leave out these rules.")
@click.option(
    "--fix",
    is_flag=True,
    help="Apply the mechanical fixes to serverless.yml (comments, order and quoting kept) and "
    "print what changed.",
)
@stage_option
def lint(
    *,
    service: Path,
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fix: bool,
    stage: str | None,
) -> None:
    """Check SERVICE (a directory with serverless.yml, or the file; default: .) for CORS
    mistakes: every rule (CW001...) is explained in docs/lint.md.

    Exit status: 1 when an error is found, 0 otherwise, 2 when the service cannot be read.
    """
    from corsway.lint import apply_fixes, lint_service
    from corsway.lint import select as chosen
    from corsway.lint.edits import EditError
    from corsway.lint.output import FORMATS, summary

    try:
        report = lint_service(service, stage=stage)
        findings = chosen(report.findings, select, ignore)
        fixed = []
        if fix:
            try:
                fixed = apply_fixes(report, findings)
            except EditError as error:
                click.echo(f"{report.config_path}: error: --fix changed nothing: {error}", err=True)
            for finding in fixed:
                assert finding.fix is not None
                click.echo(
                    f"{report.display_path(finding.location)}:{finding.location.line}:"
                    f"{finding.location.column}: fixed {finding.rule} {finding.fix.description}",
                    err=True,
                )
            if fixed:
                report = lint_service(service, stage=stage)
                findings = chosen(report.findings, select, ignore)
    except CorswayError as error:
        click.echo(str(error), err=True)
        raise SystemExit(2) from None
    except RecursionError:
        click.echo(f"{service}: error: the configuration nests too deeply to lint", err=True)
        raise SystemExit(2) from None
    except Exception as error:  # a bug in corsway: still no traceback for the user
        click.echo(
            f"{service}: error: internal error in corsway while linting "
            f"({type(error).__name__}: {error}); please report it with the serverless.yml",
            err=True,
        )
        raise SystemExit(2) from None
    sys.stdout.write(FORMATS[output_format](report, findings))
    if output_format == "text":
        click.echo(summary(findings, fixed), err=True)
    raise SystemExit(1 if any(f.severity == "error" for f in findings) else 0)
