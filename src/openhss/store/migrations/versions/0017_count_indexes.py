"""count indexes: an image's presence and container rows counted per enterprise project from an index

Every ingest that changes what a host holds recounts the images involved over the whole fleet
(`inventory/counts.py`: hosts and containers per enterprise project). Presence rows were found by
their primary key (image, host) and container rows by `ix_containers_image_id`, and each row was
then read from the table for its enterprise project: a container restart on a host whose image
runs on thousands of hosts cost 44-50 ms (SQLite) and 37-47 ms (PostgreSQL), warm, most of it
those reads. With (image, enterprise project) indexes the counts are read from the index alone:
5.4-5.8 ms (SQLite) and 12-14 ms (PostgreSQL) for the same restarts (bench/README.md, "Ingest"). The container index replaces
`ix_containers_image_id` (same first column: what used it, the foreign key's ON DELETE SET NULL
among them, uses this one).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_containers_image_id", table_name="containers")
    op.create_index(
        "ix_containers_image_id_enterprise_project_id", "containers", ["image_id", "enterprise_project_id"]
    )
    op.create_index(
        "ix_image_hosts_image_id_enterprise_project_id", "image_hosts", ["image_id", "enterprise_project_id"]
    )
    op.execute("ANALYZE containers")
    op.execute("ANALYZE image_hosts")


def downgrade() -> None:
    op.drop_index("ix_image_hosts_image_id_enterprise_project_id", table_name="image_hosts")
    op.drop_index("ix_containers_image_id_enterprise_project_id", table_name="containers")
    op.create_index("ix_containers_image_id", "containers", ["image_id"])
