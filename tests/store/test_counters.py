"""The image counters equal a recount of image_scopes after any sequence of changes, folds included."""

from __future__ import annotations

import hashlib
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, insert, select, text, update

from openhss.inventory import ImageQuery, list_local_images
from openhss.inventory.agents import AgentRegistry
from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import HostFacts, InventoryReport, ReportedContainer, ReportedImage
from openhss.store import Database, database
from openhss.store.counters import fold_counts, recount
from openhss.store.tables import (
    WHOLE_PROJECT,
    containers,
    domains,
    hosts,
    image_counts,
    image_hosts,
    image_scopes,
    images,
    projects,
)

EPS = ("0", "ep-a", "ep-b")
TAGS = ("nginx:1", "swr.cn-north-4.myhuaweicloud.com/team/app:2", "redis:7")
DIGESTS = tuple("sha256:" + hashlib.sha256(str(k).encode()).hexdigest() for k in range(5))
HOSTS = 4


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """One migrated store; each example below works in a project of its own."""
    store = Database(database_url)
    yield store
    store.close()


@dataclass
class Fleet:
    """A project with a few hosts, and what each host reported last."""

    db: Database
    project_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    seq: Counter[int] = field(default_factory=Counter)
    last: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with self.db.begin(write=True) as conn:
            domain = uuid.uuid4().hex
            conn.execute(insert(domains).values(id=domain, name=domain, created_ms=1))
            conn.execute(
                insert(projects).values(id=self.project_id, domain_id=domain, name="p", created_ms=1)
            )
        for h in range(HOSTS):
            self.enrol(h, EPS[h % len(EPS)])

    def host_id(self, h: int) -> str:
        return f"{self.project_id[:8]}-h{h}"

    def enrol(self, h: int, ep: str) -> None:
        with self.db.begin(write=True) as conn:
            conn.execute(
                insert(hosts).values(
                    id=self.host_id(h), project_id=self.project_id, enterprise_project_id=ep,
                    name=f"n{h}", agent_id=f"a{h}", os="", engine="", last_seen_ms=h, run_id="",
                    run_started_ms=0, seq=0, created_ms=1,
                )
            )  # fmt: skip

    def ingest(self, h: int, held: tuple[tuple[int, int], ...], with_containers: tuple[bool, ...]) -> None:
        """Host h now holds images (digest index, tag index), some with a container each."""
        self.seq[h] += 1
        self.last[h] = held
        report = InventoryReport(
            project_id=self.project_id,
            host_id=self.host_id(h),
            run_id="run",
            run_started_ms=1,
            seq=self.seq[h],
            host=HostFacts(name=f"n{h}"),
            images=tuple(
                ReportedImage(DIGESTS[d], (TAGS[t],), (), 100 + d, 1000 + d) for d, t in dict(held).items()
            ),
            containers=tuple(
                ReportedContainer(f"c{h}-{d}-{t}", f"c{d}", TAGS[t], DIGESTS[d], "running")
                for (d, t), wanted in zip(dict.fromkeys(held), with_containers, strict=False)
                if wanted
            ),
        )
        apply_report(self.db, report)

    def scan(self, d: int, status: str, vul_num: int) -> None:
        with self.db.begin(write=True) as conn:
            conn.execute(
                update(images)
                .where(images.c.project_id == self.project_id, images.c.config_digest == DIGESTS[d])
                .values(scan_status=status, vul_num=vul_num)
            )

    def retime(self, d: int, created_ms: int) -> None:
        """The image rows of a digest get another created_ms (the page key presence rows copy)."""
        with self.db.begin(write=True) as conn:
            conn.execute(
                update(images)
                .where(images.c.project_id == self.project_id, images.c.config_digest == DIGESTS[d])
                .values(created_ms=created_ms)
            )

    def delete(self, h: int) -> None:
        AgentRegistry(self.db).delete_host(self.host_id(h))
        self.last.pop(h, None)
        self.seq[h] = 0

    def move(self, h: int, ep: str) -> None:
        """The host is enrolled again into another enterprise project and reports what it held."""
        held = self.last.get(h, ())
        self.delete(h)
        self.enrol(h, ep)
        if held:
            self.ingest(h, held, tuple(k % 2 == 0 for k in range(len(held))))


def counters(conn: Connection, project_id: str) -> dict[tuple[object, ...], int]:
    c = image_counts
    key = (
        c.c.enterprise_project_id,
        c.c.scan_status,
        c.c.local_image_type,
        c.c.vulnerable,
        c.c.with_containers,
    )
    rows = conn.execute(select(*key, func.sum(c.c.n)).where(c.c.project_id == project_id).group_by(*key))
    return {(r[0], r[1], r[2], bool(r[3]), bool(r[4])): int(r[5]) for r in rows if r[5]}


def recounted(conn: Connection, project_id: str) -> dict[tuple[object, ...], int]:
    s = image_scopes
    rows = conn.execute(
        select(s.c.enterprise_project_id, s.c.scan_status, s.c.local_image_type, s.c.vul_num, s.c.container_num)
        .where(s.c.project_id == project_id)
    )  # fmt: skip
    return dict(Counter((r[0], r[1], r[2], r[3] > 0, r[4] > 0) for r in rows))


QUERIES = (
    ImageQuery(),
    ImageQuery(scan_status="success"),
    ImageQuery(local_image_type="swr_image"),
    ImageQuery(has_vul=True),
    ImageQuery(has_vul=False, local_image_type="other_image"),
    ImageQuery(has_container=False),
    ImageQuery(scan_status="unscan", has_container=True),
)


def copies(conn: Connection, project_id: str) -> list[tuple[object, ...]]:
    """Presence and container rows whose copy of their image's created_ms (migration 0014) differs."""
    ih, c, i = image_hosts, containers, images
    return [
        *conn.execute(
            select(ih.c.image_id, ih.c.created_ms, i.c.created_ms)
            .join(i, i.c.id == ih.c.image_id)
            .where(i.c.project_id == project_id, ih.c.created_ms != i.c.created_ms)
        ),
        *conn.execute(
            select(c.c.image_id, c.c.image_created_ms, i.c.created_ms)
            .join(i, i.c.id == c.c.image_id)
            .where(i.c.project_id == project_id, c.c.image_created_ms != i.c.created_ms)
        ),
    ]


def assert_exact(fleet: Fleet, listing_too: bool) -> None:
    with fleet.db.begin() as conn:
        assert counters(conn, fleet.project_id) == recounted(conn, fleet.project_id)
        assert copies(conn, fleet.project_id) == []
        if not listing_too:
            return
        scopes = recounted(conn, fleet.project_id)
        for ep in (*EPS, WHOLE_PROJECT):
            for q in QUERIES:
                # The list's total goes through the counters once a filter leaves many rows; with
                # few it counts the rows it gathered. Both must be this.
                wanted = sum(
                    n
                    for (e, status, kind, vulnerable, contained), n in scopes.items()
                    if e == ep
                    and q.scan_status in (None, status)
                    and q.local_image_type in (None, kind)
                    and (q.has_vul is None or (status == "success" and vulnerable == q.has_vul))
                    and q.has_container in (None, contained)
                )
                query = ImageQuery(**{**q.__dict__, "enterprise_project_id": ep})
                assert list_local_images(conn, fleet.project_id, query, None).total_num == wanted, (ep, q)
        assert_probes_exact(fleet, conn)


def assert_probes_exact(fleet: Fleet, conn: Connection) -> None:
    """A host or container filter alone counts the images it finds without reading image_scopes:
    that is total_num only while every presence and container row is in its host's enterprise
    project and every container's image is present on its host, whatever ingest went through."""
    s, ih, c = image_scopes, image_hosts, containers
    for ep in (*EPS, WHOLE_PROJECT):
        for probe, found in (
            *((ImageQuery(host_id=fleet.host_id(h)), ih.c.host_id == fleet.host_id(h)) for h in range(HOSTS)),
            *((ImageQuery(container_name=f"c{d}"), c.c.name.contains(f"c{d}")) for d in range(len(DIGESTS))),
        ):
            source = ih if probe.host_id else c
            scoped = s.c.enterprise_project_id == ep
            if ep != WHOLE_PROJECT:  # the rows the filter searches are those of the scope's hosts
                found = found & (source.c.enterprise_project_id == ep)
            wanted = (
                conn.execute(
                    select(s.c.image_id)
                    .where(
                        s.c.project_id == fleet.project_id,
                        scoped,
                        s.c.image_id.in_(select(source.c.image_id).where(found)),
                    )
                    .order_by(s.c.created_ms.desc(), s.c.image_id.desc())
                )
                .scalars()
                .all()
            )
            query = ImageQuery(**{**probe.__dict__, "enterprise_project_id": ep})
            page = list_local_images(conn, fleet.project_id, query, None)
            # The page too: these filters take it from the presence and container rows' copies of
            # the page key, which must follow every change of an image's created_ms.
            shown = [r.image_id for r in page.rows]
            assert (page.total_num, shown) == (len(wanted), wanted[:10]), (ep, probe)


HELD = st.lists(st.tuples(st.integers(0, len(DIGESTS) - 1), st.integers(0, len(TAGS) - 1)), max_size=6)
OPS = st.one_of(
    st.tuples(st.just("ingest"), st.integers(0, HOSTS - 1), HELD, st.lists(st.booleans(), max_size=6)),
    st.tuples(
        st.just("scan"),
        st.integers(0, len(DIGESTS) - 1),
        st.sampled_from(("success", "failed", "scanning", "waiting")),
        st.sampled_from((0, 3)),
    ),
    st.tuples(st.just("retime"), st.integers(0, len(DIGESTS) - 1), st.sampled_from((999, 1002, 5000))),
    st.tuples(st.just("delete"), st.integers(0, HOSTS - 1)),
    st.tuples(st.just("move"), st.integers(0, HOSTS - 1), st.sampled_from(EPS)),
    st.tuples(st.just("fold"), st.sampled_from((0, 3))),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=14))
def test_counters_equal_a_recount_after_any_changes(db: Database, ops: list[tuple[object, ...]]) -> None:
    fleet = Fleet(db)
    for op in ops:
        match op:
            case ("ingest", int(h), list(held), list(contained)):
                fleet.ingest(h, tuple(held), tuple(contained))
            case ("scan", int(d), str(status), int(vul_num)):
                fleet.scan(d, status, vul_num)
            case ("retime", int(d), int(created_ms)):
                fleet.retime(d, created_ms)
            case ("delete", int(h)):
                fleet.delete(h)
                fleet.enrol(h, EPS[h % len(EPS)])
            case ("move", int(h), str(ep)):
                fleet.move(h, ep)
            case ("fold", int(at)):
                fold_counts(db, fleet.project_id, at=at)
        assert_exact(fleet, listing_too=False)
    assert_exact(fleet, listing_too=True)
    fold_counts(db, fleet.project_id, at=0)
    assert_exact(fleet, listing_too=True)


def test_a_fold_leaves_one_row_per_nonzero_key(db: Database) -> None:
    fleet = Fleet(db)
    for k in range(4):
        fleet.ingest(k % HOSTS, ((k % len(DIGESTS), k % len(TAGS)), (0, 0)), (True,))
        fleet.scan(k % len(DIGESTS), "success", k % 2)
    fleet.delete(0)
    fold_counts(db, fleet.project_id, at=0)
    with db.begin() as conn:
        rows = conn.execute(
            select(func.count(), func.min(image_counts.c.n)).where(
                image_counts.c.project_id == fleet.project_id
            )
        ).one()
        assert rows[0] == len(recounted(conn, fleet.project_id))
        assert rows[1] > 0
    assert_exact(fleet, listing_too=True)


@pytest.mark.postgres
def test_concurrent_ingests_and_folds_never_lose_or_double_a_delta(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    fleet = Fleet(db)
    failures: list[BaseException] = []
    stop = threading.Event()

    def writer(seed: int, own: tuple[int, ...], digests: tuple[int, ...]) -> None:
        # Each writer its own hosts and images (two ingests creating one new image row at once is
        # a unique-key conflict, not what this test is about) but the same keys: both write the
        # counters of enterprise project 0 and of the whole project.
        rng = random.Random(seed)
        try:
            for _ in range(40):
                h = rng.choice(own)
                held = tuple(
                    (rng.choice(digests), rng.randrange(len(TAGS))) for _ in range(rng.randint(0, 5))
                )
                fleet.ingest(h, held, tuple(rng.random() < 0.5 for _ in held))
                fleet.scan(rng.choice(digests), rng.choice(("success", "failed")), rng.choice((0, 2)))
                fold_counts(db, fleet.project_id, at=0)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    def reader() -> None:
        # Within one statement (one snapshot) the whole-project counters equal the rows they count.
        try:
            while not stop.is_set():
                with db.begin() as conn:
                    counted, rows = conn.execute(
                        text(
                            "SELECT (SELECT coalesce(sum(n), 0) FROM image_counts WHERE project_id = :p "
                            "AND enterprise_project_id = '*'), (SELECT count(*) FROM image_scopes "
                            "WHERE project_id = :p AND enterprise_project_id = '*')"
                        ),
                        {"p": fleet.project_id},
                    ).one()
                assert counted == rows
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=writer, args=(1, (0, 2), (0, 1, 2))),
        threading.Thread(target=writer, args=(2, (1, 3), (3, 4))),
    ]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert failures == []
    assert_exact(fleet, listing_too=True)


def test_migration_fills_the_counters_of_an_existing_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    old = Database(url)
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    fleet_project = _fill_without_counters(old)
    old.migrate()
    with old.begin() as conn:
        assert counters(conn, fleet_project) == recounted(conn, fleet_project) != {}
        before = counters(conn, fleet_project)
    with old.begin(write=True) as conn:
        recount(conn)
    with old.begin() as conn:
        assert counters(conn, fleet_project) == before
    old.close()


def _fill_without_counters(db: Database) -> str:
    """Scope rows written straight into a store at 0007 (no counters yet), as a store in use holds them."""
    project = uuid.uuid4().hex
    rng = random.Random(7)
    with db.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d", name="d", created_ms=1))
        conn.execute(insert(projects).values(id=project, domain_id="d", name="p", created_ms=1))
        for k in range(30):
            image_id = f"i{k}"
            status = rng.choice(("unscan", "success", "failed"))
            kind = rng.choice(("swr_image", "other_image"))
            conn.execute(
                insert(images).values(
                    id=image_id, project_id=project, image_name="app", image_version=str(k),
                    config_digest=DIGESTS[k % len(DIGESTS)], local_image_type=kind, scan_status=status,
                )
            )  # fmt: skip
            for ep in (rng.choice(EPS), WHOLE_PROJECT):
                conn.execute(
                    text(
                        "INSERT INTO image_scopes (image_id, enterprise_project_id, project_id, created_ms, "
                        "host_num, container_num, scan_status, local_image_type, vul_num) "
                        "VALUES (:i, :e, :p, 1, 1, :c, :s, :t, :v)"
                    ),
                    {"i": image_id, "e": ep, "p": project, "c": k % 3, "s": status, "t": kind, "v": k % 2},
                )
    return project
