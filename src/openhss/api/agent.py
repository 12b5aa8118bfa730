"""`/agent/v1/...`: what agents call. Only agent credentials are accepted, each for its own host."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from openhss.api.context import ServerContext, server_context
from openhss.api.errors import ApiError
from openhss.inventory import (
    AgentDenied,
    AgentIdentity,
    HostFacts,
    InvalidAgentCredential,
    UnknownHost,
    apply_report,
    parse_report,
)
from openhss.vulndb.scan_report import parse_scan_result
from openhss.vulndb.scans import record_failure, record_scan

router = APIRouter(prefix="/agent/v1", tags=["agent"])
MAX_REPORT_BYTES = 64 * 1024 * 1024


class EnrollHost(BaseModel):
    """Host facts sent at enrollment."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    os: str = Field(default="", max_length=255)
    engine: str = Field(default="", max_length=64)


class EnrollRequest(BaseModel):
    """An enroll token and the host it enrolls."""

    token: str = Field(min_length=1, max_length=256)
    host: EnrollHost


async def current_agent(
    request: Request, context: Annotated[ServerContext, Depends(server_context)]
) -> AgentIdentity:
    """The agent behind `Authorization: Bearer <agent_id>.<secret>`; 401 otherwise."""
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise InvalidAgentCredential("agent routes need Authorization: Bearer <agent credential>")
    return await run_in_threadpool(context.agents.authenticate, credential.strip())


@router.post("/enroll", status_code=201)
async def enroll(
    body: EnrollRequest, context: Annotated[ServerContext, Depends(server_context)]
) -> dict[str, Any]:
    """Spend a one-time enroll token; answers the agent's credential (shown once)."""
    facts = HostFacts(name=body.host.name, os=body.host.os, engine=body.host.engine)
    enrolled = await run_in_threadpool(context.agents.enroll, body.token, facts)
    return {
        "agent_id": enrolled.agent_id,
        "agent_credential": enrolled.agent_secret,
        "host_id": enrolled.host_id,
        "project_id": enrolled.project_id,
        "enterprise_project_id": enrolled.enterprise_project_id,
    }


@router.post("/inventory")
async def inventory(
    request: Request,
    agent: Annotated[AgentIdentity, Depends(current_agent)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """Apply one full inventory snapshot of the agent's host (schema openhss.inventory/v1)."""
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        raise ApiError(413, "HSS.0001", f"an inventory report may be at most {MAX_REPORT_BYTES} bytes")
    report = await run_in_threadpool(parse_report, body)
    result = await run_in_threadpool(apply_report, context.db, report, agent, context.settings.swr_hosts)
    return {"applied": result.applied, "images": result.images, "containers": result.containers}


@router.post("/heartbeat")
async def heartbeat(
    agent: Annotated[AgentIdentity, Depends(current_agent)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """Mark the agent's host as alive."""
    await run_in_threadpool(context.agents.heartbeat, agent)
    return {"host_id": agent.host_id}


@router.post("/scan-results")
async def scan_results(
    request: Request,
    agent: Annotated[AgentIdentity, Depends(current_agent)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """Store one image's scan (schema openhss.scan-result/v1) and answer the server's verdict.

    The agent must hold the image (in its latest inventory snapshot); the result then serves
    every row of that image ID, on every host.
    """
    body = await request.body()
    if len(body) > MAX_REPORT_BYTES:
        raise ApiError(413, "HSS.0001", f"a scan result may be at most {MAX_REPORT_BYTES} bytes")
    uploaded = await run_in_threadpool(parse_scan_result, body)
    if uploaded.project_id != agent.project_id or uploaded.host_id != agent.host_id:
        raise AgentDenied("an agent may report only for its own project and host")
    if not await run_in_threadpool(context.agents.holds_image, agent.host_id, uploaded.image_id):
        raise UnknownHost(f"host {agent.host_id} does not hold image {uploaded.image_id}")
    if uploaded.scan is None:
        await run_in_threadpool(record_failure, context.db, uploaded.image_id, uploaded.failed_reason)
        return {
            "image_id": uploaded.image_id,
            "scan_status": "failed",
            "scan_failed_desc": uploaded.failed_reason,
        }
    verdict = await run_in_threadpool(record_scan, context.db, uploaded.scan)
    return {
        "image_id": uploaded.image_id,
        "scan_status": "success",
        "vul_num": verdict.vul_num,
        "severity_level": verdict.severity_level,
    }
