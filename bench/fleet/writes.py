"""What keeping component_presence adds to the writes that change it, measured without changing the store.

    PYTHONPATH=src python bench/fleet/writes.py sqlite:////tmp/fleet.db [--images 200] [--digests 40]

Inside transactions that are rolled back: removes each of `--images` images (present in several
enterprise projects) from one host and recomputes their scope rows (`refresh_counts`, what every
ingest and host deletion ends with), and records a first scan of `--digests` image IDs (their names
deleted beforehand, then all written by `record_scan`'s own code), once with migration 0013's
triggers and once with them dropped inside the same transaction. Only the timed writes are timed.
Prints the wall time of each (median of `--runs`) and the difference. With `--as-is` (and `src/`
of the code to compare), the store's writes are timed as they are, nothing dropped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet as shape
from sqlalchemy import Connection, delete, func, select, text

from openhss.inventory.counts import refresh_counts
from openhss.store import Database
from openhss.store.tables import component_names, image_components, image_hosts, image_scopes, images
from openhss.vulndb.scans import ImageScan, ScannedComponent, _record, package_ref

_SQLITE = ("scopes_ai", "scopes_ad", "components_ai", "components_ad", "images_bd")
_POSTGRESQL = (
    ("image_scopes", "image_scopes_insert"),
    ("image_scopes", "image_scopes_delete"),
    ("image_components", "image_components_insert"),
    ("image_components", "image_components_delete"),
    ("images", "images_bd"),
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="the store generate.py filled (SQLAlchemy URL)")
    parser.add_argument("--images", type=int, default=200, help="images whose scope rows are recomputed")
    parser.add_argument("--digests", type=int, default=40, help="image IDs whose scan is recorded")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--as-is", action="store_true", help="time only the store as it is (one before migration 0013)"
    )
    args = parser.parse_args()
    engine = Database(args.database).engine
    with engine.connect() as conn:
        ids = _spread_images(conn, args.images)
        digests = _scanned_digests(conn, args.digests)
        scans = [_scan_of(conn, d) for d in digests]
        conn.rollback()
        links = sum(len(s.components) for s in scans)
        print(f"{len(ids)} images in several enterprise projects; {len(scans)} image IDs, {links} names")
        print("| write | with presence ms | without ms | added ms |")
        print("|---|---:|---:|---:|")
        cases: dict[str, tuple[Callable[[Connection], None], Callable[[Connection], None]]] = {
            f"refresh_counts of {len(ids)} images, each gone from one host": (
                lambda c: _leave_one_host(c, ids),
                lambda c: refresh_counts(c, ids),
            ),
            f"scan of {len(scans)} image IDs, first scan (every name new)": (
                lambda c: _drop_names(c, scans),
                lambda c: _record_all(c, scans),
            ),
        }
        for label, (prepare, write) in cases.items():
            if args.as_is:
                print(f"| {label} | {_timed(conn, prepare, write, True, args.runs):.1f} | | |")
                continue
            timed = {kept: _timed(conn, prepare, write, kept, args.runs) for kept in (True, False)}
            print(f"| {label} | {timed[True]:.1f} | {timed[False]:.1f} | {timed[True] - timed[False]:.1f} |")
    engine.dispose()
    return 0


def _timed(
    conn: Connection,
    prepare: Callable[[Connection], None],
    write: Callable[[Connection], None],
    kept: bool,
    runs: int,
) -> float:
    spent: list[float] = []
    for _ in range(runs + 1):
        if not kept:
            _drop_triggers(conn)
        prepare(conn)
        begun = time.perf_counter()
        write(conn)
        spent.append((time.perf_counter() - begun) * 1000)
        conn.rollback()
    return statistics.median(spent[1:])  # the first warms the caches


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for table, name in _POSTGRESQL:
            conn.execute(text(f"DROP TRIGGER component_presence_{name} ON {table}"))
    else:
        for name in _SQLITE:
            conn.execute(text(f"DROP TRIGGER component_presence_{name}"))


def _spread_images(conn: Connection, n: int) -> list[str]:
    """Scanned images with rows in two or more enterprise projects (besides the whole project)."""
    s = image_scopes
    many = (
        select(s.c.image_id)
        .where(
            s.c.project_id == shape.PROJECT_ID, s.c.enterprise_project_id != "*", s.c.scan_status == "success"
        )
        .group_by(s.c.image_id)
        .having(func.count() >= 2)
        .order_by(s.c.image_id)
        .limit(n)
    )
    return list(conn.execute(many).scalars())


def _scanned_digests(conn: Connection, n: int) -> list[str]:
    spread = select(images.c.config_digest).where(images.c.id.in_(_spread_images(conn, n * 4)))
    return sorted(set(conn.execute(spread).scalars()))[:n]


def _scan_of(conn: Connection, digest: str) -> ImageScan:
    names = conn.execute(
        select(component_names.c.name)
        .join(image_components, image_components.c.name_id == component_names.c.id)
        .where(image_components.c.config_digest == digest)
    ).scalars()
    return ImageScan(digest, tuple(ScannedComponent(n, "1.0", "npm", "", "") for n in names))


def _leave_one_host(conn: Connection, ids: list[str]) -> None:
    """Each image leaves the first host that holds it (an ingest then refreshes its scope rows)."""
    h = image_hosts
    first = select(h.c.image_id, func.min(h.c.host_id)).where(h.c.image_id.in_(ids)).group_by(h.c.image_id)
    for image_id, host_id in conn.execute(first).all():
        conn.execute(delete(h).where(h.c.image_id == image_id, h.c.host_id == host_id))


def _drop_names(conn: Connection, scans: list[ImageScan]) -> None:
    """The image IDs hold no component names (their presence rows go too, with the triggers)."""
    digests = [scan.config_digest for scan in scans]
    conn.execute(delete(image_components).where(image_components.c.config_digest.in_(digests)))


def _record_all(conn: Connection, scans: list[ImageScan]) -> None:
    for scan in scans:
        _record(conn, scan, [package_ref(c) for c in scan.components])


if __name__ == "__main__":
    sys.exit(main())
