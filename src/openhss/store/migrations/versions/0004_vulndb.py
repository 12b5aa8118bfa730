"""vulnerability knowledge: advisories, SBOMs, matches

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisories",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("modified_ms", sa.BigInteger(), nullable=False),
        sa.Column("published_ms", sa.BigInteger(), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("upstream", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("cvss_vector", sa.String(length=255), nullable=False),
        sa.Column("cvss_score", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisories")),
    )
    op.create_table(
        "sboms",
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("scanned_ms", sa.BigInteger(), nullable=False),
        sa.Column("distro", sa.String(length=64), nullable=False),
        sa.Column("component_num", sa.BigInteger(), nullable=False),
        sa.Column("unsafe_setting_num", sa.BigInteger(), nullable=False),
        sa.Column("unsafe_setting_high", sa.BigInteger(), nullable=False),
        sa.Column("malicious_file_num", sa.BigInteger(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("config_digest", name=op.f("pk_sboms")),
    )
    op.create_table(
        "vulndb_sources",
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=False),
        sa.Column("last_modified", sa.String(length=64), nullable=False),
        sa.Column("fetched_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_vulndb_sources")),
    )
    op.create_table(
        "advisory_packages",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("advisory_id", sa.String(length=128), nullable=False),
        sa.Column("ecosystem", sa.String(length=128), nullable=False),
        sa.Column("ecosystem_base", sa.String(length=64), nullable=False),
        sa.Column("match_ecosystem", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("ranges", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"],
            ["advisories.id"],
            name=op.f("fk_advisory_packages_advisory_id_advisories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisory_packages")),
    )
    with op.batch_alter_table("advisory_packages", schema=None) as batch_op:
        batch_op.create_index("ix_advisory_packages_advisory_id", ["advisory_id"], unique=False)
        batch_op.create_index("ix_advisory_packages_match", ["match_ecosystem", "name"], unique=False)

    op.create_table(
        "image_vulnerabilities",
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("advisory_id", sa.String(length=128), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("vuln_key", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("fixed_version", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["config_digest"],
            ["sboms.config_digest"],
            name=op.f("fk_image_vulnerabilities_config_digest_sboms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("config_digest", "advisory_id", "idx", name=op.f("pk_image_vulnerabilities")),
    )
    op.create_table(
        "sbom_components",
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("version", sa.String(length=256), nullable=False),
        sa.Column("ecosystem", sa.String(length=32), nullable=False),
        sa.Column("purl", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("layer", sa.String(length=71), nullable=False),
        sa.Column("match_ecosystem", sa.String(length=64), nullable=True),
        sa.Column("match_name", sa.String(length=512), nullable=True),
        sa.Column("match_version", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["config_digest"],
            ["sboms.config_digest"],
            name=op.f("fk_sbom_components_config_digest_sboms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("config_digest", "idx", name=op.f("pk_sbom_components")),
    )
    with op.batch_alter_table("sbom_components", schema=None) as batch_op:
        batch_op.create_index("ix_sbom_components_match", ["match_ecosystem", "match_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sbom_components", schema=None) as batch_op:
        batch_op.drop_index("ix_sbom_components_match")

    op.drop_table("sbom_components")
    op.drop_table("image_vulnerabilities")
    with op.batch_alter_table("advisory_packages", schema=None) as batch_op:
        batch_op.drop_index("ix_advisory_packages_match")
        batch_op.drop_index("ix_advisory_packages_advisory_id")

    op.drop_table("advisory_packages")
    op.drop_table("vulndb_sources")
    op.drop_table("sboms")
    op.drop_table("advisories")
