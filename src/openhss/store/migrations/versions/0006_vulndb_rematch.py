"""vulnerability re-matching: each advisory's merge nodes, indexed by node; image matches by merge key

Revision ID: 0006
Revises: 0005
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 5000


def merge_nodes(advisory_id: str, aliases: list[str], upstream: list[str]) -> set[str]:
    """The nodes `openhss.vulndb.merging.merge_nodes` gives (kept here so the migration never changes)."""
    return set((advisory_id, *aliases, *upstream) if len(upstream) == 1 else (advisory_id, *aliases))


def upgrade() -> None:
    op.create_table(
        "advisory_nodes",
        sa.Column("advisory_id", sa.String(length=128), nullable=False),
        sa.Column("node", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisories.id"],
            name=op.f("fk_advisory_nodes_advisory_id_advisories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("advisory_id", "node", name=op.f("pk_advisory_nodes")),
    )
    conn = op.get_bind()
    advisories = sa.table("advisories", sa.column("id"), sa.column("aliases"), sa.column("upstream"))
    nodes = sa.table("advisory_nodes", sa.column("advisory_id"), sa.column("node"))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(advisories.c.id, advisories.c.aliases, advisories.c.upstream)
            .where(advisories.c.id > last)
            .order_by(advisories.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        values = [
            {"advisory_id": r.id, "node": n}
            for r in rows
            for n in sorted(merge_nodes(r.id, json.loads(r.aliases), json.loads(r.upstream)))
        ]
        conn.execute(nodes.insert(), values)
        last = rows[-1].id
    with op.batch_alter_table("advisory_nodes", schema=None) as batch_op:
        batch_op.create_index("ix_advisory_nodes_node", ["node", "advisory_id"], unique=False)
    with op.batch_alter_table("image_vulnerabilities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_image_vulnerabilities_config_digest_key",
            ["config_digest", "vuln_key", "severity"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("image_vulnerabilities", schema=None) as batch_op:
        batch_op.drop_index("ix_image_vulnerabilities_config_digest_key")
    with op.batch_alter_table("advisory_nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_advisory_nodes_node")
    op.drop_table("advisory_nodes")
