"""Debian packages from the dpkg database: `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

from packageurl import PackageURL

from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_STATUS = "var/lib/dpkg/status"
_STATUS_D = "var/lib/dpkg/status.d/"
_SOURCE = re.compile(r"^(?P<name>\S+)(?:\s+\((?P<version>[^)]+)\))?\s*$")


def stanzas(text: str) -> Iterator[dict[str, str]]:
    """deb822 paragraphs: `Field: value` lines, continuation lines folded in, blank lines between."""
    fields: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, last = {}, ""
        elif line[0] in " \t":
            if last:
                fields[last] += "\n" + line.strip()
        else:
            key, sep, value = line.partition(":")
            if sep:
                last = key.strip()
                fields[last] = value.strip()
    if fields:
        yield fields


def _installed(fields: dict[str, str]) -> bool:
    # Distroless status.d files carry no Status field: everything listed there is installed.
    status = fields.get("Status")
    return status is None or status.split()[-1:] == ["installed"]


class DpkgCataloger(Cataloger):
    """Installed Debian/Ubuntu packages, with their source package (advisories are keyed by it)."""

    name: ClassVar[str] = "dpkg"
    ecosystem: ClassVar[str] = "deb"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset({"status"}), directories=frozenset({_STATUS_D.rstrip("/")}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        if path == _STATUS:
            return True
        return (
            path.startswith(_STATUS_D) and "/" not in path[len(_STATUS_D) :] and not path.endswith(".md5sums")
        )

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        text = file.content.decode("utf-8", "replace")
        return [c for fields in stanzas(text) if (c := self._component(fields, file)) is not None]

    def _component(self, fields: dict[str, str], file: LayerFile) -> Component | None:
        name, version = fields.get("Package", ""), fields.get("Version", "")
        if not name or not version or not _installed(fields):
            return None
        source_name = source_version = ""
        match = _SOURCE.match(fields.get("Source", ""))
        if match:
            source_name = match["name"] if match["name"] != name else ""
            source_version = match["version"] if match["version"] and match["version"] != version else ""
        arch = fields.get("Architecture", "")
        purl = PackageURL(
            type="deb",
            namespace="debian",
            name=name,
            version=version,
            qualifiers={"arch": arch} if arch else None,
        ).to_string()
        return Component(
            name=name,
            version=version,
            ecosystem=self.ecosystem,
            purl=purl,
            path=file.path,
            layer=file.layer,
            source_name=source_name,
            source_version=source_version,
        )


CATALOGER = DpkgCataloger()
