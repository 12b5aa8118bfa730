"""Rust crates in executables built with cargo-auditable (its zlib-compressed JSON `.dep-v0` section).

Cargo.lock is deliberately not read: it describes a source tree, not software installed in the image.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence

from openhss.scan.catalog._elf import ELF_MAGIC, Elf, is_executable_candidate
from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

AUDIT_SECTION = b".dep-v0"
_MAX_SECTION = 16 << 20
_MAX_JSON = 64 << 20


def audit_section(content: bytes) -> bytes:
    """The compressed audit data of an ELF file (empty when it has none or its headers are damaged)."""
    if len(content) < 64 or not content.startswith(ELF_MAGIC):
        return b""
    try:
        return Elf(content).section(AUDIT_SECTION, _MAX_SECTION)
    except struct.error:
        return b""


class CargoAuditableCataloger(Cataloger):
    """The runtime crates (build-only crates are not in the binary) a cargo-auditable binary records."""

    name = "rust"
    ecosystem = "cargo"

    def path_filter(self) -> PathFilter:
        return PathFilter(executables=True)

    def claims(self, path: str, mode: int, size: int) -> bool:
        return is_executable_candidate(path, mode, size)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        if not file.content.startswith(ELF_MAGIC):
            return []
        section = audit_section(file.content)
        if not section:
            return []
        try:
            decompressor = zlib.decompressobj()
            text = decompressor.decompress(section, _MAX_JSON)
            document = json.loads(text)
        except (zlib.error, ValueError):
            return []
        packages = document.get("packages") if isinstance(document, dict) else None
        if not isinstance(packages, list):
            return []
        found: list[Component] = []
        for package in packages:
            if not isinstance(package, dict) or package.get("kind", "runtime") != "runtime":
                continue
            name, version = package.get("name"), package.get("version")
            if isinstance(name, str) and isinstance(version, str) and name and version:
                found.append(
                    Component(
                        name=name,
                        version=version,
                        ecosystem=self.ecosystem,
                        purl=package_url("cargo", name, version),
                        path=file.path,
                        layer=file.layer,
                    )
                )
        return found


CATALOGER = CargoAuditableCataloger()
