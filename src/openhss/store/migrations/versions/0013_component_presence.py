"""component presence: which images of each enterprise project hold each interned component name

`app_name` used to go from the matching names to every (name, config digest) link, to every image
row of those digests, then to one image_scopes lookup per image to learn whether it is in the
caller's scope. This table holds the answer of those steps: one row per image_scopes row of an
enterprise project (not the whole-project row) and component name of that image, keyed so that a
name filter reads one range per matching name and scope, no image or scope row. Triggers keep it
exact on every path that changes an image's scope rows (ingest, host deletion: image_scopes), its
components (scan recording: image_components) or removes an image (images).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TABLE = "component_presence"
# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_KEY = ("project_id", "name_id", "enterprise_project_id", "image_id")
_COLUMNS = ", ".join(_KEY)
# The whole-project rows are left out: a whole-project filter reads every enterprise project's
# ranges and makes the image ids distinct, as it must for several names anyway.
_WHOLE = "'*'"
# Every (scope row, component name) pair, as the triggers keep them.
FILL = (
    f"SELECT s.project_id, c.name_id, s.enterprise_project_id, s.image_id FROM image_scopes s "
    f"JOIN images i ON i.id = s.image_id JOIN image_components c ON c.config_digest = i.config_digest "
    f"WHERE s.enterprise_project_id <> {_WHOLE}"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        _TABLE,
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("name_id", sa.BigInteger(), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        *(() if postgresql else (sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_component_presence")),)),
        # SQLite: the primary key is the table (no rowid, no second copy of the key).
        sqlite_with_rowid=False,
    )
    if postgresql:
        _postgresql_triggers()
        # Filled before the key's index exists (one sorted build instead of 8 million inserts into
        # it), in the same transaction as the triggers: nothing is missed or doubled.
        op.execute(f"INSERT INTO {_TABLE} ({_COLUMNS}) {FILL}")
        op.create_primary_key(op.f("pk_component_presence"), _TABLE, list(_KEY))
    else:
        _sqlite_triggers()
        op.execute(f"INSERT INTO {_TABLE} ({_COLUMNS}) {FILL} ORDER BY 1, 2, 3, 4")
    op.execute(f"ANALYZE {_TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, events in _PG_TRIGGERS.items():
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {_TABLE}_{table}()")
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_images_bd ON images")
        op.execute(f"DROP FUNCTION IF EXISTS {_TABLE}_images()")
    else:
        for name in ("scopes_ai", "scopes_ad", "components_ai", "components_ad", "images_bd"):
            op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_{name}")
    op.drop_table(_TABLE)


_PG_TRIGGERS = {"image_scopes": ("insert", "delete"), "image_components": ("insert", "delete")}


def _postgresql_triggers() -> None:
    # Statement-level, with transition tables: a scan's 40 component rows or an ingest's scope rows
    # are one INSERT ... SELECT or DELETE ... USING each. Each statement of a PL/pgSQL function sees
    # what committed before it (READ COMMITTED). A writer of scope rows takes a transaction lock per
    # config digest of their images (in digest order) before reading the digest's components, and a
    # scan takes its digest's lock before changing them (scans._index_names): so one of the two
    # writes presence from the other's committed rows, even for an image row an ingest has just
    # created, which a scan cannot see to wait for.
    locks = (
        "PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(i.config_digest, 0) AS k "
        "FROM {rows} r JOIN images i ON i.id = r.image_id "
        f"WHERE r.enterprise_project_id <> {_WHOLE} ORDER BY k) AS digests;"
    )
    op.execute(
        f"""
        CREATE FUNCTION {_TABLE}_image_scopes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {locks.format(rows="new_rows")}
                INSERT INTO {_TABLE} ({_COLUMNS})
                SELECT n.project_id, c.name_id, n.enterprise_project_id, n.image_id FROM new_rows n
                JOIN images i ON i.id = n.image_id JOIN image_components c ON c.config_digest = i.config_digest
                WHERE n.enterprise_project_id <> {_WHOLE};
            ELSE
                {locks.format(rows="old_rows")}
                DELETE FROM {_TABLE} p USING old_rows o, images i, image_components c
                WHERE o.enterprise_project_id <> {_WHOLE} AND i.id = o.image_id
                  AND c.config_digest = i.config_digest AND p.project_id = o.project_id
                  AND p.name_id = c.name_id AND p.enterprise_project_id = o.enterprise_project_id
                  AND p.image_id = o.image_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION {_TABLE}_image_components() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO {_TABLE} ({_COLUMNS})
                SELECT s.project_id, n.name_id, s.enterprise_project_id, s.image_id FROM new_rows n
                JOIN images i ON i.config_digest = n.config_digest JOIN image_scopes s ON s.image_id = i.id
                WHERE s.enterprise_project_id <> {_WHOLE};
            ELSE
                DELETE FROM {_TABLE} p USING old_rows o, images i, image_scopes s
                WHERE i.config_digest = o.config_digest AND s.image_id = i.id
                  AND s.enterprise_project_id <> {_WHOLE} AND p.project_id = s.project_id
                  AND p.name_id = o.name_id AND p.enterprise_project_id = s.enterprise_project_id
                  AND p.image_id = s.image_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for table, events in _PG_TRIGGERS.items():
        for event in events:
            tables = "NEW TABLE AS new_rows" if event == "insert" else "OLD TABLE AS old_rows"
            op.execute(
                f"CREATE TRIGGER {_TABLE}_{table}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {_TABLE}_{table}()"
            )
    # An image deleted (its project deleted) takes its scope rows first, while its row still says
    # which components it has: the cascade would delete them after the image row, too late to know.
    op.execute(
        f"""
        CREATE FUNCTION {_TABLE}_images() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM image_scopes WHERE image_id = OLD.id;
            RETURN OLD;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_images_bd BEFORE DELETE ON images "
        f"FOR EACH ROW EXECUTE FUNCTION {_TABLE}_images()"
    )


def _sqlite_triggers() -> None:
    # One row at a time: SQLite has no statement-level triggers; each is a few key lookups.
    names_of = (
        "SELECT c.name_id FROM images i JOIN image_components c ON c.config_digest = i.config_digest "
        "WHERE i.id = {r}image_id"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_scopes_ai AFTER INSERT ON image_scopes "
        f"WHEN NEW.enterprise_project_id <> {_WHOLE} BEGIN "
        f"INSERT INTO {_TABLE} ({_COLUMNS}) SELECT NEW.project_id, n.name_id, NEW.enterprise_project_id, "
        f"NEW.image_id FROM ({names_of.format(r='NEW.')}) n; END"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_scopes_ad AFTER DELETE ON image_scopes "
        f"WHEN OLD.enterprise_project_id <> {_WHOLE} BEGIN "
        f"DELETE FROM {_TABLE} WHERE project_id = OLD.project_id "
        f"AND name_id IN ({names_of.format(r='OLD.')}) "
        f"AND enterprise_project_id = OLD.enterprise_project_id AND image_id = OLD.image_id; END"
    )
    scopes_of = (
        "SELECT s.project_id, {r}name_id, s.enterprise_project_id, s.image_id FROM images i "
        "JOIN image_scopes s ON s.image_id = i.id "
        f"WHERE i.config_digest = {{r}}config_digest AND s.enterprise_project_id <> {_WHOLE}"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_components_ai AFTER INSERT ON image_components BEGIN "
        f"INSERT INTO {_TABLE} ({_COLUMNS}) {scopes_of.format(r='NEW.')}; END"
    )
    op.execute(
        f"CREATE TRIGGER {_TABLE}_components_ad AFTER DELETE ON image_components BEGIN "
        f"DELETE FROM {_TABLE} WHERE ({_COLUMNS}) IN ({scopes_of.format(r='OLD.')}); END"
    )
    # As on PostgreSQL: the scope rows go first, while the image row still names its components.
    op.execute(
        f"CREATE TRIGGER {_TABLE}_images_bd BEFORE DELETE ON images BEGIN "
        f"DELETE FROM image_scopes WHERE image_id = OLD.id; END"
    )
