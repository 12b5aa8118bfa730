"""Java archives (jar, war, ear, Jenkins jpi/hpi): Maven coordinates of the archive and all it contains."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar", ".kar")
_MAX_DEPTH = 4
_MAX_NESTED_SIZE = 128 << 20
_MAX_EXPANDED = 512 << 20
_POM_PROPERTIES = re.compile(r"^META-INF/maven/[^/]+/[^/]+/pom\.properties$")
# `commons-lang3-3.12.0.jar`, `spring-core-5.3.9.RELEASE.jar`: the version starts at the first `-<digit>`.
_FILENAME = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^/]*)$")
# What zipfile raises on damaged or unsupported archives (bad headers, unknown compression, encryption).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


@dataclass(frozen=True)
class Coordinates:
    """Maven coordinates as far as the archive records them."""

    group: str
    """groupId (empty when only a manifest without a vendor id was found)."""
    artifact: str
    """artifactId."""
    version: str
    """version."""


def parse_properties(text: str) -> dict[str, str]:
    """Java `.properties` as Maven writes pom.properties: `key=value`, `#` comments."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    return values


def parse_manifest(text: str) -> dict[str, str]:
    """The main section of a MANIFEST.MF (lines wrapped at 72 bytes continue with one space)."""
    values: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            break
        if line.startswith(" ") and last:
            values[last] += line[1:]
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            values[last] = value.strip()
    return values


def _from_manifest(manifest: dict[str, str], filename: str) -> Coordinates | None:
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = _FILENAME.match(stem)
    symbolic = manifest.get("Bundle-SymbolicName", "").split(";")[0].strip()
    title = manifest.get("Implementation-Title", "")
    # A title is often prose ("Apache Commons Lang"); only a one-word title can stand for an artifact id.
    artifact = (match.group("name") if match else "") or (title if " " not in title else "") or symbolic
    version = (
        manifest.get("Implementation-Version")
        or manifest.get("Bundle-Version")
        or manifest.get("Specification-Version")
        or (match.group("version") if match else "")
    )
    group = manifest.get("Implementation-Vendor-Id", "")
    if not artifact or not version:
        return None
    return Coordinates(group, artifact, version)


class _Budget:
    """Bytes left to expand from one top-level archive, so a zip bomb costs a bounded amount of work."""

    def __init__(self) -> None:
        self.left = _MAX_EXPANDED

    def take(self, size: int) -> bool:
        self.left -= size
        return self.left >= 0


class JavaArchiveCataloger(Cataloger):
    """Maven artifacts in Java archives: pom.properties, else the manifest; nested archives recursively."""

    name = "java"
    ecosystem = "maven"

    def path_filter(self) -> PathFilter:
        return PathFilter(extensions=frozenset(s.lstrip(".") for s in ARCHIVE_SUFFIXES))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path.lower().endswith(ARCHIVE_SUFFIXES)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        found: list[Component] = []
        self._archive(file.content, file.path, file, 0, _Budget(), found)
        return found

    def _archive(
        self, content: bytes, shown: str, file: LayerFile, depth: int, budget: _Budget, found: list[Component]
    ) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            entries = archive.infolist()
        except _ZIP_ERRORS:
            return
        seen: set[Coordinates] = set()
        for entry in entries:
            if _POM_PROPERTIES.match(entry.filename):
                properties = parse_properties(self._read(archive, entry, budget).decode("utf-8", "replace"))
                group, artifact = properties.get("groupId", ""), properties.get("artifactId", "")
                version = properties.get("version", "")
                if artifact and version:
                    seen.add(Coordinates(group, artifact, version))
        if not seen:
            # No pom.properties: the manifest, and failing that the file name, say what the archive is.
            manifest_entry = next((e for e in entries if e.filename.upper() == "META-INF/MANIFEST.MF"), None)
            text = b"" if manifest_entry is None else self._read(archive, manifest_entry, budget)
            coordinates = _from_manifest(
                parse_manifest(text.decode("utf-8", "replace")), shown.rsplit("!", 1)[-1]
            )
            if coordinates is not None:
                seen.add(coordinates)
        for coordinates in sorted(seen, key=lambda c: (c.group, c.artifact, c.version)):
            found.append(self._component(coordinates, shown, file))
        if depth + 1 >= _MAX_DEPTH:
            return
        for entry in entries:
            if entry.filename.lower().endswith(ARCHIVE_SUFFIXES) and 0 < entry.file_size <= _MAX_NESTED_SIZE:
                nested = self._read(archive, entry, budget)
                if nested:
                    self._archive(nested, f"{shown}!{entry.filename}", file, depth + 1, budget, found)

    @staticmethod
    def _read(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: _Budget) -> bytes:
        if not budget.take(entry.file_size):
            return b""
        try:
            return archive.read(entry)
        except _ZIP_ERRORS:
            return b""

    def _component(self, coordinates: Coordinates, shown: str, file: LayerFile) -> Component:
        group, artifact, version = coordinates.group, coordinates.artifact, coordinates.version
        return Component(
            name=f"{group}:{artifact}" if group else artifact,
            version=version,
            ecosystem=self.ecosystem,
            purl=package_url("maven", artifact, version, namespace=group),
            path=shown,
            layer=file.layer,
        )


CATALOGER = JavaArchiveCataloger()
