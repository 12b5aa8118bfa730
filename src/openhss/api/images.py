"""`/v5/{project_id}/image/...`: the local image list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from openhss.api.auth import project_access
from openhss.identity import ProjectAccess

router = APIRouter()


@router.get("/v5/{project_id}/image/local-repositories", tags=["image"])
def list_local_images(
    project_id: str,
    access: Annotated[ProjectAccess, Depends(project_access)],
) -> dict[str, Any]:
    """List local images (ListImageLocal)."""
    return {"total_num": 0, "data_list": []}
