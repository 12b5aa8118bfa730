"""The version-scheme contract: parse a version string into a key that orders as its ecosystem orders."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

MAX_VERSION_LENGTH = 1024
"""Longer strings are refused by every scheme: no real version comes near, and it bounds the work
(and keeps digit runs below Python's int-conversion limit)."""


class InvalidVersion(ValueError):
    """A string is not a version of the scheme it was handed to."""

    def __init__(self, scheme: str, version: str, why: str = "") -> None:
        detail = f": {why}" if why else ""
        super().__init__(f"invalid {scheme} version {version!r}{detail}")
        self.scheme = scheme
        self.version = version


class UnknownEcosystem(LookupError):
    """An OSV ecosystem name has no version scheme here."""

    def __init__(self, ecosystem: str) -> None:
        super().__init__(f"no version scheme for OSV ecosystem {ecosystem!r}")
        self.ecosystem = ecosystem


class VersionKey(Protocol):
    """What `VersionScheme.parse` returns: totally ordered with keys of the same scheme."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __le__(self, other: Any, /) -> bool: ...

    def __gt__(self, other: Any, /) -> bool: ...

    def __ge__(self, other: Any, /) -> bool: ...


class VersionScheme(ABC):
    """One ecosystem's version ordering; `parse` once, then compare keys with `<`, `==`, `>`."""

    name: ClassVar[str]
    """Short scheme name (`dpkg`, `rpm`, `semver`, ...)."""

    def parse(self, version: str) -> VersionKey:
        """Return the comparison key of `version`, or raise `InvalidVersion` (and never anything else)."""
        if not isinstance(version, str):
            raise InvalidVersion(self.name, repr(version), "not a string")
        if len(version) > MAX_VERSION_LENGTH:
            raise InvalidVersion(
                self.name, version[:40] + "...", f"longer than {MAX_VERSION_LENGTH} characters"
            )
        return self._parse(version)

    @abstractmethod
    def _parse(self, version: str) -> VersionKey:
        """The scheme's own parser: the comparison key of `version`, or `InvalidVersion`."""

    def compare(self, a: str, b: str) -> int:
        """-1, 0 or 1 as version `a` sorts before, equal to, or after version `b`."""
        ka, kb = self.parse(a), self.parse(b)
        if ka < kb:
            return -1
        if kb < ka:
            return 1
        return 0

    def is_valid(self, version: str) -> bool:
        """True when `parse` accepts `version`."""
        try:
            self.parse(version)
        except InvalidVersion:
            return False
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
