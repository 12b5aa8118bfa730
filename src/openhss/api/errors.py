"""The one HTTP error envelope: `{"error_code": ..., "error_msg": ...}` with the provider's codes."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from openhss.identity import (
    AccessDenied,
    Conflict,
    IdentityError,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    SecretKeyError,
)
from openhss.inventory import InventoryError
from openhss.vulndb.interface import VulnDBError

log = logging.getLogger("openhss.api")

INVALID_PARAMETER = "HSS.0001"
ACCESS_DENIED = "HSS.0010"
NOT_FOUND = "HSS.0011"
INTERNAL_ERROR = "HSS.0000"
BAD_SIGNATURE = "APIG.0301"
BAD_TOKEN = "APIG.0307"


class ApiError(Exception):
    """An error the API answers with as it is."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid_parameter(name: str, why: str) -> ApiError:
    """400 HSS.0001 naming the parameter."""
    return ApiError(400, INVALID_PARAMETER, f"invalid parameter {name}: {why}")


def envelope(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error response in the provider's shape."""
    return JSONResponse({"error_code": code, "error_msg": message}, status_code=status, headers=headers)


_IDENTITY_STATUS: tuple[tuple[type[IdentityError], int], ...] = (
    (InvalidCredentials, 401),
    (InvalidToken, 401),
    (AccessDenied, 403),
    (NotFound, 404),
    (Conflict, 400),
)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return envelope(exc.status, exc.code, exc.message)

    async def identity_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IdentityError)
        status = next((s for cls, s in _IDENTITY_STATUS if isinstance(exc, cls)), 400)
        return envelope(status, exc.code, str(exc))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return envelope(
            400, INVALID_PARAMETER, f"invalid parameter {where or 'request'}: {first.get('msg', '')}"
        )

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return envelope(404, NOT_FOUND, "resource not found")
        if exc.status_code == 405:
            return envelope(405, INVALID_PARAMETER, "method not allowed")
        return envelope(exc.status_code, INVALID_PARAMETER, str(exc.detail))

    async def secret_key_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("server key problem: %s", exc)
        return envelope(500, INTERNAL_ERROR, "internal server error")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(IdentityError, identity_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

    async def inventory_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, InventoryError)
        status = {"HSS.0000": 503, "HSS.0010": 403, "HSS.0011": 404, "APIG.0301": 401, "APIG.0307": 401}.get(
            exc.code, 400
        )
        # 503: a write that lost to concurrent ones, rolled back whole; the same request again will do.
        return envelope(status, exc.code, str(exc), {"Retry-After": "1"} if status == 503 else None)

    app.add_exception_handler(SecretKeyError, secret_key_error)

    async def vulndb_error(_: Request, exc: Exception) -> JSONResponse:
        return envelope(400, INVALID_PARAMETER, str(exc))

    app.add_exception_handler(InventoryError, inventory_error)
    app.add_exception_handler(VulnDBError, vulndb_error)
