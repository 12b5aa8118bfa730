"""Hosts, agents, local images and containers: ingestion of agents' snapshots and the image list."""

from openhss.inventory.agents import AgentRegistry, EnrollError
from openhss.inventory.designation import (
    DesignatedImage,
    ImageDesignation,
    designated_image,
    parse_designation,
)
from openhss.inventory.ingest import apply_report
from openhss.inventory.interface import (
    AgentDenied,
    AgentIdentity,
    ConcurrentChange,
    Enrollment,
    HostFacts,
    IngestResult,
    InvalidAgentCredential,
    InvalidReport,
    InventoryError,
    InventoryReport,
    UnknownHost,
)
from openhss.inventory.listing import ImagePage, LocalImage, list_local_images
from openhss.inventory.query import ImageQuery, InvalidParameter, parse_query
from openhss.inventory.report import parse_report

__all__ = [
    "AgentDenied",
    "AgentIdentity",
    "AgentRegistry",
    "ConcurrentChange",
    "DesignatedImage",
    "EnrollError",
    "Enrollment",
    "HostFacts",
    "ImageDesignation",
    "ImagePage",
    "ImageQuery",
    "IngestResult",
    "InvalidAgentCredential",
    "InvalidParameter",
    "InvalidReport",
    "InventoryError",
    "InventoryReport",
    "LocalImage",
    "UnknownHost",
    "apply_report",
    "designated_image",
    "list_local_images",
    "parse_designation",
    "parse_query",
    "parse_report",
]
