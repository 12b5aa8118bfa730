"""Paging through the whole local image list in process, for tests that compare the list's query paths."""

from __future__ import annotations

from openhss.inventory import ImageQuery, list_local_images
from openhss.store import Database


def every_page(db: Database, project_id: str, images: int, filters: dict[str, object], ep: str) -> list[str]:
    """Every page's image ids in turn, 10 a page past `images`; each page's total_num must be the
    number of rows in all."""
    seen: list[str] = []
    totals: set[int] = set()
    with db.begin() as conn:
        for offset in range(0, images + 10, 10):
            query = ImageQuery(offset=offset, limit=10, enterprise_project_id=ep, **filters)  # type: ignore[arg-type]
            page = list_local_images(conn, project_id, query, None)
            seen += [row.image_id for row in page.rows]
            totals.add(page.total_num)
    assert totals == {len(seen)}
    return seen
