"""container search: a narrow copy of the container rows a name search reads, in name order

`container_name=gateway` found 6,652 container rows in one enterprise project through the trigram
index, and reading them (the name to recheck, the image id and page key) was most of the request:
on PostgreSQL a bitmap heap scan of 5,940 pages of `containers` (rows of ~450 bytes, in ingest
order), on SQLite a `containers` row per FTS5 rowid. `container_search` holds only what the search
needs, one row per container row with an image, written in (project, enterprise project, name)
order: the rows one needle finds lie together (`gateway`: 185 heap pages). Measured on the fleet
stores, the list's statement for `gateway` 41.6 → 22.6 ms (SQLite, median of 9) and 34 → 11 ms
(PostgreSQL, fastest of 9); a copy in ingest order instead saved 0-20 % on PostgreSQL and was
slower on SQLite (read past the first 2 GB of the file, outside SQLite's memory map).

Order and new rows: SQLite's insert trigger gives a new row an id between its neighbours' in name
order (ids are written 2^32 apart; when a gap is used up, after the end), so the rowid B-tree keeps
the order. PostgreSQL appends new rows wherever its heap has room: the order decays with ingest
churn toward the ingest-order copy's figures (10 % of the rows re-inserted: 828 heap pages for
`gateway`, 30 %: 2,006), and `CLUSTER container_search USING ix_container_search_key` restores it.

Rows are values: a container leaving removes any one row equal to its own (project, enterprise
project, name, image id); on PostgreSQL one no other transaction holds (SKIP LOCKED), so that two
hosts dropping equal containers at once remove two rows.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_TABLE = "container_search"
_FTS = "container_search_name_fts"
_KEY = ["project_id", "enterprise_project_id", "name", "image_id"]
_VALUES = "project_id, enterprise_project_id, name, image_id, image_created_ms"
# SQLite ids: 2^32 apart in name order, so about 32 rows can be put between two neighbours.
_GAP = 4294967296
_WATCHED = "project_id, enterprise_project_id, name, image_id"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        _TABLE,
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("project_id", sa.String(32), nullable=False),
        sa.Column("enterprise_project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("image_id", sa.String(36), nullable=False),
        sa.Column("image_created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{_TABLE}"),
    )
    ordered = (
        f"SELECT {_VALUES} FROM containers WHERE image_id IS NOT NULL "
        "ORDER BY project_id, enterprise_project_id, name, image_id"
    )
    if dialect == "postgresql":
        # INSERT ... SELECT ... ORDER BY writes the heap in that order (one backend, an empty table).
        op.execute(f"INSERT INTO {_TABLE} ({_VALUES}) {ordered}")
    else:
        op.execute(
            f"INSERT INTO {_TABLE} (id, {_VALUES}) SELECT row_number() OVER "
            f"(ORDER BY project_id, enterprise_project_id, name, image_id) * {_GAP}, {_VALUES} FROM ({ordered})"
        )
    op.create_index(f"ix_{_TABLE}_key", _TABLE, _KEY, unique=False)
    if dialect == "postgresql":
        op.execute(
            f"CREATE INDEX ix_{_TABLE}_ep_name_trgm ON {_TABLE} "
            "USING gin (enterprise_project_id, name gin_trgm_ops)"
        )
        _postgresql_triggers()
    else:
        _sqlite_fts()
        _sqlite_triggers()
    op.execute(f"ANALYZE {_TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_rows ON containers")
        op.execute(f"DROP FUNCTION IF EXISTS {_TABLE}_rows()")
    else:
        for name in ("ai", "ad", "au", "created_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_{name}")
        for event in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {_FTS}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {_FTS}")
    op.drop_table(_TABLE)


def _delete_one(row: str, lock: str = "") -> str:
    """Delete any one row equal to the container `row` (OLD) left."""
    return (
        f"DELETE FROM {_TABLE} WHERE id = (SELECT id FROM {_TABLE} WHERE project_id = {row}.project_id "
        f"AND enterprise_project_id = {row}.enterprise_project_id AND name = {row}.name "
        f"AND image_id = {row}.image_id LIMIT 1{lock})"
    )


def _postgresql_triggers() -> None:
    # AFTER: the BEFORE trigger of 0014 has set NEW.image_created_ms by then.
    op.execute(
        f"""
        CREATE FUNCTION {_TABLE}_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (OLD.project_id, OLD.enterprise_project_id, OLD.name, OLD.image_id,
                    OLD.image_created_ms) IS NOT DISTINCT FROM (NEW.project_id, NEW.enterprise_project_id,
                    NEW.name, NEW.image_id, NEW.image_created_ms) THEN
                RETURN NULL;
            END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.image_id IS NOT NULL THEN
                {_delete_one("OLD", " FOR UPDATE SKIP LOCKED")};
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.image_id IS NOT NULL THEN
                INSERT INTO {_TABLE} ({_VALUES}) VALUES (NEW.project_id, NEW.enterprise_project_id,
                    NEW.name, NEW.image_id, NEW.image_created_ms);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_rows AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED}, image_created_ms "
        f"ON containers FOR EACH ROW EXECUTE FUNCTION {_TABLE}_rows()"
    )


def _sqlite_fts() -> None:
    # As migration 0003 does for the other searched columns: external content keyed by rowid.
    op.execute(
        f"CREATE VIRTUAL TABLE {_FTS} USING fts5(name, content='{_TABLE}', content_rowid='id', "
        "tokenize='trigram case_sensitive 1', detail='none')"
    )
    op.execute(f"INSERT INTO {_FTS}({_FTS}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {_FTS}_ai AFTER INSERT ON {_TABLE} "
        f"BEGIN INSERT INTO {_FTS}(rowid, name) VALUES (NEW.id, NEW.name); END"
    )
    op.execute(
        f"CREATE TRIGGER {_FTS}_ad AFTER DELETE ON {_TABLE} BEGIN "
        f"INSERT INTO {_FTS}({_FTS}, rowid, name) VALUES ('delete', OLD.id, OLD.name); END"
    )
    op.execute(
        f"CREATE TRIGGER {_FTS}_au AFTER UPDATE OF name ON {_TABLE} BEGIN "
        f"INSERT INTO {_FTS}({_FTS}, rowid, name) VALUES ('delete', OLD.id, OLD.name); "
        f"INSERT INTO {_FTS}(rowid, name) VALUES (NEW.id, NEW.name); END"
    )


def _sqlite_insert(when: str) -> str:
    """Insert NEW's row with an id between its neighbours' in name order (else after every id)."""
    key = "(project_id, enterprise_project_id, name)"
    new_key = "(NEW.project_id, NEW.enterprise_project_id, NEW.name)"
    lo = (
        f"SELECT id FROM {_TABLE} WHERE {key} <= {new_key} "
        "ORDER BY project_id DESC, enterprise_project_id DESC, name DESC LIMIT 1"
    )
    hi = f"SELECT id FROM {_TABLE} WHERE {key} > {new_key} ORDER BY project_id, enterprise_project_id, name LIMIT 1"
    candidate = (
        f"SELECT CASE WHEN lo IS NULL AND hi IS NULL THEN {_GAP} WHEN hi IS NULL THEN lo + {_GAP} "
        f"WHEN lo IS NULL THEN hi - {_GAP} WHEN hi - lo > 1 THEN lo + (hi - lo) / 2 END AS c "
        f"FROM (SELECT ({lo}) AS lo, ({hi}) AS hi)"
    )
    # (SQLite's triggers take no WITH clause: the neighbours are nested subqueries.)
    return (
        f"INSERT INTO {_TABLE} (id, {_VALUES}) SELECT CASE WHEN g.c IS NULL OR EXISTS "
        f"(SELECT 1 FROM {_TABLE} WHERE id = g.c) THEN (SELECT coalesce(max(id), 0) + 1 FROM {_TABLE}) "
        "ELSE g.c END, NEW.project_id, NEW.enterprise_project_id, NEW.name, NEW.image_id, "
        f"(SELECT i.created_ms FROM images i WHERE i.id = NEW.image_id) FROM ({candidate}) AS g WHERE {when}"
    )


def _sqlite_triggers() -> None:
    # The image's created_ms is read from images: 0014's trigger copies it onto the container row
    # only after the insert, by an UPDATE (which the created_au trigger below follows).
    op.execute(
        f"CREATE TRIGGER {_TABLE}_ai AFTER INSERT ON containers WHEN NEW.image_id IS NOT NULL "
        f"BEGIN {_sqlite_insert('1')}; END"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_ad AFTER DELETE ON containers WHEN OLD.image_id IS NOT NULL "
        f"BEGIN {_delete_one('OLD')}; END"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_au AFTER UPDATE OF {_WATCHED} ON containers BEGIN "
        f"{_delete_one('OLD')} AND OLD.image_id IS NOT NULL; "
        f"{_sqlite_insert('NEW.image_id IS NOT NULL')}; END"
    )
    # Equal rows have equal image ids, hence equal created_ms: all of them take the new value.
    op.execute(
        f"CREATE TRIGGER {_TABLE}_created_au AFTER UPDATE OF image_created_ms ON containers "
        f"WHEN NEW.image_id IS NOT NULL BEGIN UPDATE {_TABLE} SET image_created_ms = NEW.image_created_ms "
        "WHERE project_id = NEW.project_id AND enterprise_project_id = NEW.enterprise_project_id "
        "AND name = NEW.name AND image_id = NEW.image_id; END"
    )
