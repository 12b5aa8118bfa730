"""The host that most recently reported each image of a list page (ImageLocalInfo's host fields)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    String,
    bindparam,
    exists,
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
# few most recently seen hosts of the project, so those are walked first, in that order, probing
# the image's presence on each: the first that holds it is the answer. Only an image none of the
# walked hosts holds, or an image on few hosts, is ranked over all its hosts. The whole page is
# one statement, built once per process, with the page as one parameter: its text is the same
# for every page, so nothing is built, and on PostgreSQL nothing is parsed, per request. Before,
# two rounds of recent hosts and a ranking were up to four statements each built for its IN list,
# and most of their time was that, not the database's (`host_id` of the busiest host, PostgreSQL:
# ~10 ms of which ~2.5 executing; SQLite: ~10 ms, against ~1.4 now).
_CROWDED = 128
"""From this many hosts in scope on, an image walks the recent hosts before its own are ranked."""
_WALKED = 512
"""How many of the project's most recently seen hosts a walk probes at most (each probe costs)."""


def last_hosts(
    conn: Connection, project_id: str, page: Sequence[tuple[str, int]], eps: frozenset[str] | None
) -> dict[str, tuple[str, str, str]]:
    """(host name, host id, agent id) of the host that most recently reported each image.

    `page` holds (image id, host_num) pairs; `eps` are the enterprise projects in scope (None: all).
    """
    if not page:
        return {}
    params: dict[str, object] = {"project_id": project_id, "crowded": _CROWDED}
    if conn.dialect.name == "postgresql":
        statement = _lateral(eps is not None)
        params |= {"image_ids": [i for i, _ in page], "host_nums": [n for _, n in page], "walked": _WALKED}
    else:
        statement = _correlated(eps is not None)
        params |= {"page": json.dumps([[i, n] for i, n in page]), "skipped": _WALKED - 1}
    if eps is not None:
        params["eps"] = sorted(eps)
    return {r.image_id: (r.name, r.id, r.agent_id) for r in conn.execute(statement, params)}


def _in_scope(scoped: bool, postgresql: bool) -> ColumnElement[bool]:
    if not scoped:
        return true()
    if postgresql:  # an array: the statement's text does not change with the number of them
        return image_hosts.c.enterprise_project_id == func.any(bindparam("eps", type_=ARRAY(String)))
    return image_hosts.c.enterprise_project_id.in_(bindparam("eps", expanding=True))


@cache
def _lateral(scoped: bool) -> Select[tuple[str, str, str, str]]:
    """PostgreSQL: per page image (two arrays, unnested), the first of the walk's answer and the ranking's.

    The walk reads the recent hosts from ix_hosts_project_id_last_seen_ms backward and stops at the
    first last_seen_ms that holds the image; it reads at most `walked` hosts, and no more than the
    image has holders (here a probe costs about what ranking one holder does: a page of five images
    on 128-155 hosts whose first holder was the 305th-739th host took 26 ms walking up to 512 of
    them, 17 ms so, against the rounds' 19), rounded up to a whole last_seen_ms (WITH TIES), so the
    hosts walked are a prefix of the order and the smallest id at that last_seen_ms is the answer.
    UNION ALL under LIMIT 1 ranks the image's holders only when the walk gave nothing; the walk's
    condition on host_num names only the page row, so it is tested once per image before anything
    is read. Each probe is a LATERAL with its own LIMIT: an EXISTS would be made a join that reads
    every holder of a crowded image (PostgreSQL 15 hashed 764 of them to find one).
    """
    page = (
        func.unnest(
            bindparam("image_ids", type_=ARRAY(String)), bindparam("host_nums", type_=ARRAY(BigInteger))
        )
        .table_valued("image_id", "host_num")
        .render_derived(name="p")
    )
    one: ColumnElement[int] = literal_column("1")
    recent = (
        select(hosts.c.id, hosts.c.last_seen_ms)
        .where(hosts.c.project_id == bindparam("project_id"))
        .order_by(hosts.c.last_seen_ms.desc())
        .fetch(func.least(page.c.host_num, bindparam("walked")), with_ties=True)
        .correlate(page)
        .subquery("r")
    )
    held = (
        select(one.label("held"))
        .where(
            image_hosts.c.image_id == page.c.image_id,
            image_hosts.c.host_id == recent.c.id,
            _in_scope(scoped, postgresql=True),
        )
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
        .where(image_hosts.c.image_id == page.c.image_id, _in_scope(scoped, postgresql=True))
        .order_by(hosts.c.last_seen_ms.desc(), hosts.c.id)
        .limit(one)
        .correlate(page)
    )
    either = union_all(walked, ranked).subquery("u")
    best = select(either).limit(one).lateral("b")
    return select(page.c.image_id, best.c.name, best.c.id, best.c.agent_id).select_from(
        page.join(best, true())
    )


@cache
def _correlated(scoped: bool) -> Select[tuple[str, str, str, str]]:
    """SQLite: per page image (a JSON array of pairs), COALESCE(the walk's host, the ranking's).

    SQLite has no LATERAL; a correlated scalar subquery per page row gives the host id, and COALESCE
    evaluates the ranking only when the walk gave NULL. The walk is a range of
    ix_hosts_project_id_last_seen_ms, newest first, down to the last_seen_ms of the `walked`-th
    most recent host (one uncorrelated subquery, run once), so it too covers whole last_seen_ms;
    ties within one are sorted as they come (SQLite sorts the right part of the ORDER BY per
    last_seen_ms), and it stops at the first that holds the image.
    """
    pairs = func.json_each(bindparam("page")).table_valued("value").alias("j")
    page = select(
        func.json_extract(pairs.c.value, "$[0]").label("image_id"),
        func.json_extract(pairs.c.value, "$[1]").label("host_num"),
    ).subquery("p")
    project: ColumnElement[str] = bindparam("project_id")
    last = hosts.alias("c")
    cutoff = (
        select(last.c.last_seen_ms)
        .where(last.c.project_id == project)
        .order_by(last.c.last_seen_ms.desc())
        .limit(1)
        .offset(bindparam("skipped"))
        .scalar_subquery()
    )
    recent = hosts.alias("r")
    # Without a cutoff (fewer hosts than `walked`) every host is walked: the smallest 64-bit integer.
    lowest: ColumnElement[int] = literal_column(str(-(2**63)))
    walked = (
        select(recent.c.id)
        .where(
            page.c.host_num >= bindparam("crowded"),
            recent.c.project_id == project,
            recent.c.last_seen_ms >= func.coalesce(cutoff, lowest),
            exists()
            .where(
                image_hosts.c.image_id == page.c.image_id,
                image_hosts.c.host_id == recent.c.id,
                _in_scope(scoped, postgresql=False),
            )
            .correlate(page, recent),
        )
        .order_by(recent.c.last_seen_ms.desc(), recent.c.id)
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    ranked = (
        select(image_hosts.c.host_id)
        .join_from(image_hosts, hosts, hosts.c.id == image_hosts.c.host_id)
        .where(image_hosts.c.image_id == page.c.image_id, _in_scope(scoped, postgresql=False))
        .order_by(hosts.c.last_seen_ms.desc(), hosts.c.id)
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    best = func.coalesce(walked, ranked)
    return select(page.c.image_id, hosts.c.name, hosts.c.id, hosts.c.agent_id).join_from(
        page, hosts, hosts.c.id == best
    )
