"""CycloneDX 1.6 JSON, built and validated with cyclonedx-python-lib."""

from __future__ import annotations

from typing import ClassVar

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from openhss.scan.interface import Component, ScanResult

try:  # its home since cyclonedx-python-lib 11; the old import path warns there
    from cyclonedx.contrib.license.factories import LicenseFactory
except ImportError:  # pragma: no cover - older library
    from cyclonedx.factory.license import LicenseFactory  # type: ignore[assignment,no-redef]
from openhss.scan.report.interface import ReportError, ReportFormat

SCHEMA = SchemaVersion.V1_6
_PREFIX = "openhss:"


def _properties(pairs: dict[str, str]) -> list[Property]:
    return [Property(name=_PREFIX + key, value=value) for key, value in pairs.items() if value]


def _component(component: Component, bom_ref: str) -> CdxComponent:
    try:
        purl = PackageURL.from_string(component.purl) if component.purl else None
    except ValueError:
        purl = None
    licenses = LicenseFactory()
    return CdxComponent(
        type=ComponentType.LIBRARY,
        name=component.name,
        version=component.version,
        purl=purl,
        bom_ref=bom_ref,
        licenses=[licenses.make_from_string(text) for text in component.licenses],
        properties=_properties(
            {
                "ecosystem": component.ecosystem,
                "path": component.path,
                "layer_diff_id": component.layer,
                "source_name": component.source_name,
                "source_version": component.source_version,
                "distro": component.distro,
            }
        ),
    )


def bom(result: ScanResult) -> Bom:
    """The image as the BOM's subject, its OS, and every component, each the image depends on."""
    config = result.config
    document = Bom()
    image = CdxComponent(
        type=ComponentType.CONTAINER,
        name=config.repo_tags[0] if config.repo_tags else config.image_id,
        version=config.image_id,
        bom_ref=config.image_id,
        properties=_properties(
            {"image_id": config.image_id, **{f"repo_tag:{i}": t for i, t in enumerate(config.repo_tags)}}
        )
        + [Property(name=_PREFIX + "diff_id", value=d) for d in config.diff_ids],
    )
    document.metadata.component = image
    members: list[CdxComponent] = []
    if result.distro is not None:
        os_component = CdxComponent(
            type=ComponentType.OPERATING_SYSTEM,
            name=result.distro.id,
            version=result.distro.version_id,
            bom_ref=f"os:{result.distro.id}:{result.distro.version_id}",
        )
        members.append(os_component)
    seen: set[str] = set()
    for component in result.components:
        ref = f"{component.purl or component.name}#{component.path}"
        if ref in seen:
            continue
        seen.add(ref)
        members.append(_component(component, ref))
    for member in members:
        document.components.add(member)
    document.register_dependency(image, members)
    return document


def validate(text: str) -> None:
    """Raises ReportError unless `text` is valid against the CycloneDX JSON schema (strict)."""
    error = JsonStrictValidator(SCHEMA).validate_str(text)
    if error is not None:
        raise ReportError(f"CycloneDX document does not validate: {error}")


class CycloneDXFormat(ReportFormat):
    """A CycloneDX 1.6 JSON SBOM."""

    name: ClassVar[str] = "cyclonedx"

    def render(self, result: ScanResult) -> str:
        return make_outputter(bom(result), OutputFormat.JSON, SCHEMA).output_as_string(indent=2) + "\n"
