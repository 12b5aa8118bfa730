"""container_search (migration 0016) holds exactly the container rows with an image, as values, after
any sequence of ingests, host deletions and moves, image deletions and re-timings; SQLite keeps its
ids in name order; on PostgreSQL two transactions removing equal containers at once remove two rows."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, func, select, text

from openhss.inventory import ImageQuery, list_local_images
from openhss.store import Database
from openhss.store.container_search import refill_container_search
from openhss.store.tables import container_search, containers
from tests.store.test_container_names import OPS, apply, ingest
from tests.store.test_counters import Fleet

Row = tuple[str, str, str, str, int]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    yield store
    store.close()


def held(conn: Connection, project_id: str) -> Counter[Row]:
    cs = container_search
    found = conn.execute(
        select(
            cs.c.project_id, cs.c.enterprise_project_id, cs.c.name, cs.c.image_id, cs.c.image_created_ms
        ).where(cs.c.project_id == project_id)
    )
    return Counter(tuple(r) for r in found)  # type: ignore[misc]


def wanted(conn: Connection, project_id: str) -> Counter[Row]:
    c = containers
    found = conn.execute(
        select(c.c.project_id, c.c.enterprise_project_id, c.c.name, c.c.image_id, c.c.image_created_ms).where(
            c.c.project_id == project_id, c.c.image_id.is_not(None)
        )
    )
    return Counter(tuple(r) for r in found)  # type: ignore[misc]


def found(conn: Connection) -> Any:
    """The case-sensitive substring position function (SQLite's LIKE ignores case)."""
    return func.strpos if conn.dialect.name == "postgresql" else func.instr


def in_name_order(conn: Connection, project_id: str) -> bool:
    cs = container_search
    keys = conn.execute(
        select(cs.c.enterprise_project_id, cs.c.name, cs.c.image_id)
        .where(cs.c.project_id == project_id)
        .order_by(cs.c.id)
    ).all()
    # Ties of (enterprise project, name) may hold any image order: the triggers place by those two.
    return [k[:2] for k in keys] == sorted(k[:2] for k in keys)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_search_rows_are_the_container_rows_after_any_changes(
    db: Database, ops: list[tuple[object, ...]]
) -> None:
    fleet = Fleet(db)
    for op in ops:
        apply(fleet, op)
        with db.begin() as conn:
            assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id), op


def test_new_rows_take_their_place_in_name_order_and_a_used_up_gap_still_counts(db: Database) -> None:
    """SQLite: containers arriving in any order get ids in name order; 40 equal names use up the ids
    between two neighbours (2^32 apart: ~32 halvings), and the rest go after every id, still counted."""
    fleet = Fleet(db)
    slots = list(range(60))
    random.Random(7).shuffle(slots)
    # Host 0 reports 5 containers at a time, in shuffled order of names (NAMES has 5: index by slot).
    for start in range(0, 60, 5):
        running = tuple((s % 4, s % 5, s % 5, 0) for s in slots[start : start + 5])
        ingest(fleet, 0, running)
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        if conn.dialect.name == "sqlite":
            assert in_name_order(conn, fleet.project_id)
    # One host: 40 containers of one name (slot ids must differ: the ingest key is the container id).
    ingest(fleet, 3, tuple((s, 1, 0, 0) for s in range(40)))
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        total = list_local_images(conn, fleet.project_id, ImageQuery(container_name="gate"), None).total_num
        count = conn.execute(
            select(containers.c.image_id)
            .distinct()
            .where(
                containers.c.project_id == fleet.project_id,
                containers.c.enterprise_project_id == "0",
                found(conn)(containers.c.name, "gate") > 0,
                containers.c.image_id.is_not(None),
            )
        ).all()
        assert total == len(count)


def test_the_refill_writes_what_the_triggers_keep(db: Database) -> None:
    fleet = Fleet(db)
    ingest(fleet, 0, ((0, 0, 0, 0), (1, 1, 1, 0), (2, 2, 2, 1)))
    ingest(fleet, 1, ((0, 0, 3, 2), (1, 3, 4, 3)))
    with db.begin() as conn:
        before = held(conn, fleet.project_id)
    db.write(refill_container_search)
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == before == wanted(conn, fleet.project_id)
        if conn.dialect.name == "sqlite":
            assert in_name_order(conn, fleet.project_id)


@pytest.mark.postgres
def test_two_transactions_removing_equal_containers_remove_two_rows(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    fleet = Fleet(db)
    # Hosts 0 and 3 are both in enterprise project 0: the same name and image give equal rows.
    ingest(fleet, 0, ((0, 1, 0, 0),))
    ingest(fleet, 3, ((0, 1, 0, 0),))
    with db.begin() as conn:
        assert sum(held(conn, fleet.project_id).values()) == 2
    first, second = db.engine.connect(), db.engine.connect()
    try:
        for conn in (first, second):
            conn.begin()
            # Without SKIP LOCKED the second would wait on the first's row, then delete nothing.
            conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        first.execute(delete(containers).where(containers.c.host_id == fleet.host_id(0)))
        second.execute(delete(containers).where(containers.c.host_id == fleet.host_id(3)))
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id) == Counter()


def test_0016_fills_the_table_from_the_container_rows_of_a_store(db: Database) -> None:
    """Down to 0015 (the table goes), containers written meanwhile, up again: the rows are backfilled."""
    from tests.store.test_migrations import _move

    fleet = Fleet(db)
    ingest(fleet, 0, ((0, 0, 0, 0), (1, 1, 1, 0)))
    _move(db, "downgrade", "0015")
    ingest(fleet, 1, ((0, 2, 2, 1), (1, 3, 3, 2), (2, 0, 4, 0)))
    with db.begin() as conn:
        total = text("SELECT count(*) FROM containers WHERE project_id = :p")
        assert conn.execute(total, {"p": fleet.project_id}).scalar_one() == 5
    db.migrate()
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        assert sum(held(conn, fleet.project_id).values()) == 5
        if conn.dialect.name == "sqlite":
            assert in_name_order(conn, fleet.project_id)
    ingest(fleet, 1, ((0, 2, 2, 1),))
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
