"""PHP packages installed by Composer: `vendor/composer/installed.json`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_INSTALLED = "vendor/composer/installed.json"


def packages_of(document: Any) -> list[Any]:
    """Composer 1 writes a list of packages; Composer 2 `{"packages": [...], "dev": ...}`."""
    if isinstance(document, dict):
        document = document.get("packages")
    return document if isinstance(document, list) else []


def licenses_of(package: dict[str, Any]) -> tuple[str, ...]:
    declared = package.get("license")
    if isinstance(declared, str):
        declared = [declared]
    if not isinstance(declared, list):
        return ()
    return tuple(name for name in declared if isinstance(name, str) and name)


class ComposerCataloger(Cataloger):
    """Every package Composer records as installed in a vendor directory."""

    name = "php"
    ecosystem = "composer"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset({_INSTALLED.rpartition("/")[2]}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path == _INSTALLED or path.endswith("/" + _INSTALLED)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        try:
            document = json.loads(file.content)
        except (ValueError, UnicodeDecodeError):
            return []
        found: list[Component] = []
        for package in packages_of(document):
            if not isinstance(package, dict):
                continue
            name, version = package.get("name"), package.get("version")
            if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
                continue
            vendor, _, project = name.rpartition("/")
            found.append(
                Component(
                    name=name,
                    version=version,
                    ecosystem=self.ecosystem,
                    purl=package_url("composer", project, version, namespace=vendor),
                    path=file.path,
                    layer=file.layer,
                    licenses=licenses_of(package),
                )
            )
        return found


CATALOGER = ComposerCataloger()
