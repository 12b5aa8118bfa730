"""`/v5/{project_id}/image/baseline/...`: an image's baseline results (ListImageRiskConfigs,
ListImageRiskConfigRules) for local images, from the stored scan of the designated image."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from openhss.api.auth import project_access
from openhss.api.context import ServerContext, server_context
from openhss.identity import AccessDenied, ProjectAccess
from openhss.inventory import ImageDesignation, designated_image, parse_designation
from openhss.inventory.query import ALL_GRANTED
from openhss.vulndb.baseline import (
    BaselineFilter,
    BaselinePage,
    ListedRule,
    page,
    parse_filter,
    risk_config_rules,
    risk_configs,
    stored_failed_rules,
)

router = APIRouter(tags=["image"])
T = TypeVar("T")


@router.get("/v5/{project_id}/image/baseline/risk-configs")
async def list_image_risk_configs(
    project_id: str,
    request: Request,
    access: Annotated[ProjectAccess, Depends(project_access)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """One verdict per concern of the image's baseline (one entry per check_name).

    Query parameters: image_type (required; only local_image has results), enterprise_project_id,
    offset, limit, image_id or image_name + image_version, check_name, severity, standard.
    """
    designation, wanted = _parse(request.query_params, access)
    found = await run_in_threadpool(
        _page, context, project_id, designation, access, lambda failed: risk_configs(failed, wanted)
    )
    return {"total_num": found.total_num, "data_list": [asdict(row) for row in found.rows]}


@router.get("/v5/{project_id}/image/baseline/risk-configs/{check_name}/rules")
async def list_image_risk_config_rules(
    project_id: str,
    check_name: str,
    request: Request,
    access: Annotated[ProjectAccess, Depends(project_access)],
    context: Annotated[ServerContext, Depends(server_context)],
) -> dict[str, Any]:
    """The rules of one concern, each passed or failed by the image.

    Query parameters: image_type (required; only local_image has results), enterprise_project_id,
    offset, limit, image_id or image_name + image_version, standard, result_type, check_rule_name,
    severity.
    """
    designation, wanted = _parse(request.query_params, access)
    found = await run_in_threadpool(
        _page,
        context,
        project_id,
        designation,
        access,
        lambda failed: risk_config_rules(failed, check_name, wanted),
    )
    return {"total_num": found.total_num, "data_list": [asdict(row) for row in found.rows]}


def _parse(params: Mapping[str, str], access: ProjectAccess) -> tuple[ImageDesignation, BaselineFilter]:
    designation = parse_designation(params)
    ep = designation.enterprise_project_id
    if ep != ALL_GRANTED and not access.allows(ep):
        raise AccessDenied(f"no access to enterprise project {ep}")
    return designation, parse_filter(params)


def _page(
    context: ServerContext,
    project_id: str,
    designation: ImageDesignation,
    access: ProjectAccess,
    verdicts: Callable[[Mapping[str, ListedRule]], list[T]],
) -> BaselinePage[T]:
    """The page of verdicts over the designated image's stored scan; empty when it has none."""
    # One snapshot: the image's scan state and the stored results it points to, as of one moment.
    with context.db.begin(snapshot=True) as conn:
        image = designated_image(conn, project_id, designation, access.enterprise_projects)
        # A row that is not `success` (never scanned, or its last scan failed) has no results to show.
        failed = (
            stored_failed_rules(conn, image.config_digest)
            if image and image.scan_status == "success"
            else None
        )
    if failed is None:
        return BaselinePage(0, ())
    return page(verdicts(failed), designation.offset, designation.limit)
