"""The `corsway` click group; each subcommand lives in its own module, imported when used."""

from __future__ import annotations

import importlib

import click

from corsway import __version__

# Subcommand name -> "module:attribute". Commands load only when they run, so
# `corsway --help` stays fast.
COMMANDS: dict[str, str] = {
    "check": "corsway.cli.check:check",
    "lint": "corsway.cli.lint:lint",
    "package": "corsway.cli.package:package",
    "serve": "corsway.cli.serve:serve",
}


class LazyGroup(click.Group):
    """A click group that imports each subcommand's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="corsway")
def cli() -> None:
    """CORS for serverless HTTP APIs: compile, serve and check a serverless.yml service."""
