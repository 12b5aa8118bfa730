"""Request ids on every response; every error in the provider's envelope, never a traceback."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from openhss.api.app import create_app
from openhss.api.context import ServerContext
from openhss.inventory import ConcurrentChange
from tests.support.server import LiveServer


def test_request_id_is_fresh_or_echoed(live_server: LiveServer) -> None:
    with live_server.client() as http:
        first = http.get("/no/such/route")
        second = http.get("/no/such/route")
        echoed = http.get("/no/such/route", headers={"X-Request-Id": "client-abc-123"})
        hostile = http.get("/no/such/route", headers={"X-Request-Id": "a\tb c" + "x" * 200})
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert echoed.headers["X-Request-Id"] == "client-abc-123"
    assert hostile.headers["X-Request-Id"] != "a\tb c" + "x" * 200
    assert first.status_code == 404
    assert first.json() == {"error_code": "HSS.0011", "error_msg": "resource not found"}


def test_unexpected_error_is_a_500_envelope_without_traceback(context: ServerContext) -> None:
    app: FastAPI = create_app(context)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/shadow")

    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error_code": "HSS.0000", "error_msg": "internal server error"}
    assert response.headers["X-Request-Id"]
    assert "secret" not in response.text


def test_a_write_lost_to_concurrent_ones_is_a_503_to_send_again(context: ServerContext) -> None:
    app: FastAPI = create_app(context)

    @app.post("/contested")
    def contested() -> None:
        raise ConcurrentChange("image rows kept being deleted while this snapshot was applied")

    with TestClient(app, raise_server_exceptions=False) as http:
        response = http.post("/contested")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {
        "error_code": "HSS.0000",
        "error_msg": "image rows kept being deleted while this snapshot was applied",
    }


def test_openapi_describes_every_route(live_server: LiveServer) -> None:
    with live_server.client() as http:
        spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    assert "/v3/auth/tokens" in paths
    assert "/v5/{project_id}/image/local-repositories" in paths
