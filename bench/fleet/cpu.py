"""CPU time of the list query itself, in process, per case of load.py: a figure a loaded machine barely moves.

    PYTHONPATH=src python bench/fleet/cpu.py sqlite:////tmp/fleet.db [--only TEXT] [--runs 5]

Calls `openhss.inventory.list_local_images` directly (no HTTP, no server) over the store and
prints, per case, the median and maximum process CPU time (user + sys) of `--runs` calls after
one warm-up call. On SQLite that is all the work the answer costs; on PostgreSQL it is only the
client's share (use load.py's wall times there). Each `total_num` is checked as load.py checks it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet as shape
import load

from openhss.inventory import list_local_images, parse_query
from openhss.store import Database


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="the store generate.py filled (SQLAlchemy URL)")
    parser.add_argument("--runs", type=int, default=5, help="measured calls per case")
    parser.add_argument("--only", help="run the cases whose label contains this")
    parser.add_argument("--slow", type=float, default=2.0, help="stop a case after a call this long (s)")
    args = parser.parse_args()
    # The store's own engine, with the connection settings the server uses (SQLite pragmas).
    engine = Database(args.database).engine
    failures = 0
    print("| case | total_num | CPU median ms | CPU max ms | n |")
    print("|---|---:|---:|---:|---:|")
    with engine.connect() as conn:
        for label, params in load._cases(conn):
            if args.only and args.only not in label:
                continue
            query = parse_query({k: str(v) for k, v in params.items()})
            times: list[float] = []
            total = -1
            for run in range(args.runs + 1):
                begun = time.process_time()
                total = list_local_images(conn, shape.PROJECT_ID, query, None).total_num
                spent = time.process_time() - begun
                if run:  # the first call warms the page cache
                    times.append(spent)
                if spent > args.slow:
                    break
            times = times or [spent]
            expected = load.expected_total(conn, params)
            failures += total != expected
            mark = "" if total == expected else f" **WRONG: got {total}, expected {expected}**"
            print(
                f"| {label}{mark} | {expected} | {statistics.median(times) * 1000:.1f} "
                f"| {max(times) * 1000:.1f} | {len(times)} |",
                flush=True,
            )
    engine.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
