"""Building fleets for tests: enroll real agents over HTTP and post real inventory reports."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from openhss.api.context import ServerContext

_seq = itertools.count(1)


def digest(label: str) -> str:
    """A stable image ID for a test label."""
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def container_id(label: str) -> str:
    """A stable 64-hex container id for a test label."""
    return hashlib.sha256(b"container:" + label.encode()).hexdigest()


@dataclass(eq=False)
class FleetHost:
    """An enrolled host and its agent's credential; `report()` builds its next snapshot."""

    host_id: str
    project_id: str
    credential: str
    name: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    run_started_ms: int = 1_000
    seq: int = 0
    addresses: list[dict[str, str]] = field(default_factory=list)

    def report(
        self,
        images: list[dict[str, Any]],
        containers: list[dict[str, Any]] | None = None,
        *,
        next_seq: bool = True,
    ) -> dict[str, Any]:
        if next_seq:
            self.seq += 1
        return {
            "schema": "openhss.inventory/v1",
            "project_id": self.project_id,
            "host_id": self.host_id,
            "run_id": self.run_id,
            "run_started_ms": self.run_started_ms,
            "seq": self.seq,
            "host": {
                "name": self.name,
                "os": "Debian GNU/Linux 12",
                "engine": "docker 20.10",
                "addresses": self.addresses,
            },
            "images": images,
            "containers": containers or [],
        }


def image(
    label: str, *tags: str, size: int = 1000, created_ms: int = 1_000, repo_digests: list[str] | None = None
) -> dict[str, Any]:
    """An image entry of a report."""
    return {
        "id": digest(label),
        "repo_tags": list(tags),
        "repo_digests": repo_digests or [],
        "size": size,
        "created_ms": created_ms,
    }


def container(
    label: str, name: str, ref: str, image_label: str, state: str = "running", **pod: str
) -> dict[str, Any]:
    """A container entry of a report."""
    return {
        "id": container_id(label),
        "name": name,
        "image": ref,
        "image_id": digest(image_label),
        "state": state,
        "created_ms": 5,
        **pod,
    }


def enroll(
    http: httpx.Client,
    context: ServerContext,
    project_id: str,
    name: str,
    ep: str = "0",
    addresses: list[tuple[str, str]] | None = None,
) -> FleetHost:
    """Enroll a host through the real enroll route."""
    token = context.agents.create_enroll_token(project_id, ep)
    response = http.post("/agent/v1/enroll", json={"token": token, "host": {"name": name}})
    assert response.status_code == 201, response.text
    body = response.json()
    return FleetHost(
        host_id=body["host_id"],
        project_id=project_id,
        credential=body["agent_credential"],
        name=name,
        addresses=[{"address": a, "kind": k} for a, k in (addresses or [])],
    )


def post(http: httpx.Client, host: FleetHost, report: dict[str, Any]) -> httpx.Response:
    """Post a report with the host's agent credential."""
    return http.post(
        "/agent/v1/inventory", json=report, headers={"Authorization": f"Bearer {host.credential}"}
    )
