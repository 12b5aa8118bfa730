"""Installed Ruby gems: the `specifications/*.gemspec` files RubyGems writes for each installed gem."""

from __future__ import annotations

import re
from collections.abc import Sequence

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

# RubyGems writes installed specs in one fixed shape: `s.name = "rake".freeze`, `s.version = "13.0.6"`,
# `s.licenses = ["MIT".freeze]`; reading those assignments is what Syft and Trivy do too.
_ASSIGNMENT = re.compile(rb"^\s*\w+\.(name|version|licenses?)\s*=\s*(.+?)\s*$", re.MULTILINE)
_STRING = re.compile(rb"""["']([^"']*)["']""")
_VERSION_CALL = re.compile(rb"""Gem::Version\.new\(\s*["']([^"']+)["']""")


class RubyGemCataloger(Cataloger):
    """Gems installed by RubyGems or Bundler (default gems included)."""

    name = "ruby"
    ecosystem = "gem"

    def path_filter(self) -> PathFilter:
        return PathFilter(extensions=frozenset({"gemspec"}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        if not path.endswith(".gemspec"):
            return False
        parents = path.split("/")[-3:-1]
        # `specifications/<gem>.gemspec`, or `specifications/default/<gem>.gemspec` for default gems.
        return parents[-1:] == ["specifications"] or parents == ["specifications", "default"]

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        fields: dict[bytes, bytes] = {}
        licenses: list[str] = []
        for match in _ASSIGNMENT.finditer(file.content):
            key, value = match.group(1), match.group(2)
            if key.startswith(b"license"):
                licenses.extend(s.decode("utf-8", "replace") for s in _STRING.findall(value) if s)
                continue
            if key in fields:
                continue
            literal = _VERSION_CALL.search(value) or _STRING.match(value)
            if literal:
                fields[key] = literal.group(1)
        name = fields.get(b"name", b"").decode("utf-8", "replace")
        version = fields.get(b"version", b"").decode("utf-8", "replace")
        if not name or not version:
            return []
        return [
            Component(
                name=name,
                version=version,
                ecosystem=self.ecosystem,
                purl=package_url("gem", name, version),
                path=file.path,
                layer=file.layer,
                licenses=tuple(dict.fromkeys(licenses)),
            )
        ]


CATALOGER = RubyGemCataloger()
