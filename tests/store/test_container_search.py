"""container_search (migration 0016; PostgreSQL only since 0017) holds exactly the container rows with
an image, as values, after any sequence of ingests, host deletions and moves, image deletions and
re-timings; two transactions removing equal containers at once remove two rows. On SQLite 0016 wrote
it in name order and 0017 drops it (and its downgrade writes it again)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, func, inspect, select, text

from openhss.inventory import ImageQuery, list_local_images
from openhss.store import Database
from openhss.store.container_search import refill_container_search
from openhss.store.tables import container_search, containers
from tests.store.test_container_names import OPS, apply, ingest
from tests.store.test_counters import Fleet

Row = tuple[str, str, str, str, int]


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    opened = Database(database_url)
    yield opened
    opened.close()


@pytest.fixture
def db(store: Database) -> Database:
    """A store that has container_search: PostgreSQL (migration 0017 drops it on SQLite)."""
    if store.dialect != "postgresql":
        pytest.skip("container_search is a PostgreSQL table (migration 0017)")
    return store


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


def gate_images(conn: Connection, project_id: str) -> int:
    """Images of enterprise project 0 whose containers' names hold "gate", counted from the container rows."""
    c = containers
    found_ids = conn.execute(
        select(c.c.image_id)
        .distinct()
        .where(
            c.c.project_id == project_id,
            c.c.enterprise_project_id == "0",
            found(conn)(c.c.name, "gate") > 0,
            c.c.image_id.is_not(None),
        )
    ).all()
    return len(found_ids)


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


def test_rows_of_containers_arriving_in_any_order_and_of_many_equal_names_are_counted(db: Database) -> None:
    fleet = Fleet(db)
    slots = list(range(60))
    random.Random(7).shuffle(slots)
    # Host 0 reports 5 containers at a time, in shuffled order of names (NAMES has 5: index by slot).
    for start in range(0, 60, 5):
        running = tuple((s % 4, s % 5, s % 5, 0) for s in slots[start : start + 5])
        ingest(fleet, 0, running)
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
    # One host: 40 containers of one name (slot ids must differ: the ingest key is the container id).
    ingest(fleet, 3, tuple((s, 1, 0, 0) for s in range(40)))
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        total = list_local_images(conn, fleet.project_id, ImageQuery(container_name="gate"), None).total_num
        assert total == gate_images(conn, fleet.project_id)


def test_the_refill_writes_what_the_triggers_keep(db: Database) -> None:
    fleet = Fleet(db)
    ingest(fleet, 0, ((0, 0, 0, 0), (1, 1, 1, 0), (2, 2, 2, 1)))
    ingest(fleet, 1, ((0, 0, 3, 2), (1, 3, 4, 3)))
    with db.begin() as conn:
        before = held(conn, fleet.project_id)
    db.write(refill_container_search)
    with db.begin() as conn:
        assert held(conn, fleet.project_id) == before == wanted(conn, fleet.project_id)


@pytest.mark.postgres
def test_two_transactions_removing_equal_containers_remove_two_rows(db: Database) -> None:
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


def test_0016_fills_the_table_and_0017_keeps_it_on_postgresql_only(store: Database) -> None:
    """Down to 0015 (the table goes), containers written meanwhile, up to 0016: the rows are backfilled
    (SQLite: in name order). Up to 0017: SQLite drops the table and searches the container rows;
    PostgreSQL keeps it in step. Down to 0016 again: SQLite writes it afresh."""
    from tests.store.test_migrations import _move

    fleet = Fleet(store)
    ingest(fleet, 0, ((0, 0, 0, 0), (1, 1, 1, 0)))
    _move(store, "downgrade", "0015")
    ingest(fleet, 1, ((0, 2, 2, 1), (1, 3, 3, 2), (2, 0, 4, 0)))
    with store.begin() as conn:
        total = text("SELECT count(*) FROM containers WHERE project_id = :p")
        assert conn.execute(total, {"p": fleet.project_id}).scalar_one() == 5
    _move(store, "upgrade", "0016")
    with store.begin() as conn:
        assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        assert sum(held(conn, fleet.project_id).values()) == 5
        if conn.dialect.name == "sqlite":
            assert in_name_order(conn, fleet.project_id)
    store.migrate()
    ingest(fleet, 1, ((0, 2, 2, 1),))
    with store.begin() as conn:
        postgresql = conn.dialect.name == "postgresql"
        assert inspect(conn).has_table("container_search") is postgresql
        if postgresql:
            assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
        # Either way the name search answers from what it reads: "gate" is one image of host 0.
        page = list_local_images(conn, fleet.project_id, ImageQuery(container_name="gate"), None)
        assert page.total_num == gate_images(conn, fleet.project_id) > 0
    if store.dialect == "sqlite":
        _move(store, "downgrade", "0016")
        with store.begin() as conn:
            assert held(conn, fleet.project_id) == wanted(conn, fleet.project_id)
            assert in_name_order(conn, fleet.project_id)
