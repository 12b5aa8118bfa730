"""Interned names: one row per distinct name (component names, image names), looked up by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Table, Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

_CHUNK = 400


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
        # One array parameter: given a long IN list of VARCHAR parameters PostgreSQL may choose the
        # pg_trgm GIN index (it serves equality too) and take seconds; `= ANY(array)` keeps to the
        # unique btree index.
        wanted = bindparam("names", value=ordered, type_=ARRAY(Text))
        return {name: id_ for name, id_ in conn.execute(lookup.where(column == any_(wanted)))}
    found: dict[str, int] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        found.update((name, id_) for name, id_ in conn.execute(lookup.where(column.in_(chunk))))
    return found
