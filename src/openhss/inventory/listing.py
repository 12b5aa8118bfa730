"""The local image list: one indexed query over images and their per-enterprise-project counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Subquery,
    case,
    func,
    literal,
    literal_column,
    select,
    true,
    union_all,
)

from openhss.inventory.carried import carried_page
from openhss.inventory.last_host import last_hosts
from openhss.inventory.probes import Probe, probes, search
from openhss.inventory.query import ALL_GRANTED, ImageQuery
from openhss.inventory.totals import NOT_FILTERS, counted_total
from openhss.store.tables import WHOLE_PROJECT, image_names, image_scopes, images


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
    found: Sequence[Row[Any]] = ()
    probe = _one_probe(conn, project_id, query, eps)
    if probe is not None and probe.keyed is not None and _carries(probe, query):
        if query.pod_name is not None:
            # The generic plan of a pod name's search, once psycopg prepares it, read ~2x longer
            # (pod_name=ranker-agent, page query in process: 16 ms custom, 35-53 ms generic); host and
            # container names measured the same either way.
            _plan_for_these_values(conn)
        found, total = carried_page(conn, query, eps, probe.keyed)
    elif probe is not None:
        found, total = _probed(conn, project_id, query, eps, probe)
    elif _probes(query):
        # A probing filter (substring, host, container, app) finds its images through another
        # table, so every match is found before any is known to be on the page: gather them once
        # and take both the page and the total from that one set, however many there are (counting
        # and then paging would find them all twice more).
        _plan_for_these_values(conn)
        rows = _matching(conn, project_id, query, eps)
        gathered = rows.cte("m").prefix_with("MATERIALIZED")
        counted = select(func.count()).select_from(gathered).scalar_subquery().label("total")
        found = _page(conn, select(gathered, counted), query)
        if found:
            total = int(found[0].total)
        else:  # no match, or the offset is past the last one
            total = conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
    else:
        rows = _matching(conn, project_id, query, eps)
        # Counted from the maintained counters when the filters are only those they are kept by.
        kept = counted_total(conn, project_id, query, eps)
        total = (
            kept
            if kept is not None
            else conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
        )
        walks = _walks_in_order(query, eps) or _walks_scanned(conn, project_id, query, eps, total)
        if total <= _FEW and not walks:
            # Few matches: gather them all, then sort. Walking the order index instead and probing
            # each row against a selective filter would read almost the whole index to fill a page.
            rows = select(rows.cte("m").prefix_with("MATERIALIZED"))
        found = _page(conn, rows, query) if query.offset < total else ()
    last = last_hosts(conn, project_id, [(r.id, int(r.host_num)) for r in found], eps)
    return ImagePage(total, tuple(_row(r, last.get(r.id)) for r in found))


# Up to this many matching rows, a page is sorted from all of them rather than walked in index order.
_FEW = 20_000


# A page walks the order index when that reads at most this many entries per matching image (each
# a hash probe, ~10x cheaper than looking one matching image up by id); else the matches are sorted.
_WALK_PER_MATCH = 8
# The filters that find their images in another table (hosts, containers, components).
_PROBING = frozenset(
    {"host_name", "host_id", "host_ip", "container_id", "container_name", "pod_id", "pod_name", "app_name"}
)


def _one_probe(conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None) -> Probe | None:
    """The probe `_probed` answers: exactly one kind of host, container or app filter, one row per image."""
    if eps is not None and len(eps) != 1:
        return None  # rows are grouped per image first
    found = probes(conn, project_id, q, eps)
    if len(found) != 1:
        return None
    if _beside_probes(q) and conn.dialect.name == "sqlite":
        # With other filters the ids are set-built twice on SQLite (for the count's IN and for the
        # walk's), which costs more than the gathered path's one when there are tens of thousands
        # (host_name=k8s-node-prod + has_container: 34,596 ids, CPU 128-160 ms gathered, 180-216
        # this way; app_name=requests + has_vul: CPU 30 ms gathered, 42 this way).
        return None
    return found[0]


def _carries(probe: Probe, q: ImageQuery) -> bool:
    """Whether the rows `probe` finds answer alone: each carries its image's page key, each found
    image is in scope, and no other filter needs image_scopes."""
    return probe.keyed is not None and not _beside_probes(q)


def _beside_probes(q: ImageQuery) -> bool:
    """Whether any filter but the probing ones is given."""
    return any(getattr(q, f.name) is not None for f in fields(q) if f.name not in _PROBING | NOT_FILTERS)


def _probed(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None, probe: Probe
) -> tuple[Sequence[Row[Any]], int]:
    """The page and total_num of a host, container or app filter (with any other filters beside it).

    The images the probe finds are gathered once. With no other filter (every image a probe finds is
    in scope: see `Probe`), their number is total_num without reading image_scopes at all;
    else it is the number of scope rows among them that pass the other filters. From that number the
    database decides the page's path: a walk of the page-order index that keeps the entries whose
    image was found (one hash probe each, about offset + limit times scope / total_num entries), or,
    when that would be longer, the matching scope rows looked up one by one and sorted. Both give
    the same rows; only the cost differs.
    """
    s = image_scopes
    pure = not _beside_probes(q)
    postgresql = conn.dialect.name == "postgresql"
    if not pure:
        _plan_for_these_values(conn)
    # Made distinct where it is counted or joined (an IN makes its own set).
    distinct = pure or postgresql
    found = (probe.ids.distinct() if distinct else probe.ids).cte("d").prefix_with("MATERIALIZED")
    rows = _matching(conn, project_id, q, eps, probed=False)
    in_found = s.c.image_id.in_(select(found.c.image_id))
    matched = rows.where(in_found)
    if postgresql:
        # PostgreSQL has no statistics of the gathered ids: for IN it assumes 200 distinct ones and
        # looks them up one by one even when they are tens of thousands (host_name=k8s-node-prod +
        # has_container: 34,596 ids, 0.27 s); a join (the ids are distinct) is estimated by the
        # rows gathered, and hashed against the other filter's index when that is cheaper (0.19
        # s). SQLite drives either form from the gathered ids, and plans the join worse.
        matched = rows.join_from(s, found, found.c.image_id == s.c.image_id)
    counted = found if pure else matched.subquery()
    n = select(func.count().label("n")).select_from(counted).cte("n").prefix_with("MATERIALIZED")
    total = select(n.c.n).scalar_subquery()
    # The whole scope's size, from the maintained counters (a few rows).
    scope = counted_total(conn, project_id, ImageQuery(), eps) or 0
    walks = total * total * _WALK_PER_MATCH >= (q.offset + q.limit) * scope
    # The choice is each path's LIMIT (the page's, or 0): both databases compute a LIMIT once,
    # before reading anything, and a LIMIT of 0 reads nothing (a WHERE term holding a subquery
    # would be tested on every entry SQLite walks). `IS TRUE` keeps the walk's IN a filter on the
    # walked entries: neither database may turn it into a join driven by the found ids.
    page_if = {
        flag: case((cond, literal(q.limit)), else_=literal(0))
        for flag, cond in ((True, walks), (False, ~walks))
    }
    walked = _ordered(rows.where(in_found.is_(true())), q, page_if[True])
    looked_up = _ordered(matched, q, page_if[False])
    page = union_all(select(walked), select(looked_up)).subquery("p")
    found_rows = conn.execute(
        select(images, page.c.host_num, page.c.container_num, total.label("total"))
        .join(page, images.c.id == page.c.image_id)
        .order_by(page.c.created_ms.desc(), page.c.image_id.desc())
    ).all()
    if found_rows:
        return found_rows, int(found_rows[0].total)
    return (), int(conn.execute(select(n.c.n)).scalar_one())  # no match, or past the last one


def _plan_for_these_values(conn: Connection) -> None:
    """On PostgreSQL, plan this transaction's statements for their own values, never reuse a generic plan.

    psycopg prepares a statement run 5 times, and PostgreSQL may then keep a generic plan made
    blind to the values: how selective a needle is, which filters hold, which LIMIT a branch gets.
    For a substring filter, a host/container/app filter with others beside it, and a pod name alone,
    that plan was 2-3x slower (in process, p50: `image_name=swr + scan_status=failed` 72 ms against
    31; `host_name=k8s-node-prod + has_container=true` 268 against 131; `pod_name`'s page query
    35-53 against 16). LOCAL: this transaction only.
    The other paths keep cached plans: for them a custom plan costs ~1 ms more to make, for the
    same plan.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _ordered(rows: Select[Any], query: ImageQuery, limit: ColumnElement[int] | None = None) -> Subquery:
    """The page's slice of `rows`, newest first, ties by image_id (descending: one index walk gives it)."""
    columns = rows.selected_columns
    return (
        rows.order_by(columns.created_ms.desc(), columns.image_id.desc())
        .offset(query.offset)
        .limit(query.limit if limit is None else limit)
        .subquery()
    )


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


def _walks_scanned(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None, total: int
) -> bool:
    """Whether a page is cheaper walked in ix_image_scopes_status than gathered and sorted.

    That index holds, after the page order, local_image_type and vul_num, so a scan state with
    either of those filters (has_vul implies `success`) is decided in the walked entries, no row read. The walk reads about offset + limit times the scan
    state's rows (from the maintained counters) / total entries; it is taken on the same rule as a
    probing filter's walk (`success + has_vul + swr_image`: 12,477 of 80,090, about 64 entries,
    instead of gathering and sorting 12,477).
    """
    if eps is not None and len(eps) > 1:
        return False
    status = "success" if q.has_vul is not None else q.scan_status
    if status is None or (q.scan_status not in (None, status)) or _probes(q):
        return False
    # A scan-time range is one range of ix_image_scopes_scanned: gathered from there instead.
    if any(v is not None for v in (q.image_name, q.image_size, q.has_container, q.scan_range)):
        return False
    state = counted_total(conn, project_id, ImageQuery(scan_status=status), eps) or 0
    return total * total * _WALK_PER_MATCH >= (q.offset + q.limit) * state


def _probes(q: ImageQuery) -> bool:
    """Whether a filter narrows through another table's index (and so usually to few images)."""
    given = (q.image_name, q.host_name, q.host_id, q.host_ip, q.container_id, q.container_name)
    return any(v is not None for v in (*given, q.pod_id, q.pod_name, q.app_name))


def _page(conn: Connection, rows: Select[Any], query: ImageQuery) -> Sequence[Row[Any]]:
    """The page of `rows` joined to the image rows, in page order."""
    page = _ordered(rows, query)
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
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None, probed: bool = True
) -> Select[tuple[str, int, int, int]]:
    """(image_id, created_ms, host_num, container_num) of every matching image, one row per image.

    Every filter but has_container reads values that are the same in each enterprise project's
    row of an image, so they narrow image_scopes before any grouping.
    """
    s = image_scopes
    where = [s.c.project_id == project_id, *_conditions(conn, project_id, q, eps, probed)]
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


def _conditions(
    conn: Connection, project_id: str, q: ImageQuery, eps: frozenset[str] | None, probed: bool
) -> list[ColumnElement[bool]]:
    """The filters as conditions on image_scopes rows; the host, container and app ones only if `probed`."""
    s = image_scopes
    out: list[ColumnElement[bool]] = []
    if q.image_name is not None and q.image_version is None:
        # Through the interned names: one ix_image_scopes_name range per matching name (about one
        # name per eight images), never a lookup per matching image.
        names = select(image_names.c.id).where(search(conn, image_names, "name", q.image_name))
        out.append(s.c.name_id.in_(names))
    elif q.image_name is not None:
        # With a tag, few rows match: the image rows' own unique index (project, name, version) decides.
        named = select(images.c.id).where(
            images.c.project_id == project_id,
            search(conn, images, "image_name", q.image_name),
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
    if probed:
        out += [s.c.image_id.in_(p.ids) for p in probes(conn, project_id, q, eps)]
    return out


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
