"""Python package versions (PyPI), ordered by PEP 440 as `packaging.version` implements it."""

from __future__ import annotations

from packaging.version import InvalidVersion as _PackagingInvalid
from packaging.version import Version

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme


class Pep440Scheme(VersionScheme):
    """PEP 440: epochs, release segments, pre/post/dev releases, local versions."""

    name = "pep440"

    def _parse(self, version: str) -> Version:
        try:
            return Version(version)
        except _PackagingInvalid as e:
            raise InvalidVersion(self.name, version, "not PEP 440") from e
