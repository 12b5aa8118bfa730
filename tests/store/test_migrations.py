"""The migrations build exactly the schema the tables declare, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
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
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(_alembic_config()).get_heads() == [database.head_revision()]


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
    db = Database(f"sqlite:///{tmp_path}/x.db")
    _move(db, "upgrade", "0001")
    assert db.revision() == "0001"
    db.migrate()
    assert db.revision() == database.head_revision()
    db.close()


def test_0008_interns_the_names_of_a_store_with_images(database_url: str) -> None:
    """Down to 0007, images written as 0007 knew them, up again: every row gets its name's id."""
    from sqlalchemy import text

    from openhss.inventory import ImageQuery, list_local_images

    db = Database(database_url)
    _move(db, "downgrade", "0007")
    names = ["nginx", "library/nginx", "redis", "nginx", "100%_x"]
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO domains (id, name, created_ms) VALUES ('d', 'acme', 1)"))
        conn.execute(
            text("INSERT INTO projects (id, domain_id, name, created_ms) VALUES ('p', 'd', 'cn', 1)")
        )
        for k, name in enumerate(names):
            conn.execute(
                text(
                    "INSERT INTO images (id, project_id, image_name, image_version, config_digest, repo_digest, "
                    "image_size, created_ms, local_image_type, scan_status, latest_scan_ms, vul_num, "
                    "unsafe_setting_num, malicious_file_num, component_num, scan_failed_desc, severity_level, "
                    "non_scan_reason) VALUES (:id, 'p', :name, :v, :d, '', 0, :k, 'other_image', 'unscan', "
                    "0, 0, 0, 0, 0, '', '', '')"
                ),
                {"id": f"i{k}", "name": name, "v": str(k), "d": f"sha256:{k}", "k": k},
            )
            for ep in ("0", "*"):
                conn.execute(
                    text(
                        "INSERT INTO image_scopes (image_id, enterprise_project_id, project_id, created_ms, "
                        "host_num, container_num) VALUES (:id, :ep, 'p', :k, 1, 0)"
                    ),
                    {"id": f"i{k}", "ep": ep, "k": k},
                )
    db.migrate()
    with db.begin() as conn:
        interned = {name: id_ for name, id_ in conn.execute(text("SELECT name, id FROM image_names"))}
        assert sorted(interned) == sorted(set(names))
        by_image = conn.execute(text("SELECT id, image_name, name_id FROM images")).all()
        assert all(interned[name] == name_id for _, name, name_id in by_image)
        scope_ids = conn.execute(
            text("SELECT s.name_id, i.name_id FROM image_scopes s JOIN images i ON i.id = s.image_id")
        ).all()
        assert len(scope_ids) == 2 * len(names) and all(a == b for a, b in scope_ids)
        for needle, expected in (
            ("nginx", {"i0", "i1", "i3"}),
            ("0%_", {"i4"}),
            ("redi", {"i2"}),
            ("ngx", set()),
        ):
            for ep in ("0", "*"):
                page = list_local_images(
                    conn, "p", ImageQuery(image_name=needle, enterprise_project_id=ep), None
                )
                assert {r.image_id for r in page.rows} == expected
                assert page.total_num == len(expected)
    db.close()


def test_0014_copies_created_ms_onto_the_presence_and_container_rows_of_a_store(database_url: str) -> None:
    """Down to 0012, presence and containers written as 0012 knew them, up again: every row gets its
    image's created_ms, and the host and container filters page by it."""
    from sqlalchemy import text

    from openhss.inventory import ImageQuery, list_local_images

    db = Database(database_url)
    _move(db, "downgrade", "0012")
    created = {"i0": 30, "i1": 10, "i2": 20, "i3": 20}
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO domains (id, name, created_ms) VALUES ('d', 'acme', 1)"))
        conn.execute(
            text("INSERT INTO projects (id, domain_id, name, created_ms) VALUES ('p', 'd', 'cn', 1)")
        )
        conn.execute(
            text(
                "INSERT INTO hosts (id, project_id, enterprise_project_id, name, agent_id, os, engine, "
                "last_seen_ms, run_id, run_started_ms, seq, created_ms) "
                "VALUES ('h', 'p', '0', 'web-1', 'a', '', '', 1, '', 0, 0, 1)"
            )
        )
        for image_id, created_ms in created.items():
            conn.execute(
                text(
                    "INSERT INTO images (id, project_id, image_name, image_version, config_digest, repo_digest, "
                    "image_size, created_ms, local_image_type, scan_status, latest_scan_ms, vul_num, "
                    "unsafe_setting_num, malicious_file_num, component_num, scan_failed_desc, severity_level, "
                    "non_scan_reason, name_id) VALUES (:id, 'p', 'app', :id, :id, '', 0, :c, 'other_image', "
                    "'unscan', 0, 0, 0, 0, 0, '', '', '', 0)"
                ),
                {"id": image_id, "c": created_ms},
            )
            conn.execute(
                text(
                    "INSERT INTO image_hosts (image_id, host_id, enterprise_project_id) VALUES (:id, 'h', '0')"
                ),
                {"id": image_id},
            )
            conn.execute(
                text(
                    "INSERT INTO containers (host_id, container_id, project_id, enterprise_project_id, image_id, "
                    "name, state, image_ref, config_digest, pod_id, pod_name, pod_namespace, created_ms) "
                    "VALUES ('h', :id, 'p', '0', :id, 'gateway', 'running', 'app', :id, '', '', '', 1)"
                ),
                {"id": image_id},
            )
            for ep in ("0", "*"):
                conn.execute(
                    text(
                        "INSERT INTO image_scopes (image_id, enterprise_project_id, project_id, created_ms, "
                        "host_num, container_num) VALUES (:id, :ep, 'p', :c, 1, 1)"
                    ),
                    {"id": image_id, "ep": ep, "c": created_ms},
                )
    db.migrate()
    with db.begin() as conn:
        copied = conn.execute(
            text(
                "SELECT h.created_ms, c.image_created_ms, i.created_ms FROM images i "
                "JOIN image_hosts h ON h.image_id = i.id JOIN containers c ON c.image_id = i.id"
            )
        ).all()
        assert len(copied) == len(created) and all(a == b == c for a, b, c in copied)
        # Newest first, ties by image_id descending.
        for query in (
            ImageQuery(host_name="web"),
            ImageQuery(host_id="h"),
            ImageQuery(container_name="gate"),
        ):
            page = list_local_images(conn, "p", query, None)
            assert (page.total_num, [r.image_id for r in page.rows]) == (4, ["i0", "i3", "i2", "i1"]), query
    db.close()


def test_0015_leads_the_container_name_index_with_the_enterprise_project(database_url: str) -> None:
    """PostgreSQL: down to 0014 the name-only trigram index is back, up again the scoped one (the pod
    name's is the same at both revisions, as are SQLite's FTS5 tables)."""
    from sqlalchemy import text

    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL index")
    db = Database(database_url)

    def indexes() -> dict[str, str]:
        with db.engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'containers' AND indexname LIKE '%trgm'"
                )
            )
            return {name: definition.split(" USING ", 1)[1] for name, definition in found}

    scoped = {
        "ix_containers_ep_name_trgm": "gin (enterprise_project_id, name gin_trgm_ops)",
        "ix_containers_pod_name_trgm": "gin (pod_name gin_trgm_ops)",
    }
    assert indexes() == scoped
    _move(db, "downgrade", "0014")
    assert indexes() == {
        "ix_containers_name_trgm": "gin (name gin_trgm_ops)",
        "ix_containers_pod_name_trgm": "gin (pod_name gin_trgm_ops)",
    }
    db.migrate()
    assert indexes() == scoped
    db.close()


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    return cfg


def _move(db: Database, direction: str, revision: str) -> None:
    """Alembic's `upgrade` or `downgrade` of `db` to `revision`."""
    from alembic import command

    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)
