"""What replacing a host's containers costs the store: the container writes an ingest makes.

    PYTHONPATH=src python bench/fleet/replace.py sqlite:////tmp/fleet.db [--hosts 4] [--skip N] [--keep]

For each of the `--hosts` hosts with the most containers (after the `--skip` busiest), inside a
write transaction that is then rolled back (the store is left as it was; `--keep` commits it, to
churn a store as ingests would), deletes all of its container rows and inserts them again
under new container ids, in shuffled order, as `inventory/ingest.py` `_set_containers` does for a
host whose containers were all recreated (a reboot, a redeploy): one DELETE, one multi-row INSERT,
with every trigger on `containers` firing. Prints the median time per host and the time per
container. Opens the store as the server does (`Database`: its pragmas, its page cache).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sqlalchemy import delete, insert, select
from stores import busiest_hosts, store_url

from openhss.store import Database
from openhss.store.tables import containers


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="SQLAlchemy URL or SQLite file")
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--skip", type=int, default=0, help="start after this many of the busiest hosts")
    parser.add_argument("--keep", action="store_true", help="commit the replacements (the store changes)")
    args = parser.parse_args()
    db = Database(store_url(args.database))
    c = containers
    with db.begin() as conn:
        busiest = busiest_hosts(conn, c.c.host_id, args.skip, args.hosts)
    shuffle = random.Random(1).shuffle
    per_host: list[float] = []
    replaced = 0
    for host_id in busiest:
        with db.engine.connect() as conn:
            conn = conn.execution_options(openhss_write=True)
            with conn.begin() as transaction:
                rows = [dict(r._mapping) for r in conn.execute(select(c).where(c.c.host_id == host_id))]
                shuffle(rows)
                ids = sorted(r["container_id"] for r in rows)
                started = time.perf_counter()
                conn.execute(delete(c).where(c.c.host_id == host_id, c.c.container_id.in_(ids)))
                conn.execute(insert(c), [r | {"container_id": f"n{r['container_id']}"[:128]} for r in rows])
                per_host.append(time.perf_counter() - started)
                replaced += len(rows)
                if args.keep:
                    transaction.commit()
                else:
                    transaction.rollback()
    db.close()
    print(
        f"{len(busiest)} hosts, {replaced} containers replaced: median {statistics.median(per_host) * 1000:.1f} ms "
        f"a host, {sum(per_host) * 1000 / max(replaced, 1):.2f} ms a container"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
