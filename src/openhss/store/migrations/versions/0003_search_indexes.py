"""search indexes: image values copied into image_scopes, trigram search (pg_trgm / SQLite FTS5)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_COPIED = ("scan_status", "local_image_type", "image_size", "latest_scan_ms", "vul_num", "created_ms")
_SEARCHED = {
    "images": ("image_name",),
    "hosts": ("name",),
    "containers": ("name", "pod_name"),
    "component_names": ("name",),
}
_SHOWN = ["created_ms", "image_id", "host_num", "container_num"]
_SCOPE_INDEXES = {
    "ix_image_scopes_status": ["project_id", "enterprise_project_id", "scan_status", *_SHOWN],
    "ix_image_scopes_type": ["project_id", "enterprise_project_id", "local_image_type", *_SHOWN],
    "ix_image_scopes_size": ["project_id", "enterprise_project_id", "image_size"],
    "ix_image_scopes_containers": ["project_id", "enterprise_project_id", "container_num"],
    "ix_image_scopes_scanned": [
        "project_id",
        "enterprise_project_id",
        "scan_status",
        "latest_scan_ms",
        "vul_num",
    ],
}
# Indexes of 0002 that this revision widens to cover their queries: (table, old, new).
_WIDENED = [
    (
        "image_scopes",
        ("ix_image_scopes_listing", ["project_id", "enterprise_project_id", "created_ms", "image_id"]),
        ("ix_image_scopes_listing", ["project_id", "enterprise_project_id", *_SHOWN]),
    ),
    (
        "image_hosts",
        ("ix_image_hosts_host_id", ["host_id"]),
        ("ix_image_hosts_host_id_image_id", ["host_id", "image_id"]),
    ),
    (
        "image_components",
        ("ix_image_components_name_id", ["name_id"]),
        ("ix_image_components_name_id_config_digest", ["name_id", "config_digest"]),
    ),
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("image_scopes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scan_status", sa.String(length=16), server_default="unscan", nullable=False)
        )
        batch_op.add_column(
            sa.Column("local_image_type", sa.String(length=16), server_default="other_image", nullable=False)
        )
        batch_op.add_column(sa.Column("image_size", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("latest_scan_ms", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("vul_num", sa.BigInteger(), server_default="0", nullable=False))
    copied = ", ".join(
        f"{c} = (SELECT i.{c} FROM images i WHERE i.id = image_scopes.image_id)" for c in _COPIED
    )
    op.execute(f"UPDATE image_scopes SET {copied}")
    # The whole-project row of every present image: the sums over its enterprise projects.
    op.execute(
        "INSERT INTO image_scopes (image_id, enterprise_project_id, project_id, host_num, container_num, "
        + ", ".join(_COPIED)
        + ") SELECT image_id, '*', min(project_id), sum(host_num), sum(container_num), "
        + ", ".join(f"min({c})" for c in _COPIED)
        + " FROM image_scopes GROUP BY image_id"
    )
    with op.batch_alter_table("image_scopes", schema=None) as batch_op:
        for name, columns in _SCOPE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    for table, (old_name, _), (new_name, new_columns) in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(old_name)
            batch_op.create_index(new_name, new_columns, unique=False)
    if dialect == "postgresql":
        _postgresql_up()
    else:
        _sqlite_up()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS images_to_scopes ON images")
        op.execute("DROP FUNCTION IF EXISTS images_to_scopes()")
        for table, columns in _SEARCHED.items():
            for column in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_trgm")
    else:
        op.execute("DROP TRIGGER IF EXISTS images_to_scopes")
        for table, columns in _SEARCHED.items():
            for column in columns:
                for event in ("ai", "ad", "au"):
                    op.execute(f"DROP TRIGGER IF EXISTS {table}_{column}_fts_{event}")
                op.execute(f"DROP TABLE IF EXISTS {table}_{column}_fts")
    for table, (old_name, old_columns), (new_name, _) in _WIDENED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(new_name)
            batch_op.create_index(old_name, old_columns, unique=False)
    op.execute("DELETE FROM image_scopes WHERE enterprise_project_id = '*'")
    with op.batch_alter_table("image_scopes", schema=None) as batch_op:
        for name in _SCOPE_INDEXES:
            batch_op.drop_index(name)
        for column in ("vul_num", "latest_scan_ms", "image_size", "local_image_type", "scan_status"):
            batch_op.drop_column(column)


def _postgresql_up() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in _SEARCHED.items():
        for column in columns:
            op.execute(f"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin ({column} gin_trgm_ops)")
    assignments = ", ".join(f"{c} = NEW.{c}" for c in _COPIED)
    op.execute(
        f"""
        CREATE FUNCTION images_to_scopes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE image_scopes SET {assignments} WHERE image_id = NEW.id;
            RETURN NULL;
        END $$
        """
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COPIED)
    op.execute(
        f"CREATE TRIGGER images_to_scopes AFTER UPDATE ON images FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION images_to_scopes()"
    )


def _sqlite_up() -> None:
    assignments = ", ".join(f"{c} = NEW.{c}" for c in _COPIED)
    op.execute(
        f"CREATE TRIGGER images_to_scopes AFTER UPDATE OF {', '.join(_COPIED)} ON images "
        f"BEGIN UPDATE image_scopes SET {assignments} WHERE image_id = NEW.id; END"
    )
    for table, columns in _SEARCHED.items():
        for column in columns:
            fts = f"{table}_{column}_fts"
            # External content keyed by rowid: the index holds trigrams only, the text stays in
            # `table`; detail=none keeps it small (phrases are confirmed against the content).
            op.execute(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='rowid', "
                f"tokenize='trigram case_sensitive 1', detail='none')"
            )
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            op.execute(
                f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} "
                f"BEGIN INSERT INTO {fts}(rowid, {column}) VALUES (NEW.rowid, NEW.{column}); END"
            )
            op.execute(
                f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', OLD.rowid, OLD.{column}); END"
            )
            op.execute(
                f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN "
                f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', OLD.rowid, OLD.{column}); "
                f"INSERT INTO {fts}(rowid, {column}) VALUES (NEW.rowid, NEW.{column}); END"
            )
