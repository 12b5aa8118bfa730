"""`POST /v3/auth/tokens`: the provider's IAM password authentication, answering a scoped token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from openhss.api.context import ServerContext, server_context
from openhss.api.errors import invalid_parameter

router = APIRouter()


class _Named(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=64)


class _PasswordUser(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    domain: _Named


class _Password(BaseModel):
    user: _PasswordUser


class _Identity(BaseModel):
    model_config = ConfigDict(extra="ignore")
    methods: list[str]
    password: _Password | None = None


class _ProjectRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=64)


class _Scope(BaseModel):
    model_config = ConfigDict(extra="ignore")
    project: _ProjectRef | None = None


class _Auth(BaseModel):
    identity: _Identity
    scope: _Scope | None = None


class TokenRequest(BaseModel):
    """The IAM password-authentication body (`auth.identity.methods=["password"]`)."""

    auth: _Auth


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@router.post("/v3/auth/tokens", status_code=201, tags=["iam"])
async def create_token(
    body: TokenRequest,
    response: Response,
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """Password authentication scoped to a project; the token comes back in `X-Subject-Token`."""
    ident = body.auth.identity
    if "password" not in ident.methods or ident.password is None:
        raise invalid_parameter("auth.identity.methods", "only the password method is supported")
    project = body.auth.scope.project if body.auth.scope else None
    if project is None or not (project.id or project.name):
        raise invalid_parameter("auth.scope.project", "a project id or name is required")
    user = ident.password.user
    issued = await run_in_threadpool(
        context.identity.issue_token,
        user.domain.name,
        user.name,
        user.password,
        project.id or project.name or "",
    )
    response.headers["X-Subject-Token"] = issued.value
    domain = {"id": issued.user.domain.id, "name": issued.user.domain.name}
    return {
        "token": {
            "methods": ["password"],
            "issued_at": _iso(issued.issued_ms),
            "expires_at": _iso(issued.expires_ms),
            "project": {"id": issued.project.id, "name": issued.project.name, "domain": domain},
            "user": {"id": issued.user.id, "name": issued.user.name, "domain": domain},
            "roles": [],
            "catalog": [],
        }
    }
