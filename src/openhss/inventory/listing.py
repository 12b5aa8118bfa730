"""The local image list: one indexed query over images and their per-enterprise-project counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
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
from sqlalchemy import (
    table as table_named,
)

from openhss.inventory.last_host import last_hosts
from openhss.inventory.query import ALL_GRANTED, ImageQuery
from openhss.inventory.totals import counted_total
from openhss.store.tables import (
    WHOLE_PROJECT,
    component_names,
    containers,
    fts_table,
    host_addresses,
    hosts,
    image_components,
    image_hosts,
    image_names,
    image_scopes,
    images,
)


@dataclass(frozen=True)
class LocalImage:
    """One row of the list (the provider's ImageLocalInfo)."""

    image_id: str
    image_name: str
    image_version: str
    image_digest: str
    local_image_type: str
    scan_status: str
    image_size: int
    latest_update_time: int
    latest_scan_time: int
    vul_num: int
    unsafe_setting_num: int
    malicious_file_num: int
    host_num: int
    container_num: int
    component_num: int
    scan_failed_desc: str
    severity_level: str
    host_name: str
    host_id: str
    agent_id: str
    non_scan_reason: str


@dataclass(frozen=True)
class ImagePage:
    """A page of the list and the number of rows matching in all."""

    total_num: int
    """All rows matching, not just this page."""
    rows: tuple[LocalImage, ...]
    """This page, newest first."""


def list_local_images(
    conn: Connection, project_id: str, query: ImageQuery, visible_eps: frozenset[str] | None
) -> ImagePage:
    """The page `query` asks for; `visible_eps` are the enterprise projects the caller may see (None: all)."""
    if query.nothing:
        return ImagePage(0, ())
    eps = _scope(query, visible_eps)
    if eps is not None and not eps:
        return ImagePage(0, ())
    rows = _matching(conn, project_id, query, eps)
    found: Sequence[Row[Any]] = ()
    if _probes(query):
        # A probing filter (substring, host, container, app) finds its images through another
        # table, so every match is found before any is known to be on the page: gather them once
        # and take both the page and the total from that one set, however many there are (counting
        # and then paging would find them all twice more).
        gathered = rows.cte("m").prefix_with("MATERIALIZED")
        counted = select(func.count()).select_from(gathered).scalar_subquery().label("total")
        found = _page(conn, select(gathered, counted), query)
        if found:
            total = int(found[0].total)
        else:  # no match, or the offset is past the last one
            total = conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
    else:
        # Counted from the maintained counters when the filters are only those they are kept by.
        kept = counted_total(conn, project_id, query, eps)
        total = (
            kept
            if kept is not None
            else conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
        )
        if total <= _FEW and not _walks_in_order(query, eps):
            # Few matches: gather them all, then sort. Walking the order index instead and probing
            # each row against a selective filter would read almost the whole index to fill a page.
            rows = select(rows.cte("m").prefix_with("MATERIALIZED"))
        found = _page(conn, rows, query) if query.offset < total else ()
    last = last_hosts(conn, project_id, [(r.id, int(r.host_num)) for r in found], eps)
    return ImagePage(total, tuple(_row(r, last.get(r.id)) for r in found))


# Up to this many matching rows, a page is sorted from all of them rather than walked in index order.
_FEW = 20_000


def _walks_in_order(q: ImageQuery, eps: frozenset[str] | None) -> bool:
    """Whether one index holds exactly the matching rows, already in page order (nothing to probe).

    Each of scan_status, local_image_type and has_container leads an index whose next column is
    created_ms (the has_container ones are partial), so with at most one of them and the update
    range, a page is a walk of that index that stops after offset + limit entries.
    """
    if eps is not None and len(eps) > 1:
        return False  # rows are grouped per image first
    leading = (q.scan_status, q.local_image_type, q.has_container)
    others = (q.image_size, q.scan_range, q.has_vul)
    return sum(v is not None for v in leading) <= 1 and all(v is None for v in others) and not _probes(q)


def _probes(q: ImageQuery) -> bool:
    """Whether a filter narrows through another table's index (and so usually to few images)."""
    given = (q.image_name, q.host_name, q.host_id, q.host_ip, q.container_id, q.container_name)
    return any(v is not None for v in (*given, q.pod_id, q.pod_name, q.app_name))


def _page(conn: Connection, rows: Select[Any], query: ImageQuery) -> Sequence[Row[Any]]:
    """The page of `rows`, newest first, ties by image_id (descending, so one index walk gives it)."""
    columns = rows.selected_columns
    page = (
        rows.order_by(columns.created_ms.desc(), columns.image_id.desc())
        .offset(query.offset)
        .limit(query.limit)
        .subquery("p")
    )
    return conn.execute(
        select(images, *(c for c in page.c if c.name not in ("image_id", "created_ms")))
        .join(page, images.c.id == page.c.image_id)
        .order_by(page.c.created_ms.desc(), page.c.image_id.desc())
    ).all()


def _scope(query: ImageQuery, visible: frozenset[str] | None) -> frozenset[str] | None:
    """Enterprise projects the answer covers (None: the whole project); the caller checked access."""
    if query.enterprise_project_id == ALL_GRANTED or query.enterprise_project_id == WHOLE_PROJECT:
        return visible
    return frozenset({query.enterprise_project_id})


def _matching(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> Select[tuple[str, int, int, int]]:
    """(image_id, created_ms, host_num, container_num) of every matching image, one row per image.

    Every filter but has_container reads values that are the same in each enterprise project's
    row of an image, so they narrow image_scopes before any grouping.
    """
    s = image_scopes
    where = [s.c.project_id == project_id, *_conditions(conn, project_id, q, eps)]
    if eps is None or len(eps) == 1:
        # The whole project, or one enterprise project: one row per image holds its counts.
        (ep,) = eps or (WHOLE_PROJECT,)
        where.append(s.c.enterprise_project_id == ep)
        if q.has_container is not None:
            # A literal 0, not a bound parameter: only then may the planner use the partial index
            # of image rows without containers (both databases prove its WHERE from the query's).
            none: ColumnElement[int] = literal_column("0")
            where.append((s.c.container_num > none) if q.has_container else (s.c.container_num == none))
        return select(s.c.image_id, s.c.created_ms, s.c.host_num, s.c.container_num).where(*where)
    where.append(s.c.enterprise_project_id.in_(sorted(eps)))
    containers_sum = func.sum(s.c.container_num)
    grouped = (
        select(
            s.c.image_id,
            func.max(s.c.created_ms).label("created_ms"),
            func.sum(s.c.host_num).label("host_num"),
            containers_sum.label("container_num"),
        )
        .where(*where)
        .group_by(s.c.image_id)
    )
    if q.has_container is not None:
        grouped = grouped.having((containers_sum > 0) if q.has_container else (containers_sum == 0))
    return grouped


# Trigram indexes hold 3-character windows: a shorter needle cannot use them (plain scan).
_TRIGRAM = 3


def contains(conn: Connection, column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """Case-sensitive substring match in which `%` and `_` are ordinary characters (plain scan)."""
    if conn.dialect.name == "postgresql":
        # LIKE rather than strpos(): pg_trgm's GIN indexes serve LIKE, and rechecking is exact.
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"%{escaped}%", escape="\\")
    return func.instr(column, literal(needle)) > 0


def _search(conn: Connection, table: Table, column: str, needle: str) -> ColumnElement[bool]:
    """`table.column` contains `needle`, through the trigram index when the needle is long enough.

    On SQLite the FTS5 trigram table (case-sensitive) narrows to the rowids holding every
    trigram of the needle and `instr` keeps the answer exactly the plain scan's; on PostgreSQL
    pg_trgm serves the LIKE itself (and rechecks it).
    """
    plain = contains(conn, table.c[column], needle)
    if conn.dialect.name != "sqlite" or len(needle) < _TRIGRAM:
        return plain
    fts = table_named(fts_table(table.name, column))
    match = literal_column(fts.name).op("MATCH")(literal(_every_trigram(needle)))
    rowid: ColumnElement[int] = literal_column(f"{table.name}.rowid")
    return and_(rowid.in_(select(literal_column("rowid")).select_from(fts).where(match)), plain)


def _every_trigram(needle: str) -> str:
    """An FTS5 query for rows holding every 3-character window of `needle` (detail=none has no phrases)."""
    windows = dict.fromkeys(needle[i : i + _TRIGRAM] for i in range(len(needle) - _TRIGRAM + 1))
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in windows)


def _in_scope(column: ColumnElement[str], eps: frozenset[str] | None) -> ColumnElement[bool]:
    return column.in_(sorted(eps)) if eps is not None else true()


def _conditions(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    s = image_scopes
    out: list[ColumnElement[bool]] = []
    if q.image_name is not None and q.image_version is None:
        # Through the interned names: one ix_image_scopes_name range per matching name (about one
        # name per eight images), never a lookup per matching image.
        names = select(image_names.c.id).where(_search(conn, image_names, "name", q.image_name))
        out.append(s.c.name_id.in_(names))
    elif q.image_name is not None:
        # With a tag, few rows match: the image rows' own unique index (project, name, version) decides.
        named = select(images.c.id).where(
            images.c.project_id == project_id,
            _search(conn, images, "image_name", q.image_name),
            images.c.image_version == q.image_version,
        )
        out.append(s.c.image_id.in_(named))
    if q.scan_status is not None:
        out.append(s.c.scan_status == q.scan_status)
    if q.local_image_type is not None:
        out.append(s.c.local_image_type == q.local_image_type)
    if q.image_size is not None:
        out.append(s.c.image_size == q.image_size)
    if q.update_range is not None:
        out.append(s.c.created_ms.between(*q.update_range))
    if q.scan_range is not None:
        out += [s.c.scan_status == "success", s.c.latest_scan_ms.between(*q.scan_range)]
    if q.has_vul is not None:
        out += [s.c.scan_status == "success", (s.c.vul_num > 0) if q.has_vul else (s.c.vul_num == 0)]
    host_filter = _host_filter(conn, project_id, q, eps)
    if host_filter is not None:
        out.append(s.c.image_id.in_(host_filter))
    container_filter = _container_filter(conn, project_id, q, eps)
    if container_filter is not None:
        out.append(s.c.image_id.in_(container_filter))
    if q.app_name is not None:
        names = select(component_names.c.id).where(_search(conn, component_names, "name", q.app_name))
        digests = select(image_components.c.config_digest).where(image_components.c.name_id.in_(names))
        out.append(
            s.c.image_id.in_(
                select(images.c.id).where(
                    images.c.project_id == project_id, images.c.config_digest.in_(digests)
                )
            )
        )
    return out


def _host_filter(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> Select[tuple[str]] | None:
    if q.host_name is None and q.host_id is None and q.host_ip is None:
        return None
    h = hosts
    wanted = select(h.c.id).where(h.c.project_id == project_id, _in_scope(h.c.enterprise_project_id, eps))
    if q.host_name is not None:
        wanted = wanted.where(_search(conn, h, "name", q.host_name))
    if q.host_id is not None:
        wanted = wanted.where(h.c.id == q.host_id)
    if q.host_ip is not None:
        wanted = wanted.where(
            h.c.id.in_(select(host_addresses.c.host_id).where(host_addresses.c.address == q.host_ip))
        )
    return select(image_hosts.c.image_id).where(image_hosts.c.host_id.in_(wanted))


def _container_filter(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None
) -> Select[tuple[str | None]] | None:
    if q.container_id is None and q.container_name is None and q.pod_id is None and q.pod_name is None:
        return None
    c = containers
    wanted = select(c.c.image_id).where(
        c.c.project_id == project_id, _in_scope(c.c.enterprise_project_id, eps)
    )
    if q.container_id is not None:
        full = _resolve_container_id(conn, project_id, q.container_id)
        wanted = wanted.where(c.c.container_id == full) if full else wanted.where(false())
    if q.container_name is not None:
        wanted = wanted.where(_search(conn, c, "name", q.container_name))
    if q.pod_id is not None:
        wanted = wanted.where(c.c.pod_id == q.pod_id)
    if q.pod_name is not None:
        wanted = wanted.where(_search(conn, c, "pod_name", q.pod_name))
    return wanted


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


def _row(r: object, last: tuple[str, str, str] | None) -> LocalImage:
    host_name, host_id, agent_id = last or ("", "", "")
    g = r.__getattribute__
    return LocalImage(
        image_id=g("id"),
        image_name=g("image_name"),
        image_version=g("image_version"),
        image_digest=g("repo_digest") or g("config_digest"),
        local_image_type=g("local_image_type"),
        scan_status=g("scan_status"),
        image_size=int(g("image_size")),
        latest_update_time=int(g("created_ms")),
        latest_scan_time=int(g("latest_scan_ms")),
        vul_num=int(g("vul_num")),
        unsafe_setting_num=int(g("unsafe_setting_num")),
        malicious_file_num=int(g("malicious_file_num")),
        host_num=int(g("host_num")),
        container_num=int(g("container_num")),
        component_num=int(g("component_num")),
        scan_failed_desc=g("scan_failed_desc"),
        severity_level=g("severity_level"),
        host_name=host_name,
        host_id=host_id,
        agent_id=agent_id,
        non_scan_reason=g("non_scan_reason"),
    )
