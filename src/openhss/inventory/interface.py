"""Values and errors of the inventory: what agents report, what the list query asks and answers."""

from __future__ import annotations

from dataclasses import dataclass


class InventoryError(Exception):
    """Base of inventory errors; `code` is the provider's error code the API answers with."""

    code = "HSS.0001"


class InvalidReport(InventoryError):
    """An inventory report does not follow the schema (the message says where)."""


class AgentDenied(InventoryError):
    """A valid agent speaks for another project or host (403)."""

    code = "HSS.0010"


class InvalidAgentCredential(InventoryError):
    """The agent credential is malformed, unknown or revoked (401)."""

    code = "APIG.0301"


class UnknownHost(InventoryError):
    """No such host."""

    code = "HSS.0011"


class ConcurrentChange(InventoryError):
    """Other transactions kept changing what this one needs; sending again will do (503)."""

    code = "HSS.0000"


@dataclass(frozen=True)
class HostAddress:
    """One IP address of a host."""

    address: str
    """IPv4 or IPv6 text, no prefix length."""
    kind: str
    """`private` or `public`."""


@dataclass(frozen=True)
class HostFacts:
    """What an agent says about its host."""

    name: str
    """Host name."""
    os: str = ""
    """Operating system."""
    engine: str = ""
    """Container engine and version."""
    addresses: tuple[HostAddress, ...] = ()
    """Every address of the host."""


@dataclass(frozen=True)
class ReportedImage:
    """An image held by the host's engine."""

    id: str
    """Image ID (config digest)."""
    repo_tags: tuple[str, ...]
    """`name:tag` references; empty for an untagged image."""
    repo_digests: tuple[str, ...]
    """`name@sha256:...` the engine knows."""
    size: int
    """Bytes."""
    created_ms: int
    """Creation time."""


@dataclass(frozen=True)
class ReportedContainer:
    """A container (any state) on the host."""

    id: str
    """Full id."""
    name: str
    """Name."""
    image: str
    """Reference the container was created with."""
    image_id: str
    """Image ID (config digest)."""
    state: str
    """Engine state."""
    created_ms: int = 0
    """Creation time."""
    pod_id: str = ""
    """Pod uid, when the container belongs to a pod."""
    pod_name: str = ""
    """Pod name."""
    pod_namespace: str = ""
    """Pod namespace."""


@dataclass(frozen=True)
class InventoryReport:
    """One host's full snapshot (schema `openhss.inventory/v1`)."""

    project_id: str
    """Project the agent was enrolled in."""
    host_id: str
    """Host id given at enrollment."""
    run_id: str
    """New at every agent start."""
    run_started_ms: int
    """When the run started: orders snapshots of different runs."""
    seq: int
    """Order within the run."""
    host: HostFacts
    """Host facts."""
    images: tuple[ReportedImage, ...]
    """Every image."""
    containers: tuple[ReportedContainer, ...]
    """Every container."""


@dataclass(frozen=True)
class IngestResult:
    """What applying a report did."""

    applied: bool
    """False when the report was older than (or the same as) one already applied."""
    images: int = 0
    """Image rows the host now holds."""
    containers: int = 0
    """Containers the host now holds."""


@dataclass(frozen=True)
class Enrollment:
    """An agent's identity, returned once at enrollment."""

    agent_id: str
    """Agent id."""
    agent_secret: str
    """Secret (stored only hashed)."""
    host_id: str
    """The host the agent speaks for."""
    project_id: str
    """The project."""
    enterprise_project_id: str
    """The enterprise project of the host."""


@dataclass(frozen=True)
class AgentIdentity:
    """An authenticated agent."""

    agent_id: str
    """Agent id."""
    project_id: str
    """Its project."""
    host_id: str
    """Its host."""
