"""A host, container or app filter pages and counts alike whether its page is walked or looked up."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, update

from openhss.inventory import ImageQuery, listing
from openhss.inventory.counts import refresh_counts
from openhss.store import Database
from openhss.store.tables import (
    component_names,
    containers,
    domains,
    hosts,
    image_components,
    image_hosts,
    images,
    projects,
)
from tests.support.paging import every_page

PROJECT = "p" * 32
IMAGES = 60
HOSTS = 8
EPS = ("0", "ep-b")


@pytest.fixture(scope="module")
def db(module_database_url: str) -> Iterator[Database]:
    """Hosts in two enterprise projects sharing images; containers (some of no known image); components.

    Some images are on no host at all (no scope row): an app filter finds them, the list must not.
    Creation times repeat, so that the order's tie-break on image_id is exercised.
    """
    rng = random.Random(7)
    database = Database(module_database_url)
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        conn.execute(insert(projects).values(id=PROJECT, domain_id="d" * 32, name="cn", created_ms=1))
        for h in range(HOSTS):
            conn.execute(
                insert(hosts).values(
                    id=f"h{h}", project_id=PROJECT, enterprise_project_id=EPS[h % 2],
                    name=("web-" if h < 5 else "db-") + str(h), agent_id=f"a{h}", os="", engine="",
                    last_seen_ms=h, run_id="", run_started_ms=0, seq=0, created_ms=1,
                )
            )  # fmt: skip
        names = ["requests", "requests-oauthlib", "lodash", "openssl"]
        conn.execute(insert(component_names), [{"id": k + 1, "name": n} for k, n in enumerate(names)])
        for k in range(IMAGES):
            image_id = f"i{k:03d}"
            conn.execute(
                insert(images).values(
                    id=image_id, project_id=PROJECT, image_name="app", image_version=str(k),
                    config_digest=f"sha256:{k % 45}", created_ms=rng.choice((10, 20, 30)),
                    local_image_type=rng.choice(("swr_image", "other_image")),
                    scan_status=rng.choice(("unscan", "success", "failed")), vul_num=rng.choice((0, 3)),
                )
            )  # fmt: skip
            if k >= 55:
                continue  # on no host
            for h in rng.sample(range(HOSTS), rng.choice((1, 1, 2, 4))):
                conn.execute(
                    insert(image_hosts).values(
                        image_id=image_id, host_id=f"h{h}", enterprise_project_id=EPS[h % 2]
                    )
                )
                if rng.random() < 0.4:
                    conn.execute(
                        insert(containers).values(
                            host_id=f"h{h}", container_id=f"{k:030x}{h:02d}", project_id=PROJECT,
                            enterprise_project_id=EPS[h % 2], image_id=image_id,
                            name=rng.choice(("gateway-1", "worker", "gateway-2")), state="running",
                            image_ref="app", config_digest=f"sha256:{k % 45}",
                        )
                    )  # fmt: skip
        # A container whose image row is not known (image_id NULL) must count for no image.
        conn.execute(
            insert(containers).values(
                host_id="h0", container_id="f" * 32, project_id=PROJECT, enterprise_project_id="0",
                image_id=None, name="gateway-orphan", state="exited", image_ref="gone", config_digest="sha256:x",
            )
        )  # fmt: skip
        conn.execute(
            insert(image_components),
            [
                {"config_digest": f"sha256:{d}", "name_id": n}
                for d in range(45)
                for n in range(1, 5)
                if (d + n) % 3 == 0
            ],
        )
        refresh_counts(conn, [f"i{k:03d}" for k in range(IMAGES)])
        # Images whose created_ms changes after their presence and container rows were written:
        # the rows' copies of it (migration 0014) must follow, or those filters would misorder them.
        conn.execute(update(images).where(images.c.id.in_(["i001", "i007", "i020"])).values(created_ms=25))
    yield database
    database.close()


QUERIES = [
    {"host_name": "web-"},
    {"host_name": "db-"},
    {"host_id": "h3"},
    {"container_name": "gateway"},
    {"container_name": "orphan"},
    {"app_name": "requests"},
    {"app_name": "lodash"},
    {"host_name": "web-", "has_container": True},
    {"host_name": "web-", "scan_status": "success"},
    {"container_name": "gateway", "local_image_type": "swr_image"},
    {"app_name": "requests", "has_vul": True},
    {"app_name": "requests", "image_name": "ap"},
]


def _pages(db: Database, filters: dict[str, object], ep: str) -> list[str]:
    return every_page(db, PROJECT, IMAGES, filters, ep)


@pytest.mark.parametrize("filters", QUERIES, ids=[str(q) for q in QUERIES])
def test_walked_looked_up_and_gathered_pages_are_the_same(
    db: Database, monkeypatch: pytest.MonkeyPatch, filters: dict[str, object]
) -> None:
    # Every scope on one store (one store per scope made this file a minute of the suite).
    for ep in ("0", "ep-b", "*"):
        # A host or container filter alone is paged from the rows it finds (their copies of the
        # page key), the others walked or looked up; with that off, these too.
        carried = _pages(db, filters, ep)
        monkeypatch.setattr(listing, "_carries", lambda *args: False)
        monkeypatch.setattr(listing, "_WALK_PER_MATCH", 10**9)  # every page walked
        walked = _pages(db, filters, ep)
        monkeypatch.setattr(listing, "_WALK_PER_MATCH", 0)  # every page looked up and sorted
        looked_up = _pages(db, filters, ep)
        monkeypatch.setattr(listing, "_one_probe", lambda *args: None)  # the general path: gather, sort
        gathered = _pages(db, filters, ep)
        monkeypatch.undo()
        assert carried == walked == looked_up == gathered, ep
        assert len(walked) == len(set(walked)), ep


def test_the_probed_path_is_the_one_taken(db: Database) -> None:
    with db.begin() as conn:
        for filters in QUERIES:
            probe = listing._one_probe(conn, PROJECT, ImageQuery(**filters), None)  # type: ignore[arg-type]
            # The general path keeps, on SQLite, a probing filter with others beside it (measured
            # no faster this way).
            beside = len(filters) > 1
            general = beside and conn.dialect.name == "sqlite"
            assert (probe is None) == general, filters
            # A host or container filter alone is answered from the rows it finds.
            carried = probe is not None and listing._carries(probe, ImageQuery(**filters))  # type: ignore[arg-type]
            assert carried == (not beside and "app_name" not in filters), filters
        # Two kinds of probe, or a scope of several enterprise projects, take the general path.
        both = ImageQuery(host_name="web-", app_name="lodash")
        assert listing._one_probe(conn, PROJECT, both, None) is None
        assert listing._one_probe(conn, PROJECT, ImageQuery(host_name="web-"), frozenset(EPS)) is None
