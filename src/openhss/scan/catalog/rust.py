"""Rust crates in executables built with cargo-auditable (its zlib-compressed JSON `.dep-v0` section).

Cargo.lock is deliberately not read: it describes a source tree, not software installed in the image.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Sequence

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile

ELF_MAGIC = b"\x7fELF"
AUDIT_SECTION = b".dep-v0"
_MIN_SIZE = 1024
_MAX_SECTION = 16 << 20
_MAX_JSON = 64 << 20


def elf_section(content: bytes, wanted: bytes) -> bytes:
    """The bytes of the ELF section named `wanted` (empty when absent or the headers are damaged)."""
    if len(content) < 64 or not content.startswith(ELF_MAGIC):
        return b""
    wide = content[4] == 2
    order = ">" if content[5] == 2 else "<"
    try:
        if wide:
            (table,) = struct.unpack_from(order + "Q", content, 0x28)
            entry_size, count, names_index = struct.unpack_from(order + "HHH", content, 0x3A)
            layout = order + "II8xQQQ"
        else:
            (table,) = struct.unpack_from(order + "I", content, 0x20)
            entry_size, count, names_index = struct.unpack_from(order + "HHH", content, 0x2E)
            layout = order + "II4xIII"
        if not table or names_index >= count or table + count * entry_size > len(content):
            return b""
        sections = [struct.unpack_from(layout, content, table + i * entry_size) for i in range(count)]
        _, _, _, names_offset, names_size = sections[names_index]
        names = content[names_offset : names_offset + names_size]
        for name, _kind, _address, offset, size in sections:
            end = names.find(b"\x00", name)
            if names[name:end] == wanted and size <= _MAX_SECTION:
                return content[offset : offset + size]
    except struct.error:
        return b""
    return b""


def _is_bin_dir(path: str) -> bool:
    directory = path.rpartition("/")[0]
    return any(part in ("bin", "sbin") for part in directory.split("/"))


class CargoAuditableCataloger(Cataloger):
    """The runtime crates (build-only crates are not in the binary) a cargo-auditable binary records."""

    name = "rust"
    ecosystem = "cargo"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return size >= _MIN_SIZE and (bool(mode & 0o111) or _is_bin_dir(path))

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        if not file.content.startswith(ELF_MAGIC):
            return []
        section = elf_section(file.content, AUDIT_SECTION)
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
