"""Hot reads through the driver's cursor give what the same SQLAlchemy query gives, on both databases."""

from __future__ import annotations

from sqlalchemy import insert, select

from openhss.store import Database
from openhss.store.driver_rows import CHUNK, driver_rows, driver_rows_in
from openhss.store.tables import component_names

_BY_NAME = "SELECT id, name FROM component_names WHERE name {} ORDER BY id"
_BY_ID_AND_NAME = "SELECT name FROM component_names WHERE id {} AND name {} ORDER BY name"


def test_scalar_and_list_parameters_select_what_sqlalchemy_selects(database_url: str) -> None:
    db = Database(database_url)
    names = [f"pkg-{i}" for i in range(50)] + ["it's", "a%b", "ünï"]
    with db.begin(write=True) as conn:
        conn.execute(insert(component_names), [{"name": n} for n in names])
    with db.begin() as conn:
        wanted = ["pkg-3", "it's", "a%b", "ünï", "absent"]
        expected = [
            tuple(r)
            for r in conn.execute(
                select(component_names)
                .where(component_names.c.name.in_(wanted))
                .order_by(component_names.c.id)
            )
        ]
        assert [tuple(r) for r in driver_rows(conn, _BY_NAME, [wanted])] == expected
        assert len(expected) == 4
        assert [tuple(r) for r in driver_rows(conn, _BY_NAME, ["pkg-7"])] == [
            tuple(r) for r in conn.execute(select(component_names).where(component_names.c.name == "pkg-7"))
        ]
        ids = [i for i, _ in expected]
        assert [n for (n,) in driver_rows(conn, _BY_ID_AND_NAME, [ids, ["a%b", "pkg-3", "pkg-4"]])] == [
            "a%b",
            "pkg-3",
        ]
        between = "SELECT name FROM component_names WHERE name {} AND name {} ORDER BY name"
        assert [
            n for (n,) in driver_rows(conn, between, [("pkg-10", "pkg-12"), ["pkg-11", "pkg-12", "pkg-13"]])
        ] == [
            "pkg-11",
            "pkg-12",
        ]
        # An empty list matches nothing (no query: `IN ()` is not SQL everywhere).
        assert driver_rows(conn, _BY_NAME, [[]]) == []
        assert driver_rows(conn, _BY_ID_AND_NAME, [ids, []]) == []
    db.close()


def test_reads_see_the_transactions_own_writes(database_url: str) -> None:
    db = Database(database_url)
    with db.begin(write=True) as conn:
        conn.execute(insert(component_names), [{"name": "fresh"}])
        assert [n for _, n in driver_rows(conn, _BY_NAME, [["fresh"]])] == ["fresh"]
    db.close()


def test_a_list_longer_than_one_sqlite_query_takes_is_read_whole(database_url: str) -> None:
    db = Database(database_url)
    names = [f"many-{i:04d}" for i in range(2 * CHUNK + 7)]
    with db.begin(write=True) as conn:
        conn.execute(insert(component_names), [{"name": n} for n in names])
    with db.begin() as conn:
        in_range = "SELECT name FROM component_names WHERE id {} AND name {}"
        got = driver_rows_in(conn, in_range, ((0, 10**9),), [*names, "absent"])
        assert sorted(n for (n,) in got) == names
        assert driver_rows_in(conn, in_range, ((0, 10**9),), []) == []
    db.close()
