"""The host that most recently reported each image of a list page (ImageLocalInfo's host fields)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from openhss.store.tables import hosts, image_hosts

# "Most recent" is the order (last_seen_ms descending, host id ascending) over the hosts holding
# the image in scope. A base image may be on tens of thousands of hosts, and ranking all of them
# for every page row cost up to 100 ms a page; but such an image is almost surely on one of the
# few most recently seen hosts of the project, so those are probed first. Because they are a
# prefix of that same order, the best of them that holds the image is the answer; only an image
# none of them holds is ranked over all its hosts (which, for a crowded image, is rare).
_RECENT = (32, 512)
"""How many of the project's most recently seen hosts are probed, in rounds (each probe costs)."""
_CROWDED = 128
"""From this many hosts on, an image is looked for among the recent hosts first."""
_CHUNK = 500
"""Host ids per lookup."""
_WALKED = 512
"""PostgreSQL: how many of the project's most recently seen hosts a crowded image's walk probes at most."""


def last_hosts(
    conn: Connection, project_id: str, page: Sequence[tuple[str, int]], eps: frozenset[str] | None
) -> dict[str, tuple[str, str, str]]:
    """(host name, host id, agent id) of the host that most recently reported each image.

    `page` holds (image id, host_num) pairs; `eps` are the enterprise projects in scope (None: all).
    """
    if not page:
        return {}
    if conn.dialect.name == "postgresql":
        return _walked(conn, project_id, page, eps)
    found: dict[str, tuple[str, str, str]] = {}
    for recent in _RECENT:
        crowded = [image_id for image_id, host_num in page if host_num >= _CROWDED and image_id not in found]
        if crowded:
            found.update(_among_recent(conn, project_id, crowded, eps, recent))
    rest = [image_id for image_id, _ in page if image_id not in found]
    if rest:
        found.update(_ranked(conn, rest, eps))
    return found


def _scoped(eps: frozenset[str] | None) -> ColumnElement[bool]:
    return image_hosts.c.enterprise_project_id.in_(sorted(eps)) if eps is not None else true()


def _among_recent(
    conn: Connection, project_id: str, image_ids: list[str], eps: frozenset[str] | None, recent_num: int
) -> dict[str, tuple[str, str, str]]:
    """The answer for those images held by one of the project's `recent_num` most recently seen hosts."""
    recent = (
        select(hosts.c.id)
        .where(hosts.c.project_id == project_id)
        .order_by(hosts.c.last_seen_ms.desc(), hosts.c.id)
        .limit(recent_num)
        .subquery()
    )
    rows = conn.execute(
        select(image_hosts.c.image_id, hosts.c.name, hosts.c.id, hosts.c.agent_id, hosts.c.last_seen_ms)
        .join(hosts, hosts.c.id == image_hosts.c.host_id)
        .where(
            image_hosts.c.image_id.in_(image_ids),
            image_hosts.c.host_id.in_(select(recent.c.id)),
            _scoped(eps),
        )
    ).all()
    best: dict[str, tuple[int, str, str, str]] = {}
    for r in rows:
        # The smallest (-last_seen_ms, id) is the most recent host, ties by the smaller id.
        key = (-int(r.last_seen_ms), r.id, r.name, r.agent_id)
        if r.image_id not in best or key[:2] < best[r.image_id][:2]:
            best[r.image_id] = key
    return {image_id: (name, host_id, agent_id) for image_id, (_, host_id, name, agent_id) in best.items()}


def _ranked(
    conn: Connection, image_ids: list[str], eps: frozenset[str] | None
) -> dict[str, tuple[str, str, str]]:
    """The answer for each image, ranking every host that holds it.

    Two primary-key lookups, ranked here: joined in SQL, PostgreSQL guessed the holders of a page
    from the skewed average (2,700 for 200 images that had 388) and hashed all 20,000 hosts for
    them, 17 ms of a 20 ms query.
    """
    held = conn.execute(
        select(image_hosts.c.image_id, image_hosts.c.host_id).where(
            image_hosts.c.image_id.in_(image_ids), _scoped(eps)
        )
    ).all()
    wanted = sorted({host_id for _, host_id in held})
    facts: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        for r in conn.execute(
            select(hosts.c.id, hosts.c.last_seen_ms, hosts.c.name, hosts.c.agent_id).where(
                hosts.c.id.in_(wanted[start : start + _CHUNK])
            )
        ):
            facts[r.id] = (int(r.last_seen_ms), r.name, r.agent_id)
    best: dict[str, tuple[int, str]] = {}
    for image_id, host_id in held:
        # The smallest (-last_seen_ms, id) is the most recent host, ties by the smaller id.
        key = (-facts[host_id][0], host_id)
        if image_id not in best or key < best[image_id]:
            best[image_id] = key
    return {image_id: (facts[h][1], h, facts[h][2]) for image_id, (_, h) in best.items()}


def _walked(
    conn: Connection, project_id: str, page: Sequence[tuple[str, int]], eps: frozenset[str] | None
) -> dict[str, tuple[str, str, str]]:
    """The answer for every page image in one statement (PostgreSQL: a LATERAL per image).

    The rounds above cost four statements a page on PostgreSQL, and their time was mostly not the
    database's: each statement was built, planned for its own IN list and sent on its own
    (`host_id` of the busiest host: ~10 ms of which ~2.5 executing). Here the page travels as two
    arrays, so the statement's text is the same for every page and is built once per process.
    """
    params: dict[str, object] = {
        "project_id": project_id,
        "image_ids": [image_id for image_id, _ in page],
        "host_nums": [host_num for _, host_num in page],
        "crowded": _CROWDED,
        "walked": _WALKED,
    }
    if eps is not None:
        params["eps"] = sorted(eps)
    rows = conn.execute(_walk_statement(eps is not None), params)
    return {r.image_id: (r.name, r.id, r.agent_id) for r in rows}


@cache
def _walk_statement(scoped: bool) -> Select[tuple[str, str, str, str]]:
    """Per page image, the first of: the best holder among the recent hosts walked, the best of all.

    A crowded image (`crowded` hosts or more in scope) walks the project's most recently seen hosts
    in order (ix_hosts_project_id_last_seen_ms, backward), probing its presence for each, and stops
    at the first last_seen_ms that holds it; the walk reads at most `walked` hosts, rounded up to
    a whole last_seen_ms (WITH TIES), so that the hosts walked are always a prefix of the order
    (last_seen_ms descending, host id ascending) and the smallest id of that first holding
    last_seen_ms is the answer. Only when the walk finds none (or the image is on few hosts) is
    every holder of the image ranked: a crowded image held only by hosts seen long ago costs the
    walk's `walked` probes plus that ranking, as the rounds did; an image on one offline host, one
    presence entry and one host. UNION ALL under LIMIT 1 runs the ranking only when the walk gave
    nothing, and the walk's condition on host_num, which names only the page row, is tested once per
    image before anything is read. Each probe is a LATERAL with its own LIMIT: an EXISTS would be
    turned into a join that reads every holder of a crowded image.
    """
    page = (
        func.unnest(
            bindparam("image_ids", type_=ARRAY(String)), bindparam("host_nums", type_=ARRAY(BigInteger))
        )
        .table_valued("image_id", "host_num")
        .render_derived(name="p")
    )
    one: ColumnElement[int] = literal_column("1")

    def in_scope() -> ColumnElement[bool]:
        eps = bindparam("eps", type_=ARRAY(String))
        return image_hosts.c.enterprise_project_id == func.any(eps) if scoped else true()

    recent = (
        select(hosts.c.id, hosts.c.last_seen_ms)
        .where(hosts.c.project_id == bindparam("project_id"))
        .order_by(hosts.c.last_seen_ms.desc())
        .fetch(bindparam("walked"), with_ties=True)
        .subquery("r")
    )
    held = (
        select(one.label("held"))
        .where(image_hosts.c.image_id == page.c.image_id, image_hosts.c.host_id == recent.c.id, in_scope())
        .limit(one)
        .correlate(page, recent)
        .lateral("held")
    )
    first = (
        select(recent.c.id)
        .select_from(recent.join(held, true()))
        .where(page.c.host_num >= bindparam("crowded"))
        .order_by(recent.c.last_seen_ms.desc())
        .fetch(one, with_ties=True)
        .correlate(page)
        .subquery("w")
    )
    shown = (hosts.c.name, hosts.c.id, hosts.c.agent_id)
    walked = select(*shown).join_from(first, hosts, hosts.c.id == first.c.id).order_by(hosts.c.id).limit(one)
    ranked = (
        select(*shown)
        .join_from(image_hosts, hosts, hosts.c.id == image_hosts.c.host_id)
        .where(image_hosts.c.image_id == page.c.image_id, in_scope())
        .order_by(hosts.c.last_seen_ms.desc(), hosts.c.id)
        .limit(one)
        .correlate(page)
    )
    either = union_all(walked, ranked).subquery("u")
    best = select(either).limit(one).lateral("b")
    return select(page.c.image_id, best.c.name, best.c.id, best.c.agent_id).select_from(
        page.join(best, true())
    )
