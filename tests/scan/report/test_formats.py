import json
from pathlib import Path

import pytest
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from openhss.scan.interface import Component, ScanResult
from openhss.scan.report import FORMAT_NAMES, format_class
from openhss.scan.report import cyclonedx as cyclonedx_report
from openhss.scan.report.cyclonedx import CycloneDXFormat
from openhss.scan.report.json import JsonFormat
from openhss.scan.report.spdx import SpdxJsonFormat
from openhss.scan.report.table import TableFormat
from openhss.scan.scanner import scan_image
from tests.scan.imagebuild import BuiltImage


@pytest.fixture(scope="module")
def result(dpkg_image: BuiltImage) -> ScanResult:
    return scan_image(dpkg_image.docker_archive)


def test_cyclonedx_validates_with_the_library_validator(result: ScanResult) -> None:
    text = CycloneDXFormat().render(result)
    cyclonedx_report.validate(text)
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["component"]["type"] == "container"
    purls = {c.get("purl") for c in doc["components"]}
    assert "pkg:deb/debian/sed@4.9-1?arch=amd64&distro=debian-12" in purls
    assert {"type": "operating-system", "name": "debian"}.items() <= next(
        c for c in doc["components"] if c["type"] == "operating-system"
    ).items()


def test_cyclonedx_with_licences_and_duplicate_purls_still_validates(result: ScanResult) -> None:
    extra = Component(
        "left-pad", "1.3.0", "npm", "pkg:npm/left-pad@1.3.0", "app/package.json", licenses=("WTFPL",)
    )
    twin = Component(
        "left-pad", "1.3.0", "npm", "pkg:npm/left-pad@1.3.0", "other/package.json", licenses=("my own",)
    )
    odd = ScanResult(config=result.config, distro=None, components=(extra, twin, extra))
    cyclonedx_report.validate(CycloneDXFormat().render(odd))
    SpdxJsonFormat().render(odd)


def test_spdx_validates_and_reads_back(result: ScanResult, tmp_path: Path) -> None:
    text = SpdxJsonFormat().render(result)
    path = tmp_path / "sbom.spdx.json"
    path.write_text(text)
    parsed = parse_file(str(path))
    assert validate_full_spdx_document(parsed) == []
    names = {p.name for p in parsed.packages}
    assert {"sed", "zlib1g", "debian"} <= names
    sed = next(p for p in parsed.packages if p.name == "sed")
    assert sed.external_references[0].locator == "pkg:deb/debian/sed@4.9-1?arch=amd64&distro=debian-12"


def test_json_holds_everything(result: ScanResult) -> None:
    doc = json.loads(JsonFormat().render(result))
    assert doc["config"]["image_id"] == result.config.image_id
    assert doc["config"]["labels"]["org.example"] == "demo"
    assert doc["distro"]["id"] == "debian"
    assert len(doc["components"]) == len(result.components)
    assert set(doc) >= {"unsafe_settings", "malicious_files", "build_risks", "size", "files", "notes"}


def test_table_lists_components(result: ScanResult) -> None:
    text = TableFormat(width=200).render(result)
    assert "zlib1g" in text and "1:1.3.dfsg-3" in text and "Debian GNU/Linux 12" in text
    assert "Components: 5" in text and "Vulnerabilities: 0" in text and "Malicious files: 0" in text


def test_every_format_is_registered() -> None:
    assert FORMAT_NAMES == ("table", "json", "cyclonedx", "spdx-json")
    assert [format_class(name).name for name in FORMAT_NAMES] == list(FORMAT_NAMES)
