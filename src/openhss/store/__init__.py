"""The store: tables, migrations and the one database handle (SQLite embedded, PostgreSQL by URL)."""

from openhss.store.database import Database, StoreError, now_ms

__all__ = ["Database", "StoreError", "now_ms"]
