"""total_num from the maintained image counters, when the list's filters are all counted keys."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import ColumnElement, Connection, func, select

from openhss.inventory.query import ImageQuery
from openhss.store.tables import WHOLE_PROJECT, image_counts

_COUNTED = frozenset({"scan_status", "local_image_type", "has_vul", "has_container"})
"""The filters the counters' key decides."""
NOT_FILTERS = frozenset({"offset", "limit", "enterprise_project_id", "nothing", "image_version"})
"""Fields that narrow nothing here: paging, the scope (passed as `eps`), an empty answer decided
before the query, and image_version (it filters only beside image_name, which is not counted)."""


def counted_total(conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None) -> int | None:
    """The number of matching images, summed from `image_counts`; None when the counters cannot say.

    They can when the scope is the whole project or one enterprise project (an image in several
    enterprise projects of a wider scope must be counted once) and every filter is one of
    scan_status, local_image_type, has_vul and has_container: the counters' key.
    """
    if eps is not None and len(eps) != 1:
        return None
    # Any other filter, including one added to ImageQuery later, means the counters cannot say.
    if any(getattr(q, f.name) is not None for f in fields(q) if f.name not in _COUNTED | NOT_FILTERS):
        return None
    c = image_counts
    (ep,) = eps or (WHOLE_PROJECT,)
    where: list[ColumnElement[bool]] = [c.c.project_id == project_id, c.c.enterprise_project_id == ep]
    if q.scan_status is not None:
        where.append(c.c.scan_status == q.scan_status)
    if q.local_image_type is not None:
        where.append(c.c.local_image_type == q.local_image_type)
    if q.has_vul is not None:
        # As the list's own filter: only successfully scanned images have or lack vulnerabilities.
        where += [c.c.scan_status == "success", c.c.vulnerable == q.has_vul]
    if q.has_container is not None:
        where.append(c.c.with_containers == q.has_container)
    return int(conn.execute(select(func.coalesce(func.sum(c.c.n), 0)).where(*where)).scalar_one())
