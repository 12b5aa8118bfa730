"""OSV `affected[]` evaluation: is an installed version in an entry's ranges or versions, what fixes it.

Each entry is compiled once (events parsed and sorted, a bisectable key list built), so matching a
version is a binary search.  Semantics are the OSV schema's: SEMVER ranges order by Semantic
Versioning whatever the ecosystem (in Go through the Go scheme, which orders identically but also
reads `go1.21.3`), ECOSYSTEM ranges by the ecosystem's scheme, GIT ranges are about
commits and take no part in version matching; an explicitly listed version is affected whatever the
ranges say.  A version in the data that its scheme rejects drops that one event (a dropped `fixed`
leaves the range open, so bad data errs towards reporting) and is recorded in `skipped`; fields of
the wrong shape count as absent.  (Dropping, rather than guessing an order for the bad version as a
lenient parser would, keeps every comparison one the ecosystem itself would make.)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, TypeGuard

from openhss.vulndb.versions import (
    GOLANG,
    SEMVER,
    InvalidVersion,
    UnknownEcosystem,
    VersionKey,
    VersionScheme,
)
from openhss.vulndb.versions import scheme_for as _scheme_for

_INTRODUCED = "introduced"
_FIXED = "fixed"
_LAST_AFFECTED = "last_affected"
_LIMIT = "limit"
# At one version, an introduction takes effect before a fix or a last_affected bound, so
# introduced == fixed is an empty range and introduced == last_affected is that one version.
_TIE_ORDER = {_INTRODUCED: 0, _FIXED: 1, _LAST_AFFECTED: 2}


class Verdict(NamedTuple):
    """Whether an installed version is affected, and the version that fixes it (None if unknown)."""

    affected: bool
    """True when a range or the explicit versions list contains the installed version."""
    fixed: str | None
    """The `fixed` event ending the range that contains the version, as written in the advisory."""


NOT_AFFECTED = Verdict(False, None)


@lru_cache(maxsize=262_144)
def _parse(scheme: VersionScheme, version: str) -> VersionKey:
    """`scheme.parse`, memoised: advisories of one package list the same versions over and over, and
    schemes are pure (a rejected version raises each time, uncached)."""
    return scheme.parse(version)


class InstalledVersion:
    """An installed version string with its parsed key cached per scheme, to match it against many entries."""

    __slots__ = ("_keys", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        """The version as the package database records it."""
        self._keys: dict[str, VersionKey | None] = {}

    def key(self, scheme: VersionScheme) -> VersionKey | None:
        """The version's key under `scheme`, or None if the scheme rejects it."""
        try:
            return self._keys[scheme.name]
        except KeyError:
            pass
        try:
            k: VersionKey | None = _parse(scheme, self.text)
        except InvalidVersion:
            k = None
        self._keys[scheme.name] = k
        return k


@dataclass(frozen=True)
class CompiledRange:
    """One SEMVER or ECOSYSTEM range, its events parsed and sorted, ready for a binary search."""

    type: str
    """OSV range type: `SEMVER` or `ECOSYSTEM`."""
    scheme: VersionScheme
    """The scheme that orders this range's versions."""
    from_zero: bool
    """An `introduced: "0"` event: affected from the very first version."""
    keys: tuple[VersionKey, ...]
    """Event versions in ascending order (ties: introduced, fixed, last_affected)."""
    kinds: tuple[str, ...]
    """The event kind at each position of `keys`."""
    next_fix: tuple[str | None, ...]
    """For each position, the first `fixed` version at or after it (None when a last_affected comes first)."""
    limits: tuple[VersionKey, ...] = ()
    """`limit` events: when present, only versions below one of them can be affected."""

    def covers(self, v: VersionKey) -> bool:
        """`contains(v).affected`, without building the verdict (compiling asks this of every listed version)."""
        if self.limits and not any(v < limit for limit in self.limits):
            return False
        keys, kinds = self.keys, self.kinds
        i = bisect.bisect_right(keys, v)
        while i and kinds[i - 1] == _LAST_AFFECTED and not (keys[i - 1] < v):
            i -= 1
        return self.from_zero if i == 0 else kinds[i - 1] == _INTRODUCED

    def contains(self, v: VersionKey) -> Verdict:
        """The OSV schema's range evaluation for the parsed installed version `v`."""
        if self.limits and not any(v < limit for limit in self.limits):
            return NOT_AFFECTED
        # Events at or below v have taken effect, except a last_affected equal to v: those sort
        # last among equals, so step back over them.
        i = bisect.bisect_right(self.keys, v)
        while i and self.kinds[i - 1] == _LAST_AFFECTED and not (self.keys[i - 1] < v):
            i -= 1
        affected = self.from_zero if i == 0 else self.kinds[i - 1] == _INTRODUCED
        if not affected:
            return NOT_AFFECTED
        return Verdict(True, self.next_fix[i] if i < len(self.next_fix) else None)


@dataclass(frozen=True)
class CompiledAffected:
    """One OSV `affected[]` entry, compiled: match installed versions of its package against it."""

    ecosystem: str
    """The entry's `package.ecosystem` (`Debian:12`, `PyPI`, ...)."""
    ranges: tuple[CompiledRange, ...]
    """Its SEMVER and ECOSYSTEM ranges (GIT ranges are left out)."""
    versions: frozenset[str]
    """The explicit `versions` list, as written, less the versions a range of the ecosystem's own
    scheme already contains (see `compile_affected`)."""
    version_keys: frozenset[Any] = frozenset()
    """The same versions parsed by the ecosystem's scheme, so `1.0` matches a listed `1.0.0` on PyPI."""
    scheme: VersionScheme | None = None
    """The ecosystem's scheme; None when the ecosystem is unknown and no ECOSYSTEM range needs one."""
    skipped: tuple[str, ...] = field(default=())
    """Versions in the data that their scheme rejected; their events were dropped."""

    def evaluate(self, installed: str | InstalledVersion) -> Verdict:
        """Is `installed` affected, and which fix ends that (the first containing range that names one)."""
        inst = installed if isinstance(installed, InstalledVersion) else InstalledVersion(installed)
        found: Verdict | None = None
        for r in self.ranges:
            v = inst.key(r.scheme)
            if v is not None:
                verdict = r.contains(v)
                if verdict.fixed is not None:
                    return verdict
                if verdict.affected and found is None:
                    found = verdict
        if found is not None:
            return found
        if inst.text in self.versions:
            return Verdict(True, None)
        if self.version_keys and self.scheme is not None:
            k = inst.key(self.scheme)
            if k is not None and k in self.version_keys:
                return Verdict(True, None)
        return NOT_AFFECTED


# Compiling is most of a cold match (~2,000 entries, ~8,000 events): `list | tuple` built a union
# object at every call and `isinstance(x, Mapping)` goes through the ABC machinery (with dpkg's
# string-key cache, ~13% off compiling the bench image's 1,973 entries). Decoded JSON objects are dicts, so test that first; other mappings still count.
_SEQUENCES = (list, tuple)


def _is_mapping(value: object) -> TypeGuard[Mapping[str, Any]]:
    return type(value) is dict or isinstance(value, Mapping)


def _list(value: object) -> Sequence[Any]:
    # Advisory JSON is untrusted: a field of the wrong shape counts as absent.
    return value if isinstance(value, _SEQUENCES) else ()


def compile_range(range_: Mapping[str, Any], scheme: VersionScheme, skipped: list[str]) -> CompiledRange:
    """Compile one OSV range (`{"type", "events"}`) under `scheme`; rejected versions go to `skipped`."""
    events: list[tuple[VersionKey, int, str, str]] = []
    limits: list[VersionKey] = []
    from_zero = False
    for event in _list(range_.get("events")):
        if not _is_mapping(event):
            continue
        for kind, raw in event.items():
            if not isinstance(raw, str):
                continue
            if kind == _INTRODUCED and raw == "0":
                from_zero = True
                continue
            if kind == _LIMIT and raw == "*":
                continue
            if kind not in _TIE_ORDER and kind != _LIMIT:
                continue
            try:
                key = _parse(scheme, raw)
            except InvalidVersion:
                skipped.append(raw)
                continue
            if kind == _LIMIT:
                limits.append(key)
            else:
                events.append((key, _TIE_ORDER[kind], kind, raw))
    events.sort(key=lambda e: (e[0], e[1]))
    next_fix: list[str | None] = [None] * len(events)
    upcoming: str | None = None
    for i in range(len(events) - 1, -1, -1):
        kind, raw = events[i][2], events[i][3]
        if kind == _FIXED:
            upcoming = raw
        elif kind == _LAST_AFFECTED:
            upcoming = None
        next_fix[i] = upcoming
    return CompiledRange(
        type=str(range_.get("type", "")),
        scheme=scheme,
        from_zero=from_zero,
        keys=tuple(e[0] for e in events),
        kinds=tuple(e[2] for e in events),
        next_fix=tuple(next_fix),
        limits=tuple(limits),
    )


def compile_affected(
    affected: Mapping[str, Any], ecosystem: str | None = None, *, prune: bool = True
) -> CompiledAffected:
    """Compile one OSV `affected[]` entry; `ecosystem` overrides `package.ecosystem`.

    A listed version that a range of the ecosystem's own scheme contains is left out of `versions`
    (with `prune`, the default): an installed version equal to it, as text or under that scheme,
    has the same key, so that range already contains it, and ranges are consulted first. OSV's
    `versions` lists mostly enumerate what the ranges say, so this keeps evaluation and the compiled
    form small without changing any verdict.

    Raises `UnknownEcosystem` only when an ECOSYSTEM range needs a scheme the registry lacks.
    """
    if ecosystem is None:
        package = affected.get("package")
        ecosystem = package.get("ecosystem") if _is_mapping(package) else None
    eco = ecosystem if isinstance(ecosystem, str) else ""
    try:
        scheme: VersionScheme | None = _scheme_for(eco)
    except UnknownEcosystem:
        scheme = None
    # SEMVER ranges order by Semantic Versioning whatever the ecosystem.  Go's scheme orders
    # exactly so, and also reads Go's own spellings of installed versions (v1.2.3, go1.21.3).
    semver = GOLANG if scheme is GOLANG else SEMVER
    skipped: list[str] = []
    ranges: list[CompiledRange] = []
    for r in _list(affected.get("ranges")):
        if not _is_mapping(r):
            continue
        kind = r.get("type")
        if kind == "SEMVER":
            ranges.append(compile_range(r, semver, skipped))
        elif kind == "ECOSYSTEM":
            if scheme is None:
                raise UnknownEcosystem(eco)
            ranges.append(compile_range(r, scheme, skipped))
    listed: Sequence[str] = [v for v in _list(affected.get("versions")) if isinstance(v, str)]
    own = [r.covers for r in ranges if r.scheme is scheme] if prune else []
    extra: list[str] = []
    keys: set[Any] = set()
    if scheme is not None:
        for v in listed:
            try:
                key = _parse(scheme, v)
            except InvalidVersion:
                skipped.append(v)
                extra.append(v)
                continue
            for covers in own:
                if covers(key):
                    break
            else:
                extra.append(v)
                keys.add(key)
    else:
        extra = list(listed)
    return CompiledAffected(
        ecosystem=eco,
        ranges=tuple(ranges),
        versions=frozenset(extra),
        version_keys=frozenset(keys),
        scheme=scheme,
        skipped=tuple(skipped),
    )


def versions_to_store(ecosystem: str, ranges: Sequence[Any], versions: Sequence[str]) -> list[str]:
    """The listed `versions` of an entry that its ranges do not already contain, in their order.

    Import stores only these: `compile_affected` would prune the others at every compilation, and
    parsing them is most of what compiling an entry costs the first time a process matches it
    (OSV lists mostly enumerate what the ranges say). Verdicts are the same with either list.
    """
    try:
        compiled = compile_affected({"ranges": list(ranges), "versions": list(versions)}, ecosystem)
    except UnknownEcosystem:
        return list(versions)
    return [v for v in versions if v in compiled.versions]


def evaluate(affected: Mapping[str, Any] | CompiledAffected, installed: str | InstalledVersion) -> Verdict:
    """(is_affected, fixed_version or None) for `installed` against one OSV `affected[]` entry."""
    compiled = affected if isinstance(affected, CompiledAffected) else compile_affected(affected)
    return compiled.evaluate(installed)


def evaluate_all(entries: Iterable[CompiledAffected], installed: str | InstalledVersion) -> Verdict:
    """The first affecting verdict over several entries of one advisory for the same package."""
    inst = installed if isinstance(installed, InstalledVersion) else InstalledVersion(installed)
    for entry in entries:
        verdict = entry.evaluate(inst)
        if verdict.affected:
            return verdict
    return NOT_AFFECTED
