"""list speed: exact-filter combinations covered by the status index, partial indexes for
has_container, hosts in order of last contact

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen here (not imported from tables.py) so that this revision always builds the same schema.
_SHOWN = ["created_ms", "image_id", "host_num", "container_num"]
_KEY = ["project_id", "enterprise_project_id"]
_STATUS_OLD = [*_KEY, "scan_status", *_SHOWN]
# The other exact filters' columns after the page's: a combination with scan_status (has_vul and
# the scan-time range imply it) is decided inside this index, never by reading table rows.
_STATUS_NEW = [*_STATUS_OLD, "local_image_type", "vul_num", "latest_scan_ms"]
# One partial index per has_container value, in page order: the count is the index's size within
# the scope and the page a backward walk of it (a single container_num index made SQLite sort).
_PARTIAL = {
    "ix_image_scopes_with_containers": "container_num > 0",
    "ix_image_scopes_without_containers": "container_num = 0",
}


def upgrade() -> None:
    op.drop_index("ix_image_scopes_status", table_name="image_scopes")
    op.create_index("ix_image_scopes_status", "image_scopes", _STATUS_NEW, unique=False)
    op.drop_index("ix_image_scopes_containers", table_name="image_scopes")
    for name, where in _PARTIAL.items():
        op.create_index(
            name,
            "image_scopes",
            [*_KEY, *_SHOWN],
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    op.create_index(
        "ix_hosts_project_id_last_seen_ms", "hosts", ["project_id", "last_seen_ms", "id"], unique=False
    )
    # SQLite's planner passes over an index it has no statistics for once the table has them for
    # others, so a store migrated in place would keep the old plans until someone ran ANALYZE.
    op.execute("ANALYZE image_scopes")
    op.execute("ANALYZE hosts")


def downgrade() -> None:
    op.drop_index("ix_hosts_project_id_last_seen_ms", table_name="hosts")
    for name in _PARTIAL:
        op.drop_index(name, table_name="image_scopes")
    op.create_index("ix_image_scopes_containers", "image_scopes", [*_KEY, "container_num"], unique=False)
    op.drop_index("ix_image_scopes_status", table_name="image_scopes")
    op.create_index("ix_image_scopes_status", "image_scopes", _STATUS_OLD, unique=False)
