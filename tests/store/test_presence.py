"""component_presence equals a recomputation from image_scopes and image_components after any
sequence of ingests, scans, host deletions, moves and image deletions; the migration fills it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Select, delete, func, select

from openhss.inventory import ImageQuery, list_local_images
from openhss.store import Database, database
from openhss.store.presence import presence_rows, refill_presence
from openhss.store.tables import (
    WHOLE_PROJECT,
    component_names,
    component_presence,
    image_components,
    image_scopes,
    images,
)
from openhss.vulndb.scans import ImageScan, ScannedComponent, record_scan
from tests.store.test_counters import DIGESTS, EPS, HELD, HOSTS, Fleet

NAMES = ("requests", "requests-oauthlib", "lodash", "openssl", "libssl3")
NEEDLES = ("requests", "lodash", "ssl", "oauth", "nothing")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    yield store
    store.close()


def scan(fleet: Fleet, d: int, names: tuple[int, ...]) -> None:
    """The image ID is scanned again and now holds these component names."""
    components = tuple(ScannedComponent(NAMES[n], "1.0", "pypi", "", "") for n in names)
    record_scan(fleet.db, ImageScan(DIGESTS[d], components))


def delete_image(fleet: Fleet, d: int) -> None:
    """The image rows of one image ID go (as when their project is deleted).

    Through `Database.write`, as every writer of the server: on PostgreSQL it may meet an ingest or
    a scan in another lock order (a deadlock, which the database aborts and `write` runs again).
    """
    i = images
    gone = delete(i).where(i.c.project_id == fleet.project_id, i.c.config_digest == DIGESTS[d])
    fleet.db.write(lambda conn: conn.execute(gone))


def held(conn: Connection, project_id: str) -> list[tuple[object, ...]]:
    p = component_presence
    rows = conn.execute(select(p).where(p.c.project_id == project_id)).all()
    return sorted(tuple(r) for r in rows)


def recomputed(conn: Connection, project_id: str) -> list[tuple[object, ...]]:
    wanted = presence_rows().where(image_scopes.c.project_id == project_id)
    return sorted(tuple(r) for r in conn.execute(wanted))


def assert_exact(fleet: Fleet, listing_too: bool) -> None:
    with fleet.db.begin() as conn:
        assert held(conn, fleet.project_id) == recomputed(conn, fleet.project_id)
        if listing_too:
            assert_app_totals(conn, fleet.project_id)


def assert_app_totals(conn: Connection, project_id: str) -> None:
    """app_name's total_num, in every scope, equals a count through images and components."""
    s, i, c, n = image_scopes, images, image_components, component_names
    found = func.strpos if conn.dialect.name == "postgresql" else func.instr

    def holding(needle: str) -> Select[tuple[str]]:
        return (
            select(i.c.id)
            .join(c, c.c.config_digest == i.c.config_digest)
            .join(n, n.c.id == c.c.name_id)
            .where(i.c.project_id == project_id, found(n.c.name, needle) > 0)
        )

    for ep in (*EPS, WHOLE_PROJECT):
        for needle in NEEDLES:
            wanted = conn.execute(
                select(func.count()).where(
                    s.c.project_id == project_id,
                    s.c.enterprise_project_id == ep,
                    s.c.image_id.in_(holding(needle)),
                )
            ).scalar_one()
            query = ImageQuery(app_name=needle, enterprise_project_id=ep)
            assert list_local_images(conn, project_id, query, None).total_num == wanted, (ep, needle)
    eps = frozenset(EPS[:2])  # a scope of several enterprise projects: each image once
    wanted = conn.execute(
        select(func.count(func.distinct(s.c.image_id))).where(
            s.c.project_id == project_id,
            s.c.enterprise_project_id.in_(sorted(eps)),
            s.c.image_id.in_(holding("requests")),
        )
    ).scalar_one()
    query = ImageQuery(app_name="requests", enterprise_project_id="all_granted_eps")
    assert list_local_images(conn, project_id, query, eps).total_num == wanted


NAMESETS = st.lists(st.integers(0, len(NAMES) - 1), max_size=4).map(lambda ns: tuple(sorted(set(ns))))
OPS = st.one_of(
    st.tuples(st.just("ingest"), st.integers(0, HOSTS - 1), HELD, st.lists(st.booleans(), max_size=6)),
    st.tuples(st.just("scan"), st.integers(0, len(DIGESTS) - 1), NAMESETS),
    st.tuples(st.just("delete"), st.integers(0, HOSTS - 1)),
    st.tuples(st.just("move"), st.integers(0, HOSTS - 1), st.sampled_from(EPS)),
    st.tuples(st.just("forget"), st.integers(0, len(DIGESTS) - 1)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=14))
def test_presence_equals_a_recomputation_after_any_changes(
    db: Database, ops: list[tuple[object, ...]]
) -> None:
    fleet = Fleet(db)
    for op in ops:
        match op:
            case ("ingest", int(h), list(held_), list(contained)):
                fleet.ingest(h, tuple(held_), tuple(contained))
            case ("scan", int(d), tuple(names)):
                scan(fleet, d, names)
            case ("delete", int(h)):
                fleet.delete(h)
                fleet.enrol(h, EPS[h % len(EPS)])
            case ("move", int(h), str(ep)):
                fleet.move(h, ep)
            case ("forget", int(d)):
                delete_image(fleet, d)
        assert_exact(fleet, listing_too=False)
    assert_exact(fleet, listing_too=True)


def test_a_scan_before_and_after_ingest_reaches_every_scope(db: Database) -> None:
    fleet = Fleet(db)
    scan(fleet, 0, (0, 2))  # before any image row of that ID exists
    fleet.ingest(0, ((0, 0), (1, 1)), (True,))
    fleet.ingest(1, ((0, 2),), ())
    scan(fleet, 1, (1, 3))
    scan(fleet, 0, (0, 4))  # lodash gone, libssl3 added
    assert_exact(fleet, listing_too=True)
    with db.begin() as conn:
        assert held(conn, fleet.project_id) != []
    with db.begin(write=True) as conn:
        before = held(conn, fleet.project_id)
        refill_presence(conn)
        assert held(conn, fleet.project_id) == before


@pytest.mark.postgres
def test_concurrent_scans_and_ingests_leave_presence_exact(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    fleet = Fleet(db)
    failures: list[BaseException] = []

    def ingests() -> None:
        try:
            for k in range(30):
                h = k % HOSTS
                fleet.ingest(h, tuple((d, (d + k) % 3) for d in range(len(DIGESTS)) if (d + k + h) % 2), ())
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def scans() -> None:
        try:
            for k in range(30):
                scan(fleet, k % len(DIGESTS), tuple(n for n in range(len(NAMES)) if (n + k) % 3))
        except BaseException as exc:
            failures.append(exc)

    def forgets() -> None:
        # Image rows deleted now and then, so that ingests keep creating new ones of a digest a
        # scan is recording (rows the scan cannot see, nor wait for).
        try:
            for k in range(30):
                delete_image(fleet, (k * 2) % len(DIGESTS))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=f) for f in (ingests, scans, forgets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert_exact(fleet, listing_too=True)


def test_the_migration_fills_presence_of_a_store_in_use(database_url: str) -> None:
    store = Database(database_url)
    fleet = Fleet(store)
    for h in range(HOSTS):
        fleet.ingest(h, tuple((d, h % 3) for d in range(len(DIGESTS)) if (d + h) % 2), (True, False))
    for d in range(len(DIGESTS)):
        scan(fleet, d, tuple(n for n in range(len(NAMES)) if (n + d) % 2))
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
        command.upgrade(cfg, "head")
    assert_exact(fleet, listing_too=True)
    with store.begin() as conn:
        assert len(held(conn, fleet.project_id)) > 20
    store.close()
