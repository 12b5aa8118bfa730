"""Request ids on every response; every error in the provider's envelope, never a traceback."""

from __future__ import annotations

import httpx
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


def _raising(context: ServerContext, error: Exception) -> httpx.Response:
    """The server's answer to a request whose route raises `error`."""
    app: FastAPI = create_app(context)

    @app.get("/raises")
    def raises() -> None:
        raise error

    with TestClient(app, raise_server_exceptions=False) as http:
        response: httpx.Response = http.get("/raises")
    return response


def test_unexpected_error_is_a_500_envelope_without_traceback(context: ServerContext) -> None:
    response = _raising(context, RuntimeError("secret internals /etc/shadow"))
    assert response.status_code == 500
    assert response.json() == {"error_code": "HSS.0000", "error_msg": "internal server error"}
    assert response.headers["X-Request-Id"]
    assert "secret" not in response.text


def test_a_write_lost_to_concurrent_ones_is_a_503_to_send_again(context: ServerContext) -> None:
    message = "image rows kept being deleted while this snapshot was applied"
    response = _raising(context, ConcurrentChange(message))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {"error_code": "HSS.0000", "error_msg": message}


def test_openapi_describes_every_route(live_server: LiveServer) -> None:
    with live_server.client() as http:
        spec = http.get("/openapi.json").json()
    paths = spec["paths"]
    assert "/v3/auth/tokens" in paths
    assert "/v5/{project_id}/image/local-repositories" in paths
