"""knowledge generation: a number that changes whenever the stored advisories change

Matching keeps, per process, the candidate entries of the packages it has looked up and what it
shows of matched advisories, so that a warm match reads nothing but this one number. Triggers on
`advisories` and `advisory_packages` bump it in the same transaction as any write to them, whoever
writes (an import in another process, a manual fix), so a process sees a new number exactly when
its kept entries may be stale, and drops them. It starts at a random value: a database re-created
at the same URL never repeats the number a process kept entries under.

Revision ID: 0012
Revises: 0011
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_WATCHED = ("advisories", "advisory_packages")
_BUMP = "UPDATE vulndb_generation SET generation = generation + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "vulndb_generation",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("generation", sa.BigInteger(), nullable=False),
    )
    start = secrets.randbelow(2**52)
    op.execute(f"INSERT INTO vulndb_generation (id, generation) VALUES (1, {start})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION openhss_bump_vulndb_generation() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for table in _WATCHED:
            # Once per statement: an import batch writes thousands of rows in a few statements.
            op.execute(
                f"CREATE TRIGGER tr_{table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION openhss_bump_vulndb_generation()"
            )
        return
    # SQLite has only row triggers (a few microseconds per imported row).
    for table in _WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER tr_{table}_generation_{event.lower()} AFTER {event} ON {table}"
                f" BEGIN {_BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _WATCHED:
            op.execute(f"DROP TRIGGER tr_{table}_generation ON {table}")
        op.execute("DROP FUNCTION openhss_bump_vulndb_generation()")
    else:
        for table in _WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER tr_{table}_generation_{event}")
    op.drop_table("vulndb_generation")
