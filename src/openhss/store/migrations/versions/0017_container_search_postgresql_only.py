"""container search on PostgreSQL only: SQLite drops it and searches the container rows again

On SQLite, `container_search`'s FTS5 index is written at rowids in name order (ids 2^32 apart),
not in the order rows are written. FTS5 flushes its pending writes whenever a rowid lower than the
last one is written, so every container an ingest adds or removes cost a flush and the merges it
starts. On the fleet store (500,000 container rows, the index 113 MB) that was 14-28 ms per
container added or removed with the server's 2 MB page cache, ~40 ms for both: replacing the 260
containers of one host took 9-20 s inside the one write transaction SQLite allows, against ~1 ms a
container without it (its row triggers alone cost ~0.1 ms). On PostgreSQL the same replacement
costs 0.21 ms a container (GIN's pending list), so the table stays there. SQLite's container name
search reads `containers_name_fts` again (as before 0016): 22 ms in process for `gateway` against 11.

Revision ID: 0017
Revises: 0016
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TABLE = "container_search"
_FTS = "container_search_name_fts"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("ai", "ad", "au", "created_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_{name}")
    for event in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {_FTS}_{event}")
    op.execute(f"DROP TABLE IF EXISTS {_FTS}")
    op.execute(f"DROP TABLE IF EXISTS {_TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # 0016 as it stands: its upgrade creates and fills the table, its FTS5 index and its triggers.
    path = Path(__file__).with_name("0016_container_search.py")
    spec = importlib.util.spec_from_file_location("_openhss_migration_0016", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.upgrade()
