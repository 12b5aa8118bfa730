"""The one database handle: engine creation (SQLite WAL or PostgreSQL), migrations, transactions."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from openhss.store.queue_lock import QueueLock

_MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: serialises migrations when several servers start at once on PostgreSQL.
_MIGRATION_LOCK = 7264_4877
# PostgreSQL's deadlock_detected and serialization_failure: the server aborted the transaction to
# let a concurrent one finish; running it again from the start is the documented remedy.
_RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 5
"""How many times `Database.write` runs a unit of work that PostgreSQL keeps aborting."""

_SQLITE_WRITE_WAIT = 30.0
"""Seconds a SQLite writer waits for the writers before it (SQLite's own busy timeout is the same)."""

T = TypeVar("T")
log = logging.getLogger("openhss.store")


class StoreError(Exception):
    """The store cannot be opened or migrated."""


def now_ms() -> int:
    """Current time in integer milliseconds since the epoch, the unit of every stored time."""
    return time.time_ns() // 1_000_000


class Database:
    """Owns the engine; `begin()` is the one way to run a transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = _create_engine(url)
        # SQLite lets one writer in at a time, and one waiting at BEGIN IMMEDIATE polls with growing
        # sleeps (up to 100 ms) while a newcomer may take the lock at once: four agents reporting
        # 25 ms snapshots made one of them wait 4.3 s (p99, bench/fleet/ingest.py). Writers of
        # this process take turns here instead, in the order they came; other processes (a CLI
        # ingest or scan) still meet SQLite's own busy timeout.
        self._sqlite_writers = QueueLock()

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def begin(self, *, write: bool = False, snapshot: bool = False) -> Iterator[Connection]:
        """A connection inside a transaction: committed on success, rolled back on any error.

        `write=True` says the transaction will write: SQLite then takes the write lock at BEGIN
        (BEGIN IMMEDIATE), so a read-then-write never fails on a lock upgrade; readers never wait.
        `snapshot=True` makes every statement of the transaction see the same committed state, for
        answers built from several statements (a list's `total_num` and its page): on PostgreSQL the
        transaction is REPEATABLE READ (under its default READ COMMITTED each statement sees the
        commits made before it started); a SQLite transaction reads one snapshot already (WAL).
        """
        queued = write and self.dialect == "sqlite"
        if queued and not self._sqlite_writers.acquire(timeout=_SQLITE_WRITE_WAIT):
            raise StoreError(f"the store stayed busy with other writes for {_SQLITE_WRITE_WAIT:.0f} s")
        try:
            with self.engine.connect() as conn:
                if write:
                    conn = conn.execution_options(openhss_write=True)
                if snapshot and self.dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        finally:
            if queued:
                self._sqlite_writers.release()

    def write(self, work: Callable[[Connection], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
        """Run `work` in a write transaction; run it again, in a new one, if PostgreSQL aborted it.

        Writers that lock rows in different orders (an ingest recounting the images of its host,
        a re-match updating the images of its batch, two ingests of hosts sharing images) can
        deadlock on PostgreSQL; the server then aborts one of them (SQLSTATE 40P01), which loses
        nothing (the transaction rolled back) but would fail the request. The aborted work is run
        again after a short random pause, up to `attempts` times in all. `work` must touch nothing
        but `conn`, so that running it again is the same as running it once. SQLite serialises
        writers (BEGIN IMMEDIATE), so there it runs once.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.begin(write=True) as conn:
                    return work(conn)
            except DBAPIError as exc:
                state = getattr(exc.orig, "sqlstate", None)
                if state not in _RETRIED_SQLSTATES or attempt == attempts:
                    raise
                log.info(
                    "transaction aborted by the database (%s), attempt %d of %d", state, attempt, attempts
                )
                time.sleep(random.uniform(0.0, 0.02 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def migrate(self) -> None:
        """Bring the schema to the newest revision (safe to call from several processes at once).

        A store already at the newest revision is recognised with one query, without loading
        Alembic (about half a second of imports that `openhss scan` would otherwise pay every run).
        """
        try:
            if self.revision() == head_revision():
                return
        except Exception as exc:
            raise StoreError(f"cannot open the database at {_safe_url(self.url)}: {exc}") from exc
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception as exc:
            raise StoreError(f"cannot migrate the database at {_safe_url(self.url)}: {exc}") from exc

    def forget_fts_statistics(self) -> int:
        """On SQLite, drop what `sqlite_stat1` says of FTS5 tables' internal tables; how many rows went.

        An `ANALYZE` of the whole store run while an FTS5 index was nearly empty (a young store)
        leaves `sqlite_stat1` saying its `_data` table holds a few rows, and SQLite then plans the
        index's own writes for that: one container written cost 36 ms instead of 0.62 on the fleet
        store (bench/README.md). Without those rows it plans them as well as with true statistics
        (0.54 ms). OpenHSS never analyses these tables; the server calls this at start, so an
        operator's `ANALYZE` is undone there. Other tables' statistics are kept.
        """
        if self.dialect != "sqlite":
            return 0
        with self.engine.connect() as conn:
            if (
                conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
                is None
            ):
                return 0
            shadows = [
                f"{name}_{part}"
                for (name,) in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'"
                )
                for part in ("data", "idx", "content", "docsize", "config")
            ]
            if not shadows:
                return 0
            marks = ", ".join("?" * len(shadows))
            stale = conn.exec_driver_sql(
                f"SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ({marks})", tuple(shadows)
            ).scalar_one()
        if stale:
            with self.begin(write=True) as conn:
                conn.exec_driver_sql(f"DELETE FROM sqlite_stat1 WHERE tbl IN ({marks})", tuple(shadows))
            self.engine.dispose()  # pooled connections keep the statistics they read when opened
            log.info("dropped %d statistics rows of FTS5 internal tables (left by an ANALYZE)", stale)
        return int(stale)

    def revision(self) -> str | None:
        """The schema revision the store is at (None: never migrated)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def head_revision() -> str:
    """The newest migration's revision: by convention each file is `NNNN_name.py` with revision "NNNN"
    (tests/store check that Alembic's own idea of the head agrees)."""
    names = (f.name for f in (_MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return max(names)[:4]


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is switched off (see _sqlite_pragmas); BEGIN is ours.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise StoreError(f"unsupported database URL {_safe_url(url)}: use sqlite:/// or postgresql+psycopg://")


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("openhss_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Read the file through a memory map (SQLite caps it at its build's limit, 2 GB here): a list
    # query that looks up thousands of index entries otherwise spends as much time in read()
    # calls copying pages into a 2 MB page cache as in the lookups themselves.
    cur.execute("PRAGMA mmap_size=4294967296")
    cur.close()
