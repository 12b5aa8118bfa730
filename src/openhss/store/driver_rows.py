"""Hot reads through the driver's own cursor: plain tuples, and list parameters as one array on
PostgreSQL (`= ANY(%s)`) or an IN list on SQLite, for queries whose rows SQLAlchemy's result path
would cost more to hand over than the database takes to find."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

CHUNK = 400
"""Most values one list parameter should carry on SQLite (callers chunk; PostgreSQL takes any)."""


def driver_rows(conn: Connection, template: str, params: Sequence[object]) -> list[Any]:
    """Rows of `template`, whose `{}` fields each take one of `params` as `= value`, as membership
    when the parameter is a list (an empty list matches nothing), or as `BETWEEN low AND high` when
    it is a (low, high) tuple."""
    if any(isinstance(p, list) and not p for p in params):
        return []
    postgres = conn.dialect.name == "postgresql"
    tests: list[str] = []
    values: list[object] = []
    for p in params:
        if isinstance(p, tuple):
            tests.append("BETWEEN %s AND %s" if postgres else "BETWEEN ? AND ?")
            values += p
        elif postgres:
            # Lists go in binary: psycopg's text form quotes each element in Python (a 400-name
            # array: 317 us against 89 us, four such arrays per match).
            tests.append("= ANY(%b)" if isinstance(p, list) else "= %s")
            values.append(p)
        elif isinstance(p, list):
            tests.append(f"IN ({','.join('?' * len(p))})")
            values += p
        else:
            tests.append("= ?")
            values.append(p)
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(template.format(*tests), values)
        return list(cur.fetchall())
    finally:
        cur.close()


def driver_rows_in(
    conn: Connection, template: str, fixed: tuple[object, ...], values: Sequence[Any]
) -> list[Any]:
    """Rows of `template` for all of `values` (its last field, a list): one query on PostgreSQL,
    CHUNK values a query on SQLite."""
    step = len(values) if conn.dialect.name == "postgresql" else CHUNK
    rows: list[Any] = []
    for start in range(0, len(values), max(step, 1)):
        rows += driver_rows(conn, template, (*fixed, list(values[start : start + step])))
    return rows
