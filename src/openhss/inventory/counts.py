"""The counts the list shows (host_num, container_num per enterprise project), kept exact on every change."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from openhss.store.tables import (
    SCOPE_COPIED,
    SCOPE_FIXED,
    WHOLE_PROJECT,
    containers,
    image_hosts,
    image_scopes,
    images,
)

_CHUNK = 500


def refresh_counts(conn: Connection, image_ids: Iterable[str]) -> None:
    """Recompute the per-enterprise-project rows of `image_ids` (and their WHOLE_PROJECT sums).

    Recomputing from the indexed presence rows (rather than adding deltas) keeps the counts exact
    whatever happened before; it touches only the images a change involved.
    """
    ids = sorted(set(image_ids))
    for start in range(0, len(ids), _CHUNK):
        _refresh(conn, ids[start : start + _CHUNK])


def _refresh(conn: Connection, ids: list[str]) -> None:
    # Every writer of an image's scope rows holds its image row: this one locks them (in id order,
    # the order every ingest takes them in, so two never wait on each other in a circle); a scan
    # holds them by updating them (the trigger writes the copies). On PostgreSQL another host's
    # ingest of the same image then waits here until this commits and reads the presence rows
    # after it (each statement sees what committed before it), instead of both deleting and
    # re-inserting the same scope rows from counts that miss each other's hosts. SQLite runs one
    # writer at a time and has no row locks (the clause is left out there). FOR NO KEY UPDATE, not
    # FOR UPDATE: the presence and container rows an ingest inserts take FOR KEY SHARE on their
    # image row (their foreign key), which FOR UPDATE would wait on (a deadlock between two ingests).
    conn.execute(
        select(images.c.id).where(images.c.id.in_(ids)).order_by(images.c.id).with_for_update(key_share=True)
    )
    host_counts = conn.execute(
        select(image_hosts.c.image_id, image_hosts.c.enterprise_project_id, func.count())
        .where(image_hosts.c.image_id.in_(ids))
        .group_by(image_hosts.c.image_id, image_hosts.c.enterprise_project_id)
    ).all()
    container_counts = {
        (row[0], row[1]): row[2]
        for row in conn.execute(
            select(containers.c.image_id, containers.c.enterprise_project_id, func.count())
            .where(containers.c.image_id.in_(ids))
            .group_by(containers.c.image_id, containers.c.enterprise_project_id)
        )
    }
    meta = {
        row.id: row
        for row in conn.execute(
            select(
                images.c.id, images.c.project_id, *(images.c[c] for c in (*SCOPE_COPIED, *SCOPE_FIXED))
            ).where(images.c.id.in_(ids))
        )
    }
    rows = [
        {
            "image_id": image_id,
            "enterprise_project_id": ep,
            "project_id": meta[image_id].project_id,
            **{c: meta[image_id]._mapping[c] for c in (*SCOPE_COPIED, *SCOPE_FIXED)},
            "host_num": host_num,
            "container_num": container_counts.get((image_id, ep), 0),
        }
        for image_id, ep, host_num in host_counts
        if image_id in meta
    ]
    whole: dict[str, dict[str, object]] = {}
    for row in rows:
        total = whole.setdefault(
            str(row["image_id"]),
            {**row, "enterprise_project_id": WHOLE_PROJECT, "host_num": 0, "container_num": 0},
        )
        total["host_num"] = int(str(total["host_num"])) + int(str(row["host_num"]))
        total["container_num"] = int(str(total["container_num"])) + int(str(row["container_num"]))
    rows += whole.values()
    _write(conn, ids, rows)


# Every value of a scope row but its key: a row that stays is updated to exactly what a new one would hold.
_VALUES = ("host_num", "container_num", *SCOPE_COPIED, *SCOPE_FIXED)


def _write(conn: Connection, ids: list[str], rows: list[dict[str, object]]) -> None:
    """Make the scope rows of `ids` exactly `rows`: a row that stays is updated in place, not deleted
    and inserted again, so that what hangs on its existence (component_presence, by migration 0013's
    triggers: one row per component name) is written only when an image enters or leaves a scope."""
    s = image_scopes
    held = {
        (r.image_id, r.enterprise_project_id): tuple(r)[2:]
        for r in conn.execute(
            select(s.c.image_id, s.c.enterprise_project_id, *(s.c[c] for c in _VALUES)).where(
                s.c.image_id.in_(ids)
            )
        )
    }
    wanted = {(str(r["image_id"]), str(r["enterprise_project_id"])): r for r in rows}
    gone = sorted(held.keys() - wanted.keys())
    if gone:
        # One key a row (its primary key): a row-value IN of the pairs is read by SQLite without an
        # index (every scope row of the store), and its generic plan on PostgreSQL is a gamble.
        conn.execute(
            delete(s).where(
                s.c.image_id == bindparam("k_image"), s.c.enterprise_project_id == bindparam("k_ep")
            ),
            [{"k_image": image_id, "k_ep": ep} for image_id, ep in gone],
        )
    changed = [
        {"k_image": key[0], "k_ep": key[1], **{c: row[c] for c in _VALUES}}
        for key, row in sorted(wanted.items())
        if key in held and held[key] != tuple(row[c] for c in _VALUES)
    ]
    if changed:
        conn.execute(
            update(s)
            .where(s.c.image_id == bindparam("k_image"), s.c.enterprise_project_id == bindparam("k_ep"))
            .values({c: bindparam(c) for c in _VALUES}),
            changed,
        )
    new = [row for key, row in sorted(wanted.items()) if key not in held]
    if new:
        conn.execute(insert(s), new)
