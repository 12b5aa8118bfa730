"""Which analyzers to ask about a file: an index of the names, extensions, directories and mode bits they declare."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openhss.scan.interface import Analyzer


class AnalyzerIndex:
    """Hands each file to the analyzers that claim it, asking `claims()` only of declared candidates.

    Most files of an image interest no analyzer; a few dictionary lookups per file replace a
    `claims()` call per analyzer per file. Analyzers that declare no `PathFilter` are always asked."""

    def __init__(self, analyzers: Sequence[Analyzer[Any]]) -> None:
        self._analyzers = tuple(analyzers)
        self._always: tuple[int, ...] = ()
        self._executables: tuple[int, ...] = ()
        self._names: dict[str, tuple[int, ...]] = {}
        self._extensions: dict[str, tuple[int, ...]] = {}
        self._directories: dict[str, tuple[int, ...]] = {}
        self._prefixes: tuple[tuple[tuple[str, ...], int], ...] = ()
        self._mode_bits: tuple[tuple[int, int], ...] = ()
        self._any_mode_bits = 0
        for index, analyzer in enumerate(self._analyzers):
            declared = analyzer.path_filter()
            if declared is None:
                self._always += (index,)
                continue
            if declared.executables:
                self._executables += (index,)
            if declared.prefixes:
                self._prefixes += ((declared.prefixes, index),)
            if declared.mode_bits:
                self._mode_bits += ((declared.mode_bits, index),)
                self._any_mode_bits |= declared.mode_bits
            for key, table in (
                *((n, self._names) for n in declared.names),
                *((e, self._extensions) for e in declared.extensions),
                *((d, self._directories) for d in declared.directories),
            ):
                table[key] = (*table.get(key, ()), index)

    def claiming(self, path: str, mode: int, size: int) -> list[Analyzer[Any]]:
        """The analyzers that claim the file, in the order they were given."""
        slash = path.rfind("/")
        name = path[slash + 1 :]
        parent = path[:slash] if slash != -1 else ""
        candidates = self._names.get(name, ())
        dot = name.rfind(".")
        if dot != -1:
            candidates += self._extensions.get(name[dot + 1 :].lower(), ())
        candidates += self._directories.get(parent, ())
        if self._executables and (mode & 0o111 or _below_bin(parent)):
            candidates += self._executables
        for prefixes, index in self._prefixes:
            if path.startswith(prefixes):
                candidates += (index,)
        if mode & self._any_mode_bits:
            candidates += tuple(index for bits, index in self._mode_bits if mode & bits)
        if self._always:
            candidates += self._always
        if not candidates:
            return []
        analyzers = self._analyzers
        if len(candidates) == 1:
            # Most candidates have one analyzer asking (the malware analyzer's, thousands per image).
            only = analyzers[candidates[0]]
            return [only] if only.claims(path, mode, size) else []
        return [analyzers[i] for i in sorted(set(candidates)) if analyzers[i].claims(path, mode, size)]


def _below_bin(parent: str) -> bool:
    directory = "/" + parent + "/"
    return "/bin/" in directory or "/sbin/" in directory
