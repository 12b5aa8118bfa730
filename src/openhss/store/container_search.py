"""The container search rows (`container_search`): what migration 0016's triggers keep, written afresh."""

from __future__ import annotations

from sqlalchemy import Connection, Select, delete, func, insert, literal, select

from openhss.store.tables import container_search, containers

_KEY = (containers.c.project_id, containers.c.enterprise_project_id, containers.c.name, containers.c.image_id)

GAP = 2**32
"""SQLite ids are this far apart in name order, so the insert trigger can put ~32 rows between two."""


def search_rows() -> Select[tuple[str, str, str, str, int]]:
    """Every row container_search must hold, in the order it is written: one per container row with an
    image, by (project, enterprise project, name)."""
    return (
        select(*_KEY, containers.c.image_created_ms).where(containers.c.image_id.is_not(None)).order_by(*_KEY)
    )


def refill_container_search(conn: Connection) -> None:
    """Rebuild container_search from the container rows (for stores loaded with its triggers set aside or
    not fired, as bench/fleet/generate.py loads them): written in name order, as 0016 writes it."""
    cs = container_search
    conn.execute(delete(cs))
    columns = ["project_id", "enterprise_project_id", "name", "image_id", "image_created_ms"]
    rows = search_rows()
    if conn.dialect.name == "sqlite":
        # The ids themselves carry the order there (the rowid B-tree), spaced for later inserts.
        numbered = rows.add_columns(
            (func.row_number().over(order_by=_KEY) * literal(GAP)).label("id")
        ).subquery()
        conn.execute(
            insert(cs).from_select(["id", *columns], select(numbered.c.id, *(numbered.c[n] for n in columns)))
        )
    else:
        conn.execute(insert(cs).from_select(columns, rows))
