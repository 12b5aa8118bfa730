"""Warming matching's compiled-range cache when a server starts, from the packages stored SBOMs hold most.

A fresh process has compiled no advisory ranges, so its first matches parse every candidate's events
(a cold match of 1,000 components cost ~110 ms against ~25 ms warm). Images of one fleet share most
of their packages, so compiling the candidates of the packages a sample of stored SBOMs holds most,
in the background after start, makes the first uploads match at warm speed without delaying start-up.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from openhss.store import Database
from openhss.store.driver_rows import driver_rows_in
from openhss.store.tables import sboms
from openhss.vulndb.knowledge import PackageKey
from openhss.vulndb.matching import candidates

_log = logging.getLogger("openhss.vulndb.warmup")

_COMPONENT_KEYS = (
    "SELECT match_ecosystem, match_name FROM sbom_components"
    " WHERE match_name IS NOT NULL AND config_digest {}"
)


@dataclass(frozen=True)
class WarmupLimits:
    """How much a warm-up may read, compile and take."""

    sboms: int = 200
    """Stored SBOMs sampled for their packages (config digests are hashes: the lowest are a fair draw)."""
    entries: int = 100_000
    """Most advisory entries compiled; 0 turns the warm-up off. Stays under matching's cache limit
    (200,000), which empties the whole cache when it would overflow."""
    seconds: float = 120.0
    """Wall-clock budget; the warm-up stops at the first chunk boundary past it."""
    chunk: int = 200
    """Package keys per candidates read (one short read transaction each)."""


@dataclass(frozen=True)
class WarmupResult:
    """What one warm-up did."""

    packages: int
    """Package keys whose candidates were compiled."""
    entries: int
    """Advisory entries of those packages (now in the compiled cache)."""
    seconds: float
    """Wall-clock time taken."""


def held_packages(db: Database, sample: int) -> list[PackageKey]:
    """The package keys of `sample` stored SBOMs, the most held first (ties by key, so the order is stable)."""
    with db.begin() as conn:
        digests = list(
            conn.scalars(select(sboms.c.config_digest).order_by(sboms.c.config_digest).limit(sample))
        )
        held = Counter[PackageKey](
            (ecosystem, name) for ecosystem, name in driver_rows_in(conn, _COMPONENT_KEYS, (), digests)
        )
    return sorted(held, key=lambda k: (-held[k], k))


def warm_up(db: Database, limits: WarmupLimits = WarmupLimits()) -> WarmupResult:
    """Compile the candidates of the most held packages into matching's cache, within `limits`."""
    start = time.perf_counter()
    if limits.entries <= 0:
        return WarmupResult(0, 0, 0.0)
    keys = held_packages(db, limits.sboms)
    packages = entries = 0
    for begin in range(0, len(keys), max(limits.chunk, 1)):
        if entries >= limits.entries or time.perf_counter() - start >= limits.seconds:
            break
        chunk = keys[begin : begin + limits.chunk]
        with db.begin() as conn:
            found = candidates(conn, chunk)
        packages += len(chunk)
        entries += sum(map(len, found.values()))
    return WarmupResult(packages, entries, time.perf_counter() - start)


def settle() -> None:
    """Take what is alive now, the warmed cache above all, out of the cycle collector's walks.

    The cache is long-lived and holds no reference cycles. Left to the collector, ~400,000 tracked
    objects made each full collection take 0.3-0.7 s and warm matches slower (warm CPU p50 34.3 ms
    after a warm-up, 26.0 ms after a warm-up and this; bench store, one process). Frozen objects
    are still freed by reference counting when the cache drops them; collecting first leaves no
    garbage behind in the frozen generation. Objects of requests in flight at that moment are
    frozen too and freed the same way; only a reference cycle among them would stay.
    """
    gc.collect()
    gc.freeze()


def start_warm_up(db: Database, limits: WarmupLimits = WarmupLimits()) -> threading.Thread:
    """Run `warm_up`, then `settle`, in a daemon thread (start-up is not delayed, shutdown does not
    wait for it)."""

    def run() -> None:
        try:
            done = warm_up(db, limits)
        except SQLAlchemyError as exc:
            # Matching works without it, only its first calls are slower: never stop the server for it.
            _log.warning("match warm-up stopped: %s", exc)
            return
        settle()
        _log.info(
            "match warm-up: %d advisory entries of %d packages compiled in %.1f s",
            done.entries,
            done.packages,
            done.seconds,
        )

    thread = threading.Thread(target=run, name="openhss-match-warm-up", daemon=True)
    thread.start()
    return thread
