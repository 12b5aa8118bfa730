"""Which list queries take total_num from the maintained counters, and which must count rows."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from openhss.inventory.query import ImageQuery
from openhss.inventory.totals import counted_total
from openhss.store import Database

COUNTED = {"scan_status": "success", "local_image_type": "swr_image", "has_vul": True, "has_container": False}
NOT_FILTERS = {"offset", "limit", "enterprise_project_id", "nothing", "image_version"}


def _sample(name: str) -> object:
    """A value that sets the filter `name`."""
    if name.endswith("_range"):
        return (0, 1)
    return 1 if name == "image_size" else "x"


@pytest.fixture
def db(database_url: str) -> Database:
    return Database(database_url)


def test_only_counted_filters_are_answered_from_the_counters(db: Database) -> None:
    with db.begin() as conn:
        assert counted_total(conn, "p", ImageQuery(), None) == 0
        assert counted_total(conn, "p", ImageQuery(**COUNTED), frozenset({"0"})) == 0  # type: ignore[arg-type]
        # A scope of several enterprise projects counts an image once: not the counters' sum.
        assert counted_total(conn, "p", ImageQuery(), frozenset({"0", "ep-a"})) is None
        # Every other filter, whichever ImageQuery holds now, leaves the count to the rows.
        others = [f for f in fields(ImageQuery) if f.name not in COUNTED and f.name not in NOT_FILTERS]
        assert others
        for f in others:
            query = replace(ImageQuery(**COUNTED), **{f.name: _sample(f.name)})  # type: ignore[arg-type]
            assert counted_total(conn, "p", query, frozenset({"0"})) is None, f.name
    db.close()
