"""Reading an uploaded scan result (schema/scan-result-v1.json) into what the server stores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from openhss.vulndb.baseline import rules_failed
from openhss.vulndb.interface import VulnDBError
from openhss.vulndb.scans import ImageScan, ScannedComponent


class InvalidScanResult(VulnDBError):
    """An uploaded scan result does not follow the schema (the message says where)."""


@dataclass(frozen=True)
class UploadedScan:
    """A validated upload: who sent it, and the scan (or the failure)."""

    project_id: str
    host_id: str
    image_id: str
    failed_reason: str
    """Empty on success."""
    scan: ImageScan | None
    """The result on success."""


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("openhss.vulndb").joinpath("schema/scan-result-v1.json").read_text()
    return Draft202012Validator(json.loads(text))


def parse_scan_result(data: bytes | dict[str, Any]) -> UploadedScan:
    """Validate and convert; InvalidScanResult naming the first problem."""
    if isinstance(data, bytes):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidScanResult(f"the scan result is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidScanResult("the scan result must be a JSON object")
    error = next(iter(sorted(_validator().iter_errors(data), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InvalidScanResult(f"invalid scan result at {where}: {error.message}")
    if data["status"] == "failed":
        return UploadedScan(
            data["project_id"],
            data["host_id"],
            data["image_id"],
            data.get("failed_reason", "unknown_error"),
            None,
        )
    findings = {k: data.get(k, []) for k in ("unsafe_settings", "build_risks", "malicious_files")}
    scan = ImageScan(
        config_digest=data["image_id"],
        components=tuple(
            ScannedComponent(
                name=c["name"],
                version=c["version"],
                ecosystem=c["ecosystem"],
                purl=c["purl"],
                path=c["path"],
                layer=c.get("layer", ""),
                source_name=c.get("source_name", ""),
                source_version=c.get("source_version", ""),
                distro=c.get("distro", ""),
            )
            for c in data.get("components", [])
        ),
        # One unsafe setting per failed rule, however many accounts or files fail it.
        unsafe_setting_risks=tuple(r.risk for r in rules_failed(data.get("unsafe_settings", [])).values()),
        malicious_file_num=len(data.get("malicious_files", [])),
        findings=json.dumps(findings, separators=(",", ":")),
        distro=data.get("distro", ""),
    )
    return UploadedScan(data["project_id"], data["host_id"], data["image_id"], "", scan)
