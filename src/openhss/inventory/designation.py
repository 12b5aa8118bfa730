"""Which one local image a per-image route means: `image_id` (the list's row id), else `image_name` +
`image_version`, within the enterprise projects the request covers; with the page asked for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, exists, select, true

from openhss.inventory.query import ALL_GRANTED, InvalidParameter, _int, _text
from openhss.store.tables import image_scopes, images

LOCAL_IMAGE = "local_image"
"""The one `image_type` answered from the local inventory."""


@dataclass(frozen=True)
class ImageDesignation:
    """The image a per-image route is about, and the page of its results asked for."""

    image_type: str
    """The provider's image type; only `local_image` designates anything here."""
    enterprise_project_id: str = "0"
    """An enterprise project id, or `all_granted_eps`."""
    image_id: str | None = None
    """The list's `image_id` (row UUID); when given, name and version are ignored."""
    image_name: str | None = None
    """Exact repository name."""
    image_version: str | None = None
    """Exact tag (applied only with image_name)."""
    offset: int = 0
    """Results to skip, 0..2000000."""
    limit: int = 10
    """Results to return, 10..200."""


@dataclass(frozen=True)
class DesignatedImage:
    """The image row a designation found."""

    image_id: str
    """Row UUID."""
    config_digest: str
    """Image ID: the key of its stored scan."""
    scan_status: str
    """The row's scan state."""


def parse_designation(params: Mapping[str, str]) -> ImageDesignation:
    """Validate the parameters as the list does (unknown ones are ignored); InvalidParameter names the bad one."""
    image_type = _text(params, "image_type", 64)
    if image_type is None:
        raise InvalidParameter("image_type", "required (local_image)")
    offset = _int(params, "offset", 0, 2_000_000)
    limit = _int(params, "limit", 10, 200)
    image_id = _text(params, "image_id", 128)
    image_name = _text(params, "image_name")
    return ImageDesignation(
        image_type=image_type,
        enterprise_project_id=_text(params, "enterprise_project_id", 64) or "0",
        image_id=image_id,
        image_name=image_name if image_id is None else None,
        image_version=_text(params, "image_version", 256) if image_id is None and image_name else None,
        offset=0 if offset is None else offset,
        limit=10 if limit is None else limit,
    )


def designated_image(
    conn: Connection, project_id: str, d: ImageDesignation, visible_eps: frozenset[str] | None
) -> DesignatedImage | None:
    """The image row `d` means among those present in its enterprise projects, or None.

    Several rows can carry one name and tag (the tag moved between hosts' pulls): the newest
    (`latest_update_time`, then `image_id`), the one the list shows first, is meant.
    """
    if d.image_type != LOCAL_IMAGE or (d.image_id is None and d.image_name is None):
        return None
    eps = visible_eps if d.enterprise_project_id == ALL_GRANTED else frozenset({d.enterprise_project_id})
    if eps is not None and not eps:
        return None
    s = image_scopes
    in_scope: ColumnElement[bool] = s.c.enterprise_project_id.in_(sorted(eps)) if eps is not None else true()
    present = exists().where(s.c.image_id == images.c.id, s.c.project_id == project_id, in_scope)
    wanted = select(images.c.id, images.c.config_digest, images.c.scan_status).where(
        images.c.project_id == project_id, present
    )
    if d.image_id is not None:
        wanted = wanted.where(images.c.id == d.image_id)
    else:
        wanted = wanted.where(images.c.image_name == d.image_name)
        if d.image_version is not None:
            wanted = wanted.where(images.c.image_version == d.image_version)
    row = conn.execute(wanted.order_by(images.c.created_ms.desc(), images.c.id.desc()).limit(1)).first()
    return None if row is None else DesignatedImage(row.id, row.config_digest, row.scan_status)
