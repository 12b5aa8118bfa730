"""The local image list: one indexed query over images and their per-enterprise-project counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Subquery,
    false,
    func,
    literal,
    select,
    true,
)

from openhss.inventory.query import ALL_GRANTED, ImageQuery
from openhss.store.tables import (
    component_names,
    containers,
    host_addresses,
    hosts,
    image_components,
    image_hosts,
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
    scope = _scope_rows(project_id, eps)
    conditions = _conditions(conn, project_id, query, scope, eps)
    base = select(scope.c.image_id).join(images, images.c.id == scope.c.image_id).where(*conditions)
    total = conn.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    if total == 0 or query.offset >= total:
        return ImagePage(total, ())
    page = conn.execute(
        select(images, scope.c.host_num, scope.c.container_num)
        .join(images, images.c.id == scope.c.image_id)
        .where(*conditions)
        .order_by(scope.c.created_ms.desc(), scope.c.image_id)
        .offset(query.offset)
        .limit(query.limit)
    ).all()
    last = _last_hosts(conn, [r.id for r in page], eps)
    return ImagePage(total, tuple(_row(r, last.get(r.id)) for r in page))


def _scope(query: ImageQuery, visible: frozenset[str] | None) -> frozenset[str] | None:
    """Enterprise projects the answer covers (None: the whole project); the caller checked access."""
    if query.enterprise_project_id == ALL_GRANTED:
        return visible
    return frozenset({query.enterprise_project_id})


def _scope_rows(project_id: str, eps: frozenset[str] | None) -> Subquery:
    s = image_scopes
    if eps is not None and len(eps) == 1:
        (ep,) = eps
        return (
            select(s.c.image_id, s.c.created_ms, s.c.host_num, s.c.container_num)
            .where(s.c.project_id == project_id, s.c.enterprise_project_id == ep)
            .subquery("s")
        )
    grouped = select(
        s.c.image_id,
        func.max(s.c.created_ms).label("created_ms"),
        func.sum(s.c.host_num).label("host_num"),
        func.sum(s.c.container_num).label("container_num"),
    ).where(s.c.project_id == project_id)
    if eps is not None:
        grouped = grouped.where(s.c.enterprise_project_id.in_(sorted(eps)))
    return grouped.group_by(s.c.image_id).subquery("s")


def contains(conn: Connection, column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    """Case-sensitive substring match in which `%` and `_` are ordinary characters."""
    if conn.dialect.name == "postgresql":
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"%{escaped}%", escape="\\")
    return func.instr(column, literal(needle)) > 0


def _in_scope(column: ColumnElement[str], eps: frozenset[str] | None) -> ColumnElement[bool]:
    return column.in_(sorted(eps)) if eps is not None else true()


def _conditions(
    conn: Connection, project_id: str, q: ImageQuery, scope: Subquery, eps: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    i = images
    out: list[ColumnElement[bool]] = []
    if q.image_name is not None:
        out.append(contains(conn, i.c.image_name, q.image_name))
        if q.image_version is not None:
            out.append(i.c.image_version == q.image_version)
    if q.scan_status is not None:
        out.append(i.c.scan_status == q.scan_status)
    if q.local_image_type is not None:
        out.append(i.c.local_image_type == q.local_image_type)
    if q.image_size is not None:
        out.append(i.c.image_size == q.image_size)
    if q.update_range is not None:
        out.append(scope.c.created_ms.between(*q.update_range))
    if q.scan_range is not None:
        out += [i.c.scan_status == "success", i.c.latest_scan_ms.between(*q.scan_range)]
    if q.has_vul is not None:
        out += [i.c.scan_status == "success", (i.c.vul_num > 0) if q.has_vul else (i.c.vul_num == 0)]
    if q.has_container is not None:
        out.append((scope.c.container_num > 0) if q.has_container else (scope.c.container_num == 0))
    host_filter = _host_filter(conn, project_id, q, eps)
    if host_filter is not None:
        out.append(scope.c.image_id.in_(host_filter))
    container_filter = _container_filter(conn, project_id, q, eps)
    if container_filter is not None:
        out.append(scope.c.image_id.in_(container_filter))
    if q.app_name is not None:
        out.append(
            i.c.config_digest.in_(
                select(image_components.c.config_digest)
                .join(component_names, component_names.c.id == image_components.c.name_id)
                .where(contains(conn, component_names.c.name, q.app_name))
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
        wanted = wanted.where(contains(conn, h.c.name, q.host_name))
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
        wanted = wanted.where(contains(conn, c.c.name, q.container_name))
    if q.pod_id is not None:
        wanted = wanted.where(c.c.pod_id == q.pod_id)
    if q.pod_name is not None:
        wanted = wanted.where(contains(conn, c.c.pod_name, q.pod_name))
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


def _last_hosts(
    conn: Connection, image_ids: list[str], eps: frozenset[str] | None
) -> dict[str, tuple[str, str, str]]:
    """For each image: (host name, host id, agent id) of the host that most recently reported it."""
    if not image_ids:
        return {}
    ranked = (
        select(
            image_hosts.c.image_id,
            hosts.c.name,
            hosts.c.id,
            hosts.c.agent_id,
            func.row_number()
            .over(partition_by=image_hosts.c.image_id, order_by=(hosts.c.last_seen_ms.desc(), hosts.c.id))
            .label("rank"),
        )
        .join(hosts, hosts.c.id == image_hosts.c.host_id)
        .where(image_hosts.c.image_id.in_(image_ids), _in_scope(image_hosts.c.enterprise_project_id, eps))
        .subquery()
    )
    rows = conn.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {r.image_id: (r.name, r.id, r.agent_id) for r in rows}


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
