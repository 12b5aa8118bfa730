"""Installed Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and `*.egg-info` files."""

from __future__ import annotations

import re
from collections.abc import Sequence

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_LICENSE_CLASSIFIER = "License :: "
_NOT_A_LICENSE = {"", "unknown", "none", "license"}


def normalize_name(name: str) -> str:
    """PEP 503 normalisation, which is also what the pypi purl type asks for."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_headers(text: str) -> dict[str, list[str]]:
    """The RFC 822 header block of core metadata (the body is the long description, not wanted)."""
    headers: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t" and last is not None:
            last[-1] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            last = None
            continue
        last = headers.setdefault(key.strip().lower(), [])
        last.append(value.strip())
    return headers


def licenses_of(headers: dict[str, list[str]]) -> tuple[str, ...]:
    """License-Expression, else a short License field, else the trove classifiers (as Syft does)."""
    expression = headers.get("license-expression", [""])[0]
    if expression:
        return (expression,)
    declared = headers.get("license", [""])[0]
    # Old metadata often pastes the whole license text here; that is not a license name.
    if declared.lower() not in _NOT_A_LICENSE and "\n" not in declared and len(declared) <= 100:
        return (declared,)
    return tuple(
        c.split(" :: ")[-1]
        for c in headers.get("classifier", [])
        if c.startswith(_LICENSE_CLASSIFIER) and c.count(" :: ") >= 2
    )


class PythonCataloger(Cataloger):
    """Python packages installed anywhere (site-packages, dist-packages, `pip install --target`)."""

    name = "python"
    ecosystem = "pypi"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset({"METADATA", "PKG-INFO"}), extensions=frozenset({"egg-info"}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        if path.endswith(".dist-info/METADATA") or path.endswith(".egg-info/PKG-INFO"):
            return True
        # distutils wrote the metadata as a single file named `<name>-<version>.egg-info`.
        return path.endswith(".egg-info")

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        headers = read_headers(file.content.decode("utf-8", errors="replace"))
        name = headers.get("name", [""])[0]
        version = headers.get("version", [""])[0]
        if not name or not version:
            return []
        return [
            Component(
                name=name,
                version=version,
                ecosystem=self.ecosystem,
                purl=package_url("pypi", normalize_name(name), version),
                path=file.path,
                layer=file.layer,
                licenses=licenses_of(headers),
            )
        ]


CATALOGER = PythonCataloger()
