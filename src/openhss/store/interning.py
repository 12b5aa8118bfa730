"""Interned names: one row per distinct name (component names, image names), looked up by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, Text, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from openhss.store.driver_rows import CHUNK


def intern(conn: Connection, table: Table, names: Iterable[str]) -> dict[str, int]:
    """The id of each of `names` in `table` (columns `id`, unique `name`), adding those not there yet."""
    ordered = sorted(set(names))
    if not ordered:
        return {}
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]), [{"name": n} for n in ordered])
    lookup = select(table.c.name, table.c.id)
    column = table.c.name
    if conn.dialect.name == "postgresql":
        # A join with the unnested array, not `name IN (...)` or `name = ANY(array)`: planning either
        # with its 1,000 values known, PostgreSQL 15 picks the pg_trgm GIN index (it serves equality
        # too) and takes 1.4 s for 1,000 names of 51,000 (EXPLAIN ANALYZE on the bench store; only
        # a prepared statement's generic plan used the btree, so each pooled connection's first ten
        # lookups were record_scan's 2-4 s tail). A join is planned as btree probes or a hash join.
        wanted = func.unnest(bindparam("names", value=ordered, type_=ARRAY(Text))).table_valued("name")
        return {
            name: id_ for name, id_ in conn.execute(lookup.join_from(table, wanted, column == wanted.c.name))
        }
    found: dict[str, int] = {}
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.update((name, id_) for name, id_ in conn.execute(lookup.where(column.in_(chunk))))
    return found
