"""Which advisories of one image count as one vulnerability: merge nodes and the key each group counts under."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def merge_nodes(advisory_id: str, aliases: Sequence[str], upstream: Sequence[str]) -> frozenset[str]:
    """The ids through which an advisory merges with others: itself, its aliases, a single upstream id.

    Aliases name the same vulnerability (OSV), and so does a single `upstream` id (a distribution's
    record of one CVE); several upstream ids do not (a DSA bundling many CVEs is not one vulnerability).
    """
    return frozenset((advisory_id, *aliases, *upstream) if len(upstream) == 1 else (advisory_id, *aliases))


def merge_keys(entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> dict[str, str]:
    """For each advisory id, the id its vulnerability is counted under (from ids, aliases, upstream)."""
    return merge_keys_by_nodes((a, merge_nodes(a, aliases, upstream)) for a, aliases, upstream in entries)


def merge_keys_by_nodes(entries: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """For each advisory id, its group's key, given each advisory's merge nodes.

    Advisories sharing a node are one vulnerability, transitively. A group is counted under its
    smallest CVE id among all of its nodes, else its smallest node.
    """
    links: dict[str, set[str]] = {}
    ids: list[str] = []
    for advisory_id, nodes in entries:
        ids.append(advisory_id)
        mine = links.setdefault(advisory_id, set())
        for other in nodes:
            mine.add(other)
            links.setdefault(other, set()).add(advisory_id)
    # Connected components by a walk over the (undirected) links.
    key_of: dict[str, str] = {}
    for start in links:
        if start in key_of:
            continue
        group = [start]
        seen = {start}
        for x in group:
            for y in links[x]:
                if y not in seen:
                    seen.add(y)
                    group.append(y)
        key = min((m for m in group if m.startswith("CVE-")), default=min(group))
        for m in group:
            key_of[m] = key
    return {advisory_id: key_of[advisory_id] for advisory_id in ids}
