"""The list's transaction: one snapshot for `total_num` and the page; on PostgreSQL, plans per value.

The list answers with several statements (the count from the maintained counters, then the page,
then the page's hosts). On PostgreSQL's default READ COMMITTED each statement would see the
commits made before it began, so an agent's report landing between the count and the page would
give a page with more rows than `total_num` says. The API reads in a snapshot transaction
(`Database.begin(snapshot=True)`); this test commits an ingest right after the list's first
statement and checks the answer is the state before it, whole.

On PostgreSQL a substring filter, or a host/container/app filter beside others, is planned for its
own values (`plan_cache_mode`, set for that transaction only): a generic plan cached by psycopg's
prepared statements was several times slower there (bench/README.md).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from starlette.datastructures import QueryParams

from openhss.inventory import ImageQuery, list_local_images, parse_query
from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import HostFacts, InventoryReport, ReportedImage
from openhss.store import Database
from openhss.store.tables import domains, hosts, projects


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    store.migrate()
    yield store
    store.close()


def _report(project_id: str, seq: int, images: int) -> InventoryReport:
    held = [hashlib.sha256(f"image-{k}".encode()).hexdigest() for k in range(images)]
    return InventoryReport(
        project_id=project_id,
        host_id="h1",
        run_id="run",
        run_started_ms=1,
        seq=seq,
        host=HostFacts(name="node-1"),
        images=tuple(
            ReportedImage(f"sha256:{d}", (f"app{k}:1",), (), 100, 1000 + k) for k, d in enumerate(held)
        ),
        containers=(),
    )


def _project(db: Database) -> str:
    project_id = uuid.uuid4().hex
    with db.begin(write=True) as conn:
        conn.execute(insert(domains).values(id=project_id, name=project_id, created_ms=1))
        conn.execute(insert(projects).values(id=project_id, domain_id=project_id, name="p", created_ms=1))
        conn.execute(
            insert(hosts).values(
                id="h1", project_id=project_id, enterprise_project_id="0", name="node-1", agent_id="a1",
                os="", engine="", last_seen_ms=1, run_id="", run_started_ms=0, seq=0, created_ms=1,
            )
        )  # fmt: skip
    return project_id


def test_an_ingest_between_the_count_and_the_page_is_not_seen(db: Database) -> None:
    project_id = _project(db)
    apply_report(db, _report(project_id, 1, images=2))
    armed = True

    def ingest_after_first_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal armed
        # After the list's first query (SQLite's BEGIN passes through here too, and reads nothing).
        if armed and not statement.lstrip().upper().startswith("BEGIN"):
            armed = False  # the ingest's own statements pass through here too
            apply_report(db, _report(project_id, 2, images=5))

    event.listen(db.engine, "after_cursor_execute", ingest_after_first_statement)
    try:
        with db.begin(snapshot=True) as conn:
            during = list_local_images(conn, project_id, ImageQuery(), None)
    finally:
        event.remove(db.engine, "after_cursor_execute", ingest_after_first_statement)
    assert not armed, "the list ran no statement"
    assert (during.total_num, len(during.rows)) == (2, 2)
    with db.begin(snapshot=True) as conn:
        after = list_local_images(conn, project_id, ImageQuery(), None)
    assert (after.total_num, len(after.rows)) == (5, 5)


@pytest.mark.parametrize(
    ("params", "custom"),
    [
        ({}, False),
        ({"host_name": "node"}, False),
        ({"image_name": "app"}, True),
        ({"host_name": "node", "scan_status": "unscan"}, True),
    ],
)
def test_value_dependent_paths_are_planned_for_their_values(
    db: Database, params: dict[str, str], custom: bool
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("plan caching is PostgreSQL's")
    project_id = _project(db)
    apply_report(db, _report(project_id, 1, images=3))
    with db.begin(snapshot=True) as conn:
        page = list_local_images(conn, project_id, parse_query(QueryParams(params)), None)
        mode = conn.execute(text("SHOW plan_cache_mode")).scalar_one()
    assert page.total_num == 3
    assert mode == ("force_custom_plan" if custom else "auto")
    with db.begin() as conn:  # LOCAL: the next transaction on the pooled connection plans as before
        assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "auto"


def test_a_pod_name_alone_is_planned_for_its_values(db: Database) -> None:
    # The carried path keeps cached plans but for a pod name: its generic plan read ~2x longer.
    if db.dialect != "postgresql":
        pytest.skip("plan caching is PostgreSQL's")
    project_id = _project(db)
    apply_report(db, _report(project_id, 1, images=3))
    with db.begin(snapshot=True) as conn:
        page = list_local_images(conn, project_id, parse_query(QueryParams({"pod_name": "web"})), None)
        mode = conn.execute(text("SHOW plan_cache_mode")).scalar_one()
    assert (page.total_num, mode) == (0, "force_custom_plan")
