"""The image config JSON (OCI / Docker v1 image spec) turned into `ImageConfig`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from openhss.scan.interface import ImageConfig, ScanError


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def parse_image_config(raw: bytes, repo_tags: tuple[str, ...] = ()) -> ImageConfig:
    """The config's fields that matter to a scan; the image ID is the digest of the exact bytes."""
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ScanError(f"image config is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ScanError("image config is not a JSON object")
    config = doc.get("config") or doc.get("container_config") or {}
    if not isinstance(config, dict):
        config = {}
    rootfs = doc.get("rootfs") or {}
    labels = config.get("Labels") or {}
    history = doc.get("history") or []
    healthcheck = config.get("Healthcheck") or {}
    return ImageConfig(
        image_id="sha256:" + hashlib.sha256(raw).hexdigest(),
        os=str(doc.get("os", "")),
        architecture=str(doc.get("architecture", "")),
        created=str(doc.get("created", "") or ""),
        user=str(config.get("User", "") or ""),
        env=_strings(config.get("Env")),
        exposed_ports=tuple(sorted(str(p) for p in config.get("ExposedPorts") or {})),
        entrypoint=_strings(config.get("Entrypoint")),
        cmd=_strings(config.get("Cmd")),
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())) if isinstance(labels, dict) else (),
        history=tuple(str(h.get("created_by", "")) for h in history if isinstance(h, dict)),
        healthcheck=_strings(healthcheck.get("Test")) if isinstance(healthcheck, dict) else (),
        diff_ids=_strings(rootfs.get("diff_ids")) if isinstance(rootfs, dict) else (),
        repo_tags=repo_tags,
    )
