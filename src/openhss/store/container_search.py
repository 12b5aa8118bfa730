"""The container search rows (`container_search`, PostgreSQL only): what migration 0016's triggers keep,
written afresh."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from openhss.store.tables import container_search, containers


def refill_container_search(conn: Connection) -> None:
    """Rebuild container_search from the container rows (for stores loaded with its triggers not fired,
    as bench/fleet/generate.py loads them): written in (project, enterprise project, name) order, as
    0016 writes it, so that the rows one needle finds lie together."""
    c = containers
    key = (c.c.project_id, c.c.enterprise_project_id, c.c.name, c.c.image_id)
    rows = select(*key, c.c.image_created_ms).where(c.c.image_id.is_not(None)).order_by(*key)
    conn.execute(delete(container_search))
    columns = ["project_id", "enterprise_project_id", "name", "image_id", "image_created_ms"]
    conn.execute(insert(container_search).from_select(columns, rows))
