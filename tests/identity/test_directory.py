"""Identity in the store: secrets never in plain text, names unique, grants and enterprise projects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from openhss.api.context import ServerContext
from openhss.identity import (
    DEFAULT_ENTERPRISE_PROJECT,
    AccessDenied,
    Conflict,
    InvalidCredentials,
    NotFound,
    Principal,
)
from openhss.store.tables import access_keys, users
from tests.conftest import Account


def test_sk_and_password_are_never_stored_in_plain_text(context: ServerContext, account: Account) -> None:
    with context.db.begin() as conn:
        sk_rows = conn.execute(select(access_keys.c.sk_encrypted)).scalars().all()
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert sk_rows and all(account.sk not in row for row in sk_rows)
    assert hashes and all(account.password not in h and h.startswith("scrypt$") for h in hashes)
    user, sk = context.identity.access_key_secret(account.ak)
    assert (user.name, sk) == (account.user, account.sk)
    with pytest.raises(InvalidCredentials):
        context.identity.access_key_secret("NOPE")


def test_names_are_unique(context: ServerContext, account: Account) -> None:
    with pytest.raises(Conflict):
        context.identity.create_domain("acme")
    with pytest.raises(Conflict):
        context.identity.create_user("acme", "alice", "another password")
    with pytest.raises(Conflict):
        context.identity.create_project("acme", "cn-north-4")
    with pytest.raises(Conflict):
        context.identity.create_project("acme", "x", project_id="NOT-HEX")
    with pytest.raises(NotFound):
        context.identity.create_user("nosuch", "bob", "long enough")
    with pytest.raises(Conflict):
        context.identity.create_user("acme", "bob", "short")
    # the same user name in another domain is fine
    context.identity.create_domain("globex")
    context.identity.create_user("globex", "alice", "long enough")


def test_project_ids_are_32_hex(context: ServerContext, account: Account) -> None:
    assert len(account.project_id) == 32
    int(account.project_id, 16)


def test_grants_to_one_enterprise_project(context: ServerContext, account: Account) -> None:
    ident = context.identity
    ep = ident.create_enterprise_project("acme", "payments")
    ident.create_user("acme", "bob", "bob's password")
    with pytest.raises(NotFound):
        ident.grant("acme", "bob", account.project_id, "no-such-ep")
    ident.grant("acme", "bob", account.project_id, ep)
    ident.grant("acme", "bob", account.project_id, ep)  # idempotent
    token = ident.issue_token("acme", "bob", "bob's password", account.project_id)
    principal = ident.authenticate_token(token.value)
    access = ident.project_access(principal, account.project_id)
    assert access.enterprise_projects == frozenset({ep})
    assert access.allows(ep) and not access.allows(DEFAULT_ENTERPRISE_PROJECT)
    alice = ident.authenticate_token(ident.issue_token_for("acme", "alice", account.project_id).value)
    full = ident.project_access(alice, account.project_id)
    assert full.enterprise_projects is None and full.allows("anything")


def test_aksk_principal_is_checked_per_project(context: ServerContext, account: Account) -> None:
    user, _ = context.identity.access_key_secret(account.ak)
    principal = Principal(user=user, method="aksk")
    assert context.identity.project_access(principal, account.project_id).project.name == "cn-north-4"
    other = context.identity.create_project("acme", "eu-west-0")
    with pytest.raises(AccessDenied):
        context.identity.project_access(principal, other.id)


def test_access_holds_only_the_callers_own_grants(context: ServerContext, account: Account) -> None:
    # The access check reads the project and the grants in one statement: another user's grants
    # in the same project must not reach the caller, and every grant of the caller must.
    ident = context.identity
    pay, ops, web = (ident.create_enterprise_project("acme", n) for n in ("payments", "ops", "web"))
    for name in ("bob", "carol"):
        ident.create_user("acme", name, f"{name}'s password")
    ident.grant("acme", "bob", account.project_id, pay)
    ident.grant("acme", "bob", account.project_id, ops)
    ident.grant("acme", "carol", account.project_id, web)
    bob = ident.authenticate_token(ident.issue_token_for("acme", "bob", account.project_id).value)
    assert ident.project_access(bob, account.project_id).enterprise_projects == frozenset({pay, ops})
    other = ident.create_project("acme", "eu-west-0")
    with pytest.raises(AccessDenied):
        ident.project_access(Principal(user=bob.user, method="aksk"), other.id)
    ident.create_domain("globex")
    ident.create_user("globex", "eve", "eve's password")
    eve = ident.access_key_secret(ident.create_access_key("globex", "eve")[0])[0]
    with pytest.raises(AccessDenied):
        ident.project_access(Principal(user=eve, method="aksk"), account.project_id)
