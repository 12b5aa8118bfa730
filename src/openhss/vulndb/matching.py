"""Components -> advisories: candidates by (ecosystem, name) from the store, then exact version logic.

The store's index narrows 300,000 advisories to the few that name a component's package; each
candidate's ranges are compiled once (cached by their text) and evaluated with the ecosystem's
own comparator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, select, tuple_

from openhss.store.tables import advisories, advisory_packages
from openhss.vulndb.interface import PackageRef, Vulnerability
from openhss.vulndb.knowledge import PackageKey
from openhss.vulndb.ranges import CompiledAffected, InstalledVersion, compile_affected
from openhss.vulndb.versions import UnknownEcosystem

_CHUNK = 400


@dataclass(frozen=True)
class Candidate:
    """An advisory naming a package, with what matching needs of it."""

    advisory_id: str
    aliases: tuple[str, ...]
    upstream: tuple[str, ...]
    severity: str
    summary: str
    ecosystem: str
    ranges: str


@lru_cache(maxsize=200_000)
def _compiled(ecosystem: str, ranges: str) -> CompiledAffected | None:
    try:
        return compile_affected(json.loads(ranges), ecosystem)
    except UnknownEcosystem:
        return None


def candidates(conn: Connection, keys: Iterable[PackageKey]) -> dict[PackageKey, list[Candidate]]:
    """Every stored advisory package entry for each (match ecosystem, name)."""
    wanted = sorted(set(keys))
    found: dict[PackageKey, list[Candidate]] = {}
    p, a = advisory_packages, advisories
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = conn.execute(
            select(
                p.c.match_ecosystem,
                p.c.name,
                p.c.ecosystem,
                p.c.ranges,
                p.c.severity,
                a.c.id,
                a.c.aliases,
                a.c.upstream,
                a.c.severity.label("advisory_severity"),
                a.c.summary,
            )
            .join(a, a.c.id == p.c.advisory_id)
            .where(tuple_(p.c.match_ecosystem, p.c.name).in_(chunk))
        )
        for r in rows:
            found.setdefault((r.match_ecosystem, r.name), []).append(
                Candidate(
                    advisory_id=r.id,
                    aliases=tuple(json.loads(r.aliases)),
                    upstream=tuple(json.loads(r.upstream)),
                    severity=r.severity or r.advisory_severity,
                    summary=r.summary,
                    ecosystem=r.ecosystem,
                    ranges=r.ranges,
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
            compiled = _compiled(candidate.ecosystem, candidate.ranges)
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


def merge_keys(entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> dict[str, str]:
    """For each advisory id, the id its vulnerability is counted under.

    Aliases name the same vulnerability (OSV), so ids linked by aliases form one group; a single
    `upstream` id links too (a distribution's record of one CVE), several do not (a DSA bundling
    many CVEs is not one vulnerability). A group is counted under its smallest CVE id, else its
    smallest id.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ids: list[str] = []
    for advisory_id, aliases, upstream in entries:
        ids.append(advisory_id)
        find(advisory_id)
        links = list(aliases) + (list(upstream) if len(upstream) == 1 else [])
        for other in links:
            parent[find(other)] = find(advisory_id)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    key_of_root = {
        root: min((m for m in group if m.startswith("CVE-")), default=min(group))
        for root, group in members.items()
    }
    return {advisory_id: key_of_root[find(advisory_id)] for advisory_id in ids}
