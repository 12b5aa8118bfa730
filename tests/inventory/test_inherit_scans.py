"""A report whose new image rows are partly of image IDs scanned before: each row starts as it should."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import HostFacts, InventoryReport, ReportedImage
from openhss.store import Database
from openhss.store.tables import domains, hosts, images, projects

PROJECT = "p" * 32
SCANNED, FRESH = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def _report(seq: int, *pairs: tuple[str, str]) -> InventoryReport:
    return InventoryReport(
        project_id=PROJECT,
        host_id="h1",
        run_id="run",
        run_started_ms=1,
        seq=seq,
        host=HostFacts(name="n1"),
        images=tuple(ReportedImage(digest, (tag,), (), 10, 20) for digest, tag in pairs),
        containers=(),
    )


def test_new_rows_of_scanned_and_unscanned_image_ids_in_one_report(database_url: str) -> None:
    db = Database(database_url)
    with db.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="acme", created_ms=1))
        conn.execute(insert(projects).values(id=PROJECT, domain_id="d" * 32, name="cn", created_ms=1))
        conn.execute(
            insert(hosts).values(
                id="h1", project_id=PROJECT, enterprise_project_id="0", name="n1", agent_id="a1", os="",
                engine="", last_seen_ms=1, run_id="", run_started_ms=0, seq=0, created_ms=1,
            )
        )  # fmt: skip
    apply_report(db, _report(1, (SCANNED, "app:1")))
    with db.begin(write=True) as conn:
        conn.execute(update(images).values(scan_status="success", vul_num=4, latest_scan_ms=99))
    # A second tag of the scanned image ID and an image ID never seen, new rows both.
    apply_report(db, _report(2, (SCANNED, "app:1"), (SCANNED, "app:2"), (FRESH, "web:1")))
    with db.begin() as conn:
        rows = {
            r.image_version + r.image_name: (r.scan_status, r.vul_num, r.latest_scan_ms)
            for r in conn.execute(select(images))
        }
    db.close()
    assert rows == {"1app": ("success", 4, 99), "2app": ("success", 4, 99), "1web": ("unscan", 0, 0)}
