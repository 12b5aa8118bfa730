"""presence page key: presence and container rows carry their image's created_ms (the page order)

A host or container filter finds image ids in presence or container rows, several per image. With
the page order's first column on those rows, the distinct images found are counted and the page
taken from that one set (`inventory/carried.py`), instead of building the set a second time to
probe a walk of image_scopes. Triggers keep the copies exact whoever writes the rows: a new or
re-pointed row takes its image's value, and a change of an image's created_ms reaches every copy.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
# (table, column holding the copy): each row's copy is images.created_ms of its image_id.
_COPIES = (("image_hosts", "created_ms"), ("containers", "image_created_ms"))
_OLD_INDEX = ("ix_image_hosts_host_id_image_id", ["host_id", "image_id"])
# Widened to cover the copy: the host filters read it from the index alone. Still (host_id, image_id)
# first: the page's most recent hosts are probed by that pair (`inventory/last_host.py`); with
# created_ms second, SQLite read every holder of a crowded image instead (5.6 -> 15.6 ms).
_NEW_INDEX = ("ix_image_hosts_host_id_image_id_created_ms", ["host_id", "image_id", "created_ms"])


def upgrade() -> None:
    for table, column in _COPIES:
        op.add_column(table, sa.Column(column, sa.BigInteger(), server_default="0", nullable=False))
        op.execute(
            f"UPDATE {table} SET {column} = (SELECT i.created_ms FROM images i WHERE i.id = {table}.image_id) "
            f"WHERE image_id IS NOT NULL"
        )
    op.drop_index(_OLD_INDEX[0], table_name="image_hosts")
    op.create_index(_NEW_INDEX[0], "image_hosts", _NEW_INDEX[1], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    op.execute("ANALYZE image_hosts")
    op.execute("ANALYZE containers")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in _COPIES:
            op.execute(f"DROP TRIGGER IF EXISTS page_key_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS page_key_{table}()")
        op.execute("DROP TRIGGER IF EXISTS page_key_images ON images")
        op.execute("DROP FUNCTION IF EXISTS page_key_images()")
    else:
        for table, _ in _COPIES:
            op.execute(f"DROP TRIGGER IF EXISTS page_key_{table}_ai")
            op.execute(f"DROP TRIGGER IF EXISTS page_key_{table}_au")
        op.execute("DROP TRIGGER IF EXISTS page_key_images_au")
    op.drop_index(_NEW_INDEX[0], table_name="image_hosts")
    op.create_index(_OLD_INDEX[0], "image_hosts", _OLD_INDEX[1], unique=False)
    for table, column in _COPIES:
        # Not a batch (on SQLite a copy of the table, which would lose its FTS and counter
        # triggers): both databases drop an unindexed column in place (SQLite since 3.35).
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def _postgresql_triggers() -> None:
    for table, column in _COPIES:
        # BEFORE: the row is written once, with its copy (no second write of the row).
        op.execute(
            f"""
            CREATE FUNCTION page_key_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.image_id IS NOT NULL THEN
                    NEW.{column} := (SELECT i.created_ms FROM images i WHERE i.id = NEW.image_id);
                END IF;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER page_key_{table} BEFORE INSERT OR UPDATE OF image_id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION page_key_{table}()"
        )
    updates = "\n".join(f"UPDATE {t} SET {c} = NEW.created_ms WHERE image_id = NEW.id;" for t, c in _COPIES)
    op.execute(
        f"""
        CREATE FUNCTION page_key_images() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {updates}
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER page_key_images AFTER UPDATE OF created_ms ON images FOR EACH ROW "
        "WHEN (OLD.created_ms IS DISTINCT FROM NEW.created_ms) EXECUTE FUNCTION page_key_images()"
    )


def _sqlite_triggers() -> None:
    for table, column in _COPIES:
        # SQLite has no BEFORE trigger that may change NEW: the inserted row is updated by rowid.
        copy = (
            f"UPDATE {table} SET {column} = (SELECT i.created_ms FROM images i WHERE i.id = NEW.image_id) "
            f"WHERE rowid = NEW.rowid"
        )
        op.execute(
            f"CREATE TRIGGER page_key_{table}_ai AFTER INSERT ON {table} "
            f"WHEN NEW.image_id IS NOT NULL BEGIN {copy}; END"
        )
        op.execute(
            f"CREATE TRIGGER page_key_{table}_au AFTER UPDATE OF image_id ON {table} "
            f"WHEN NEW.image_id IS NOT NULL BEGIN {copy}; END"
        )
    updates = " ".join(f"UPDATE {t} SET {c} = NEW.created_ms WHERE image_id = NEW.id;" for t, c in _COPIES)
    op.execute(
        "CREATE TRIGGER page_key_images_au AFTER UPDATE OF created_ms ON images "
        f"WHEN OLD.created_ms IS NOT NEW.created_ms BEGIN {updates} END"
    )
