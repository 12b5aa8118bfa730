"""Reading an inventory report: JSON Schema validation (schema/inventory-report-v1.json), then values."""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from openhss.inventory.interface import (
    HostAddress,
    HostFacts,
    InvalidReport,
    InventoryReport,
    ReportedContainer,
    ReportedImage,
)

SCHEMA_VERSION = "openhss.inventory/v1"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of version 1 of the report."""
    text = resources.files("openhss.inventory").joinpath("schema/inventory-report-v1.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def parse_report(data: bytes | str | dict[str, Any]) -> InventoryReport:
    """A validated report; InvalidReport naming the first problem otherwise."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InvalidReport(f"the report is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidReport("the report must be a JSON object")
    error = next(iter(sorted(_validator().iter_errors(data), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InvalidReport(f"invalid inventory report at {where}: {error.message}")
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
