"""Where the substring and probing filters find their rows: trigram search, and the image ids that a
host, container or app filter finds in the tables it searches."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    false,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy import table as table_named

from openhss.inventory.query import ImageQuery
from openhss.store.tables import (
    component_names,
    component_presence,
    container_search,
    containers,
    fts_table,
    host_addresses,
    hosts,
    image_hosts,
)

# Trigram indexes hold 3-character windows: a shorter needle cannot use them (plain scan).
_TRIGRAM = 3


def contains(conn: Connection, column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """Case-sensitive substring match in which `%` and `_` are ordinary characters (plain scan)."""
    if conn.dialect.name == "postgresql":
        # LIKE rather than strpos(): pg_trgm's GIN indexes serve LIKE, and rechecking is exact.
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"%{escaped}%", escape="\\")
    return func.instr(column, literal(needle)) > 0


def search(conn: Connection, table: Table, column: str, needle: str) -> ColumnElement[bool]:
    """`table.column` contains `needle`, through the trigram index when the needle is long enough.

    On SQLite the FTS5 trigram table (case-sensitive) narrows to the rowids holding the needle's
    covering trigrams (`_covering_trigrams`) and `instr` keeps the answer exactly the plain scan's;
    on PostgreSQL pg_trgm serves the LIKE itself (and rechecks it).
    """
    plain = contains(conn, table.c[column], needle)
    if conn.dialect.name != "sqlite" or len(needle) < _TRIGRAM:
        return plain
    fts = table_named(fts_table(table.name, column))
    match = literal_column(fts.name).op("MATCH")(literal(_covering_trigrams(needle)))
    rowid: ColumnElement[int] = literal_column(f"{table.name}.rowid")
    return and_(rowid.in_(select(literal_column("rowid")).select_from(fts).where(match)), plain)


def _covering_trigrams(needle: str) -> str:
    """An FTS5 query for rows holding 3-character windows of `needle` that together cover every
    character of it (detail=none has no phrases): one window in three, and the last.

    A row holding the needle holds all its windows, so any subset only narrows, and `instr` keeps
    the answer exact. Every window cost each query one more doclist to merge (SQLite, fleet store:
    `k8s-node-prod-a`'s 13 windows 1.7 ms, these 5 windows 0.65 ms) and narrowed no further: on
    every needle of bench/fleet/load.py both found the same candidates.
    """
    starts = [*range(0, len(needle) - _TRIGRAM + 1, _TRIGRAM), len(needle) - _TRIGRAM]
    windows = dict.fromkeys(needle[i : i + _TRIGRAM] for i in starts)
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in windows)


def in_scope(column: ColumnElement[str], eps: frozenset[str] | None) -> ColumnElement[bool]:
    """`column` (an enterprise project id) is one of `eps` (None: any)."""
    return column.in_(sorted(eps)) if eps is not None else true()


@dataclass(frozen=True)
class Probe:
    """The image ids one kind of probing filter (host, container or app) finds, before any other filter.

    An image may be found more than once (once per matching host, container or component name).
    Every id found has an image_scopes row in the caller's scope, so that with no other filter the
    number of distinct ids is total_num: the presence and container rows carry their host's
    enterprise project, and the image_scopes rows are computed from exactly those rows; the
    component presence rows are image_scopes rows, one per component name.
    """

    ids: Select[tuple[str]]
    """One row per match."""
    keyed: Select[tuple[int, str]] | None = None
    """(created_ms, image_id) of each match, from the rows `ids` reads (their copy of the page key,
    migration 0014), when they carry it: counted and paged without a lookup per image."""


def probes(conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None) -> list[Probe]:
    """One Probe per kind of probing filter `q` has (the matching images are in all of them)."""
    found = [
        _host_images(conn, project_id, q, eps),
        _container_images(conn, project_id, q, eps),
        _app_images(conn, project_id, q, eps),
    ]
    return [p for p in found if p is not None]


def _host_images(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> Probe | None:
    if q.host_name is None and q.host_id is None and q.host_ip is None:
        return None
    h = hosts
    wanted = select(h.c.id).where(h.c.project_id == project_id, in_scope(h.c.enterprise_project_id, eps))
    if q.host_name is not None:
        wanted = wanted.where(search(conn, h, "name", q.host_name))
    if q.host_id is not None:
        wanted = wanted.where(h.c.id == q.host_id)
    if q.host_ip is not None:
        wanted = wanted.where(
            h.c.id.in_(select(host_addresses.c.host_id).where(host_addresses.c.address == q.host_ip))
        )
    # A host's enterprise project never changes, and its presence rows are written with it.
    ids = select(image_hosts.c.image_id).where(image_hosts.c.host_id.in_(wanted))
    keyed = ids.with_only_columns(image_hosts.c.created_ms, image_hosts.c.image_id)
    return Probe(ids, keyed=keyed)


def _container_images(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> Probe | None:
    if q.container_id is None and q.container_name is None and q.pod_id is None and q.pod_name is None:
        return None
    if q.container_name is not None and q.container_id is None and q.pod_id is None and q.pod_name is None:
        return _named_container_images(conn, project_id, q.container_name, eps)
    c = containers
    wanted = select(c.c.image_id).where(
        c.c.project_id == project_id, in_scope(c.c.enterprise_project_id, eps), c.c.image_id.is_not(None)
    )
    if q.container_id is not None:
        full = _resolve_container_id(conn, project_id, q.container_id)
        wanted = wanted.where(c.c.container_id == full) if full else wanted.where(false())
    if q.container_name is not None:
        wanted = wanted.where(search(conn, c, "name", q.container_name))
    if q.pod_id is not None:
        wanted = wanted.where(c.c.pod_id == q.pod_id)
    if q.pod_name is not None:
        wanted = wanted.where(search(conn, c, "pod_name", q.pod_name))
    # Ingest gives a container only an image of its own host's report, which it also makes present
    # on that host (same enterprise project): so the image has a scope row where the container is.
    keyed = wanted.with_only_columns(c.c.image_created_ms.label("created_ms"), c.c.image_id)
    return Probe(wanted, keyed=keyed)  # type: ignore[arg-type]


def _named_container_images(
    conn: Connection, project_id: str, needle: str, eps: frozenset[str] | None
) -> Probe:
    """A container name alone is searched in container_search (migration 0016): narrow rows in name
    order, so the rows one needle finds lie on few pages, where the container rows were one page each."""
    cs = container_search
    wanted = select(cs.c.image_id).where(
        cs.c.project_id == project_id,
        in_scope(cs.c.enterprise_project_id, eps),
        search(conn, cs, "name", needle),
    )
    # Its rows are the container rows that have an image, with their enterprise project and page key:
    # every id found has its scope row, as in _container_images.
    keyed = wanted.with_only_columns(cs.c.image_created_ms.label("created_ms"), cs.c.image_id)
    return Probe(wanted, keyed=keyed)  # type: ignore[arg-type]


def _app_images(conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None) -> Probe | None:
    if q.app_name is None:
        return None
    names = select(component_names.c.id).where(search(conn, component_names, "name", q.app_name))
    p = component_presence
    # One key range per matching name (and enterprise project): the images of the scope holding it,
    # kept by migration 0013's triggers from image_scopes and image_components. An image holding
    # several of the names is found once per name.
    ids = select(p.c.image_id).where(
        p.c.project_id == project_id, p.c.name_id.in_(names), in_scope(p.c.enterprise_project_id, eps)
    )
    return Probe(ids)


def _resolve_container_id(conn: Connection, project_id: str, given: str) -> str | None:
    """The full id: `given` itself, else the one id it is a 12+ character prefix of (as engines' CLIs)."""
    c = containers
    exact = conn.execute(
        select(c.c.container_id).where(c.c.project_id == project_id, c.c.container_id == given).limit(1)
    ).first()
    if exact is not None:
        return given
    if len(given) < 12 or not all(ch in "0123456789abcdef" for ch in given):
        return None
    # Hex only, so no LIKE escaping is needed; a range keeps the index usable on both databases.
    found = conn.execute(
        select(c.c.container_id)
        .distinct()
        .where(c.c.project_id == project_id, c.c.container_id >= given, c.c.container_id < given + "g")
        .limit(2)
    ).all()
    return found[0][0] if len(found) == 1 else None
