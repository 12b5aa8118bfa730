"""rematch covering: the component match index also holds the image, index and version

Re-matching asks, per batch of images, which of their components are of changed packages. With an
index on (match_ecosystem, match_name) alone, both databases read every component of those packages
across the fleet and then its table row to learn the image (SQLite: 9 s per query of 400 names on
10,000 images; PostgreSQL: a bitmap AND with 400,000 primary-key entries, 0.5 s). Holding
config_digest, idx and match_version in the index answers it from the index alone.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OLD = ["match_ecosystem", "match_name"]
_NEW = [*_OLD, "config_digest", "idx", "match_version"]


def upgrade() -> None:
    op.drop_index("ix_sbom_components_match", table_name="sbom_components")
    op.create_index("ix_sbom_components_match", "sbom_components", _NEW, unique=False)


def downgrade() -> None:
    op.drop_index("ix_sbom_components_match", table_name="sbom_components")
    op.create_index("ix_sbom_components_match", "sbom_components", _OLD, unique=False)
