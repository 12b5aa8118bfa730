"""PWD-WEAK: password hashes that match a bundled list of common passwords, verified through libcrypt.

Every guess costs one `crypt` call (about 25 ms for default yescrypt, 2 ms for sha512crypt, far
less for md5crypt and DES), so the check is bounded: at most `max_hashes` distinct hashes and
`seconds` of wall time per image. Guesses go word by word across all hashes, the most common
password first, so a cut-off drops only the rarest guesses; a cut-off is reported as a note.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import crypt_r

from openhss.scan.baseline.accounts import Entry, usable_hash


@dataclass(frozen=True)
class PasswordBudget:
    """How much work the weak-password check may do for one image."""

    seconds: float = 5.0
    """Wall-clock limit for all guesses together."""
    max_hashes: int = 32
    """Distinct hashes tried at most; the rest are skipped (and said so)."""


@cache
def common_passwords() -> tuple[str, ...]:
    """The bundled list, most common first (package data `common-passwords.txt`)."""
    text = resources.files(__package__).joinpath("common-passwords.txt").read_text("utf-8")
    words = (line.strip() for line in text.splitlines())
    return tuple(dict.fromkeys(w for w in words if w and not w.startswith("#")))


def _matches(word: str, hashed: str) -> bool:
    try:
        return bool(crypt_r.crypt(word, hashed) == hashed)
    except (ValueError, OSError):
        return False


def _supported(hashed: str) -> bool:
    """Whether libcrypt understands the hash (it answers `*0`/`*1` or None otherwise)."""
    try:
        result = crypt_r.crypt("", hashed)
    except (ValueError, OSError):
        return False
    return result is not None and not result.startswith("*")


@dataclass(frozen=True)
class WeakPasswordResult:
    """What the weak-password check found and whether its bound cut it short."""

    weak: tuple[Entry, ...]
    """Entries whose password is a common one (never the password itself)."""
    notes: tuple[str, ...]
    """Bounds that were hit."""


def find_weak_passwords(
    records: Sequence[Entry],
    budget: PasswordBudget,
    words: Sequence[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> WeakPasswordResult:
    """Entries (field 1 = hash) whose password is the account name or on the common list."""
    words = common_passwords() if words is None else words
    by_hash: dict[str, list[Entry]] = {}
    for entry in records:
        if usable_hash(entry.fields[1]):
            by_hash.setdefault(entry.fields[1], []).append(entry)
    notes: list[str] = []
    hashes = [h for h in by_hash if _supported(h)]
    if len(hashes) > budget.max_hashes:
        notes.append(
            f"weak-password check tried {budget.max_hashes} of {len(hashes)} password hashes "
            f"(bound: {budget.max_hashes} hashes per image)"
        )
        hashes = hashes[: budget.max_hashes]
    if not hashes:
        # Most images have no usable hash: the loop below would still walk the whole word list.
        return WeakPasswordResult((), tuple(notes))
    deadline = clock() + budget.seconds
    names = {h: sorted({e.name for e in by_hash[h]}) for h in hashes}
    guesses: list[str | None] = [None, *words]  # None: the account's own name
    cracked: set[str] = set()
    for done, word in enumerate(guesses):
        for hashed in hashes:
            if clock() > deadline:
                notes.append(
                    f"weak-password check stopped after {budget.seconds:g} s (its bound): "
                    f"{done} of {len(guesses)} guesses tried on {len(hashes)} hash(es)"
                )
                break
            candidates = names[hashed] if word is None else [word]
            if hashed not in cracked and any(_matches(c, hashed) for c in candidates):
                cracked.add(hashed)
        else:
            continue
        break
    weak = sorted((e for h in cracked for e in by_hash[h]), key=lambda e: (e.path, e.line))
    return WeakPasswordResult(tuple(weak), tuple(notes))
