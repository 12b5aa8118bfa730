"""What the fleet bench scripts share about the store they are pointed at."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Connection, func, select


def store_url(database: str) -> str:
    """A SQLAlchemy URL as given, or a SQLite file's path made into one."""
    return database if "://" in database else f"sqlite:///{Path(database).resolve()}"


def busiest_hosts(conn: Connection, host_id: Column[str], skip: int, limit: int) -> list[str]:
    """Host ids by how many rows `host_id`'s table holds for each, most first (ties by id), after `skip`."""
    rows = select(host_id).group_by(host_id).order_by(func.count().desc(), host_id).offset(skip).limit(limit)
    return list(conn.execute(rows).scalars())
