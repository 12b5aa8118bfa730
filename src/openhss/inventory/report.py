"""Reading an inventory report: JSON Schema validation (schema/inventory-report-v1.json), then values."""

from __future__ import annotations

import ipaddress
from typing import Any

from openhss import documents
from openhss.inventory.interface import (
    HostAddress,
    HostFacts,
    InvalidReport,
    InventoryReport,
    ReportedContainer,
    ReportedImage,
)

SCHEMA_VERSION = "openhss.inventory/v1"
_SCHEMA = "schema/inventory-report-v1.json"


def schema() -> dict[str, Any]:
    """The JSON Schema of version 1 of the report."""
    return documents.schema("openhss.inventory", _SCHEMA)


def parse_report(data: bytes | str | dict[str, Any]) -> InventoryReport:
    """A validated report; InvalidReport naming the first problem otherwise."""
    try:
        data = documents.load_document(data, "openhss.inventory", _SCHEMA, "inventory report")
    except documents.DocumentError as exc:
        raise InvalidReport(str(exc)) from exc
    host = data["host"]
    addresses = []
    for entry in host.get("addresses", []):
        try:
            address = str(ipaddress.ip_address(entry["address"]))
        except ValueError as exc:
            raise InvalidReport(f"invalid inventory report at host/addresses: {exc}") from exc
        addresses.append(HostAddress(address, entry["kind"]))
    return InventoryReport(
        project_id=data["project_id"],
        host_id=data["host_id"],
        run_id=data["run_id"],
        run_started_ms=data["run_started_ms"],
        seq=data["seq"],
        host=HostFacts(
            name=host["name"],
            os=host.get("os", ""),
            engine=host.get("engine", ""),
            addresses=tuple(dict.fromkeys(addresses)),
        ),
        images=tuple(
            ReportedImage(
                id=i["id"],
                repo_tags=tuple(dict.fromkeys(i["repo_tags"])),
                repo_digests=tuple(i.get("repo_digests", [])),
                size=i["size"],
                created_ms=i["created_ms"],
            )
            for i in data["images"]
        ),
        containers=tuple(
            ReportedContainer(
                id=c["id"],
                name=c["name"],
                image=c["image"],
                image_id=c["image_id"],
                state=c["state"],
                created_ms=c.get("created_ms", 0),
                pod_id=c.get("pod_id", ""),
                pod_name=c.get("pod_name", ""),
                pod_namespace=c.get("pod_namespace", ""),
            )
            for c in data["containers"]
        ),
    )
