"""Pages read by walking one index in order equal the pages gathered and sorted, ties included."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import insert

from openhss.inventory import ImageQuery, listing
from openhss.inventory.counts import refresh_counts
from openhss.store import Database
from openhss.store.tables import containers, domains, hosts, image_hosts, images, projects
from tests.support.paging import every_page

PROJECT = "p" * 32
IMAGES = 47


@pytest.fixture(scope="module")
def db(module_database_url: str) -> Iterator[Database]:
    """Images with few distinct creation times (ties), every scan state and type, some with containers."""
    rng = random.Random(3)
    database = Database(module_database_url)
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        conn.execute(insert(projects).values(id=PROJECT, domain_id="d" * 32, name="cn", created_ms=1))
        for ep in ("0", "ep-b"):
            conn.execute(
                insert(hosts).values(
                    id=f"h-{ep}", project_id=PROJECT, enterprise_project_id=ep, name=f"n-{ep}",
                    agent_id=f"a-{ep}", os="", engine="", last_seen_ms=1, run_id="", run_started_ms=0,
                    seq=0, created_ms=1,
                )
            )  # fmt: skip
        for k in range(IMAGES):
            image_id = f"i{k:03d}"
            conn.execute(
                insert(images).values(
                    id=image_id, project_id=PROJECT, image_name="app", image_version=str(k),
                    config_digest=f"sha256:{k}", created_ms=rng.choice((10, 20, 30, 40)),
                    local_image_type=rng.choice(("swr_image", "other_image")),
                    scan_status=rng.choice(("unscan", "success", "failed", "waiting", "scanning")),
                    vul_num=rng.choice((0, 2)),
                )
            )  # fmt: skip
            for ep in rng.sample(("0", "ep-b"), rng.choice((1, 2))):
                conn.execute(
                    insert(image_hosts).values(image_id=image_id, host_id=f"h-{ep}", enterprise_project_id=ep)
                )
                if rng.random() < 0.5:
                    conn.execute(
                        insert(containers).values(
                            host_id=f"h-{ep}", container_id=f"{k:032x}{ep}", project_id=PROJECT,
                            enterprise_project_id=ep, image_id=image_id, name=f"c{k}", state="running",
                            image_ref="app", config_digest=f"sha256:{k}",
                        )
                    )  # fmt: skip
        refresh_counts(conn, [f"i{k:03d}" for k in range(IMAGES)])
    yield database
    database.close()


QUERIES = [
    {},
    {"scan_status": "failed"},
    {"scan_status": "unscan", "update_range": (15, 35)},
    {"local_image_type": "swr_image"},
    {"local_image_type": "other_image", "update_range": (10, 20)},
    {"has_container": True},
    {"has_container": False},
    {"has_container": False, "update_range": (20, 40)},
    {"update_range": (20, 30)},
]


def _pages(db: Database, filters: dict[str, object], ep: str) -> list[str]:
    return every_page(db, PROJECT, IMAGES, filters, ep)


@pytest.mark.parametrize("filters", QUERIES, ids=[str(q) for q in QUERIES])
def test_an_ordered_walk_pages_as_gathering_and_sorting(
    db: Database, monkeypatch: pytest.MonkeyPatch, filters: dict[str, object]
) -> None:
    assert listing._walks_in_order(ImageQuery(**filters), None)  # type: ignore[arg-type]
    for ep in ("0", "*"):  # both scopes on one store
        walked = _pages(db, filters, ep)
        monkeypatch.setattr(listing, "_walks_in_order", lambda q, eps: False)
        sorted_ = _pages(db, filters, ep)
        monkeypatch.undo()
        assert walked == sorted_, ep
        assert len(walked) == len(set(walked)), ep


SCANNED = [
    {"scan_status": "success", "local_image_type": "swr_image"},
    {"has_vul": True},
    {"has_vul": False, "local_image_type": "other_image"},
    {"scan_status": "success", "has_vul": True, "local_image_type": "swr_image"},
    {"scan_status": "failed", "local_image_type": "other_image", "update_range": (15, 35)},
]


@pytest.mark.parametrize("filters", SCANNED, ids=[str(q) for q in SCANNED])
def test_a_walk_of_the_scan_state_index_pages_as_gathering_and_sorting(
    db: Database, monkeypatch: pytest.MonkeyPatch, filters: dict[str, object]
) -> None:
    decide = listing._walks_scanned
    with db.begin() as conn:  # each filter's index holds it: the cost rule alone decides
        query = ImageQuery(**filters)  # type: ignore[arg-type]
        assert decide(conn, PROJECT, query, None, 10**6)
        assert not decide(conn, PROJECT, query, None, 0)
    for ep in ("0", "*"):  # both scopes on one store
        monkeypatch.setattr(listing, "_walks_scanned", lambda *args: True)
        walked = _pages(db, filters, ep)
        monkeypatch.setattr(listing, "_walks_scanned", lambda *args: False)
        sorted_ = _pages(db, filters, ep)
        monkeypatch.undo()
        assert walked == sorted_, ep
        assert len(walked) == len(set(walked)), ep
