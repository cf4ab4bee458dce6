"""Command-line options shared by the subcommands that read a service."""

from __future__ import annotations

import click

stage_option = click.option(
    "--stage",
    default=None,
    metavar="STAGE",
    help="Stage, as serverless --stage (default: provider.stage, else dev).",
)
region_option = click.option(
    "--region",
    default=None,
    metavar="REGION",
    help="Region, as serverless --region (default: provider.region, else us-east-1).",
)
