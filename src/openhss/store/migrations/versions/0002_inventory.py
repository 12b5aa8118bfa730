"""inventory: hosts, agents, local images, presence, containers, component names

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "component_names",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_names")),
        sa.UniqueConstraint("name", name=op.f("uq_component_names_name")),
    )
    op.create_table(
        "image_components",
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("name_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["name_id"], ["component_names.id"], name=op.f("fk_image_components_name_id_component_names")
        ),
        sa.PrimaryKeyConstraint("config_digest", "name_id", name=op.f("pk_image_components")),
    )
    with op.batch_alter_table("image_components", schema=None) as batch_op:
        batch_op.create_index("ix_image_components_name_id", ["name_id"], unique=False)

    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("host_id", sa.String(length=36), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("revoked_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_agents_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
    )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agents_host_id"), ["host_id"], unique=False)

    op.create_table(
        "enroll_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("used_ms", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_enroll_tokens_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_enroll_tokens")),
    )
    op.create_table(
        "hosts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("agent_id", sa.String(length=36), nullable=False),
        sa.Column("os", sa.String(length=255), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("run_started_ms", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_hosts_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosts")),
    )
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hosts_project_id_enterprise_project_id", ["project_id", "enterprise_project_id"], unique=False
        )

    op.create_table(
        "images",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("image_name", sa.String(length=512), nullable=False),
        sa.Column("image_version", sa.String(length=256), nullable=False),
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("repo_digest", sa.String(length=71), nullable=False),
        sa.Column("image_size", sa.BigInteger(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("local_image_type", sa.String(length=16), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.Column("latest_scan_ms", sa.BigInteger(), nullable=False),
        sa.Column("vul_num", sa.BigInteger(), nullable=False),
        sa.Column("unsafe_setting_num", sa.BigInteger(), nullable=False),
        sa.Column("malicious_file_num", sa.BigInteger(), nullable=False),
        sa.Column("component_num", sa.BigInteger(), nullable=False),
        sa.Column("scan_failed_desc", sa.String(length=64), nullable=False),
        sa.Column("severity_level", sa.String(length=16), nullable=False),
        sa.Column("non_scan_reason", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_images_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint(
            "project_id",
            "image_name",
            "image_version",
            "config_digest",
            name=op.f("uq_images_project_id_image_name_image_version_config_digest"),
        ),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index("ix_images_config_digest", ["config_digest"], unique=False)
        batch_op.create_index("ix_images_project_id_image_size", ["project_id", "image_size"], unique=False)
        batch_op.create_index(
            "ix_images_project_id_scan_status_latest_scan_ms",
            ["project_id", "scan_status", "latest_scan_ms"],
            unique=False,
        )

    op.create_table(
        "containers",
        sa.Column("host_id", sa.String(length=36), nullable=False),
        sa.Column("container_id", sa.String(length=128), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("image_ref", sa.String(length=512), nullable=False),
        sa.Column("config_digest", sa.String(length=71), nullable=False),
        sa.Column("pod_id", sa.String(length=128), nullable=False),
        sa.Column("pod_name", sa.String(length=255), nullable=False),
        sa.Column("pod_namespace", sa.String(length=255), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_containers_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name=op.f("fk_containers_image_id_images"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("host_id", "container_id", name=op.f("pk_containers")),
    )
    with op.batch_alter_table("containers", schema=None) as batch_op:
        batch_op.create_index("ix_containers_image_id", ["image_id"], unique=False)
        batch_op.create_index(
            "ix_containers_project_id_container_id", ["project_id", "container_id"], unique=False
        )
        batch_op.create_index("ix_containers_project_id_pod_id", ["project_id", "pod_id"], unique=False)

    op.create_table(
        "host_addresses",
        sa.Column("host_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_addresses_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "address", name=op.f("pk_host_addresses")),
    )
    with op.batch_alter_table("host_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_host_addresses_address", ["address"], unique=False)

    op.create_table(
        "image_hosts",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("host_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_image_hosts_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name=op.f("fk_image_hosts_image_id_images"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("image_id", "host_id", name=op.f("pk_image_hosts")),
    )
    with op.batch_alter_table("image_hosts", schema=None) as batch_op:
        batch_op.create_index("ix_image_hosts_host_id", ["host_id"], unique=False)

    op.create_table(
        "image_scopes",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_project_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("host_num", sa.BigInteger(), nullable=False),
        sa.Column("container_num", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name=op.f("fk_image_scopes_image_id_images"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("image_id", "enterprise_project_id", name=op.f("pk_image_scopes")),
    )
    with op.batch_alter_table("image_scopes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_image_scopes_listing",
            ["project_id", "enterprise_project_id", "created_ms", "image_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("image_scopes", schema=None) as batch_op:
        batch_op.drop_index("ix_image_scopes_listing")

    op.drop_table("image_scopes")
    with op.batch_alter_table("image_hosts", schema=None) as batch_op:
        batch_op.drop_index("ix_image_hosts_host_id")

    op.drop_table("image_hosts")
    with op.batch_alter_table("host_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_host_addresses_address")

    op.drop_table("host_addresses")
    with op.batch_alter_table("containers", schema=None) as batch_op:
        batch_op.drop_index("ix_containers_project_id_pod_id")
        batch_op.drop_index("ix_containers_project_id_container_id")
        batch_op.drop_index("ix_containers_image_id")

    op.drop_table("containers")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ix_images_project_id_scan_status_latest_scan_ms")
        batch_op.drop_index("ix_images_project_id_image_size")
        batch_op.drop_index("ix_images_config_digest")

    op.drop_table("images")
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.drop_index("ix_hosts_project_id_enterprise_project_id")

    op.drop_table("hosts")
    op.drop_table("enroll_tokens")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agents_host_id"))

    op.drop_table("agents")
    with op.batch_alter_table("image_components", schema=None) as batch_op:
        batch_op.drop_index("ix_image_components_name_id")

    op.drop_table("image_components")
    op.drop_table("component_names")
