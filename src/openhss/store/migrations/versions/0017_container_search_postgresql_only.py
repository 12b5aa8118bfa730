"""container search on PostgreSQL only: SQLite drops it and searches the container rows again

On SQLite, `container_search`'s FTS5 index is written at rowids in name order (ids 2^32 apart),
not in the order rows are written, and FTS5 flushes its pending writes whenever a rowid lower than
the last one is written: every container an ingest adds or removes costs a flush and the merging
it starts. Measured on the fleet store (500,000 container rows; bench/fleet/replace.py: one host's
containers deleted and inserted again under new ids), per container: 0.65 ms with the table as
0016 writes it, 0.21 ms without it; and 36-53 ms (9-26 s for one host's 260 containers, inside
the one write transaction SQLite allows) on a store left by one bulk churn of 30 % of its container
rows, a state whose cause was not found and that neither FTS5 `optimize` nor `rebuild` cleared.
On PostgreSQL the same replacement costs 0.12-0.21 ms a container (GIN's pending list), so the
table stays there. SQLite searches container names in `containers_name_fts` again (as before
0016; its rowids only grow): `gateway` 22 ms in process against 11 with the table.

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
