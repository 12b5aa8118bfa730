"""What every route needs from the server: settings, the store and the identity directory."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from openhss.config import Settings
from openhss.identity import IdentityDirectory, SecretBox
from openhss.inventory import AgentRegistry
from openhss.store import Database


@dataclass(frozen=True)
class ServerContext:
    """Built once per server process and shared by every request."""

    settings: Settings
    """The configuration."""
    db: Database
    """The store."""
    identity: IdentityDirectory
    """Users, tokens, access keys."""
    agents: AgentRegistry
    """Agent enrollment and credentials."""


def server_context(request: Request) -> ServerContext:
    """The context of the app serving `request` (a FastAPI dependency)."""
    context: ServerContext = request.app.state.context
    return context


def build_context(settings: Settings, db: Database | None = None) -> ServerContext:
    """The shared server state; the database is migrated by the caller (`server`, `db migrate`)."""
    database = db or Database(settings.database_url)
    identity = IdentityDirectory(database, SecretBox.from_settings(settings), settings.token_ttl_seconds)
    return ServerContext(settings=settings, db=database, identity=identity, agents=AgentRegistry(database))
