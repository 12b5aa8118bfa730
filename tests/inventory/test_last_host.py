"""The last host of an image: probing or walking the most recently seen hosts first answers as ranking them all."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, event, insert

from openhss.inventory import last_host
from openhss.store import Database
from openhss.store.tables import domains, hosts, image_hosts, images, projects

PROJECT = "p" * 32
OTHER = "q" * 32
HOSTS = 60
IMAGES = 40
EPS = ("0", "ep-b", "ep-c")


@pytest.fixture(scope="module")
def fleet(module_database_url: str) -> Iterator[tuple[Database, dict[str, list[tuple[int, str, str]]]]]:
    """Hosts with many equal last_seen_ms (ties go to the smaller id), images on 0..all of them.

    Yields the store and, per image, its holders as (last_seen_ms, host id, enterprise project).
    """
    rng = random.Random(7)
    database = Database(module_database_url)
    holders: dict[str, list[tuple[int, str, str]]] = {}
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        for project in (PROJECT, OTHER):
            conn.execute(
                insert(projects).values(id=project, domain_id="d" * 32, name=project[:2], created_ms=1)
            )
        seen = {f"h{k:03d}": (rng.randrange(8), rng.choice(EPS)) for k in range(HOSTS)}
        # A host of another project, seen last of all, must never be the answer.
        conn.execute(
            insert(hosts).values(
                id="h-other", project_id=OTHER, enterprise_project_id="0", name="other", agent_id="a-other",
                os="", engine="", last_seen_ms=100, run_id="", run_started_ms=0, seq=0, created_ms=1,
            )
        )  # fmt: skip
        for host_id, (last_seen, ep) in seen.items():
            _host(conn, host_id, last_seen, ep)
        for i in range(IMAGES):
            image_id = f"i{i:03d}"
            _image(conn, image_id, i)
            on = rng.sample(sorted(seen), rng.choice((0, 1, 2, 5, 20, HOSTS // 2, HOSTS)))
            holders[image_id] = [(seen[h][0], h, seen[h][1]) for h in on]
            if on:
                conn.execute(
                    insert(image_hosts),
                    [{"image_id": image_id, "host_id": h, "enterprise_project_id": seen[h][1]} for h in on],
                )
    yield database, holders
    database.close()


def _expected(holders: list[tuple[int, str, str]], eps: frozenset[str] | None) -> tuple[str, str, str] | None:
    """The most recently seen holder in scope, ties by the smaller host id (plain Python)."""
    scoped = [(-seen, host_id) for seen, host_id, ep in holders if eps is None or ep in eps]
    if not scoped:
        return None
    _, host_id = min(scoped)
    return (f"n-{host_id}", host_id, f"a-{host_id}")


@pytest.mark.parametrize("walked", [1, 4, 16, 200])
@pytest.mark.parametrize("crowded", [1, 3])
def test_recent_hosts_first_answers_as_ranking_every_host(
    fleet: tuple[Database, dict[str, list[tuple[int, str, str]]]],
    monkeypatch: pytest.MonkeyPatch,
    walked: int,
    crowded: int,
) -> None:
    db, holders = fleet
    # Small thresholds so that every path runs on a small fleet: found by the walk, whose cap falls
    # inside a run of equal last_seen_ms (eight values for sixty hosts), or only by ranking every
    # holder; 200 walks every host.
    monkeypatch.setattr(last_host, "_WALKED", walked)
    monkeypatch.setattr(last_host, "_CROWDED", crowded)
    scopes: list[frozenset[str] | None] = [None, frozenset({"0"}), frozenset({"ep-b", "ep-c"})]
    with db.begin() as conn:
        for eps in scopes:
            page = [
                (image_id, sum(1 for h in on if eps is None or h[2] in eps))
                for image_id, on in holders.items()
            ]
            got = last_host.last_hosts(conn, PROJECT, page, eps)
            for image_id, on in holders.items():
                assert got.get(image_id) == _expected(on, eps), (image_id, eps)


# The worst cases of the walk, on hosts seen at distinct times but for one run of equal ones.
_TIED = ("t0", "t1", "t2", "t3", "t4", "t5", "t6")
"""Hosts seen at the same time, 7th to 13th most recent: a walk capped at 8 hosts ends inside them."""


@pytest.fixture
def worst(database_url: str) -> Iterator[tuple[Database, dict[str, list[tuple[int, str, str]]]]]:
    """Forty hosts (`r00` most recent ... `r39`, the run `_TIED` among them) and images placed to
    defeat a walk of the recent hosts: held only by old hosts, by one host seen longest ago, by hosts
    of the tied run past the walk's cap, by a most recent host out of scope."""
    database = Database(database_url)
    order = [f"r{k:02d}" for k in range(6)] + [f"r-{t}" for t in _TIED] + [f"r{k:02d}" for k in range(13, 40)]
    seen = {}
    for rank, host_id in enumerate(order):
        seen[host_id] = (1_994 if host_id.startswith("r-t") else 2_000 - rank, "ep-b" if rank == 0 else "0")
    placed = {
        "old-crowd": order[-12:],  # crowded, none of them among the recent hosts walked
        "offline": [order[-1]],  # one host, the one seen longest ago
        "tied": ["r-t5", "r-t3", "r39"],  # best: t3, past the 8th host but seen at the same time as t0
        "tied-crowd": ["r-t6", "r-t4", *order[-10:]],
        "out-of-scope": [order[0], order[20], *order[-8:]],  # r00 is in ep-b
        "everywhere": order,
    }
    holders: dict[str, list[tuple[int, str, str]]] = {}
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        conn.execute(insert(projects).values(id=PROJECT, domain_id="d" * 32, name="p", created_ms=1))
        # Inserted most recent last: a heap read in insertion order meets the tied run's larger ids
        # first, so a cap that cut the run where the table is read would keep those and miss t3.
        for host_id, (last_seen, ep) in reversed(seen.items()):
            _host(conn, host_id, last_seen, ep)
        for k, (image_id, on) in enumerate(placed.items()):
            _image(conn, image_id, k)
            conn.execute(
                insert(image_hosts),
                [{"image_id": image_id, "host_id": h, "enterprise_project_id": seen[h][1]} for h in on],
            )
            holders[image_id] = [(seen[h][0], h, seen[h][1]) for h in on]
    yield database, holders
    database.close()


@pytest.mark.parametrize("walked", [1, 8, 10])
def test_walk_worst_cases(
    worst: tuple[Database, dict[str, list[tuple[int, str, str]]]],
    monkeypatch: pytest.MonkeyPatch,
    walked: int,
) -> None:
    db, holders = worst
    monkeypatch.setattr(last_host, "_WALKED", walked)
    monkeypatch.setattr(last_host, "_CROWDED", 3)
    with db.begin() as conn:
        for eps in (None, frozenset({"0"}), frozenset({"ep-b"})):
            page = [(i, sum(1 for h in on if eps is None or h[2] in eps)) for i, on in holders.items()]
            got = last_host.last_hosts(conn, PROJECT, page, eps)
            assert got == {i: e for i, on in holders.items() if (e := _expected(on, eps)) is not None}, eps
    assert _expected(holders["tied"], None) == ("n-r-t3", "r-t3", "a-r-t3")  # the case is what it says


def test_one_statement_a_page(
    fleet: tuple[Database, dict[str, list[tuple[int, str, str]]]],
) -> None:
    db, holders = fleet
    sent: list[str] = []

    def count(conn: Connection, cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    page = [(image_id, len(on)) for image_id, on in holders.items()]
    event.listen(db.engine, "before_cursor_execute", count)
    with db.begin() as conn:
        got = last_host.last_hosts(conn, PROJECT, page, frozenset({"0", "ep-b"}))
        assert last_host.last_hosts(conn, PROJECT, [], None) == {}
    event.remove(db.engine, "before_cursor_execute", count)
    assert got == {i: e for i, on in holders.items() if (e := _expected(on, frozenset({"0", "ep-b"})))}
    # SQLite's BEGIN is sent as a statement of its own (the store's, not this page's).
    assert len([s for s in sent if s != "BEGIN"]) == 1


def _host(conn: Connection, host_id: str, last_seen: int, ep: str) -> None:
    conn.execute(
        insert(hosts).values(
            id=host_id, project_id=PROJECT, enterprise_project_id=ep, name=f"n-{host_id}",
            agent_id=f"a-{host_id}", os="", engine="", last_seen_ms=last_seen, run_id="",
            run_started_ms=0, seq=0, created_ms=1,
        )
    )  # fmt: skip


def _image(conn: Connection, image_id: str, k: int) -> None:
    conn.execute(
        insert(images).values(
            id=image_id, project_id=PROJECT, image_name="x", image_version=str(k),
            config_digest=f"sha256:{k}", local_image_type="other_image",
        )
    )  # fmt: skip
