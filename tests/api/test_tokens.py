"""IAM password authentication end to end, and every way a token is refused."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from openhss.api.context import ServerContext
from openhss.store.tables import tokens
from tests.conftest import Account
from tests.support.server import LiveServer


def _body(
    account: Account, password: str | None = None, project: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": account.user,
                        "password": password or account.password,
                        "domain": {"name": account.domain},
                    }
                },
            },
            "scope": {"project": project or {"id": account.project_id}},
        }
    }


def _token(http: httpx.Client, account: Account, **kw: Any) -> httpx.Response:
    return http.post("/v3/auth/tokens", json=_body(account, **kw))


def _list(http: httpx.Client, project_id: str, token: str) -> httpx.Response:
    return http.get(f"/v5/{project_id}/image/local-repositories", headers={"X-Auth-Token": token})


def test_password_auth_then_token_request(live_server: LiveServer, account: Account) -> None:
    with live_server.client() as http:
        issued = _token(http, account)
        assert issued.status_code == 201
        token = issued.headers["X-Subject-Token"]
        body = issued.json()["token"]
        assert body["project"]["id"] == account.project_id
        assert body["user"]["name"] == account.user
        assert body["expires_at"] > body["issued_at"]
        listed = _list(http, account.project_id, token)
        assert listed.status_code == 200
        assert listed.json() == {"total_num": 0, "data_list": []}


def test_scope_by_project_name(live_server: LiveServer, account: Account) -> None:
    with live_server.client() as http:
        issued = _token(http, account, project={"name": "cn-north-4"})
        assert issued.status_code == 201
        assert issued.json()["token"]["project"]["id"] == account.project_id


def test_wrong_password_unknown_user_and_bad_body(live_server: LiveServer, account: Account) -> None:
    with live_server.client() as http:
        wrong = _token(http, account, password="not the password")
        assert (wrong.status_code, wrong.json()["error_code"]) == (401, "APIG.0301")
        body = _body(account)
        body["auth"]["identity"]["password"]["user"]["name"] = "mallory"
        unknown = http.post("/v3/auth/tokens", json=body)
        assert (unknown.status_code, unknown.json()["error_code"]) == (401, "APIG.0301")
        bad = http.post("/v3/auth/tokens", json={"auth": {}})
        assert (bad.status_code, bad.json()["error_code"]) == (400, "HSS.0001")
        assert "identity" in bad.json()["error_msg"]
        no_scope = http.post("/v3/auth/tokens", json={"auth": _body(account)["auth"] | {"scope": {}}})
        assert (no_scope.status_code, no_scope.json()["error_code"]) == (400, "HSS.0001")
        not_json = http.post("/v3/auth/tokens", content=b"{", headers={"Content-Type": "application/json"})
        assert (not_json.status_code, not_json.json()["error_code"]) == (400, "HSS.0001")


def test_scope_to_ungranted_project_is_403(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    other = context.identity.create_project(account.domain, "eu-west-0")
    with live_server.client() as http:
        response = _token(http, account, project={"id": other.id})
    assert (response.status_code, response.json()["error_code"]) == (403, "HSS.0010")


def test_expired_token_is_refused(live_server: LiveServer, account: Account, context: ServerContext) -> None:
    with live_server.client() as http:
        token = _token(http, account).headers["X-Subject-Token"]
        with context.db.begin(write=True) as conn:
            conn.execute(update(tokens).values(expires_ms=1))
        response = _list(http, account.project_id, token)
    assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0307")
    assert "expired" in response.json()["error_msg"]


def test_password_change_revokes_tokens(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    with live_server.client() as http:
        token = _token(http, account).headers["X-Subject-Token"]
        assert _list(http, account.project_id, token).status_code == 200
        context.identity.set_password(account.domain, account.user, "a new long password")
        response = _list(http, account.project_id, token)
        assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0307")
        assert _token(http, account).status_code == 401
        assert _token(http, account, password="a new long password").status_code == 201


def test_malformed_and_unknown_tokens(live_server: LiveServer, account: Account) -> None:
    with live_server.client() as http:
        for token in ("garbage", "OHT" + "A" * 64, "OHT" + "x" * 300):
            response = _list(http, account.project_id, token)
            assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0307"), token


def test_token_of_one_project_refused_on_another(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    other = context.identity.create_project(account.domain, "eu-west-0")
    context.identity.grant(account.domain, account.user, other.id)
    with live_server.client() as http:
        token = _token(http, account).headers["X-Subject-Token"]
        response = _list(http, other.id, token)
    assert (response.status_code, response.json()["error_code"]) == (403, "HSS.0010")


def test_tokens_are_stored_only_as_hashes(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    with live_server.client() as http:
        token = _token(http, account).headers["X-Subject-Token"]
    with context.db.begin() as conn:
        stored = [row.token_hash for row in conn.execute(tokens.select())]
    assert stored and token not in stored and all(len(h) == 64 for h in stored)
