"""Components -> advisories: candidates by (ecosystem, name) from the store, then exact version logic.

The store's index narrows 300,000 advisories to the few that name a component's package; each
candidate's ranges are compiled once (cached by their digest) and evaluated with the ecosystem's
own comparator. What a result shows of an advisory (aliases, summary, severity) is read only for the
advisories that matched.

The candidate entries of each package looked up, and what was read of each matched advisory, are
kept in the process under the store's knowledge generation (`vulndb_generation`, migration 0012:
triggers change it with every write to the advisories), so a warm match reads one number from the
store; a new generation (an import, here or in another process) drops everything kept.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection

from openhss.store.driver_rows import driver_rows_in
from openhss.vulndb.interface import PackageRef, Vulnerability
from openhss.vulndb.knowledge import PackageKey
from openhss.vulndb.merging import merge_keys
from openhss.vulndb.ranges import CompiledAffected, InstalledVersion, compile_affected
from openhss.vulndb.versions import UnknownEcosystem

_CACHE_LIMIT = 200_000


class Candidate(NamedTuple):
    """An advisory entry naming a package, with what evaluating it needs (a tuple: thousands per match)."""

    advisory_id: str
    severity: str
    """The distribution's own severity for the package, empty when the advisory's applies."""
    ecosystem: str
    compiled: CompiledAffected | None
    """The entry's ranges compiled; None when its ecosystem has no version scheme here."""


class AdvisoryInfo(NamedTuple):
    """What a match shows of its advisory."""

    aliases: tuple[str, ...]
    upstream: tuple[str, ...]
    severity: str
    summary: str


# Read through the driver's cursor (`store.driver_rows`): on PostgreSQL one `= ANY(array)` query per
# ecosystem, and no SQLAlchemy result path. Both cost as much as the queries there (warm match
# 69 ms p50 CPU before, 26 ms after).
_ENTRIES = (
    "SELECT id, name, ecosystem, ranges_digest, severity, advisory_id FROM advisory_packages"
    " WHERE match_ecosystem {} AND name {}"
)
_RANGES = "SELECT id, ecosystem, ranges_digest, ranges FROM advisory_packages WHERE id {}"
_ADVISORIES = "SELECT id, aliases, upstream, severity, summary FROM advisories WHERE id {}"
_GENERATION = "SELECT generation FROM vulndb_generation WHERE id = 1"
_KEPT_LIMIT = 200_000
"""Package keys (and matched advisories) kept per generation; past it, what is kept is dropped."""


@dataclass
class _Kept:
    """What this process read of one store's advisories at one generation (never changed once dropped)."""

    store: str
    generation: int
    candidates: dict[PackageKey, list[Candidate]] = field(default_factory=dict)
    info: dict[str, AdvisoryInfo] = field(default_factory=dict)


_KEPT = _Kept("", -1)


def _kept(conn: Connection) -> _Kept:
    """What is kept for the store `conn` reads, at the generation it sees (read before any entry, so
    an entry read later is never older than the generation it is kept under)."""
    global _KEPT
    generation = int(conn.exec_driver_sql(_GENERATION).scalar_one())
    store = str(conn.engine.url)
    kept = _KEPT
    if kept.generation != generation or kept.store != store:
        kept = _KEPT = _Kept(store, generation)
    return kept


def forget() -> None:
    """Drop every kept candidate and advisory (what a fresh process starts with)."""
    global _KEPT
    _KEPT = _Kept("", -1)


# (ecosystem, ranges digest) -> compiled entry. Content-addressed, so it holds across databases and
# imports with no invalidation; emptied when it grows past the limit.
_COMPILED: dict[tuple[str, str], CompiledAffected | None] = {}


_MISSING: Any = object()

_K = TypeVar("_K")
_V = TypeVar("_V")


def _compile(ecosystem: str, ranges: str) -> CompiledAffected | None:
    try:
        return compile_affected(json.loads(ranges), ecosystem)
    except UnknownEcosystem:
        return None


@lru_cache(maxsize=100_000)
def _ids(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def candidates(
    conn: Connection, keys: Iterable[PackageKey], only: Collection[str] | None = None
) -> dict[PackageKey, list[Candidate]]:
    """Every stored advisory package entry for each (match ecosystem, name) (of the advisories in
    `only`, when given: nothing else is compiled).

    Without `only`, packages looked up before at the store's current generation are answered from
    what is kept, with no query. Others are read from the covering index alone, one query per
    ecosystem (and chunk of names); ranges text is long (OSV lists every affected version) and the
    same across matches, so only entries whose compiled form is not cached are read again in full.
    """
    if only is not None:
        # Re-matching after an import: only the changed advisories' entries, compiled and read afresh.
        return _read_candidates(conn, set(keys), only)
    return _kept_candidates(conn, _kept(conn), keys)


def _split_kept(held: dict[_K, _V], keys: Iterable[_K]) -> tuple[dict[_K, _V], list[_K]]:
    """What `held` keeps of `keys`, and the keys it does not keep (each key once)."""
    found: dict[_K, _V] = {}
    missing: list[_K] = []
    get = held.get  # one lookup each: another request's thread may clear the dict
    for key in set(keys):
        value = get(key)
        if value is None:
            missing.append(key)
        else:
            found[key] = value
    return found, missing


def _kept_candidates(
    conn: Connection, kept: _Kept, keys: Iterable[PackageKey]
) -> dict[PackageKey, list[Candidate]]:
    found, missing = _split_kept(kept.candidates, keys)
    if missing:
        read = _read_candidates(conn, set(missing), None)
        if len(kept.candidates) + len(missing) > _KEPT_LIMIT:
            kept.candidates.clear()
        for key in missing:
            # A package no advisory names is kept too (as no candidates): most of an image's are.
            kept.candidates[key] = found[key] = read.get(key, [])
    return {key: entries for key, entries in found.items() if entries}


def _read_candidates(
    conn: Connection, keys: set[PackageKey], only: Collection[str] | None
) -> dict[PackageKey, list[Candidate]]:
    by_ecosystem: dict[str, list[str]] = {}
    for ecosystem, name in sorted(set(keys)):
        by_ecosystem.setdefault(ecosystem, []).append(name)
    found: dict[PackageKey, list[Candidate]] = {}
    # Candidates whose compiled form is not cached yet: (their list, position, entry id), filled in
    # below once their ranges are read. One pass over the rows (~2,000 a match) builds everything.
    pending: list[tuple[list[Candidate], int, int]] = []
    get = _COMPILED.get
    for ecosystem, names in by_ecosystem.items():
        for entry_id, name, eco, digest, severity, advisory_id in driver_rows_in(
            conn, _ENTRIES, (ecosystem,), names
        ):
            if only is not None and advisory_id not in only:
                continue
            bucket = found.get((ecosystem, name))
            if bucket is None:
                bucket = found[(ecosystem, name)] = []
            cached = get((eco, digest), _MISSING) if digest else _MISSING
            if cached is _MISSING:
                pending.append((bucket, len(bucket), entry_id))
                cached = None
            bucket.append(Candidate(advisory_id, severity, eco, cached))
    if pending:
        if len(_COMPILED) + len(pending) > _CACHE_LIMIT:
            _COMPILED.clear()
        compiled: dict[int, CompiledAffected | None] = {}
        for entry_id, ecosystem, digest, ranges in driver_rows_in(
            conn, _RANGES, (), [entry_id for _, _, entry_id in pending]
        ):
            compiled[entry_id] = entry = _compile(ecosystem, ranges)
            if digest:
                _COMPILED[(ecosystem, digest)] = entry
        for bucket, position, entry_id in pending:
            bucket[position] = bucket[position]._replace(compiled=compiled[entry_id])
    return found


def advisory_info(conn: Connection, ids: Collection[str]) -> dict[str, AdvisoryInfo]:
    """Aliases, upstream ids, severity and summary of each stored advisory in `ids`."""
    return _kept_info(conn, _kept(conn), ids)


def _kept_info(conn: Connection, kept: _Kept, ids: Collection[str]) -> dict[str, AdvisoryInfo]:
    info, missing = _split_kept(kept.info, ids)
    if len(kept.info) + len(missing) > _KEPT_LIMIT:
        kept.info.clear()
    for advisory_id, aliases, upstream, severity, summary in driver_rows_in(
        conn, _ADVISORIES, (), sorted(missing)
    ):
        info[advisory_id] = kept.info[advisory_id] = AdvisoryInfo(
            _ids(aliases), _ids(upstream), severity, summary
        )
    return info


def match(
    conn: Connection,
    refs: Sequence[PackageRef | None],
    names: Sequence[str],
    only: Collection[str] | None = None,
) -> list[Vulnerability]:
    """Vulnerabilities of the components whose refs are given (index-aligned with `names`); with
    `only`, just those of these advisories (merge keys are then among them alone)."""
    keys = {(r.match_ecosystem, r.name) for r in refs if r is not None}
    # One read of the knowledge generation serves both lookups of this match.
    kept = _kept(conn)
    known = _read_candidates(conn, keys, only) if only is not None else _kept_candidates(conn, kept, keys)
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
    info = _kept_info(conn, kept, {c.advisory_id for _, c, _ in hits})
    # An entry's advisory is always stored with it (same transaction); the default only guards a
    # read that raced a removal.
    none = AdvisoryInfo((), (), "Unknown", "")
    keyed = merge_keys(
        (c.advisory_id, info.get(c.advisory_id, none).aliases, info.get(c.advisory_id, none).upstream)
        for _, c, _ in hits
    )
    seen: set[tuple[int, str]] = set()
    out: list[Vulnerability] = []
    for index, candidate, fixed in hits:
        # One advisory may list a package twice (two release ecosystems): report it once.
        if (index, candidate.advisory_id) in seen:
            continue
        seen.add((index, candidate.advisory_id))
        ref = refs[index]
        assert ref is not None
        advisory = info.get(candidate.advisory_id, none)
        out.append(
            Vulnerability(
                id=candidate.advisory_id,
                aliases=advisory.aliases,
                key=keyed[candidate.advisory_id],
                severity=candidate.severity or advisory.severity,
                package=names[index],
                installed_version=ref.version,
                fixed_version=fixed,
                component_index=index,
                summary=advisory.summary,
            )
        )
    return out
