"""Fill an OpenHSS store with a fleet-sized inventory, as ingestion would have written it.

    python bench/fleet/generate.py sqlite:////tmp/fleet.db
    python bench/fleet/generate.py postgresql+psycopg://postgres@127.0.0.1:5432/fleet

The store is migrated first, must hold no inventory yet, and gets a domain `bench`, user `bench`
(password `bench-password-1`) granted every enterprise project of project `cn-north-4`.
Ends with the consistency queries: every count the list shows equals a recount from the rows.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fleet as shape
from sqlalchemy import text
from sqlalchemy.engine import make_url
from stores import store_url

from openhss.api.context import build_context
from openhss.config import Settings
from openhss.store.container_search import refill_container_search
from openhss.store.counters import recount
from openhss.store.presence import refill_presence

_PRESENCE = "SELECT project_id, name_id, enterprise_project_id, image_id FROM component_presence"
_WANTED = (
    "SELECT s.project_id, c.name_id, s.enterprise_project_id, s.image_id FROM image_scopes s "
    "JOIN images i ON i.id = s.image_id JOIN image_components c ON c.config_digest = i.config_digest "
    "WHERE s.enterprise_project_id <> '*'"
)
CHECKS = {
    "scopes without presence or with wrong host_num/container_num": """
        SELECT count(*) FROM image_scopes s
        WHERE s.host_num <> (SELECT count(*) FROM image_hosts h WHERE h.image_id = s.image_id
                             AND s.enterprise_project_id IN (h.enterprise_project_id, '*'))
           OR s.container_num <> (SELECT count(*) FROM containers c WHERE c.image_id = s.image_id
                             AND s.enterprise_project_id IN (c.enterprise_project_id, '*'))""",
    "presence without a scope row (per enterprise project and whole-project)": """
        SELECT count(*) FROM (SELECT DISTINCT image_id, enterprise_project_id FROM image_hosts
                              UNION SELECT DISTINCT image_id, '*' FROM image_hosts) h
        WHERE NOT EXISTS (SELECT 1 FROM image_scopes s
                          WHERE s.image_id = h.image_id AND s.enterprise_project_id = h.enterprise_project_id)""",
    "scope rows whose copied image values differ": """
        SELECT count(*) FROM image_scopes s JOIN images i ON i.id = s.image_id
        WHERE s.created_ms <> i.created_ms OR s.scan_status <> i.scan_status OR s.image_size <> i.image_size
           OR s.local_image_type <> i.local_image_type OR s.latest_scan_ms <> i.latest_scan_ms
           OR s.vul_num <> i.vul_num""",
    "images whose name_id does not name their image_name, or scope rows with another name_id": """
        SELECT (SELECT count(*) FROM images i LEFT JOIN image_names n ON n.id = i.name_id
                WHERE n.name IS NULL OR n.name <> i.image_name)
             + (SELECT count(*) FROM image_scopes s JOIN images i ON i.id = s.image_id
                WHERE s.name_id <> i.name_id)""",
    "counter keys whose sum differs from a recount of image_scopes": """
        SELECT count(*) FROM (
            SELECT project_id, enterprise_project_id, scan_status, local_image_type, vulnerable,
                   with_containers, sum(n) AS n FROM image_counts GROUP BY 1, 2, 3, 4, 5, 6) c
        FULL JOIN (
            SELECT project_id, enterprise_project_id, scan_status, local_image_type, vul_num > 0 AS vulnerable,
                   container_num > 0 AS with_containers, count(*) AS n FROM image_scopes GROUP BY 1, 2, 3, 4, 5, 6) s
        USING (project_id, enterprise_project_id, scan_status, local_image_type, vulnerable, with_containers)
        WHERE coalesce(c.n, 0) <> coalesce(s.n, 0)""",
    "component presence rows missing or extra (against scope rows and image components)": f"""
        SELECT (SELECT count(*) FROM ({_PRESENCE} EXCEPT {_WANTED}) AS extra)
             + (SELECT count(*) FROM ({_WANTED} EXCEPT {_PRESENCE}) AS missing)""",
    "presence or container rows whose copy of their image's created_ms differs": """
        SELECT (SELECT count(*) FROM image_hosts h JOIN images i ON i.id = h.image_id
                WHERE h.created_ms <> i.created_ms)
             + (SELECT count(*) FROM containers c JOIN images i ON i.id = c.image_id
                WHERE c.image_created_ms <> i.created_ms)""",
    "images whose component_num differs from their components": """
        SELECT count(*) FROM images i
        WHERE i.component_num <> (SELECT count(*) FROM image_components c WHERE c.config_digest = i.config_digest)""",
    # Signed multiset difference: every key's rows counted +1 in container_search, -1 in containers.
    # (A FULL JOIN of the two grouped sets ran as a nested loop on SQLite: hours at fleet scale.)
    "container search rows missing or extra (against the container rows with an image)": """
        SELECT count(*) FROM (
            SELECT project_id, enterprise_project_id, name, image_id, image_created_ms
            FROM (
                SELECT project_id, enterprise_project_id, name, image_id, image_created_ms, 1 AS n
                FROM container_search
                UNION ALL
                SELECT project_id, enterprise_project_id, name, image_id, image_created_ms, -1 AS n
                FROM containers WHERE image_id IS NOT NULL) u
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0) d""",
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="sqlite:///PATH, a file path, or postgresql+psycopg://...")
    parser.add_argument("--hosts", type=int, default=20_000)
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--presence", type=int, default=1_000_000, help="image-on-host rows")
    parser.add_argument("--containers", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    url = store_url(args.database)
    started = time.monotonic()
    context = build_context(
        Settings.from_env({"OPENHSS_HOME": tempfile.mkdtemp(prefix="fleet-"), "OPENHSS_DATABASE_URL": url})
    )
    context.db.migrate()
    with context.db.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM images")).scalar_one():
            print("the store already holds images: give an empty one", file=sys.stderr)
            return 2
    identity = context.identity
    identity.create_domain(shape.DOMAIN)
    identity.create_user(shape.DOMAIN, shape.USER, shape.PASSWORD)
    identity.create_project(shape.DOMAIN, shape.PROJECT, shape.PROJECT_ID)
    for ep in shape.ENTERPRISE_PROJECTS:
        if ep != "0":
            identity.create_enterprise_project(shape.DOMAIN, ep, ep)
    identity.grant(shape.DOMAIN, shape.USER, shape.PROJECT_ID)
    _step(started, "identity")
    rows = shape.build(args.hosts, args.images, args.presence, args.containers, args.seed).rows
    _step(started, "built " + ", ".join(f"{t} {len(r)}" for t, r in rows.items()))
    if context.db.dialect == "postgresql":
        _load_postgresql(url, rows, started)
    else:
        _load_sqlite(str(make_url(url).database), rows, started)
    with context.db.begin(write=True) as conn:
        # The load set the counters' triggers aside (SQLite) or did not fire them (PostgreSQL).
        recount(conn)
    _step(started, "image counters filled")
    with context.db.begin(write=True) as conn:
        refill_presence(conn)  # the same: its triggers were set aside or not fired
    _step(started, "component presence filled")
    with context.db.begin(write=True) as conn:
        refill_container_search(conn)  # the same; written in name order, as migration 0016 writes it
    _step(started, "container search rows filled")
    with context.db.begin(write=True) as conn:
        # Every table again, now that the refilled ones (and on SQLite their FTS5 tables) are full:
        # statistics taken while container_search's FTS5 `_data` table was empty (2 rows) made every
        # container an ingest then added or removed cost 36-53 ms instead of ~0.65 (bench/README,
        # "Current figures").
        conn.execute(text("ANALYZE"))
    _step(started, "analyzed after the refills")
    bad = 0
    with context.db.begin() as conn:
        for what, sql in CHECKS.items():
            n = conn.execute(text(sql)).scalar_one()
            bad += n
            print(f"check: {what}: {n}")
    _step(started, "consistency checked")
    context.db.close()
    return 1 if bad else 0


def _step(started: float, what: str) -> None:
    print(f"[{time.monotonic() - started:7.1f}s] {what}", flush=True)


def _load_sqlite(path: str, rows: dict[str, list[tuple[object, ...]]], started: float) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    conn.execute("PRAGMA foreign_keys=OFF")  # parents are loaded first anyway; the checks recount
    # Secondary indexes and the FTS triggers are set aside and rebuilt once: far faster than
    # maintaining them row by row. Their SQL comes from the store itself (what migrations made).
    aside = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND ((type = 'index') OR (type = 'trigger' AND (name LIKE '%\\_fts\\_%' ESCAPE '\\' "
        "OR name LIKE 'image\\_counts\\_%' ESCAPE '\\' OR name LIKE 'component\\_presence\\_%' ESCAPE '\\' "
        "OR name LIKE 'page\\_key\\_%' ESCAPE '\\' OR name LIKE 'container\\_search\\_%' ESCAPE '\\')))"
    ).fetchall()
    conn.execute("BEGIN")
    for kind, name, _table, _sql in aside:
        conn.execute(f"DROP {kind.upper()} {name}")
    for table in shape.ORDER:
        cols = shape.COLUMNS[table]
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows[table]
        )
        _step(started, f"sqlite: {table}")
    for _kind, _name, _table, sql in aside:
        conn.execute(sql)
    for (fts,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'"
    ).fetchall():
        conn.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    conn.execute("COMMIT")
    _step(started, "sqlite: indexes and FTS tables rebuilt")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _step(started, "sqlite: analyzed")


def _load_postgresql(url: str, rows: dict[str, list[tuple[object, ...]]], started: float) -> None:
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        # Foreign-key triggers off for the load (superuser); the checks recount everything after.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '512MB'")
        aside = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(shape.ORDER),),
        ).fetchall()
        for name, _sql in aside:
            conn.execute(f"DROP INDEX {name}")
        with conn.cursor() as cur:
            for table in shape.ORDER:
                with cur.copy(f"COPY {table} ({', '.join(shape.COLUMNS[table])}) FROM STDIN") as copy:
                    for row in rows[table]:
                        copy.write_row(row)
                _step(started, f"postgresql: {table}")
            for _name, sql in aside:
                cur.execute(sql)
            _step(started, "postgresql: indexes rebuilt")
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('component_names', 'id'), max(id)) FROM component_names"
            )
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('image_names', 'id'), max(id)) FROM image_names"
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    _step(started, "postgresql: vacuumed and analyzed")


if __name__ == "__main__":
    sys.exit(main())
