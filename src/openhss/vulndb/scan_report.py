"""Reading an uploaded scan result (schema/scan-result-v1.json) into what the server stores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from openhss import documents
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


def parse_scan_result(data: bytes | dict[str, Any]) -> UploadedScan:
    """Validate and convert; InvalidScanResult naming the first problem."""
    try:
        data = documents.load_document(data, "openhss.vulndb", "schema/scan-result-v1.json", "scan result")
    except documents.DocumentError as exc:
        raise InvalidScanResult(str(exc)) from exc
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
