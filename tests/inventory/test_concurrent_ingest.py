"""Agents of many hosts report at once, about the same images: every ingest succeeds and the counts stay exact.

A fleet's hosts share their images (the `pause` image is on all of them), so on PostgreSQL two
ingests routinely create the same new image row, or recompute the same image's counts, at the same
moment. On SQLite writers take turns; the test runs there too.
"""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, insert, select, update

from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import HostFacts, InventoryReport, ReportedContainer, ReportedImage
from openhss.store import Database
from openhss.store.tables import (
    WHOLE_PROJECT,
    containers,
    domains,
    hosts,
    image_hosts,
    image_scopes,
    images,
    projects,
)

HOSTS = 4
EPS = ("0", "ep-a")
TAGS = ("pause:3.9", "nginx:1.25", "swr.cn-north-4.myhuaweicloud.com/team/app:2")
ROUNDS = 25


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    yield store
    store.close()


def _project(db: Database) -> str:
    project_id = uuid.uuid4().hex
    with db.begin(write=True) as conn:
        domain = uuid.uuid4().hex
        conn.execute(insert(domains).values(id=domain, name=domain, created_ms=1))
        conn.execute(insert(projects).values(id=project_id, domain_id=domain, name="p", created_ms=1))
        for h in range(HOSTS):
            conn.execute(
                insert(hosts).values(
                    id=f"{project_id[:8]}-h{h}", project_id=project_id, enterprise_project_id=EPS[h % 2],
                    name=f"n{h}", agent_id=f"a{h}", os="", engine="", last_seen_ms=h, run_id="",
                    run_started_ms=0, seq=0, created_ms=1,
                )
            )  # fmt: skip
    return project_id


def _report(project_id: str, h: int, seq: int, held: list[tuple[str, str]]) -> InventoryReport:
    return InventoryReport(
        project_id=project_id,
        host_id=f"{project_id[:8]}-h{h}",
        run_id="run",
        run_started_ms=1,
        seq=seq,
        host=HostFacts(name=f"n{h}"),
        images=tuple(ReportedImage(d, (t,), (), 100, 1000) for d, t in held),
        containers=tuple(
            ReportedContainer(f"c{h}-{k}", f"c{k}", t, d, "running")
            for k, (d, t) in enumerate(held)
            if k % 2 == 0
        ),
    )


def test_hosts_reporting_the_same_new_images_at_once(db: Database) -> None:
    project_id = _project(db)
    failures: list[BaseException] = []
    start = threading.Barrier(HOSTS + 1)

    def agent(h: int) -> None:
        rng = random.Random(h)
        try:
            start.wait()
            for seq in range(1, ROUNDS + 1):
                # Every round brings images no host had before (new rows for every agent at once),
                # and keeps some of the old ones (their counts recomputed by every agent at once).
                fresh = [
                    ("sha256:" + hashlib.sha256(f"{seq}-{k}".encode()).hexdigest(), TAGS[k]) for k in range(3)
                ]
                old = [
                    ("sha256:" + hashlib.sha256(f"{rng.randint(1, seq)}-{k}".encode()).hexdigest(), TAGS[k])
                    for k in range(3)
                ]
                apply_report(db, _report(project_id, h, seq, list(dict.fromkeys(fresh + old))))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def scanner() -> None:
        # A scan result changes the image rows (and, through the trigger, their scope rows) meanwhile.
        try:
            start.wait()
            for seq in range(1, ROUNDS + 1):
                digest = "sha256:" + hashlib.sha256(f"{seq}-1".encode()).hexdigest()
                with db.begin(write=True) as conn:
                    conn.execute(
                        update(images)
                        .where(images.c.project_id == project_id, images.c.config_digest == digest)
                        .values(scan_status="success", vul_num=seq)
                    )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=agent, args=(h,)) for h in range(HOSTS)]
    threads.append(threading.Thread(target=scanner))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    _assert_exact(db, project_id)


def _assert_exact(db: Database, project_id: str) -> None:
    with db.begin() as conn:
        keys = conn.execute(
            select(images.c.image_name, images.c.image_version, images.c.config_digest, func.count())
            .where(images.c.project_id == project_id)
            .group_by(images.c.image_name, images.c.image_version, images.c.config_digest)
        ).all()
        assert keys and all(row[3] == 1 for row in keys)
        held = Counter(
            (row.image_id, row.enterprise_project_id)
            for row in conn.execute(
                select(image_hosts.c.image_id, image_hosts.c.enterprise_project_id)
                .join(images, images.c.id == image_hosts.c.image_id)
                .where(images.c.project_id == project_id)
            )
        )
        running = Counter(
            (row.image_id, row.enterprise_project_id)
            for row in conn.execute(
                select(containers.c.image_id, containers.c.enterprise_project_id).where(
                    containers.c.project_id == project_id
                )
            )
        )
        for (image_id, _ep), n in list(held.items()):
            held[(image_id, WHOLE_PROJECT)] += n
        for (image_id, _ep), n in list(running.items()):
            running[(image_id, WHOLE_PROJECT)] += n
        values = {
            row.id: (row.scan_status, row.vul_num)
            for row in conn.execute(
                select(images.c.id, images.c.scan_status, images.c.vul_num).where(
                    images.c.project_id == project_id
                )
            )
        }
        scopes = {
            (row.image_id, row.enterprise_project_id): (
                row.host_num,
                row.container_num,
                row.scan_status,
                row.vul_num,
            )
            for row in conn.execute(select(image_scopes).where(image_scopes.c.project_id == project_id))
        }
    wanted = {key: (n, running[key], *values[key[0]]) for key, n in held.items()}
    assert scopes == wanted
