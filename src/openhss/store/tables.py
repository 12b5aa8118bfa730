"""Every table of the store, as SQLAlchemy Core; times are integer milliseconds since the epoch (UTC)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

WHOLE_PROJECT = "*"
"""`image_scopes.enterprise_project_id` of the row that covers every enterprise project of the project."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

domains = Table(
    "domains",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("created_ms", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("domain_id", String(32), ForeignKey("domains.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("password_changed_ms", BigInteger, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    UniqueConstraint("domain_id", "name"),
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("domain_id", String(32), ForeignKey("domains.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    UniqueConstraint("domain_id", "name"),
)

enterprise_projects = Table(
    "enterprise_projects",
    metadata,
    Column("domain_id", String(32), ForeignKey("domains.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

# enterprise_project_id "*" grants every enterprise project of the project.
grants = Table(
    "grants",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_project_id", String(64), primary_key=True),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("ak", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("sk_encrypted", Text, nullable=False),
    Column("description", String(255), nullable=False, default=""),
    Column("created_ms", BigInteger, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("issued_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Index("ix_tokens_user_id", "user_id"),
)

# --- inventory: hosts, agents, local images, presence, containers -------------------------------

enroll_tokens = Table(
    "enroll_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("enterprise_project_id", String(64), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
    Column("used_ms", BigInteger, nullable=True),
)

hosts = Table(
    "hosts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("enterprise_project_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("agent_id", String(36), nullable=False),
    Column("os", String(255), nullable=False, default=""),
    Column("engine", String(64), nullable=False, default=""),
    Column("last_seen_ms", BigInteger, nullable=False),
    Column("run_id", String(64), nullable=False, default=""),
    Column("run_started_ms", BigInteger, nullable=False, default=0),
    Column("seq", BigInteger, nullable=False, default=-1),
    Column("created_ms", BigInteger, nullable=False),
    Index("ix_hosts_project_id_enterprise_project_id", "project_id", "enterprise_project_id"),
    # The project's most recently seen hosts first: where the list looks for an image's last host.
    Index("ix_hosts_project_id_last_seen_ms", "project_id", "last_seen_ms", "id"),
)

host_addresses = Table(
    "host_addresses",
    metadata,
    Column("host_id", String(36), ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Index("ix_host_addresses_address", "address"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("host_id", String(36), nullable=False, index=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("revoked_ms", BigInteger, nullable=True),
)

# Image names interned (~25,000 distinct for 200,000 image rows at fleet scale): a name filter searches
# these with the trigram index, then reads one `ix_image_scopes_name` range per matching name.
image_names = Table(
    "image_names",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("name", String(512), nullable=False, unique=True),
)

# One row per project + image name + version + image ID (config digest).
images = Table(
    "images",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", String(32), ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("image_name", String(512), nullable=False),
    Column("image_version", String(256), nullable=False),
    Column("config_digest", String(71), nullable=False),
    Column("repo_digest", String(71), nullable=False, default=""),
    Column("image_size", BigInteger, nullable=False, default=0),
    Column("created_ms", BigInteger, nullable=False, default=0),
    Column("local_image_type", String(16), nullable=False),
    Column("scan_status", String(16), nullable=False, default="unscan"),
    Column("latest_scan_ms", BigInteger, nullable=False, default=0),
    Column("vul_num", BigInteger, nullable=False, default=0),
    Column("unsafe_setting_num", BigInteger, nullable=False, default=0),
    Column("malicious_file_num", BigInteger, nullable=False, default=0),
    Column("component_num", BigInteger, nullable=False, default=0),
    Column("scan_failed_desc", String(64), nullable=False, default=""),
    Column("severity_level", String(16), nullable=False, default=""),
    Column("non_scan_reason", String(255), nullable=False, default=""),
    # image_names.id of image_name (set on insert; a row's name never changes).
    Column("name_id", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("project_id", "image_name", "image_version", "config_digest"),
    # Covering: app_name turns config digests into this project's image ids from the index alone.
    Index("ix_images_config_digest_project_id_id", "config_digest", "project_id", "id"),
    Index("ix_images_project_id_image_size", "project_id", "image_size"),
    Index("ix_images_project_id_scan_status_latest_scan_ms", "project_id", "scan_status", "latest_scan_ms"),
)

# An image's presence per enterprise project, with the counts the list shows: maintained on ingest.
# One more row per present image, enterprise_project_id WHOLE_PROJECT, sums its counts over every
# enterprise project, so that a caller who sees the whole project reads one row per image.
image_scopes = Table(
    "image_scopes",
    metadata,
    Column("image_id", String(36), ForeignKey("images.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_project_id", String(64), primary_key=True),
    Column("project_id", String(32), nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("host_num", BigInteger, nullable=False),
    Column("container_num", BigInteger, nullable=False),
    # Copies of the image's filterable values (kept in step by a trigger on `images`), so that a
    # filtered count and page are one index range here, never a join over every matching image.
    Column("scan_status", String(16), nullable=False, server_default="unscan"),
    Column("local_image_type", String(16), nullable=False, server_default="other_image"),
    Column("image_size", BigInteger, nullable=False, server_default="0"),
    Column("latest_scan_ms", BigInteger, nullable=False, server_default="0"),
    Column("vul_num", BigInteger, nullable=False, server_default="0"),
    Column("name_id", BigInteger, nullable=False, server_default="0"),
    # The page order (created_ms, image_id, both descending) after the equality columns, then what a
    # page row shows: a page at any offset is one backward walk of one index, no sort, no lookup.
    Index(
        "ix_image_scopes_listing",
        "project_id",
        "enterprise_project_id",
        "created_ms",
        "image_id",
        "host_num",
        "container_num",
    ),
    # Then the other exact filters' columns: a combination with scan_status is decided in the index.
    Index(
        "ix_image_scopes_status",
        "project_id",
        "enterprise_project_id",
        "scan_status",
        "created_ms",
        "image_id",
        "host_num",
        "container_num",
        "local_image_type",
        "vul_num",
        "latest_scan_ms",
    ),
    Index(
        "ix_image_scopes_type",
        "project_id",
        "enterprise_project_id",
        "local_image_type",
        "created_ms",
        "image_id",
        "host_num",
        "container_num",
    ),
    Index("ix_image_scopes_size", "project_id", "enterprise_project_id", "image_size"),
    # Host, container and app filters find image ids elsewhere and look each one up here: this
    # index holds everything such a lookup reads, so it never reads the table row.
    Index(
        "ix_image_scopes_by_image",
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
    ),
    # image_name: one range per matching interned name, in page order, then every other exact
    # filter's column, so a name filter alone or with exact filters reads no table row.
    Index(
        "ix_image_scopes_name",
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
    ),
    # has_container: one partial index per value, in page order (the query says a literal 0).
    *(
        Index(
            f"ix_image_scopes_{name}",
            "project_id",
            "enterprise_project_id",
            "created_ms",
            "image_id",
            "host_num",
            "container_num",
            sqlite_where=text(where),
            postgresql_where=text(where),
        )
        for name, where in (
            ("with_containers", "container_num > 0"),
            ("without_containers", "container_num = 0"),
        )
    ),
    Index(
        "ix_image_scopes_scanned",
        "project_id",
        "enterprise_project_id",
        "scan_status",
        "latest_scan_ms",
        "vul_num",
    ),
)

# Copied from `images` into `image_scopes` on every change (migration 0003's trigger).
SCOPE_COPIED = ("scan_status", "local_image_type", "image_size", "latest_scan_ms", "vul_num", "created_ms")
# Copied when a scope row is written (counts.refresh_counts); never changes afterwards.
SCOPE_FIXED = ("name_id",)

# How many image_scopes rows hold each filter key: what total_num is when the list's filters are
# only these (migration 0009's triggers keep it). A key's count is the sum of its rows' `n`: on
# PostgreSQL each statement that changes image_scopes appends signed deltas, folded now and then
# (`store.counters`), so that concurrent writers never update one shared row; on SQLite (one
# writer at a time) each key has one row, adjusted in place.
image_counts = Table(
    "image_counts",
    metadata,
    Column("project_id", String(32), nullable=False),
    Column("enterprise_project_id", String(64), nullable=False),
    Column("scan_status", String(16), nullable=False),
    Column("local_image_type", String(16), nullable=False),
    Column("vulnerable", Boolean, nullable=False),
    Column("with_containers", Boolean, nullable=False),
    Column("n", BigInteger, nullable=False),
    Index(
        "ix_image_counts_key",
        "project_id",
        "enterprise_project_id",
        "scan_status",
        "local_image_type",
        "vulnerable",
        "with_containers",
        "n",
    ),
)
"""`vulnerable` is vul_num > 0, `with_containers` container_num > 0, of the counted rows."""

COUNTED_KEY = (
    "project_id",
    "enterprise_project_id",
    "scan_status",
    "local_image_type",
    "vulnerable",
    "with_containers",
)
"""The columns of `image_counts` that name a key (every column but `n`)."""

image_hosts = Table(
    "image_hosts",
    metadata,
    Column("image_id", String(36), ForeignKey("images.id", ondelete="CASCADE"), primary_key=True),
    Column("host_id", String(36), ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_project_id", String(64), nullable=False),
    # The image's created_ms (the page order's first column), kept by migration 0014's triggers.
    Column("created_ms", BigInteger, nullable=False, server_default="0"),
    # Covering: a host filter reads image ids and their page key from the index alone.
    Index("ix_image_hosts_host_id_image_id_created_ms", "host_id", "image_id", "created_ms"),
    # Covering: an image's hosts are counted per enterprise project from the index (0017).
    Index("ix_image_hosts_image_id_enterprise_project_id", "image_id", "enterprise_project_id"),
)

containers = Table(
    "containers",
    metadata,
    Column("host_id", String(36), ForeignKey("hosts.id", ondelete="CASCADE"), primary_key=True),
    Column("container_id", String(128), primary_key=True),
    Column("project_id", String(32), nullable=False),
    Column("enterprise_project_id", String(64), nullable=False),
    Column("image_id", String(36), ForeignKey("images.id", ondelete="SET NULL"), nullable=True),
    Column("name", String(255), nullable=False),
    Column("state", String(32), nullable=False),
    Column("image_ref", String(512), nullable=False),
    Column("config_digest", String(71), nullable=False),
    Column("pod_id", String(128), nullable=False, default=""),
    Column("pod_name", String(255), nullable=False, default=""),
    Column("pod_namespace", String(255), nullable=False, default=""),
    Column("created_ms", BigInteger, nullable=False, default=0),
    # The image's created_ms (the page order's first column), kept by migration 0014's triggers.
    Column("image_created_ms", BigInteger, nullable=False, server_default="0"),
    # Covering: an image's containers are counted per enterprise project from the index (0017).
    Index("ix_containers_image_id_enterprise_project_id", "image_id", "enterprise_project_id"),
    Index("ix_containers_project_id_container_id", "project_id", "container_id"),
    Index("ix_containers_project_id_pod_id", "project_id", "pod_id"),
)

# What a container name search reads (migration 0016): one narrow row per container row with an
# image, kept by triggers on containers. Rows with equal values are interchangeable (a deleted
# container removes any one of them). Written in (project, enterprise project, name) order, so the
# rows one needle finds lie on few pages (`gateway`: 185 heap pages against 5,940 of containers);
# SQLite keeps that order for new rows too (the insert trigger picks an id between its neighbours').
container_search = Table(
    "container_search",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("project_id", String(32), nullable=False),
    Column("enterprise_project_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("image_id", String(36), nullable=False),
    Column("image_created_ms", BigInteger, nullable=False),
    # The triggers find a row's neighbours (SQLite) and the row a deleted container leaves by it.
    Index("ix_container_search_key", "project_id", "enterprise_project_id", "name", "image_id"),
)

# What is inside an image (by config digest, so one scan serves every row and host): names are
# interned so that substring search runs over the few distinct names, not every component row.
component_names = Table(
    "component_names",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("name", String(512), nullable=False, unique=True),
)

image_components = Table(
    "image_components",
    metadata,
    Column("config_digest", String(71), primary_key=True),
    Column("name_id", BigInteger, ForeignKey("component_names.id"), primary_key=True),
    # Covering: an app_name filter reads config digests from the index alone.
    Index("ix_image_components_name_id_config_digest", "name_id", "config_digest"),
)

# app_name's answer before any other filter: one row per image_scopes row of an enterprise project
# (not the WHOLE_PROJECT row) and component name of that image, kept exact by migration 0013's
# triggers on image_scopes, image_components and images. A filter reads one key range per matching
# name and enterprise project, never an image or scope row; SQLite keeps it as its key alone.
component_presence = Table(
    "component_presence",
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("name_id", BigInteger, primary_key=True),
    Column("enterprise_project_id", String(64), primary_key=True),
    Column("image_id", String(36), primary_key=True),
    sqlite_with_rowid=False,
)

# --- vulnerability knowledge: advisories (OSV), stored SBOMs, matches ---------------------------

advisories = Table(
    "advisories",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("modified_ms", BigInteger, nullable=False),
    Column("published_ms", BigInteger, nullable=False),
    Column("aliases", Text, nullable=False),
    Column("upstream", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("cvss_vector", String(255), nullable=False),
    Column("cvss_score", Float, nullable=False),
    Column("source", String(1024), nullable=False),
)

advisory_packages = Table(
    "advisory_packages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("advisory_id", String(128), ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False),
    Column("ecosystem", String(128), nullable=False),
    Column("ecosystem_base", String(64), nullable=False),
    Column("match_ecosystem", String(64), nullable=False),
    Column("name", String(512), nullable=False),
    Column("ranges", Text, nullable=False),
    # Digest of `ranges`: matching caches compiled ranges by it and fetches the text only on a miss.
    Column("ranges_digest", String(32), nullable=False, server_default=""),
    Column("severity", String(16), nullable=False),
    # Covers what matching reads of a candidate, so a lookup never walks the long `ranges` text
    # (SQLite keeps it in overflow pages that stand between a row's start and its later columns).
    Index(
        "ix_advisory_packages_candidates",
        "match_ecosystem",
        "name",
        "ecosystem",
        "ranges_digest",
        "severity",
        "advisory_id",
        "id",
    ),
    Index("ix_advisory_packages_advisory_id", "advisory_id"),
)

# Each advisory's merge nodes (its own id, its aliases, a single upstream id): the ids by which
# advisories of one image count as one vulnerability. Indexed by node so re-matching finds which of
# an image's stored matches a new advisory merges with, without reading all of them.
advisory_nodes = Table(
    "advisory_nodes",
    metadata,
    Column("advisory_id", String(128), ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True),
    Column("node", Text, primary_key=True),
    Index("ix_advisory_nodes_node", "node", "advisory_id"),
)

# One row (id 1): a number that triggers on `advisories` and `advisory_packages` change with every
# write to them (migration 0012). Matching keeps entries per process under it (`vulndb/matching.py`).
vulndb_generation = Table(
    "vulndb_generation",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

vulndb_sources = Table(
    "vulndb_sources",
    metadata,
    Column("url", String(1024), primary_key=True),
    Column("etag", String(255), nullable=False),
    Column("last_modified", String(64), nullable=False),
    Column("fetched_ms", BigInteger, nullable=False),
)

# One scan result per image ID (config digest): the same content wherever the image is.
sboms = Table(
    "sboms",
    metadata,
    Column("config_digest", String(71), primary_key=True),
    Column("scanned_ms", BigInteger, nullable=False),
    Column("distro", String(64), nullable=False),
    Column("component_num", BigInteger, nullable=False),
    Column("unsafe_setting_num", BigInteger, nullable=False),
    Column("unsafe_setting_high", BigInteger, nullable=False),
    Column("malicious_file_num", BigInteger, nullable=False),
    Column("findings", Text, nullable=False),
)

sbom_components = Table(
    "sbom_components",
    metadata,
    Column(
        "config_digest", String(71), ForeignKey("sboms.config_digest", ondelete="CASCADE"), primary_key=True
    ),
    Column("idx", Integer, primary_key=True),
    Column("name", String(512), nullable=False),
    Column("version", String(256), nullable=False),
    Column("ecosystem", String(32), nullable=False),
    Column("purl", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("layer", String(71), nullable=False),
    Column("match_ecosystem", String(64), nullable=True),
    Column("match_name", String(512), nullable=True),
    Column("match_version", String(256), nullable=True),
    # Covering: re-matching finds the changed packages' components of a batch of images (and their
    # versions) from the index alone, not from every fleet-wide row of those packages.
    Index(
        "ix_sbom_components_match", "match_ecosystem", "match_name", "config_digest", "idx", "match_version"
    ),
)

image_vulnerabilities = Table(
    "image_vulnerabilities",
    metadata,
    Column(
        "config_digest", String(71), ForeignKey("sboms.config_digest", ondelete="CASCADE"), primary_key=True
    ),
    Column("advisory_id", String(128), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("vuln_key", String(128), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("fixed_version", String(256), nullable=False),
    # Re-matching finds and replaces an image's matches by component, not by advisory; covering
    # (0011): it reads the advisory and merge key of each from the index alone.
    Index("ix_image_vulnerabilities_config_digest_idx", "config_digest", "idx", "advisory_id", "vuln_key"),
    # Re-matching recomputes only the merge groups a change touches (rows by key) and then counts
    # and rates the image with one aggregate over this index, not by reading every match; covering
    # (0011): the touched groups' advisories come from the index alone.
    Index(
        "ix_image_vulnerabilities_config_digest_key", "config_digest", "vuln_key", "severity", "advisory_id"
    ),
)

# --- substring search: which columns have a trigram index --------------------------------------
# PostgreSQL: a pg_trgm GIN index per column (declared below, created only there). SQLite: one
# FTS5 trigram table per column, `<table>_<column>_fts`, external content keyed by the table's
# rowid and kept in step by triggers (migration 0003); schema comparison skips them (`compared`).
SEARCHED: dict[str, tuple[str, ...]] = {
    "images": ("image_name",),
    "image_names": ("name",),
    "hosts": ("name",),
    "containers": ("name", "pod_name"),
    "container_search": ("name",),
    "component_names": ("name",),
}


def fts_table(table: str, column: str) -> str:
    """Name of the SQLite FTS5 trigram table over `table.column`."""
    return f"{table}_{column}_fts"


# PostgreSQL's container name index leads with the enterprise project (btree_gin, migration 0015):
# a scoped search then reads only the container rows of its scope.
_SCOPED_TRIGRAM = {
    ("containers", "name"): "enterprise_project_id",
    ("container_search", "name"): "enterprise_project_id",
}


def _trigram(table: Table, column: str) -> Index:
    scope = _SCOPED_TRIGRAM.get((table.name, column))
    leading = () if scope is None else (table.c[scope],)
    return Index(
        f"ix_{table.name}_{'' if scope is None else 'ep_'}{column}_trgm",
        *leading,
        table.c[column],
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


TRIGRAM_INDEXES = tuple(
    _trigram(metadata.tables[name], column) for name, columns in SEARCHED.items() for column in columns
)


def compared(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic `include_object`: leave out what only one dialect has (FTS5 tables, trigram indexes)."""
    if type_ == "table" and name is not None:
        fts = [fts_table(t, c) for t, columns in SEARCHED.items() for c in columns]
        return not any(name == f or name.startswith(f + "_") for f in fts)
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))
