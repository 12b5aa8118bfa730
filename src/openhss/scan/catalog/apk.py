"""Alpine packages, from apk's installed database `lib/apk/db/installed`."""

from __future__ import annotations

from collections.abc import Sequence

from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_DB_PATH = "lib/apk/db/installed"


def split_licenses(text: str) -> tuple[str, ...]:
    """apk's `L:` is either a space-separated list or one SPDX expression; keep an expression whole."""
    text = text.strip()
    if not text:
        return ()
    if any(op in f" {text} " for op in (" AND ", " OR ", " WITH ")) or "(" in text:
        return (text,)
    return tuple(text.split())


class ApkCataloger(Cataloger):
    """Every stanza of apk's installed database (https://wiki.alpinelinux.org/wiki/Apk_spec)."""

    name = "apk"
    ecosystem = "apk"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset({"installed"}))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path == _DB_PATH or path.endswith("/" + _DB_PATH)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        text = file.content.decode("utf-8", errors="replace")
        found: list[Component] = []
        for stanza in text.split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                key, sep, value = line.partition(":")
                # Only the first occurrence of a one-letter key describes the package; F:/R: repeat.
                if sep and len(key) == 1 and key not in fields:
                    fields[key] = value.strip()
            component = self._component(fields, file)
            if component is not None:
                found.append(component)
        return found

    def _component(self, fields: dict[str, str], file: LayerFile) -> Component | None:
        name, version = fields.get("P", ""), fields.get("V", "")
        if not name or not version:
            return None
        origin = fields.get("o", "")
        qualifiers = {"arch": fields.get("A", "")}
        if origin and origin != name:
            qualifiers["upstream"] = origin
        return Component(
            name=name,
            version=version,
            ecosystem=self.ecosystem,
            purl=package_url("apk", name, version, namespace="alpine", qualifiers=qualifiers),
            path=file.path,
            layer=file.layer,
            source_name=origin if origin != name else "",
            licenses=split_licenses(fields.get("L", "")),
        )


CATALOGER = ApkCataloger()
