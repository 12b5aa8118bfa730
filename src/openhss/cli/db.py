"""`openhss db`: the schema, and the vulnerability knowledge (import, update, status)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from openhss.api.context import ServerContext
from openhss.cli._context import open_context
from openhss.vulndb.download import Fetched, default_urls, fetch, remember
from openhss.vulndb.knowledge import ImportStats, Knowledge
from openhss.vulndb.osv import read_source
from openhss.vulndb.rematching import rematch


@click.group("db")
def command() -> None:
    """Manage the database and the vulnerability knowledge."""


@command.command("migrate")
def migrate() -> None:
    """Bring the schema to the newest revision (the server also does this on start)."""
    open_context()
    click.echo("database is up to date")


@contextmanager
def _progress() -> Iterator[Progress]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}"),
        disable=not sys.stderr.isatty(),
        console=None,
        transient=True,
    ) as progress:
        yield progress


def _import(context: ServerContext, path: Path, source: str) -> ImportStats:
    knowledge = Knowledge(context.db)
    with _progress() as progress:
        task = progress.add_task(f"importing {path.name}", total=None)
        stats = knowledge.import_records(
            read_source(path), source, progress=lambda n: progress.advance(task, n)
        )
    rematched = rematch(context.db, stats.changed_packages, stats.changed_advisories)
    click.echo(
        f"{source}: {stats.added} added, {stats.updated} updated, {stats.unchanged} unchanged, "
        f"{stats.withdrawn} withdrawn; {rematched} images re-matched"
    )
    if stats.invalid and not (stats.added or stats.updated or stats.unchanged or stats.withdrawn):
        raise click.ClickException(f"no advisory could be read from {path}: {stats.invalid[0]}")
    for problem in stats.invalid[:10]:
        click.echo(f"skipped: {problem}", err=True)
    if len(stats.invalid) > 10:
        click.echo(f"skipped {len(stats.invalid) - 10} more invalid records", err=True)
    return stats


@command.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_(paths: tuple[Path, ...]) -> None:
    """Import OSV advisories: all.zip dumps, directories of .json files, or single files."""
    context = open_context()
    for path in paths:
        _import(context, path, str(path))
        remember(context.db, Fetched(url=str(path.resolve()), path=None))


@command.command("update")
@click.option(
    "--url", "urls", multiple=True, help="An OSV dump URL (repeatable); default: configured or OSV's own."
)
def update(urls: tuple[str, ...]) -> None:
    """Download OSV dumps that changed since the last update and import them."""
    context = open_context()
    chosen = urls or context.settings.vulndb_urls or default_urls()
    cache = context.settings.home / "vulndb"
    for url in chosen:
        fetched = _download(context, url, cache)
        if fetched.path is None:
            click.echo(f"{url}: not modified")
            continue
        _import(context, fetched.path, url)
        remember(context.db, fetched)


def _download(context: ServerContext, url: str, cache: Path) -> Fetched:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        disable=not sys.stderr.isatty(),
        transient=True,
    ) as progress:
        task = progress.add_task(url, total=None)
        return fetch(
            context.db, url, cache, lambda done, total: progress.update(task, completed=done, total=total)
        )


@command.command("status")
def status() -> None:
    """Per ecosystem: advisories, packages, and the newest `modified`."""
    context = open_context()
    rows = Knowledge(context.db).status()
    if not rows:
        click.echo("the vulnerability database is empty: run `openhss db update` or `openhss db import`")
        return
    click.echo(f"{'ecosystem':<16} {'advisories':>10} {'packages':>9}  newest modified")
    for row in rows:
        newest = datetime.fromtimestamp(row.newest_modified_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"{row.ecosystem:<16} {row.advisories:>10,} {row.packages:>9,}  {newest}")
