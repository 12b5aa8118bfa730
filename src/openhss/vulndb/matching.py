"""Components -> advisories: candidates by (ecosystem, name) from the store, then exact version logic.

The store's index narrows 300,000 advisories to the few that name a component's package; each
candidate's ranges are compiled once (cached by their digest) and evaluated with the ecosystem's
own comparator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from openhss.store.tables import advisories, advisory_packages
from openhss.vulndb.interface import PackageRef, Vulnerability
from openhss.vulndb.knowledge import PackageKey
from openhss.vulndb.merging import merge_keys
from openhss.vulndb.ranges import CompiledAffected, InstalledVersion, compile_affected
from openhss.vulndb.versions import UnknownEcosystem

_CHUNK = 400
_CACHE_LIMIT = 200_000


class Candidate(NamedTuple):
    """An advisory naming a package, with what matching needs of it (a tuple: thousands per match)."""

    advisory_id: str
    aliases: tuple[str, ...]
    upstream: tuple[str, ...]
    severity: str
    summary: str
    ecosystem: str
    compiled: CompiledAffected | None
    """The entry's ranges compiled; None when its ecosystem has no version scheme here."""


# (ecosystem, ranges digest) -> compiled entry. Content-addressed, so it holds across databases and
# imports with no invalidation; emptied when it grows past the limit.
_COMPILED: dict[tuple[str, str], CompiledAffected | None] = {}


_MISSING: Any = object()


def _compile(ecosystem: str, ranges: str) -> CompiledAffected | None:
    try:
        return compile_affected(json.loads(ranges), ecosystem)
    except UnknownEcosystem:
        return None


@lru_cache(maxsize=100_000)
def _ids(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def candidates(conn: Connection, keys: Iterable[PackageKey]) -> dict[PackageKey, list[Candidate]]:
    """Every stored advisory package entry for each (match ecosystem, name).

    Ranges text is long (OSV lists every affected version) and the same across matches, so rows are
    read without it and only entries whose compiled form is not cached are read again in full.
    """
    by_ecosystem: dict[str, list[str]] = {}
    for ecosystem, name in sorted(set(keys)):
        by_ecosystem.setdefault(ecosystem, []).append(name)
    p, a = advisory_packages, advisories
    rows: list[tuple[Any, ...]] = []
    for ecosystem, names in by_ecosystem.items():
        for start in range(0, len(names), _CHUNK):
            rows += conn.execute(
                select(
                    p.c.id.label("entry_id"),
                    p.c.match_ecosystem,
                    p.c.name,
                    p.c.ecosystem,
                    p.c.ranges_digest,
                    p.c.severity,
                    a.c.id,
                    a.c.aliases,
                    a.c.upstream,
                    a.c.severity.label("advisory_severity"),
                    a.c.summary,
                )
                .join(a, a.c.id == p.c.advisory_id)
                .where(p.c.match_ecosystem == ecosystem, p.c.name.in_(names[start : start + _CHUNK]))
            ).all()
    compiled: dict[int, CompiledAffected | None] = {}
    missing: list[int] = []
    for entry_id, _, _, ecosystem, digest, *_ in rows:
        cached = _COMPILED.get((ecosystem, digest), _MISSING) if digest else _MISSING
        if cached is _MISSING:
            missing.append(entry_id)
        else:
            compiled[entry_id] = cached
    if missing:
        if len(_COMPILED) + len(missing) > _CACHE_LIMIT:
            _COMPILED.clear()
        for start in range(0, len(missing), _CHUNK):
            for entry_id, ecosystem, digest, ranges in conn.execute(
                select(p.c.id, p.c.ecosystem, p.c.ranges_digest, p.c.ranges).where(
                    p.c.id.in_(missing[start : start + _CHUNK])
                )
            ):
                entry = _compile(ecosystem, ranges)
                compiled[entry_id] = entry
                if digest:
                    _COMPILED[(ecosystem, digest)] = entry
    found: dict[PackageKey, list[Candidate]] = {}
    for (
        entry_id,
        match_ecosystem,
        name,
        ecosystem,
        _,
        severity,
        aid,
        aliases,
        upstream,
        a_sev,
        summary,
    ) in rows:
        found.setdefault((match_ecosystem, name), []).append(
            Candidate(
                advisory_id=aid,
                aliases=_ids(aliases),
                upstream=_ids(upstream),
                severity=severity or a_sev,
                summary=summary,
                ecosystem=ecosystem,
                compiled=compiled[entry_id],
            )
        )
    return found


def match(conn: Connection, refs: Sequence[PackageRef | None], names: Sequence[str]) -> list[Vulnerability]:
    """Vulnerabilities of the components whose refs are given (index-aligned with `names`)."""
    keys = {(r.match_ecosystem, r.name) for r in refs if r is not None}
    known = candidates(conn, keys)
    hits: list[tuple[int, Candidate, str]] = []
    for index, ref in enumerate(refs):
        if ref is None:
            continue
        installed = InstalledVersion(ref.version)
        for candidate in known.get((ref.match_ecosystem, ref.name), ()):
            compiled = candidate.compiled
            if compiled is None:
                continue
            verdict = compiled.evaluate(installed)
            if verdict.affected:
                hits.append((index, candidate, verdict.fixed or ""))
    keyed = merge_keys((c.advisory_id, c.aliases, c.upstream) for _, c, _ in hits)
    seen: set[tuple[int, str]] = set()
    out: list[Vulnerability] = []
    for index, candidate, fixed in hits:
        # One advisory may list a package twice (two release ecosystems): report it once.
        if (index, candidate.advisory_id) in seen:
            continue
        seen.add((index, candidate.advisory_id))
        ref = refs[index]
        assert ref is not None
        out.append(
            Vulnerability(
                id=candidate.advisory_id,
                aliases=candidate.aliases,
                key=keyed[candidate.advisory_id],
                severity=candidate.severity,
                package=names[index],
                installed_version=ref.version,
                fixed_version=fixed,
                component_index=index,
                summary=candidate.summary,
            )
        )
    return out
