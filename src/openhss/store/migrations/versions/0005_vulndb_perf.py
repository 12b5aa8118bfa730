"""vulnerability knowledge performance: a digest of each advisory package's ranges, a covering
index for candidate lookups, image matches by component

Revision ID: 0005
Revises: 0004
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 5000


def ranges_digest(ranges: str) -> str:
    """The digest `openhss.vulndb.knowledge` stores (kept here so the migration never changes)."""
    return hashlib.blake2b(ranges.encode(), digest_size=16).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("advisory_packages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ranges_digest", sa.String(length=32), server_default="", nullable=False)
        )
    conn = op.get_bind()
    table = sa.table("advisory_packages", sa.column("id"), sa.column("ranges"), sa.column("ranges_digest"))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.ranges).where(table.c.id > last).order_by(table.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("b_id")).values(ranges_digest=sa.bindparam("d")),
            [{"b_id": r.id, "d": ranges_digest(r.ranges)} for r in rows],
        )
        last = rows[-1].id
    with op.batch_alter_table("advisory_packages", schema=None) as batch_op:
        batch_op.drop_index("ix_advisory_packages_match")
        batch_op.create_index(
            "ix_advisory_packages_candidates",
            ["match_ecosystem", "name", "ecosystem", "ranges_digest", "severity", "advisory_id", "id"],
            unique=False,
        )
    with op.batch_alter_table("image_vulnerabilities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_image_vulnerabilities_config_digest_idx", ["config_digest", "idx"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("image_vulnerabilities", schema=None) as batch_op:
        batch_op.drop_index("ix_image_vulnerabilities_config_digest_idx")
    with op.batch_alter_table("advisory_packages", schema=None) as batch_op:
        batch_op.drop_index("ix_advisory_packages_candidates")
        batch_op.create_index("ix_advisory_packages_match", ["match_ecosystem", "name"], unique=False)
        batch_op.drop_column("ranges_digest")
