"""scoped container search: PostgreSQL's container name trigram index leads with the enterprise project

A container or pod name filter reads every container row the trigram index finds (the image id and
page key are in the row): 12,226 rows for `container_name=gateway`, of which 5,574 are in another
enterprise project than the one asked for and were read only to be dropped. With the enterprise
project as the GIN index's first column (`btree_gin`), the index itself keeps only the rows of the
scope (6,652): half the heap visits, which are most of the query. A query without an enterprise
project (the whole project) uses the name column of the same index alone, as before. Measured
(psql, the same query with the enterprise project given to the index or not, alternated):
`gateway` 40 → 31 ms, `turing` 35 → 28 ms. The pod name index stays as it was: merging the
enterprise project's large posting list costs ~2.3 ms, more than a selective needle saves
(`pod_name=ranker-agent`, 402 candidates: 6.3 → 8.6 ms).

SQLite is unchanged. Two equivalents were measured on the fleet store and dropped: a scope token in
the FTS5 tables cost in merging the scope's doclist (~5 ms) what it saved in row lookups; a narrow
copy of the container rows (`container_keys`, keyed by the rowid the FTS5 tables give) cut the user
CPU of the lookups but, created past the store's first 2 GB (SQLite's memory map stops there), was
read with a system call per page: `gateway`'s statement 37 → 45 ms.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_COLUMNS = ("name",)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # btree_gin: a GIN operator class for plain equality, so one GIN index holds both columns.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for column in _COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_containers_{column}_trgm")
        op.execute(
            f"CREATE INDEX ix_containers_ep_{column}_trgm ON containers "
            f"USING gin (enterprise_project_id, {column} gin_trgm_ops)"
        )
    op.execute("ANALYZE containers")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in _COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_containers_ep_{column}_trgm")
        op.execute(
            f"CREATE INDEX ix_containers_{column}_trgm ON containers USING gin ({column} gin_trgm_ops)"
        )
    # The extension stays: another schema object may use it by now, and it holds no data.
