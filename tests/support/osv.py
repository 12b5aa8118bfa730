"""OSV records and their import, as the vulnerability tests write them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openhss.store import Database
from openhss.vulndb.knowledge import ImportStats, Knowledge
from openhss.vulndb.osv import read_source


def osv_record(
    rid: str,
    name: str,
    fixed: str,
    *,
    ecosystem: str = "PyPI",
    modified: str = "2024-01-01T00:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """An OSV record of one package, affected from version 0 until `fixed`; `extra` adds fields."""
    return {
        "id": rid,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
        **extra,
    }


def import_osv(db: Database, path: Path, records: list[dict[str, Any]], source: str) -> ImportStats:
    """Write `records` to `path` as one OSV JSON file and import it into `db` as `source`."""
    path.write_text(json.dumps(records))
    return Knowledge(db).import_records(read_source(path), source)
