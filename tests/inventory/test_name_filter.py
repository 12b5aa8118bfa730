"""image_name through the interned names, alone and with every exact filter, against a plain reading."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import insert

from openhss.inventory import ImageQuery, list_local_images
from openhss.inventory.counts import refresh_counts
from openhss.store import Database
from openhss.store.interning import intern
from openhss.store.tables import containers, domains, hosts, image_hosts, image_names, images, projects

PROJECT = "p" * 32
OTHER = "o" * 32
EPS = ("0", "ep-b", "ep-c")
# Names sharing substrings (and case variants), so each needle matches several names.
NAMES = [
    "payments", "payments-api", "swr.cn-north-4.myhuaweicloud.com/shop/payments", "Payments",
    "gateway", "api-gateway", "nginx", "nginx-exporter", "library/nginx", "pay_ments", "100%pay",
]  # fmt: skip
NEEDLES = ["payments", "Pay", "pay", "nginx", "gateway", "api", "_me", "%pa", "s-a", "zzz"]


@dataclass(frozen=True)
class Img:
    id: str
    name: str
    version: str
    created_ms: int
    scan_status: str
    local_image_type: str
    image_size: int
    vul_num: int
    latest_scan_ms: int
    containers: dict[str, int]
    """Containers per enterprise project it is present in."""


@pytest.fixture(scope="module")
def fleet(module_database_url: str) -> Iterator[tuple[Database, list[Img]]]:
    """Built once per database: the tests only read it."""
    rng = random.Random(8)
    database = Database(module_database_url)
    made: list[Img] = []
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        for pid, pname in ((PROJECT, "cn"), (OTHER, "other")):
            conn.execute(insert(projects).values(id=pid, domain_id="d" * 32, name=pname, created_ms=1))
        for ep in EPS:
            conn.execute(
                insert(hosts).values(
                    id=f"h-{ep}", project_id=PROJECT, enterprise_project_id=ep, name=f"n-{ep}",
                    agent_id=f"a-{ep}", os="", engine="", last_seen_ms=1, run_id="", run_started_ms=0,
                    seq=0, created_ms=1,
                )
            )  # fmt: skip
        ids = intern(conn, image_names, NAMES)
        for k in range(160):
            name = rng.choice(NAMES)
            status = rng.choice(("unscan", "success", "failed", "waiting", "scanning"))
            img = Img(
                id=f"i{k:03d}",
                name=name,
                version=rng.choice(("1", "2", "latest")),
                created_ms=rng.choice((10, 20, 30, 40, 50)),
                scan_status=status,
                local_image_type=rng.choice(("swr_image", "other_image")),
                image_size=rng.choice((100, 200)),
                vul_num=rng.choice((0, 0, 3)) if status == "success" else 0,
                latest_scan_ms=rng.choice((5, 15)) if status == "success" else 0,
                containers={ep: rng.choice((0, 0, 1, 2)) for ep in rng.sample(EPS, rng.choice((1, 2, 3)))},
            )
            made.append(img)
            conn.execute(
                insert(images).values(
                    id=img.id, project_id=PROJECT, image_name=name, image_version=img.version,
                    config_digest=f"sha256:{k}", created_ms=img.created_ms, local_image_type=img.local_image_type,
                    scan_status=status, image_size=img.image_size, vul_num=img.vul_num,
                    latest_scan_ms=img.latest_scan_ms, name_id=ids[name],
                )
            )  # fmt: skip
            for ep, n in img.containers.items():
                conn.execute(
                    insert(image_hosts).values(image_id=img.id, host_id=f"h-{ep}", enterprise_project_id=ep)
                )
                for c in range(n):
                    conn.execute(
                        insert(containers).values(
                            host_id=f"h-{ep}", container_id=f"{k:030x}{c}{ep}", project_id=PROJECT,
                            enterprise_project_id=ep, image_id=img.id, name=f"c{k}", state="running",
                            image_ref=name, config_digest=f"sha256:{k}",
                        )
                    )  # fmt: skip
        # The same names in another project must never show.
        conn.execute(
            insert(images).values(
                id="other", project_id=OTHER, image_name="payments", image_version="1", config_digest="sha256:o",
                local_image_type="other_image", name_id=ids["payments"],
            )
        )  # fmt: skip
        refresh_counts(conn, [img.id for img in made] + ["other"])
    yield database, made
    database.close()


EXACT: list[dict[str, object]] = [
    {},
    {"scan_status": "failed"},
    {"scan_status": "success", "local_image_type": "swr_image"},
    {"local_image_type": "other_image"},
    {"image_size": 200},
    {"has_vul": True},
    {"has_vul": False},
    {"scan_range": (10, 20)},
    {"update_range": (20, 40)},
    {"has_container": True},
    {"has_container": False, "scan_status": "unscan"},
    {"image_version": "latest"},
]


def _expected(imgs: list[Img], needle: str, filters: dict[str, object], eps: tuple[str, ...]) -> list[str]:
    def keep(i: Img) -> bool:
        present = [ep for ep in i.containers if ep in eps]
        checks = [
            bool(present),
            needle in i.name,
            filters.get("image_version", i.version) == i.version,
            filters.get("scan_status", i.scan_status) == i.scan_status,
            filters.get("local_image_type", i.local_image_type) == i.local_image_type,
            filters.get("image_size", i.image_size) == i.image_size,
        ]
        if "has_vul" in filters:
            checks += [i.scan_status == "success", (i.vul_num > 0) == filters["has_vul"]]
        if "scan_range" in filters:
            low, high = filters["scan_range"]  # type: ignore[misc]
            checks += [i.scan_status == "success", low <= i.latest_scan_ms <= high]
        if "update_range" in filters:
            low, high = filters["update_range"]  # type: ignore[misc]
            checks.append(low <= i.created_ms <= high)
        if "has_container" in filters:
            checks.append((sum(i.containers[ep] for ep in present) > 0) == filters["has_container"])
        return all(checks)

    kept = sorted((i for i in imgs if keep(i)), key=lambda i: (i.created_ms, i.id), reverse=True)
    return [i.id for i in kept]


@pytest.mark.parametrize("scope", [("0",), ("0", "ep-b"), EPS], ids=["one-ep", "two-eps", "whole"])
@pytest.mark.parametrize("filters", EXACT, ids=[str(f) for f in EXACT])
def test_name_with_exact_filters_pages_as_a_plain_reading(
    fleet: tuple[Database, list[Img]], filters: dict[str, object], scope: tuple[str, ...]
) -> None:
    db, imgs = fleet
    ep = scope[0] if len(scope) == 1 else "all_granted_eps"
    visible = None if scope == EPS else frozenset(scope)
    wrong = []
    with db.begin() as conn:
        for needle in NEEDLES:
            expected = _expected(imgs, needle, filters, scope)
            got: list[str] = []
            for offset in range(0, len(expected) + 10, 10):
                query = ImageQuery(
                    offset=offset,
                    limit=10,
                    enterprise_project_id=ep,
                    image_name=needle,
                    **filters,  # type: ignore[arg-type]
                )
                page = list_local_images(conn, PROJECT, query, visible)
                if page.total_num != len(expected):
                    wrong.append((needle, "total", page.total_num, len(expected)))
                got += [row.image_id for row in page.rows]
            if got != expected:
                wrong.append((needle, "rows", got, expected))
            past = ImageQuery(
                offset=len(expected) + 5, enterprise_project_id=ep, image_name=needle, **filters
            )  # type: ignore[arg-type]
            if list_local_images(conn, PROJECT, past, visible).total_num != len(expected):
                wrong.append((needle, "total past the last page"))
    assert wrong == []
