"""The migrations build exactly the schema the tables declare, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from openhss.store import Database, database
from openhss.store.tables import compared, metadata


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    db.migrate()  # idempotent
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": compared}), metadata)
    db.close()
    assert diff == []


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/x.db")
    db.migrate()
    with db.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()


def test_head_revision_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_heads() == [database.head_revision()]


def test_a_store_at_head_is_recognised_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    fresh = Database(url)
    assert fresh.revision() is None
    fresh.migrate()
    assert fresh.revision() == database.head_revision()
    fresh.close()
    # A new process, as `openhss scan` is: migrating a store already at head must not import Alembic.
    probe = (
        "import sys; from openhss.store import Database; db = Database(sys.argv[1]); db.migrate(); "
        "print('alembic' in sys.modules, db.revision())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, url],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ).stdout.split()
    assert out == ["False", database.head_revision()]


def test_a_store_behind_head_is_migrated(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = Database(f"sqlite:///{tmp_path}/x.db")
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    assert db.revision() == "0001"
    db.migrate()
    assert db.revision() == database.head_revision()
    db.close()
