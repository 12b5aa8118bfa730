"""The list's query parameters: parsed and validated once, with the contract's rules about each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openhss.inventory.interface import InventoryError

SCAN_STATUSES = {"unscan": "unscan", "success": "success", "scanning": "scanning", "failed": "failed"}
# The query says `waiting_for_scan` where the response says `waiting`: one state.
SCAN_STATUSES["waiting_for_scan"] = "waiting"
IMAGE_TYPES = frozenset({"other_image", "swr_image"})
ALL_GRANTED = "all_granted_eps"


class InvalidParameter(InventoryError):
    """A query parameter's value is malformed (400 HSS.0001 naming it)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"invalid parameter {name}: {why}")
        self.parameter = name


@dataclass(frozen=True)
class ImageQuery:
    """What the caller asked of the local image list (everything optional but paging)."""

    offset: int = 0
    """Rows to skip, 0..2000000."""
    limit: int = 10
    """Rows to return, 10..200."""
    enterprise_project_id: str = "0"
    """An enterprise project id, or `all_granted_eps`."""
    image_name: str | None = None
    """Substring of the name."""
    image_version: str | None = None
    """Exact tag (applied only with image_name)."""
    scan_status: str | None = None
    """Stored scan state (already mapped from the query's words)."""
    local_image_type: str | None = None
    """`other_image` or `swr_image`."""
    image_size: int | None = None
    """Exact size."""
    update_range: tuple[int, int] | None = None
    """Inclusive latest_update_time range, when a valid pair was given."""
    scan_range: tuple[int, int] | None = None
    """Inclusive latest_scan_time range, when a valid pair was given."""
    has_vul: bool | None = None
    """Vulnerable or not (successfully scanned images only)."""
    host_name: str | None = None
    """Substring of a host's name."""
    host_id: str | None = None
    """Exact host id."""
    host_ip: str | None = None
    """Exact address of a host."""
    container_id: str | None = None
    """Exact container id (or a unique prefix of 12+ characters)."""
    container_name: str | None = None
    """Substring of a container's name."""
    pod_id: str | None = None
    """Exact pod id."""
    pod_name: str | None = None
    """Substring of a pod's name."""
    app_name: str | None = None
    """Substring of a component's name."""
    has_container: bool | None = None
    """With containers or without."""
    nothing: bool = False
    """A value outside its set was given: the answer is an empty list, not an error."""


def _int(params: Mapping[str, str], name: str, low: int | None = None, high: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidParameter(name, f"{raw!r} is not an integer") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidParameter(name, f"{value} is outside {low}..{high}")
    return value


def _bool(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise InvalidParameter(name, f"{raw!r} is not true or false")
    return lowered == "true"


def _pair(params: Mapping[str, str], start: str, end: str) -> tuple[int, int] | None:
    low, high = _int(params, start), _int(params, end)
    if low is None or high is None or low >= high:
        return None
    return (low, high)


def _text(params: Mapping[str, str], name: str, max_len: int = 512) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_len:
        raise InvalidParameter(name, f"longer than {max_len} characters")
    return value


def parse_query(params: Mapping[str, str]) -> ImageQuery:
    """Validate the list's parameters (unknown ones are ignored); InvalidParameter names the bad one."""
    offset = _int(params, "offset", 0, 2_000_000)
    limit = _int(params, "limit", 10, 200)
    status_raw = _text(params, "scan_status")
    type_raw = _text(params, "local_image_type")
    image_name = _text(params, "image_name")
    return ImageQuery(
        offset=0 if offset is None else offset,
        limit=10 if limit is None else limit,
        enterprise_project_id=_text(params, "enterprise_project_id", 64) or "0",
        image_name=image_name,
        image_version=_text(params, "image_version") if image_name is not None else None,
        scan_status=SCAN_STATUSES.get(status_raw) if status_raw else None,
        local_image_type=type_raw if type_raw in IMAGE_TYPES else None,
        image_size=_int(params, "image_size"),
        update_range=_pair(params, "start_latest_update_time", "end_latest_update_time"),
        scan_range=_pair(params, "start_latest_scan_time", "end_latest_scan_time"),
        has_vul=_bool(params, "has_vul"),
        host_name=_text(params, "host_name"),
        host_id=_text(params, "host_id", 64),
        host_ip=_text(params, "host_ip", 64),
        container_id=_text(params, "container_id", 128),
        container_name=_text(params, "container_name"),
        pod_id=_text(params, "pod_id", 128),
        pod_name=_text(params, "pod_name"),
        app_name=_text(params, "app_name"),
        has_container=_bool(params, "has_container"),
        nothing=bool(status_raw and status_raw not in SCAN_STATUSES)
        or bool(type_raw and type_raw not in IMAGE_TYPES),
    )
