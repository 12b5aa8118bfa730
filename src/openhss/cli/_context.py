"""Opening the server-side state from the CLI: settings, the migrated store, identity."""

from __future__ import annotations

from openhss.api.context import ServerContext, build_context
from openhss.config import Settings


def open_context() -> ServerContext:
    """The same state the server uses, with the schema brought up to date."""
    context = build_context(Settings.from_env())
    context.db.migrate()
    return context
