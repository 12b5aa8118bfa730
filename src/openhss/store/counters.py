"""The image counters (`image_counts`): folding a project's count deltas, rebuilding them from image_scopes."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, delete, func, insert, literal_column, select, text

from openhss.store.database import Database
from openhss.store.tables import COUNTED_KEY, image_counts, image_scopes

FOLD_AT = 1000
"""A project's counters are folded once they hold more rows than this (a read sums them all)."""
# Any fixed number: one fold at a time on PostgreSQL (a second one skips, the next ingest folds).
_FOLD_LOCK = 7264_4878


def fold_counts(db: Database, project_id: str, at: int = FOLD_AT) -> int:
    """Replace the project's counter rows by one row per key holding their sum, if it has over `at` rows.

    Returns the number of rows folded away (0: nothing to do, or another fold is running).

    Exact under concurrency: on PostgreSQL (READ COMMITTED) the DELETE takes exactly the rows
    committed before it started and the sums of exactly those rows are inserted in the same
    transaction, so a delta a concurrent writer appends meanwhile is neither deleted nor summed,
    and a reader's statement sees either the old rows or their sums, never both. Folds are kept
    from running at once by an advisory lock; SQLite serialises writers anyway.
    """
    return db.write(lambda conn: _fold(conn, project_id, at))


def _fold(conn: Connection, project_id: str, at: int) -> int:
    c = image_counts
    if (
        conn.dialect.name == "postgresql"
        and not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _FOLD_LOCK}).scalar_one()
    ):
        return 0
    held = select(literal_column("1")).where(c.c.project_id == project_id).limit(at + 1).subquery()
    if conn.execute(select(func.count()).select_from(held)).scalar_one() <= at:
        return 0
    gone = conn.execute(
        delete(c).where(c.c.project_id == project_id).returning(*(c.c[k] for k in COUNTED_KEY), c.c.n)
    ).all()
    sums: Counter[tuple[object, ...]] = Counter()
    for row in gone:
        sums[tuple(row[:-1])] += int(row.n)
    kept = [dict(zip(COUNTED_KEY, key, strict=True), n=n) for key, n in sums.items() if n]
    if kept:
        conn.execute(insert(c), kept)
    return len(gone) - len(kept)


def recount(conn: Connection) -> None:
    """Rebuild every counter from image_scopes (for stores loaded with the triggers set aside)."""
    s = image_scopes
    key = (
        s.c.project_id,
        s.c.enterprise_project_id,
        s.c.scan_status,
        s.c.local_image_type,
        s.c.vul_num > 0,
        s.c.container_num > 0,
    )
    conn.execute(delete(image_counts))
    conn.execute(
        insert(image_counts).from_select([*COUNTED_KEY, "n"], select(*key, func.count()).group_by(*key))
    )
