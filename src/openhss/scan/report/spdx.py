"""SPDX 2.3 JSON, built, validated and written with spdx-tools."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from openhss.scan.interface import Component, ScanResult
from openhss.scan.report.interface import ReportError, ReportFormat

_NOT_ID = re.compile(r"[^A-Za-z0-9.-]+")


def _license(texts: tuple[str, ...]) -> Any:
    if not texts:
        return SpdxNoAssertion()
    try:
        return spdx_licensing.parse(" AND ".join(f"({t})" for t in texts), validate=True)
    except Exception:  # free-text licences are not SPDX expressions
        return SpdxNoAssertion()


def _package(component: Component, spdx_id: str) -> Package:
    source = ""
    if component.source_name or component.source_version:
        source_name = component.source_name or component.name
        source = f"built from {source_name} {component.source_version or component.version}"
    return Package(
        spdx_id=spdx_id,
        name=component.name,
        version=component.version,
        download_location=SpdxNoAssertion(),
        files_analyzed=False,
        license_declared=_license(component.licenses),
        license_concluded=SpdxNoAssertion(),
        source_info=source or None,
        comment=f"found in {component.path} (layer {component.layer})" if component.layer else None,
        external_references=[
            ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", component.purl)
        ]
        if component.purl
        else [],
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def document(result: ScanResult, created: datetime | None = None) -> Document:
    """The image as a described container package that contains every component."""
    config = result.config
    name = config.repo_tags[0] if config.repo_tags else config.image_id
    hexid = config.image_id.removeprefix("sha256:")
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=name,
        document_namespace=f"https://openhss.invalid/spdx/image/{hexid}",
        creators=[Actor(ActorType.TOOL, "openhss")],
        created=(created or datetime.now(UTC)).replace(microsecond=0, tzinfo=None),
    )
    image = Package(
        spdx_id="SPDXRef-Image",
        name=name,
        version=config.image_id,
        download_location=SpdxNoAssertion(),
        files_analyzed=False,
        primary_package_purpose=PackagePurpose.CONTAINER,
    )
    packages = [image]
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, "SPDXRef-Image")]
    if result.distro is not None:
        packages.append(
            Package(
                spdx_id="SPDXRef-OperatingSystem",
                name=result.distro.id,
                version=result.distro.version_id,
                download_location=SpdxNoAssertion(),
                files_analyzed=False,
                primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
            )
        )
        relationships.append(
            Relationship("SPDXRef-Image", RelationshipType.CONTAINS, "SPDXRef-OperatingSystem")
        )
    for index, component in enumerate(result.components, start=1):
        spdx_id = f"SPDXRef-Package-{component.ecosystem}-{_NOT_ID.sub('-', component.name)}-{index}"
        packages.append(_package(component, spdx_id))
        relationships.append(Relationship("SPDXRef-Image", RelationshipType.CONTAINS, spdx_id))
    return Document(creation_info=info, packages=packages, relationships=relationships)


def validate(doc: Document) -> None:
    """Raises ReportError when spdx-tools' validator finds anything wrong."""
    messages = validate_full_spdx_document(doc)
    if messages:
        raise ReportError(f"SPDX document does not validate: {messages[0].validation_message}")


class SpdxJsonFormat(ReportFormat):
    """An SPDX 2.3 JSON SBOM, validated before it is written."""

    name: ClassVar[str] = "spdx-json"

    def render(self, result: ScanResult) -> str:
        doc = document(result)
        validate(doc)
        out = io.StringIO()
        write_document_to_stream(doc, out, validate=False)
        return out.getvalue() + "\n"
