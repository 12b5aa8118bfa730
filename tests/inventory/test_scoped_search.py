"""Container and pod name filters in every scope answer what a plain scan of the scope answers.

On PostgreSQL their trigram indexes lead with the enterprise project (migration 0015): a scoped
search is narrowed by the index itself, a whole-project one uses its name column alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, insert, text

from openhss.inventory import ImageQuery, list_local_images
from openhss.inventory.counts import refresh_counts
from openhss.store import Database
from openhss.store.tables import containers, domains, hosts, image_hosts, images, projects

PROJECT = "p" * 32
OTHER = "q" * 32
EPS = ("0", "ep-b", "ep-c")
WORDS = ["gateway", "gate", "way", "worker", "api-gateway", "ga_te%way", "Gateway", "pay"]
NEEDLES = ["gateway", "gate", "way", "ate", "Gat", "e%w", "_te", "pay", "api-g", "nothing", "ga"]
FILTERS = {"name": "container_name", "pod_name": "pod_name"}
# (the query's enterprise_project_id, the enterprise projects the caller may see)
SCOPES: list[tuple[str, frozenset[str] | None]] = [
    ("0", None),
    ("ep-b", None),
    ("all_granted_eps", None),
    ("all_granted_eps", frozenset({"0", "ep-c"})),
]


@pytest.fixture
def store(database_url: str) -> Iterator[tuple[Database, list[dict[str, object]]]]:
    """Hosts of three enterprise projects (and a second project) sharing images; named containers and pods."""
    rng = random.Random(15)
    database = Database(database_url)
    rows: list[dict[str, object]] = []
    with database.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        for project in (PROJECT, OTHER):
            conn.execute(
                insert(projects).values(id=project, domain_id="d" * 32, name=project[:2], created_ms=1)
            )
        for h in range(9):
            project = OTHER if h == 8 else PROJECT
            conn.execute(
                insert(hosts).values(
                    id=f"h{h}", project_id=project, enterprise_project_id=EPS[h % 3], name=f"host-{h}",
                    agent_id=f"a{h}", os="", engine="", last_seen_ms=h, run_id="", run_started_ms=0, seq=0,
                    created_ms=1,
                )
            )  # fmt: skip
        for k in range(40):
            h = rng.randrange(9)
            project = OTHER if h == 8 else PROJECT
            image_id = f"i{k:02d}"
            conn.execute(
                insert(images).values(
                    id=image_id, project_id=project, image_name="app", image_version=str(k),
                    config_digest=f"sha256:{k}", created_ms=rng.choice((10, 20, 30)), local_image_type="other_image",
                )
            )  # fmt: skip
            conn.execute(
                insert(image_hosts).values(
                    image_id=image_id, host_id=f"h{h}", enterprise_project_id=EPS[h % 3]
                )
            )
            for n in range(rng.choice((0, 1, 3))):
                row = {
                    "host_id": f"h{h}", "container_id": f"{k:030x}{n:02d}", "project_id": project,
                    "enterprise_project_id": EPS[h % 3], "image_id": image_id,
                    "name": f"{rng.choice(WORDS)}-{n}", "state": "running", "image_ref": "app",
                    "config_digest": f"sha256:{k}", "pod_name": rng.choice(WORDS) if n % 2 else "",
                }  # fmt: skip
                conn.execute(insert(containers).values(**row))
                rows.append(row)
        refresh_counts(conn, [f"i{k:02d}" for k in range(40)])
    yield database, rows
    database.close()


def _expected(
    rows: list[dict[str, object]], column: str, needle: str, scope: tuple[str, frozenset[str] | None]
) -> set[str]:
    asked, visible = scope
    eps = visible if asked == "all_granted_eps" else frozenset({asked})
    return {
        str(r["image_id"])
        for r in rows
        if r["project_id"] == PROJECT
        and (eps is None or r["enterprise_project_id"] in eps)
        and needle in str(r[column])
    }


def _found(conn: Connection, column: str, needle: str, scope: tuple[str, frozenset[str] | None]) -> set[str]:
    asked, visible = scope
    query = ImageQuery(limit=200, enterprise_project_id=asked, **{FILTERS[column]: needle})  # type: ignore[arg-type]
    page = list_local_images(conn, PROJECT, query, visible)
    assert page.total_num == len(page.rows)
    return {row.image_id for row in page.rows}


@pytest.mark.parametrize("indexed", [False, True], ids=["planner", "index-forced"])
def test_container_and_pod_names_match_as_a_plain_scan_of_the_scope(
    store: tuple[Database, list[dict[str, object]]], indexed: bool
) -> None:
    db, rows = store
    wrong = []
    with db.begin() as conn:
        if indexed and conn.dialect.name == "postgresql":
            # Tiny tables are scanned; forbid that so the scoped trigram index answers.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
        for column in ("name", "pod_name"):
            for needle in NEEDLES:
                for scope in SCOPES:
                    got = _found(conn, column, needle, scope)
                    expected = _expected(rows, column, needle, scope)
                    if got != expected:
                        wrong.append((column, needle, scope, sorted(got), sorted(expected)))
    assert wrong == []
