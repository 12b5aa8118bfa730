""".NET packages, from the `*.deps.json` file the SDK writes beside every published application."""

from __future__ import annotations

import json
from collections.abc import Sequence

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter


class DotnetDepsCataloger(Cataloger):
    """The NuGet packages (`"type": "package"`) among a deps.json's libraries; projects are the app itself."""

    name = "dotnet"
    ecosystem = "nuget"

    def path_filter(self) -> PathFilter:
        return PathFilter(extensions=frozenset({"json"}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path.endswith(".deps.json")

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        try:
            document = json.loads(file.content)
        except (ValueError, UnicodeDecodeError):
            return []
        libraries = document.get("libraries") if isinstance(document, dict) else None
        if not isinstance(libraries, dict):
            return []
        found: list[Component] = []
        for key, library in libraries.items():
            if not isinstance(library, dict) or library.get("type") != "package":
                continue
            name, _, version = key.partition("/")
            if not name or not version:
                continue
            found.append(
                Component(
                    name=name,
                    version=version,
                    ecosystem=self.ecosystem,
                    purl=package_url("nuget", name, version),
                    path=file.path,
                    layer=file.layer,
                )
            )
        return found


CATALOGER = DotnetDepsCataloger()
