"""image names interned, with their own trigram index; image_scopes indexed by name, and by image
covering what a probing filter reads; images by config digest covering the app_name filter

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_NAME_INDEX = [
    "project_id",
    "enterprise_project_id",
    "name_id",
    "created_ms",
    "image_id",
    "host_num",
    "container_num",
    "scan_status",
    "local_image_type",
    "vul_num",
    "latest_scan_ms",
    "image_size",
]
# Every probing filter (host, container, app; image_name with a tag) ends in one lookup per matching
# image: with this index it reads the index alone, not the primary key's index and then the row.
_BY_IMAGE = [
    "image_id",
    "enterprise_project_id",
    "project_id",
    "created_ms",
    "host_num",
    "container_num",
    "scan_status",
    "local_image_type",
    "vul_num",
    "latest_scan_ms",
    "image_size",
    "name_id",
]
_FTS = "image_names_name_fts"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "image_names",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_names")),
        sa.UniqueConstraint("name", name=op.f("uq_image_names_name")),
    )
    # Plain ADD COLUMN on both databases (no table rebuild: images keeps its FTS triggers).
    op.add_column("images", sa.Column("name_id", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column("image_scopes", sa.Column("name_id", sa.BigInteger(), server_default="0", nullable=False))
    op.execute("INSERT INTO image_names (name) SELECT DISTINCT image_name FROM images ORDER BY image_name")
    # UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
    op.execute("UPDATE images SET name_id = n.id FROM image_names n WHERE n.name = images.image_name")
    op.execute("UPDATE image_scopes SET name_id = i.name_id FROM images i WHERE i.id = image_scopes.image_id")
    op.create_index("ix_image_scopes_name", "image_scopes", _NAME_INDEX, unique=False)
    op.create_index("ix_image_scopes_by_image", "image_scopes", _BY_IMAGE, unique=False)
    # app_name goes from component links to config digests to image ids: covered, it reads no image row.
    op.drop_index("ix_images_config_digest", table_name="images")
    op.create_index("ix_images_config_digest_project_id_id", "images", ["config_digest", "project_id", "id"])
    if dialect == "postgresql":
        op.execute("CREATE INDEX ix_image_names_name_trgm ON image_names USING gin (name gin_trgm_ops)")
    else:
        # As migration 0003 does for the other searched columns: external content keyed by rowid.
        op.execute(
            f"CREATE VIRTUAL TABLE {_FTS} USING fts5(name, content='image_names', content_rowid='rowid', "
            f"tokenize='trigram case_sensitive 1', detail='none')"
        )
        op.execute(f"INSERT INTO {_FTS}({_FTS}) VALUES ('rebuild')")
        op.execute(
            f"CREATE TRIGGER {_FTS}_ai AFTER INSERT ON image_names "
            f"BEGIN INSERT INTO {_FTS}(rowid, name) VALUES (NEW.rowid, NEW.name); END"
        )
        op.execute(
            f"CREATE TRIGGER {_FTS}_ad AFTER DELETE ON image_names BEGIN "
            f"INSERT INTO {_FTS}({_FTS}, rowid, name) VALUES ('delete', OLD.rowid, OLD.name); END"
        )
        op.execute(
            f"CREATE TRIGGER {_FTS}_au AFTER UPDATE OF name ON image_names BEGIN "
            f"INSERT INTO {_FTS}({_FTS}, rowid, name) VALUES ('delete', OLD.rowid, OLD.name); "
            f"INSERT INTO {_FTS}(rowid, name) VALUES (NEW.rowid, NEW.name); END"
        )
    # New tables and indexes get plans only once they have statistics (see 0007).
    op.execute("ANALYZE images")
    op.execute("ANALYZE image_names")
    op.execute("ANALYZE image_scopes")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_image_names_name_trgm")
    else:
        for event in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS {_FTS}_{event}")
        op.execute(f"DROP TABLE IF EXISTS {_FTS}")
    op.drop_index("ix_image_scopes_by_image", table_name="image_scopes")
    op.drop_index("ix_images_config_digest_project_id_id", table_name="images")
    op.create_index("ix_images_config_digest", "images", ["config_digest"])
    op.drop_index("ix_image_scopes_name", table_name="image_scopes")
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of `images` would lose its FTS triggers.
    op.drop_column("image_scopes", "name_id")
    op.drop_column("images", "name_id")
    op.drop_table("image_names")
