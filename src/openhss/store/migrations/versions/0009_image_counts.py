"""image counts: maintained counts of image_scopes rows per filter key, so total_num is a sum of a few rows

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py or store/counters.py) so that this revision always
# builds the same schema.
_KEY = (
    "project_id",
    "enterprise_project_id",
    "scan_status",
    "local_image_type",
    "vulnerable",
    "with_containers",
)
_KEY_COLUMNS = ", ".join(_KEY)
# The key of an image_scopes row, as an expression over a row alias (NEW., OLD., or a table alias).
_ROW_KEY = (
    "{r}project_id, {r}enterprise_project_id, {r}scan_status, {r}local_image_type, "
    "{r}vul_num > 0, {r}container_num > 0"
)


def upgrade() -> None:
    op.create_table(
        "image_counts",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.Column("local_image_type", sa.String(length=16), nullable=False),
        sa.Column("vulnerable", sa.Boolean(), nullable=False),
        sa.Column("with_containers", sa.Boolean(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_image_counts_key", "image_counts", [*_KEY, "n"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()
    # Filled after the triggers exist, in the same transaction: nothing is counted twice or missed.
    op.execute(
        f"INSERT INTO image_counts ({_KEY_COLUMNS}, n) SELECT {_ROW_KEY.format(r='')}, count(*) "
        f"FROM image_scopes GROUP BY {_ROW_KEY.format(r='')}"
    )
    op.execute("ANALYZE image_counts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS image_counts_{event} ON image_scopes")
        op.execute("DROP FUNCTION IF EXISTS image_counts_delta()")
    else:
        for event in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS image_counts_{event}")
    op.drop_index("ix_image_counts_key", table_name="image_counts")
    op.drop_table("image_counts")


def _postgresql_triggers() -> None:
    # Statement-level, with transition tables: one statement's changes become at most one signed
    # delta row per key, appended; no writer ever updates a shared row, so concurrent ingests of
    # the same enterprise project do not queue on its counters. An update that moves no row to
    # another key (host_num changing, say) appends nothing.
    key = _ROW_KEY.format(r="")
    op.execute(
        f"""
        CREATE FUNCTION image_counts_delta() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO image_counts ({_KEY_COLUMNS}, n)
                SELECT {key}, count(*) FROM new_rows GROUP BY {key};
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO image_counts ({_KEY_COLUMNS}, n)
                SELECT {key}, -count(*) FROM old_rows GROUP BY {key};
            ELSE
                INSERT INTO image_counts ({_KEY_COLUMNS}, n)
                SELECT {_KEY_COLUMNS}, sum(n) FROM (
                    SELECT {key}, 1 AS n FROM new_rows UNION ALL SELECT {key}, -1 FROM old_rows
                ) AS moved ({_KEY_COLUMNS}, n)
                GROUP BY {_KEY_COLUMNS} HAVING sum(n) <> 0;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for event, tables in transitions.items():
        op.execute(
            f"CREATE TRIGGER image_counts_{event} AFTER {event.upper()} ON image_scopes "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION image_counts_delta()"
        )


def _sqlite_triggers() -> None:
    # SQLite runs one writer at a time, so there is no contention to avoid: each key keeps one
    # row, adjusted in place (created at 0 the first time the key is seen).
    def adjust(r: str, sign: str) -> str:
        match = " AND ".join(
            f"{c} = {v}" for c, v in zip(_KEY, _ROW_KEY.format(r=r).split(", "), strict=True)
        )
        return (
            f"INSERT INTO image_counts ({_KEY_COLUMNS}, n) SELECT {_ROW_KEY.format(r=r)}, 0 "
            f"WHERE NOT EXISTS (SELECT 1 FROM image_counts WHERE {match}); "
            f"UPDATE image_counts SET n = n {sign} 1 "
            f"WHERE rowid = (SELECT rowid FROM image_counts WHERE {match} LIMIT 1);"
        )

    op.execute(f"CREATE TRIGGER image_counts_ai AFTER INSERT ON image_scopes BEGIN {adjust('NEW.', '+')} END")
    op.execute(f"CREATE TRIGGER image_counts_ad AFTER DELETE ON image_scopes BEGIN {adjust('OLD.', '-')} END")
    moved = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}"
        for c in ("project_id", "enterprise_project_id", "scan_status", "local_image_type")
    )
    op.execute(
        f"CREATE TRIGGER image_counts_au AFTER UPDATE ON image_scopes "
        f"WHEN {moved} OR (OLD.vul_num > 0) IS NOT (NEW.vul_num > 0) "
        f"OR (OLD.container_num > 0) IS NOT (NEW.container_num > 0) "
        f"BEGIN {adjust('OLD.', '-')} {adjust('NEW.', '+')} END"
    )
