"""The last host of an image: probing the most recently seen hosts first answers as ranking them all."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import insert

from openhss.inventory import last_host
from openhss.store import Database
from openhss.store.tables import domains, hosts, image_hosts, images, projects

PROJECT = "p" * 32
OTHER = "q" * 32
HOSTS = 60
IMAGES = 40
EPS = ("0", "ep-b", "ep-c")


@pytest.fixture
def fleet(database_url: str) -> Iterator[tuple[Database, dict[str, list[tuple[int, str, str]]]]]:
    """Hosts with many equal last_seen_ms (ties go to the smaller id), images on 0..all of them.

    Yields the store and, per image, its holders as (last_seen_ms, host id, enterprise project).
    """
    rng = random.Random(7)
    database = Database(database_url)
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
            conn.execute(
                insert(hosts).values(
                    id=host_id, project_id=PROJECT, enterprise_project_id=ep, name=f"n-{host_id}",
                    agent_id=f"a-{host_id}", os="", engine="", last_seen_ms=last_seen, run_id="",
                    run_started_ms=0, seq=0, created_ms=1,
                )
            )  # fmt: skip
        for i in range(IMAGES):
            image_id = f"i{i:03d}"
            conn.execute(
                insert(images).values(
                    id=image_id, project_id=PROJECT, image_name="x", image_version=str(i),
                    config_digest=f"sha256:{i}", local_image_type="other_image",
                )
            )  # fmt: skip
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


@pytest.mark.parametrize("rounds", [(1, 3), (4, 16), (2, 200)])
@pytest.mark.parametrize("crowded", [1, 3])
def test_recent_hosts_first_answers_as_ranking_every_host(
    fleet: tuple[Database, dict[str, list[tuple[int, str, str]]]],
    monkeypatch: pytest.MonkeyPatch,
    rounds: tuple[int, ...],
    crowded: int,
) -> None:
    db, holders = fleet
    # Small thresholds so that every path runs on a small fleet: found among the recent hosts in
    # the first round, in a later one, or only by ranking every holder.
    monkeypatch.setattr(last_host, "_RECENT", rounds)
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
