"""Component presence (`component_presence`): what migration 0013's triggers keep, computed afresh."""

from __future__ import annotations

from sqlalchemy import Connection, Select, delete, insert, select

from openhss.store.tables import WHOLE_PROJECT, component_presence, image_components, image_scopes, images


def presence_rows() -> Select[tuple[str, int, str, str]]:
    """Every row component_presence must hold: each enterprise project's scope row of an image
    (not the whole-project row) with each component name of that image's digest, in key order."""
    s, c = image_scopes, image_components
    return (
        select(s.c.project_id, c.c.name_id, s.c.enterprise_project_id, s.c.image_id)
        .join_from(s, images, images.c.id == s.c.image_id)
        .join(c, c.c.config_digest == images.c.config_digest)
        .where(s.c.enterprise_project_id != WHOLE_PROJECT)
        .order_by(s.c.project_id, c.c.name_id, s.c.enterprise_project_id, s.c.image_id)
    )


def refill_presence(conn: Connection) -> None:
    """Rebuild component_presence from image_scopes and image_components (for stores loaded with
    its triggers set aside, as bench/fleet/generate.py loads them)."""
    p = component_presence
    conn.execute(delete(p))
    columns = ["project_id", "name_id", "enterprise_project_id", "image_id"]
    conn.execute(insert(p).from_select(columns, presence_rows()))
