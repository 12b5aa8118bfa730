"""Composer (Packagist) versions: Composer's VersionParser::normalize, then PHP's version_compare order."""

from __future__ import annotations

import itertools
import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

_MODIFIER = r"[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?"
_CLASSICAL = re.compile(rf"v?(\d{{1,5}})(\.\d+)?(\.\d+)?(\.\d+)?{_MODIFIER}(?:\+\S+)?", re.I | re.ASCII)
_DATE = re.compile(
    rf"v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}})?){_MODIFIER}(?:\+\S+)?", re.I | re.ASCII
)
_STABILITY = {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}
# PHP's special version forms, matched by prefix in this order; "#" stands for any number.
_FORMS = (("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4))
_FORMS_POST = (("pl", 5), ("p", 5))
_NUMBER_RANK = 4
# Where one version has run out: a further number makes the other newer, a further form
# counts against "#" (so 1.0.0.0-beta1 < 1.0.0.0 < 1.0.0.0-patch1).
_END = (_NUMBER_RANK, -1)
ComposerKey = tuple[tuple[int, int], ...]


def _form_rank(part: str) -> int:
    for name, rank in (*_FORMS, *_FORMS_POST):
        if part.startswith(name):
            return rank
    return -1


def normalize(version: str) -> str:
    """Composer's normalized form (`1.2` -> `1.2.0.0`, `v1.0-b2` -> `1.0.0.0-beta2`); branches are refused."""
    v = version.strip()
    m = _CLASSICAL.fullmatch(v)
    if m:
        nums = [m.group(1)] + [(g[1:] if g else "0") for g in m.group(2, 3, 4)]
        out = ".".join(nums)
        mod, mod_no, dev = m.group(5, 6, 7)
    else:
        m = _DATE.fullmatch(v)
        if not m:
            raise InvalidVersion("composer", version, "not a Composer version (branches are not ordered)")
        out = re.sub(r"[^0-9]", ".", m.group(1))
        mod, mod_no, dev = m.group(2, 3, 4)
    if mod == "stable":
        return out  # as Composer: an exact "stable" drops everything after it, "-dev" included
    if mod:
        out += "-" + _STABILITY.get(mod.lower(), mod.lower()) + (mod_no or "").lstrip(".-")
    if dev:
        out += "-dev"
    return out


def php_version_key(v: str) -> ComposerKey:
    """PHP version_compare's order as a tuple: canonicalise, split on '.', rank each part."""
    canon: list[str] = [v[0]] if v else []
    for prev, c in itertools.pairwise(v):
        is_digit, prev_digit = c.isdigit(), prev.isdigit()
        if c in "-_+" or not (c.isalnum() or c == "."):
            if canon[-1] != ".":
                canon.append(".")
        elif (prev != "." and c != "." and is_digit != prev_digit) and canon[-1] != ".":
            canon.extend((".", c))
        else:
            canon.append(c)
    key = [
        (_NUMBER_RANK, int(p)) if p.isdigit() else (_form_rank(p), 0) for p in "".join(canon).split(".") if p
    ]
    key.append(_END)
    return tuple(key)


class ComposerScheme(VersionScheme):
    """Composer: normalise to four numbers and a stability (dev<alpha<beta<RC<stable<patch), then compare.

    Branch versions (`dev-main`, `1.x-dev`) are refused: they have no order among releases.
    Aliases (`1.0 as 2.0`) and stability flags (`@beta`) are not versions and are refused too.
    """

    name = "composer"

    def _parse(self, version: str) -> ComposerKey:
        return php_version_key(normalize(version))
