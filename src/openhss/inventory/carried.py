"""A host or container filter alone, paged from the rows it finds: they carry their image's page key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, func, select

from openhss.inventory.query import ImageQuery
from openhss.store.tables import WHOLE_PROJECT, image_scopes, images


def carried_page(
    conn: Connection, q: ImageQuery, eps: frozenset[str] | None, keyed: Select[tuple[int, str]]
) -> tuple[Sequence[Row[Any]], int]:
    """The page and total_num of a probe whose every match is in scope and no other filter is given.

    `keyed` gives (created_ms, image_id) per presence or container row found, several rows per image.
    Made distinct once, that set is total_num (each found image has its scope row: see
    `Probe`) and, sorted with the page's LIMIT, the page: only the page's own images are
    then looked up. The probed path instead built the set a second time (an IN's own set) to keep
    the found entries of a walk of image_scopes, and looked every found image up when the walk was
    long; for host_name=k8s-node-prod-a (25,609 presence rows, 13,881 images) the second set cost
    as much as the first.
    """
    found = keyed.distinct().cte("d").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(found).scalar_subquery()
    page = (
        select(found.c.created_ms, found.c.image_id)
        .order_by(found.c.created_ms.desc(), found.c.image_id.desc())
        .offset(q.offset)
        .limit(q.limit)
        .subquery("p")
    )
    (ep,) = eps or (WHOLE_PROJECT,)
    s = image_scopes
    rows = conn.execute(
        select(images, s.c.host_num, s.c.container_num, total.label("total"))
        .select_from(page)
        .join(images, images.c.id == page.c.image_id)
        .join(s, and_(s.c.image_id == page.c.image_id, s.c.enterprise_project_id == ep))
        .order_by(page.c.created_ms.desc(), page.c.image_id.desc())
    ).all()
    if rows:
        return rows, int(rows[0].total)
    return (), int(conn.execute(select(func.count()).select_from(keyed.distinct().subquery())).scalar_one())
