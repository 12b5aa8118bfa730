"""Agents of many hosts report at once, about the same images: every ingest succeeds and the counts stay exact.

A fleet's hosts share their images (the `pause` image is on all of them), so on PostgreSQL two
ingests routinely create the same new image row, or recompute the same image's counts, at the same
moment. On SQLite writers take turns; the test runs there too.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Executable, delete, event, func, insert, select, text, update

from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import (
    ConcurrentChange,
    HostFacts,
    InventoryReport,
    ReportedContainer,
    ReportedImage,
)
from openhss.store import Database
from openhss.store.tables import (
    WHOLE_PROJECT,
    containers,
    domains,
    hosts,
    image_hosts,
    image_names,
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


@pytest.mark.postgres
def test_an_image_row_deleted_while_an_ingest_points_at_it(db: Database) -> None:
    """A host reports an image whose row another transaction is deleting (its image forgotten).

    The ingest waits for that transaction and, once the row is gone, creates it again: its
    presence and container rows never point at a deleted row (a foreign key violation that would
    fail the report).
    """
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    project_id = _project(db)
    digest = "sha256:" + hashlib.sha256(b"forgotten").hexdigest()
    held = [(digest, TAGS[1])]
    apply_report(db, _report(project_id, 0, 1, held))
    with db.begin() as conn:
        (old,) = conn.execute(select(images.c.id).where(images.c.project_id == project_id)).scalars()
    failures: list[BaseException] = []

    def second_host() -> None:
        try:
            apply_report(db, _report(project_id, 1, 1, held))
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    with db.engine.connect() as deleting:
        with deleting.begin():
            deleting.execute(delete(images).where(images.c.id == old))
            ingest = threading.Thread(target=second_host)
            ingest.start()
            _wait_for_a_lock_wait(db)
        ingest.join()
    assert failures == []
    with db.begin() as conn:
        rows = conn.execute(select(images.c.id).where(images.c.project_id == project_id)).scalars().all()
        present = conn.execute(
            select(image_hosts.c.host_id, image_hosts.c.image_id).join(
                images, images.c.id == image_hosts.c.image_id
            )
        ).all()
    assert len(rows) == 1 and rows[0] != old
    assert [(h, i) for h, i in present if i == rows[0]] == [(f"{project_id[:8]}-h1", rows[0])]
    _assert_exact(db, project_id)


def _wait_for_a_lock_wait(db: Database) -> None:
    """Until some session of the database waits for a lock (the ingest, on the deleting transaction)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            if conn.execute(waiting).scalar_one():
                return
        time.sleep(0.01)
    raise AssertionError("the ingest never waited for the deleting transaction")


class _Interloper:
    """Another writer committing between an ingest's statements: it takes the ingest's new image row.

    Just before the ingest inserts its new image rows, this creates the row of `digest` (committed),
    so the insert skips it; just before the ingest then looks that row up, this deletes it
    (committed), so the lookup misses it. `rounds` times over.
    """

    def __init__(self, db: Database, project_id: str, digest: str, name_id: int, rounds: int) -> None:
        self.db, self.rounds = db, rounds
        self.create = insert(images).values(
            id=str(uuid.uuid4()), project_id=project_id, image_name="nginx", image_version="1.25",
            config_digest=digest, name_id=name_id, created_ms=1000, local_image_type="other_image",
        )  # fmt: skip
        self.delete = delete(images).where(
            images.c.project_id == project_id, images.c.config_digest == digest
        )
        self.created = False
        event.listen(db.engine, "before_cursor_execute", self.before)

    def close(self) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self.before)

    def before(self, conn: Connection, cursor: object, statement: str, *_: object) -> None:
        if self.rounds == 0 or conn.info.get("interloper"):
            return
        if statement.startswith("INSERT INTO images "):
            self._commit(self.create)
            self.created = True
        elif self.created and statement.startswith("SELECT images.id") and "FOR KEY SHARE" in statement:
            self._commit(self.delete)
            self.created = False
            self.rounds -= 1

    def _commit(self, statement: Executable) -> None:
        with self.db.engine.begin() as conn:
            conn.info["interloper"] = True
            try:
                conn.execute(statement)
            finally:
                del conn.info["interloper"]


def _contested(db: Database, rounds: int) -> tuple[str, str, _Interloper]:
    """A project whose host 0 holds an `nginx` image (so the name is known), the digest host 1 is
    about to report, and an interloper that takes and deletes that new row `rounds` times."""
    project_id = _project(db)
    other = "sha256:" + hashlib.sha256(b"other").hexdigest()
    apply_report(db, _report(project_id, 0, 1, [(other, TAGS[1])]))
    with db.begin() as conn:
        name_id = conn.execute(select(image_names.c.id).where(image_names.c.name == "nginx")).scalar_one()
    digest = "sha256:" + hashlib.sha256(b"contested").hexdigest()
    return project_id, digest, _Interloper(db, project_id, digest, name_id, rounds)


@pytest.mark.postgres
@pytest.mark.parametrize("rounds", [1, 4])
def test_a_new_image_row_taken_and_deleted_before_the_ingest_locks_it(db: Database, rounds: int) -> None:
    """The row another ingest created meanwhile is deleted before this one finds it: it is created again."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    project_id, digest, interloper = _contested(db, rounds)
    try:
        apply_report(db, _report(project_id, 1, 1, [(digest, TAGS[1])]))
    finally:
        interloper.close()
    assert interloper.rounds == 0
    with db.begin() as conn:
        held = conn.execute(
            select(images.c.config_digest)
            .join(image_hosts, image_hosts.c.image_id == images.c.id)
            .where(image_hosts.c.host_id == f"{project_id[:8]}-h1")
        ).scalars()
        assert list(held) == [digest]
    _assert_exact(db, project_id)


@pytest.mark.postgres
def test_an_ingest_that_never_keeps_its_new_row_fails_whole(db: Database) -> None:
    """Rows deleted round after round: the report fails as a whole (503 at the API) and changes nothing."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    project_id, digest, interloper = _contested(db, 100)
    seq = select(hosts.c.seq).where(hosts.c.id == f"{project_id[:8]}-h1")
    with db.begin() as conn:
        before = conn.execute(seq).scalar_one()
    try:
        with pytest.raises(ConcurrentChange):
            apply_report(db, _report(project_id, 1, 1, [(digest, TAGS[1])]))
    finally:
        interloper.close()
    with db.begin() as conn:
        assert conn.execute(seq).scalar_one() == before
    _assert_exact(db, project_id)
