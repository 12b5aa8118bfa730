"""Vulnerability knowledge benchmark (issue 5): import, matching one image, re-matching a fleet.

/work/venv/bin/python bench/vulndb/run.py --db sqlite            # the full run (300,000 advisories)
/work/venv/bin/python bench/vulndb/run.py --db postgresql --advisories 20000 --sboms 500   # quick
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.vulndb.generate import AdvisoryGenerator, Universe, image_components, write_zip  # noqa: E402
from bench.vulndb.store import IMAGE_COLUMNS, FleetStore, copy_rows, ensure_project, image_row  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from openhss.store import (  # noqa: E402
    Database,
    tables,
)
from openhss.store.tables import advisory_packages, image_vulnerabilities  # noqa: E402
from openhss.vulndb import matching, ranges  # noqa: E402
from openhss.vulndb.ecosystems import advisory_match_ecosystem, normalise_name  # noqa: E402
from openhss.vulndb.knowledge import Knowledge  # noqa: E402
from openhss.vulndb.osv import read_source  # noqa: E402
from openhss.vulndb.rematching import rematch  # noqa: E402
from openhss.vulndb.scans import ImageScan, package_ref, record_scan  # noqa: E402
from openhss.vulndb.versions import dpkg  # noqa: E402
from openhss.vulndb.warmup import settle, warm_up  # noqa: E402

Row = tuple[str, str, str, str]
rows: list[Row] = []
last_cpu = [0.0]


def record(name: str, value: str, cpu: str = "", target: str = "") -> None:
    """One line of the result table (also logged at once, so a cut-short run keeps its figures)."""
    rows.append((name, value, cpu, target))
    say(f"RESULT {name}: {value} | cpu {cpu} | {target}")


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    last_cpu[0] = time.process_time() - c
    return time.perf_counter() - t, out


def digest(label: str) -> str:
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal")) // 1024
    return f"{os.cpu_count()} CPUs ({cpu}), {mem / 1024:.0f} GiB RAM, Python {platform.python_version()}"


def open_database(kind: str, work: Path) -> tuple[Database, Callable[[], None]]:
    if kind == "sqlite":
        path = work / f"bench-{uuid.uuid4().hex[:8]}.db"
        db = Database(f"sqlite:///{path}")
        db.migrate()

        def remove() -> None:
            db.close()
            for p in work.glob(f"{path.name}*"):
                p.unlink()

        return db, remove
    import psycopg

    from tests.support.postgres import PostgresServer

    server = PostgresServer()
    with psycopg.connect(server.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    db = Database(server.url("bench"))
    db.migrate()

    def stop() -> None:
        db.close()
        server.stop()

    return db, stop


def dataset(work: Path, count: int, seed: int, universe: Universe) -> Path:
    """The generated all.zip (kept in `work`, reused when the same size and seed ask again)."""
    path = work / f"all-{count}-{seed}.zip"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        elapsed, n = timed(lambda: write_zip(tmp, AdvisoryGenerator(universe, seed).records(count)))
        tmp.rename(path)
        say(f"generated {n:,} advisories in {elapsed:.0f}s ({path.stat().st_size / 2**20:.0f} MiB)")
    return path


def update_zip(work: Path, db: Database, universe: Universe, base: Path, seed: int) -> Path:
    """Changes to 1% of the stored package keys, drawn by activity: new advisories and newer versions
    of existing ones (the day-to-day shape of an OSV update)."""
    with db.begin() as conn:
        total = conn.execute(
            select(func.count()).select_from(
                select(advisory_packages.c.match_ecosystem, advisory_packages.c.name).distinct().subquery()
            )
        ).scalar_one()
    target = max(1, total // 100)
    gen = AdvisoryGenerator(universe, seed + 1)
    gen.cve = iter(range(900000, 10**7))
    with zipfile.ZipFile(base) as z:
        existing = z.namelist()
    rng = random.Random(seed + 2)
    keys: set[tuple[str, str]] = set()
    out = work / f"update-{seed}.zip"
    records: list[tuple[str, dict[str, Any]]] = []
    with zipfile.ZipFile(base) as z:
        while len(keys) < target:
            if rng.random() < 0.5:
                member = rng.choice(existing)
                record = json.loads(z.read(member))
                record["modified"] = "2026-11-01T00:00:00Z"
                batch = [record]
            else:
                family = gen.families[rng.randrange(len(gen.families))]
                batch = gen.advisory(family, universe.popular(family, gen.rng), modified_year=2026)
            for record in batch:
                records.append((f"x/{record['id']}.json", record))
                for a in record.get("affected", []):
                    key = advisory_match_ecosystem(a["package"]["ecosystem"])
                    if key is not None:
                        keys.add((key, normalise_name(key, a["package"]["name"])))
    write_zip(out, iter(records))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--advisories", type=int, default=300_000)
    ap.add_argument("--sboms", type=int, default=10_000, help="stored SBOMs to re-match")
    ap.add_argument(
        "--sbom-size", type=int, default=1000, help="components per stored SBOM (40/30/30 deb/pypi/npm)"
    )
    ap.add_argument("--runs", type=int, default=200, help="warm runs of match() and record_scan()")
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument(
        "--warmup-runs", type=int, default=3, help="fresh starts with the server's warm-up, then one match"
    )
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument(
        "--update-only",
        type=int,
        default=0,
        help="with --database: only another 1%% update (number N, N>0) and rematch on the stored fleet",
    )
    ap.add_argument(
        "--database", help="an already imported store (same --advisories and --seed): skip the import"
    )
    ap.add_argument(
        "--steps",
        default="import,match,fleet,rematch",
        help="which parts to run, comma-separated (with --database, import is skipped)",
    )
    ap.add_argument(
        "--keep", action="store_true", help="keep the store this run made (its URL is printed) for --database"
    )
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "openhss-bench-vulndb")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    say(f"{machine()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    scale = max(0.05, args.advisories / 300_000)
    universe = Universe(args.seed, scale)
    source = dataset(args.work, args.advisories, args.seed, universe)
    if args.database:
        db, stop = Database(args.database), lambda: None
        db.migrate()
    else:
        db, stop = open_database(args.db, args.work)
        if args.keep:
            say(f"store kept at {db.url}")
            stop = db.close
    try:
        run(args, db, universe, source)
    finally:
        stop()
    print(f"\nvulndb benchmark, {args.db}, {machine()}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    width = max(len(r[0]) for r in rows)
    print(f"  {'measure':<{width}}  {'wall clock':>34}  {'CPU of this process':>22}  target / note")
    for name, value, cpu, target in rows:
        print(f"  {name:<{width}}  {value:>34}  {cpu:>22}  {target}")


def run(args: argparse.Namespace, db: Database, universe: Universe, source: Path) -> None:
    knowledge = Knowledge(db)
    steps = set(args.steps.split(","))
    if args.database or "import" not in steps:
        record("  advisories stored", f"{knowledge.advisory_count():,}")
        if args.update_only:
            update_and_rematch(args, db, universe, source)
        else:
            matching_and_fleet(args, db, universe, source, steps)
        return
    say(f"importing {source.name} into {db.dialect}")
    elapsed, stats = timed(lambda: knowledge.import_records(read_source(source), str(source)))
    n = stats.added + stats.updated + stats.unchanged + stats.withdrawn
    cpu = last_cpu[0]
    record(
        "import (Knowledge.import_records)",
        f"{elapsed:.1f} s, {n / elapsed:,.0f} adv/s",
        f"{cpu:.1f} s, {n / cpu:,.0f} adv/s",
    )
    with db.begin() as conn:
        apk = conn.execute(select(func.count()).select_from(advisory_packages)).scalar_one()
    record("  advisories stored / package entries", f"{knowledge.advisory_count():,} / {apk:,}")
    say(f"imported {n:,} records in {elapsed:.1f}s; {len(stats.invalid)} invalid")
    matching_and_fleet(args, db, universe, source, steps)


def matching_and_fleet(
    args: argparse.Namespace, db: Database, universe: Universe, source: Path, steps: set[str]
) -> None:
    if "match" in steps:
        matching_image(args, db, universe, random.Random(args.seed + 10))
    if "fleet" in steps:
        # Its own draw, so the fleet is the same whichever steps ran before it.
        fleet(args, db, universe, random.Random(args.seed + 20))
    if "rematch" in steps:
        update_and_rematch(args, db, universe, source)


def matching_image(args: argparse.Namespace, db: Database, universe: Universe, rng: random.Random) -> None:
    image = image_components(universe, rng)
    refs = [package_ref(c) for c in image]
    names = [c.name for c in image]
    with db.begin() as conn:
        known = matching.candidates(conn, {(r.match_ecosystem, r.name) for r in refs if r})
        found = matching.match(conn, refs, names)
    record(
        "image: components / candidates / matches",
        f"{len(image)} / {sum(map(len, known.values())):,} / {len(found):,}",
        f"max {max(map(len, known.values()))} candidates/pkg",
    )
    # The harness's own data (the package universe, ~1M objects) is no part of a server: keep the
    # cycle collector from walking it during the timed calls.
    gc.collect()
    gc.freeze()
    cold: list[float] = []
    cold_cpu: list[float] = []
    for _ in range(args.cold_runs):
        fresh_process(db)
        with db.begin() as conn:
            cold.append(timed(lambda conn=conn: matching.match(conn, refs, names))[0] * 1000)
            cold_cpu.append(last_cpu[0] * 1000)
    first: list[float] = []
    first_cpu: list[float] = []
    for _ in range(args.warmup_runs):
        # A fresh server whose start-up warm-up (`vulndb.warmup`, what `openhss server` runs in the
        # background) has finished, then its first match of an image not among those sampled.
        fresh_process(db)
        elapsed, done = timed(lambda: warm_up(db))
        settle()  # as the server does after it
        record(
            "  server warm-up (200 SBOMs sampled)",
            f"{elapsed:.1f} s, {done.entries:,} entries of {done.packages:,} packages",
            f"{last_cpu[0]:.1f} s",
        )
        with db.begin() as conn:
            first.append(timed(lambda conn=conn: matching.match(conn, refs, names))[0] * 1000)
            first_cpu.append(last_cpu[0] * 1000)
    if first:
        record(
            "match() first after warm-up, p50 / max",
            f"{pct(first, 0.5):.1f} / {max(first):.1f} ms",
            f"{pct(first_cpu, 0.5):.1f} / {max(first_cpu):.1f} ms",
            "< 50 ms",
        )
    warm: list[float] = []
    warm_cpu: list[float] = []
    with db.begin() as conn:
        for _ in range(args.runs):
            warm.append(timed(lambda conn=conn: matching.match(conn, refs, names))[0] * 1000)
            warm_cpu.append(last_cpu[0] * 1000)
    for label, wall, cpu in (("cold", cold, cold_cpu), ("warm", warm, warm_cpu)):
        record(
            f"match() 1,000 comps, {label} p50 / p99",
            f"{pct(wall, 0.5):.1f} / {pct(wall, 0.99):.1f} ms",
            f"{pct(cpu, 0.5):.1f} / {pct(cpu, 0.99):.1f} ms",
            "< 50 ms",
        )
    ensure_project(db)
    e2e: list[float] = []
    e2e_cpu: list[float] = []
    scan = ImageScan(digest("e2e"), image, distro="debian:12")
    for _ in range(max(10, args.runs // 4)):
        e2e.append(timed(lambda: record_scan(db, scan))[0] * 1000)
        e2e_cpu.append(last_cpu[0] * 1000)
    record(
        "record_scan() end to end, p50 / p99",
        f"{pct(e2e, 0.5):.1f} / {pct(e2e, 0.99):.1f} ms",
        f"{pct(e2e_cpu, 0.5):.1f} / {pct(e2e_cpu, 0.99):.1f} ms",
    )
    say(f"match warm p50 {statistics.median(warm):.1f} ms, record_scan p50 {statistics.median(e2e):.1f} ms")


def fresh_process(db: Database) -> None:
    """What a fresh server process starts with: no compiled ranges, no parsed versions, no pool."""
    matching._COMPILED.clear()
    matching.forget()
    matching._ids.cache_clear()
    ranges._parse.cache_clear()
    dpkg._run_key.cache_clear()
    dpkg._string_key.cache_clear()
    db.engine.dispose()


def _sbom(universe: Universe, rng: random.Random, size: int) -> tuple[Any, ...]:
    return image_components(universe, rng, deb=size * 4 // 10, pypi=size * 3 // 10, npm=size - size * 7 // 10)


def fleet(args: argparse.Namespace, db: Database, universe: Universe, rng: random.Random) -> None:
    ensure_project(db)
    say(f"storing {args.sboms:,} SBOMs of {args.sbom_size} components")
    t = time.perf_counter()
    store = FleetStore(db)
    batch = 200
    for start in range(0, args.sboms, batch):
        scans = [
            (digest(f"fleet-{i}"), _sbom(universe, rng, args.sbom_size))
            for i in range(start, min(args.sboms, start + batch))
        ]
        store.record(scans, start)
        if start % 2000 == 0:
            say(f"  {start + len(scans):,} stored")
    stored = time.perf_counter() - t
    with db.begin() as conn:
        nvuln = conn.execute(select(func.count()).select_from(image_vulnerabilities)).scalar_one()
    record(
        "fleet: SBOMs stored (bulk) / matches", f"{args.sboms:,} / {nvuln:,}", "", f"{stored:.0f} s to store"
    )
    check_bulk(db, universe, args, store)


def update_and_rematch(args: argparse.Namespace, db: Database, universe: Universe, source: Path) -> None:
    update = update_zip(args.work, db, universe, source, args.seed + args.update_only)
    elapsed, stats = timed(lambda: Knowledge(db).import_records(read_source(update), str(update)))
    record(
        "update import (1% of packages)",
        f"{elapsed:.1f} s",
        f"{last_cpu[0]:.1f} s",
        f"+{stats.added} ~{stats.updated}, {len(stats.changed_packages):,} package keys",
    )
    say(f"re-matching after {len(stats.changed_packages):,} changed package keys")
    elapsed, n = timed(lambda: rematch(db, stats.changed_packages, stats.changed_advisories))
    record(
        f"rematch() {args.sboms:,} SBOMs",
        f"{elapsed:.1f} s, {n:,} images re-matched",
        f"{last_cpu[0]:.1f} s",
        "< 30 s",
    )


def check_bulk(db: Database, universe: Universe, args: argparse.Namespace, store: FleetStore) -> None:
    """The bulk path writes what record_scan writes: store one image both ways, compare every row
    (through the fleet's own FleetStore, so what it kept from earlier batches is checked too)."""
    comps = _sbom(universe, random.Random(1), args.sbom_size)
    store.record([(digest("check-bulk"), comps)], 10**9)
    with db.begin(write=True) as conn:
        copy_rows(conn, "images", IMAGE_COLUMNS, [image_row(digest("check-scan"), 10**9 + 1)])
    record_scan(db, ImageScan(digest("check-scan"), comps, distro="debian:12"))
    iv, sc, ic = image_vulnerabilities, tables.sbom_components, tables.image_components
    im, sb = tables.images, tables.sboms
    # When each was stored differs; what was concluded must not.
    unstamped = ("id", "image_name", "config_digest", "latest_scan_ms")
    queries = {
        "image_vulnerabilities": (iv, [c for c in iv.c if c.name != "config_digest"]),
        "sbom_components": (sc, [c for c in sc.c if c.name != "config_digest"]),
        "image_components": (ic, [ic.c.name_id]),
        "images": (im, [im.c[n] for n in IMAGE_COLUMNS if n not in unstamped]),
        "sboms": (sb, [c for c in sb.c if c.name not in ("config_digest", "scanned_ms")]),
    }
    with db.begin() as conn:
        for name, (table, columns) in queries.items():
            got = [
                sorted(
                    tuple(r)
                    for r in conn.execute(select(*columns).where(table.c.config_digest == digest(label)))
                )
                for label in ("check-bulk", "check-scan")
            ]
            if got[0] != got[1] or not got[0]:
                raise SystemExit(
                    f"bulk store differs from record_scan in {name}: {got[0][:3]} vs {got[1][:3]}"
                )
    say(f"bulk store checked against record_scan: {len(comps)} components, every table equal")


if __name__ == "__main__":
    main()
