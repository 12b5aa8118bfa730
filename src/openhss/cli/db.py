"""`openhss db`: the database schema (and, later, the vulnerability knowledge)."""

from __future__ import annotations

import click

from openhss.cli._context import open_context


@click.group("db")
def command() -> None:
    """Manage the database."""


@command.command("migrate")
def migrate() -> None:
    """Bring the schema to the newest revision (the server also does this on start)."""
    open_context()
    click.echo("database is up to date")
