"""Installed npm packages: the `package.json` at the top of each package directory under `node_modules/`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_MANIFEST = "/package.json"
_MODULES = "node_modules/"


def is_installed_manifest(path: str) -> bool:
    """`…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`.

    Deeper package.json files (a package's own test fixtures, `lib/package.json` type markers) and
    the project root's manifest are not installed packages.
    """
    if not path.endswith(_MANIFEST):
        return False
    cut = path.rfind(_MODULES)
    if cut != 0 and (cut < 0 or path[cut - 1] != "/"):
        return False
    package_dir = path[cut + len(_MODULES) : -len(_MANIFEST)]
    parts = package_dir.split("/")
    if len(parts) == 1:
        return bool(parts[0]) and parts[0][0] not in ".@"
    return len(parts) == 2 and parts[0].startswith("@") and bool(parts[1])


def licenses_of(manifest: dict[str, Any]) -> tuple[str, ...]:
    """`license` as a string or `{type}`, or the deprecated `licenses` list."""
    declared = manifest.get("license")
    if isinstance(declared, dict):
        declared = declared.get("type")
    if isinstance(declared, str) and declared:
        return (declared,)
    listed = manifest.get("licenses")
    if isinstance(listed, list):
        names = (entry.get("type") if isinstance(entry, dict) else entry for entry in listed)
        return tuple(n for n in names if isinstance(n, str) and n)
    return ()


class NpmCataloger(Cataloger):
    """npm packages as installed by npm, yarn or pnpm (each leaves a package.json per package)."""

    name = "npm"
    ecosystem = "npm"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset({_MANIFEST.lstrip("/")}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return is_installed_manifest(path)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        try:
            manifest = json.loads(file.content)
        except (ValueError, UnicodeDecodeError):
            return []
        if not isinstance(manifest, dict):
            return []
        name, version = manifest.get("name"), manifest.get("version")
        if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
            return []
        namespace, _, short = name.rpartition("/")
        return [
            Component(
                name=name,
                version=version,
                ecosystem=self.ecosystem,
                purl=package_url("npm", short, version, namespace=namespace),
                path=file.path,
                layer=file.layer,
                licenses=licenses_of(manifest),
            )
        ]


CATALOGER = NpmCataloger()
