"""Substring filters through the trigram indexes answer exactly what a plain scan answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert, select, update

from openhss.inventory import ImageQuery, list_local_images
from openhss.inventory.counts import refresh_counts
from openhss.inventory.probes import search
from openhss.store import Database
from openhss.store.interning import intern
from openhss.store.tables import (
    component_names,
    containers,
    domains,
    hosts,
    image_components,
    image_hosts,
    image_names,
    images,
    projects,
)

PROJECT = "p" * 32
NAMES = [
    "my-webshell",
    "registry.local/100%_done",
    "a_b%c",
    "percent%%twice",
    "quote'd\"name",
    "Ünïcödé-名前-app",
    "ABCabc",
    "abcABC",
    "xx",
    "back\\slash\\path",
    "emoji😀x-svc",
    "under_score_name",
    "line\ttab",
]
NEEDLES = [
    "%", "_", "%_", "%%", "'", '"', "d\"n", "'d\"", "名前", "ÜN", "Ün", "ünï", "bc", "ABC", "abc", "cAB",
    "\\", "\\sl", "😀x", "😀x-", "e", "she", "0%_", "0%_d", "_b%", "score_", "webshell!", "my-webshell",
    "\t", "e\tt", "a", "xx", "xxx", "ŰN",
]  # fmt: skip
COLUMNS = ["image_name", "host_name", "container_name", "pod_name", "app_name"]


def _hosts(conn: Connection, names: list[str]) -> None:
    """The domain and project, and host k named names[k]."""
    conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
    conn.execute(insert(projects).values(id=PROJECT, domain_id="d" * 32, name="cn", created_ms=1))
    for k, name in enumerate(names):
        conn.execute(
            insert(hosts).values(
                id=f"h{k}", project_id=PROJECT, enterprise_project_id="0", name=name, agent_id=f"a{k}",
                os="", engine="", last_seen_ms=k, run_id="", run_started_ms=0, seq=0, created_ms=1,
            )
        )  # fmt: skip


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    """An empty migrated store."""
    database = Database(database_url)
    yield database
    database.close()


@pytest.fixture
def db(store: Database) -> Database:
    """A store where row k of every searched column holds NAMES[k] (image k, on host k)."""
    with store.begin(write=True) as conn:
        _hosts(conn, NAMES)
        for k, name in enumerate(NAMES):
            conn.execute(
                insert(images).values(
                    id=f"i{k}", project_id=PROJECT, image_name=name, image_version="1",
                    config_digest=f"sha256:{k}", repo_digest="", image_size=k, created_ms=k,
                    local_image_type="other_image", scan_status="unscan", latest_scan_ms=0, vul_num=0,
                    unsafe_setting_num=0, malicious_file_num=0, component_num=1, scan_failed_desc="",
                    severity_level="", non_scan_reason="", name_id=intern(conn, image_names, [name])[name],
                )
            )  # fmt: skip
            conn.execute(
                insert(image_hosts).values(image_id=f"i{k}", host_id=f"h{k}", enterprise_project_id="0")
            )
            conn.execute(
                insert(containers).values(
                    host_id=f"h{k}", container_id=f"{k:064x}", project_id=PROJECT, enterprise_project_id="0",
                    image_id=f"i{k}", name=name, state="running", image_ref="x", config_digest=f"sha256:{k}",
                    pod_id=f"pod{k}", pod_name=name, pod_namespace="default", created_ms=1,
                )
            )  # fmt: skip
            conn.execute(insert(component_names).values(id=k + 1, name=name))
            conn.execute(insert(image_components).values(config_digest=f"sha256:{k}", name_id=k + 1))
        refresh_counts(conn, [f"i{k}" for k in range(len(NAMES))])
    return store


def _found(db: Database, **filters: object) -> set[str]:
    query = ImageQuery(limit=200, **filters)  # type: ignore[arg-type]
    with db.begin() as conn:
        page = list_local_images(conn, PROJECT, query, None)
    assert page.total_num == len(page.rows)
    return {row.image_id for row in page.rows}


def test_every_needle_matches_as_a_plain_scan_would(db: Database) -> None:
    wrong = []
    for column in COLUMNS:
        for needle in NEEDLES:
            expected = {f"i{k}" for k, name in enumerate(NAMES) if needle in name}
            got = _found(db, **{column: needle})
            if got != expected:
                wrong.append((column, needle, sorted(got), sorted(expected)))
    assert wrong == []


def test_search_follows_inserts_updates_and_deletes(db: Database) -> None:
    with db.begin(write=True) as conn:
        conn.execute(update(hosts).where(hosts.c.id == "h0").values(name="renamed-host"))
        # An image row's name never changes in the product (it is part of its identity); renaming one
        # here, with its interned name, checks that both searches follow the new name.
        renamed = intern(conn, image_names, ["renamed-image"])["renamed-image"]
        conn.execute(
            update(images).where(images.c.id == "i1").values(image_name="renamed-image", name_id=renamed)
        )
        conn.execute(delete(containers).where(containers.c.host_id == "h2"))
        conn.execute(update(containers).where(containers.c.host_id == "h3").values(pod_name="new-pod-name"))
        refresh_counts(conn, ["i1", "i2"])
    assert _found(db, host_name="renamed-h") == {"i0"}
    assert _found(db, host_name="webshell") == set()
    assert _found(db, image_name="renamed-im") == {"i1"}
    assert _found(db, image_name="renamed-im", image_version="1") == {"i1"}
    assert _found(db, image_name="100%_done") == set()
    assert _found(db, container_name="_b%") == set()
    assert _found(db, pod_name="new-pod") == {"i3"}
    assert _found(db, pod_name="percent%%") == set()


def test_image_values_follow_scans_into_the_list_filters(db: Database) -> None:
    with db.begin(write=True) as conn:
        conn.execute(
            update(images)
            .where(images.c.id == "i4")
            .values(scan_status="success", vul_num=3, latest_scan_ms=50, image_size=999)
        )
    assert _found(db, scan_status="success") == {"i4"}
    assert _found(db, has_vul=True) == {"i4"}
    assert _found(db, has_vul=False) == set()
    assert _found(db, image_size=999) == {"i4"}
    assert _found(db, scan_range=(40, 60)) == {"i4"}
    assert _found(db, scan_status="unscan") == {f"i{k}" for k in range(len(NAMES)) if k != 4}


# Few characters, so that needles often share windows with names they are not in; with the quote,
# FTS5's own escape, and LIKE's wildcards.
_CHARS = st.sampled_from(list('ab-"%_é'))
_NAME = st.text(_CHARS, min_size=0, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_NAME, min_size=1, max_size=12), data=st.data())
def test_trigram_search_finds_exactly_the_names_holding_the_needle(
    store: Database, names: list[str], data: st.DataObject
) -> None:
    # Needles from the names themselves (found) and free ones (mostly not), 3+ characters so that
    # SQLite takes its FTS5 windows, not the plain scan.
    inner = st.sampled_from(names).flatmap(
        lambda n: st.tuples(st.integers(0, len(n)), st.integers(0, len(n))).map(
            lambda ij: n[min(ij) : max(ij)]
        )
    )
    needle = data.draw(st.one_of(inner, _NAME).filter(lambda s: len(s) >= 3))
    # Every example in one engine, rolled back after it: the store stays empty between examples.
    with store.engine.connect() as conn, conn.begin() as tx:
        _hosts(conn, names)
        found = set(conn.execute(select(hosts.c.id).where(search(conn, hosts, "name", needle))).scalars())
        tx.rollback()
    assert found == {f"h{k}" for k, name in enumerate(names) if needle in name}
