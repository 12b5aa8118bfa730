"""Authentication (X-Auth-Token or an SDK-HMAC-SHA256 signature) and per-project authorisation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from openhss.api.context import ServerContext, server_context
from openhss.identity import InvalidCredentials, Principal, ProjectAccess
from openhss.identity import signature as sdk_signature


async def authenticate(
    request: Request, context: Annotated[ServerContext, Depends(server_context)]
) -> Principal:
    """The caller, from a signature (Authorization) or a token (X-Auth-Token); 401 otherwise."""
    authorization = request.headers.get("authorization")
    if authorization:
        auth = sdk_signature.parse_authorization(authorization)
        user, secret = await run_in_threadpool(context.identity.access_key_secret, auth.access_key)
        signed = sdk_signature.SignedRequest(
            method=request.method,
            raw_path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        sdk_signature.verify(signed, auth, secret, datetime.now(UTC), context.settings.signature_skew_seconds)
        return Principal(user=user, method="aksk")
    token = request.headers.get("x-auth-token")
    if token:
        return await run_in_threadpool(context.identity.authenticate_token, token.strip())
    raise InvalidCredentials("no credential: send X-Auth-Token or an SDK-HMAC-SHA256 Authorization")


async def project_access(
    project_id: str,
    principal: Annotated[Principal, Depends(authenticate)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> ProjectAccess:
    """What the caller may see in the path's `{project_id}`; 403 HSS.0010 when nothing."""
    return await run_in_threadpool(context.identity.project_access, principal, project_id)
