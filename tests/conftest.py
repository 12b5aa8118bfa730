"""Fixtures every package's tests share: the store on SQLite and on a real PostgreSQL, a live server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from openhss.api.context import ServerContext, build_context
from openhss.config import Settings
from openhss.store import Database
from tests.support.postgres import PostgresServer
from tests.support.server import LiveServer

_TEMPLATE = "openhss_template"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session, with a migrated template database."""
    server = PostgresServer()
    try:
        with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {_TEMPLATE}")
        template = Database(server.url(_TEMPLATE))
        template.migrate()
        template.close()
        yield server
    finally:
        server.stop()


_BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def _fresh_database(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """A migrated database of the kind `request.param` names, dropped afterwards (PostgreSQL)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{directory / 'openhss.db'}")
        db.migrate()
        db.close()
        yield db.url
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = server.url().replace("+psycopg", "")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    yield server.url(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=_BOTH)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: embedded SQLite, then a real PostgreSQL."""
    with _fresh_database(request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=_BOTH)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database shared by one module's tests: for a fixture they only read, built
    once per database instead of once per test."""
    with _fresh_database(request, tmp_path_factory.mktemp("module-db")) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a server whose home is a temporary directory."""
    return Settings.from_env({"OPENHSS_HOME": str(tmp_path / "home"), "OPENHSS_DATABASE_URL": database_url})


@pytest.fixture
def context(settings: Settings) -> Iterator[ServerContext]:
    """Server state over the fresh database."""
    ctx = build_context(settings)
    ctx.db.migrate()
    yield ctx
    ctx.db.close()


@pytest.fixture
def live_server(context: ServerContext) -> Iterator[LiveServer]:
    """The API served over real HTTP."""
    server = LiveServer(context)
    yield server
    server.stop()


@dataclass(frozen=True)
class Account:
    """A domain with a user granted one project, and the user's access key."""

    domain: str
    user: str
    password: str
    project_id: str
    ak: str
    sk: str


@pytest.fixture
def account(context: ServerContext) -> Account:
    """A ready account: domain `acme`, user `alice`, project `cn-north-4`, an AK/SK."""
    identity = context.identity
    identity.create_domain("acme")
    identity.create_user("acme", "alice", "correct horse battery")
    project = identity.create_project("acme", "cn-north-4")
    identity.grant("acme", "alice", project.id)
    ak, sk = identity.create_access_key("acme", "alice")
    return Account("acme", "alice", "correct horse battery", project.id, ak, sk)
