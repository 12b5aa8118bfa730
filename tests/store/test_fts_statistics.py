"""The server drops an `ANALYZE`'s statistics of FTS5 internal tables (a stale `_data` row count made
every FTS5 write cost tens of ms) and keeps every other table's."""

from __future__ import annotations

from sqlalchemy import insert

from openhss.store import Database
from openhss.store.tables import domains


def _stats(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return {row[0] for row in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}


def test_an_analyze_of_a_young_store_leaves_fts_statistics_that_start_up_drops(database_url: str) -> None:
    db = Database(database_url)
    if db.dialect == "postgresql":
        with db.begin(write=True) as conn:
            conn.exec_driver_sql("ANALYZE")
        assert db.forget_fts_statistics() == 0  # no FTS5 there
        db.close()
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")  # as never analysed (migrations analyse)
    assert db.forget_fts_statistics() == 0
    with db.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d", name="d", created_ms=1))
        conn.exec_driver_sql("ANALYZE")  # what an operator might run on a young store
    before = _stats(db)
    shadows = {t for t in before if t.endswith(("_fts_data", "_fts_idx", "_fts_config", "_fts_docsize"))}
    assert "container_search_name_fts_data" in shadows  # the row that cost 36 ms a container
    assert "domains" in before
    assert db.forget_fts_statistics() == len(shadows)
    assert _stats(db) == before - shadows
    assert db.forget_fts_statistics() == 0
    db.close()
