"""What an agent's routine report costs: the same snapshot again, alone and from many agents at once.

    PYTHONPATH=src python bench/fleet/ingest.py sqlite:////tmp/fleet.db [--hosts 8] [--skip N] [--agents 1,4]
        [--seconds 20] [--restart]

Agents send a full snapshot every few minutes, and most of them say what the last one said. This
rebuilds the snapshot of each of the `--hosts` hosts holding the most images (after the `--skip`
first) from the store (its images, tags, repo digests and containers, as its agent would report
them) and applies it again through `apply_report`, with the next sequence number, exactly as
`POST /agent/v1/inventory` does: committed, so the store keeps what it held (only the hosts'
sequence numbers and last-seen times move). The hosts share their base images, as a fleet's do,
so concurrent agents lock the same image rows. For each count in `--agents`, that many threads
each re-report their own hosts for `--seconds`; prints reports a second, p50/p99 latency, and the
transactions the database aborted and `Database.write` ran again. Checks that no report created
an image row (the rebuilt snapshots are the stored ones). With `--restart`, each report differs
from the host's last by one container replaced by a new one of the same image (a restarted pod:
that image's hosts and containers are counted again over the fleet); the store keeps the new
containers. First prints what reading and checking the largest snapshot's JSON costs
(`parse_report`, the route's step before the ingest).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import Connection, func, select
from stores import busiest_hosts, store_url

from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import (
    HostAddress,
    HostFacts,
    InventoryReport,
    ReportedContainer,
    ReportedImage,
)
from openhss.inventory.names import UNTAGGED
from openhss.inventory.report import SCHEMA_VERSION, parse_report
from openhss.store import Database
from openhss.store.tables import containers, host_addresses, hosts, image_hosts, images


def snapshot(conn: Connection, host_id: str) -> InventoryReport:
    """The host's snapshot as its agent would send it again (sequence number left to the caller):
    its addresses, images with their tags and repo digests, and containers, as stored."""
    host = conn.execute(select(hosts).where(hosts.c.id == host_id)).one()
    a = host_addresses
    addresses = tuple(
        HostAddress(r.address, r.kind)
        for r in conn.execute(
            select(a.c.address, a.c.kind).where(a.c.host_id == host_id).order_by(a.c.address)
        )
    )
    i = images
    held = conn.execute(
        select(
            i.c.image_name,
            i.c.image_version,
            i.c.config_digest,
            i.c.repo_digest,
            i.c.image_size,
            i.c.created_ms,
        )
        .join(image_hosts, image_hosts.c.image_id == i.c.id)
        .where(image_hosts.c.host_id == host_id)
        .order_by(i.c.config_digest)
    ).all()
    by_digest: dict[str, tuple[list[str], list[str], int, int]] = {}
    for row in held:
        tags, digests, _, _ = by_digest.setdefault(
            row.config_digest, ([], [], row.image_size, row.created_ms)
        )
        if row.image_name != UNTAGGED:
            tags.append(f"{row.image_name}:{row.image_version}")
            if row.repo_digest:
                digests.append(f"{row.image_name}@{row.repo_digest}")
    c = containers
    return InventoryReport(
        project_id=host.project_id,
        host_id=host_id,
        run_id=host.run_id or "bench",
        run_started_ms=host.run_started_ms,
        seq=host.seq,
        host=HostFacts(name=host.name, os=host.os, engine=host.engine, addresses=addresses),
        images=tuple(
            ReportedImage(d, tuple(tags), tuple(digests), size, created)
            for d, (tags, digests, size, created) in by_digest.items()
        ),
        containers=tuple(
            ReportedContainer(
                r.container_id,
                r.name,
                r.image_ref,
                r.config_digest,
                r.state,
                r.created_ms,
                r.pod_id,
                r.pod_name,
                r.pod_namespace,
            )
            for r in conn.execute(select(c).where(c.c.host_id == host_id).order_by(c.c.container_id))
        ),
    )


def restarted(report: InventoryReport, seq: int) -> InventoryReport:
    """The report with one of its containers (a different one each time) replaced by a new
    container of the same image, as a restarted pod's: its image's counts are taken again."""
    k = seq % len(report.containers)
    old = report.containers[k]
    new = dataclasses.replace(old, id=f"{old.id[:100]}-r{seq}")
    return dataclasses.replace(report, containers=(*report.containers[:k], new, *report.containers[k + 1 :]))


def report_json(report: InventoryReport) -> bytes:
    """The report as its agent sends it (schema openhss.inventory/v1)."""
    document = dataclasses.asdict(report)
    document["schema"] = SCHEMA_VERSION
    return json.dumps(document).encode()


def parse_ms(body: bytes, runs: int = 5) -> float:
    """Median ms of reading and checking the report, as `POST /agent/v1/inventory` does first."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        parse_report(body)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


class _Aborts(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "aborted by the database" in record.getMessage():
            self.count += 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="SQLAlchemy URL or SQLite file")
    parser.add_argument("--hosts", type=int, default=8, help="the hosts holding the most images")
    parser.add_argument("--skip", type=int, default=0, help="after this many of them (10000: typical hosts)")
    parser.add_argument("--agents", default="1,4", help="comma-separated counts of concurrent agents")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--restart",
        action="store_true",
        help="each report has one container replaced by a new one of the same image (a restarted pod)",
    )
    args = parser.parse_args()
    db = Database(store_url(args.database))
    aborts = _Aborts()
    logging.getLogger("openhss").addHandler(aborts)
    logging.getLogger("openhss").setLevel(logging.INFO)
    with db.begin() as conn:
        busiest = busiest_hosts(conn, image_hosts.c.host_id, args.skip, args.hosts)
        reports = [snapshot(conn, h) for h in busiest]
        rows_before = conn.execute(select(func.count()).select_from(images)).scalar_one()
    held = [len(r.images) for r in reports]
    print(
        f"{len(reports)} hosts, {min(held)}-{max(held)} images and {sum(len(r.containers) for r in reports)} containers in all"
    )
    largest = report_json(max(reports, key=lambda r: len(r.images)))
    print(f"reading and checking the largest report ({len(largest) // 1024} KB): {parse_ms(largest):.1f} ms")
    seqs = [r.seq for r in reports]
    lock = threading.Lock()
    for agents in (int(a) for a in args.agents.split(",")):
        latencies: list[float] = []
        failures: list[BaseException] = []
        aborts.count = 0
        deadline = time.monotonic() + args.seconds

        def agent(k: int) -> None:
            mine = list(range(k, len(reports), agents))  # noqa: B023 (read while the loop waits)
            n = 0
            try:
                while time.monotonic() < deadline:  # noqa: B023
                    h = mine[n % len(mine)]
                    n += 1
                    with lock:
                        seqs[h] += 1
                        seq = seqs[h]
                    report = InventoryReport(**{**reports[h].__dict__, "seq": seq})
                    if args.restart and report.containers:
                        report = reports[h] = restarted(report, seq)  # one change since the last
                    started = time.perf_counter()
                    result = apply_report(db, report)
                    elapsed = time.perf_counter() - started
                    assert result.applied
                    with lock:
                        latencies.append(elapsed)  # noqa: B023
            except BaseException as exc:
                failures.append(exc)  # noqa: B023

        threads = [threading.Thread(target=agent, args=(k,)) for k in range(min(agents, len(reports)))]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        if failures:
            print(f"{agents} agents: FAILED {failures[0]!r}")
            return 1
        q = statistics.quantiles(latencies, n=100)
        print(
            f"{agents} agents: {len(latencies) / wall:.1f} reports/s, p50 {q[49] * 1000:.0f} ms, "
            f"p99 {q[98] * 1000:.0f} ms, {len(latencies)} reports, {aborts.count} aborted and run again"
        )
    with db.begin() as conn:
        created = conn.execute(select(func.count()).select_from(images)).scalar_one() - rows_before
    db.close()
    if created:
        print(f"WRONG: the same snapshots created {created} image rows")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
