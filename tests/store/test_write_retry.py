"""`Database.write` runs a unit of work again when PostgreSQL aborts it to break a deadlock.

Two writers that lock the same two rows in opposite orders deadlock on PostgreSQL; the server
aborts one (SQLSTATE 40P01). Through `Database.write` both units of work still commit, the aborted
one on its second run, and what they wrote is all there. Errors that are not the database's
conflicts are never run again.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from openhss.store import Database
from tests.support.postgres import PostgresServer


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    yield store
    store.close()


@pytest.fixture
def pg_db(postgres: PostgresServer) -> Iterator[Database]:
    """A fresh database on the session's PostgreSQL server (deadlocks need one)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = postgres.url().replace("+psycopg", "")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    store = Database(postgres.url(name))
    yield store
    store.close()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _table(db: Database) -> str:
    name = f"retry_{uuid.uuid4().hex[:8]}"
    with db.begin(write=True) as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
        conn.execute(text(f"INSERT INTO {name} (id, v) VALUES (1, 0), (2, 0)"))
    return name


@pytest.mark.postgres
def test_a_deadlocked_unit_of_work_runs_again_and_both_commit(pg_db: Database) -> None:
    db = pg_db
    table = _table(db)
    runs: Counter[str] = Counter()
    first_locks = threading.Barrier(2, timeout=30)

    def writer(name: str, first: int, second: int) -> None:
        def work(conn: Connection) -> None:
            runs[name] += 1
            conn.execute(text(f"UPDATE {table} SET v = v + 1 WHERE id = :id"), {"id": first})
            if runs[name] == 1:
                first_locks.wait()  # both hold their first row: the second updates deadlock
            conn.execute(text(f"UPDATE {table} SET v = v + 10 WHERE id = :id"), {"id": second})

        db.write(work)

    errors: list[BaseException] = []

    def run(name: str, first: int, second: int) -> None:
        try:
            writer(name, first, second)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("a", 1, 2)),
        threading.Thread(target=run, args=("b", 2, 1)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # One of them was aborted by the deadlock detector and ran twice; the other ran once.
    assert sorted(runs.values()) == [1, 2]
    with db.begin() as conn:
        values = dict(conn.execute(text(f"SELECT id, v FROM {table}")).all())
    assert values == {1: 11, 2: 11}


@pytest.mark.postgres
def test_a_deadlock_that_keeps_happening_fails_after_the_last_attempt(pg_db: Database) -> None:
    db = pg_db
    runs = 0

    def work(conn: Connection) -> None:
        nonlocal runs
        runs += 1
        conn.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$"))

    with pytest.raises(DBAPIError) as raised:
        db.write(work, attempts=3)
    assert getattr(raised.value.orig, "sqlstate", None) == "40P01"
    assert runs == 3


def test_other_errors_are_not_run_again(db: Database) -> None:
    table = _table(db)
    runs = 0

    def work(conn: Connection) -> None:
        nonlocal runs
        runs += 1
        conn.execute(text(f"UPDATE {table} SET v = 5 WHERE id = 1"))
        conn.execute(text(f"INSERT INTO {table} (id, v) VALUES (2, 0)"))  # duplicate key

    with pytest.raises(IntegrityError):
        db.write(work)
    assert runs == 1
    with db.begin() as conn:
        assert conn.execute(text(f"SELECT v FROM {table} WHERE id = 1")).scalar_one() == 0  # rolled back


def test_write_returns_what_the_work_returns(db: Database) -> None:
    table = _table(db)
    assert db.write(lambda conn: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()) == 2
