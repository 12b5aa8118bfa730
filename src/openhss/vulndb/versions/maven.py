"""Maven artifact versions, ordered as maven-artifact's ComparableVersion (as in Maven 3.8.7).

Maven 3.9 changed some corner cases of ComparableVersion; this follows the 3.8 line that Debian
ships and the tests run.  Case folding and digits are ASCII (Java's are Unicode-aware).
"""

from __future__ import annotations

import functools
from typing import Union, cast

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

# An item is a number, a qualifier string (aliases resolved), or a sub-list opened by '-' or by
# a digit/letter transition.
Item = Union[int, str, "list[Item]"]

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_INDEX = str(_QUALIFIERS.index(""))
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}
# Comparing nested lists recurses once per level; real versions nest a handful of levels.
_MAX_DEPTH = 200


def _qualifier_rank(q: str) -> str:
    # Known qualifiers by position, unknown ones after them in lexical order; compared as strings.
    return str(_QUALIFIERS.index(q)) if q in _QUALIFIERS else f"{len(_QUALIFIERS)}-{q}"


def _string_item(s: str, followed_by_digit: bool) -> str:
    if followed_by_digit and len(s) == 1:
        s = _SHORT.get(s, s)
    return _ALIASES.get(s, s)


def _is_null(item: Item) -> bool:
    if isinstance(item, int):
        return item == 0
    if isinstance(item, str):
        return _qualifier_rank(item) == _RELEASE_INDEX
    return not item


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def _str_cmp(a: str, b: str) -> int:
    return (a > b) - (a < b)


def _cmp(a: Item, b: Item | None) -> int:
    if isinstance(a, int):
        if b is None:
            return 0 if a == 0 else 1
        if isinstance(b, int):
            return _sign(a - b)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1
    if isinstance(a, str):
        if b is None:
            return _str_cmp(_qualifier_rank(a), _RELEASE_INDEX)
        if isinstance(b, str):
            return _str_cmp(_qualifier_rank(a), _qualifier_rank(b))
        return -1  # 1.any < 1.1, 1.any < 1-1
    if b is None:
        # Every item decides against nothing, not only the first (MNG-6964).
        for x in a:
            r = _cmp(x, None)
            if r:
                return r
        return 0
    if isinstance(b, int):
        return -1  # 1-1 < 1.0.x
    if isinstance(b, str):
        return 1  # 1-1 > 1-sp
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else None
        right = b[i] if i < len(b) else None
        r = (0 if right is None else -_cmp(right, None)) if left is None else _cmp(left, right)
        if r:
            return r
    return 0


def _normalize(items: list[Item]) -> None:
    # Trailing null items (0, "", empty list) go, looking through sub-lists but stopping at the
    # last non-null number or string.
    for i in range(len(items) - 1, -1, -1):
        last = items[i]
        if _is_null(last):
            del items[i]
        elif not isinstance(last, list):
            break


def _parse_item(is_digit: bool, buf: str) -> Item:
    return int(buf) if is_digit else _string_item(buf, False)


def parse_items(version: str) -> list[Item]:
    """ComparableVersion.parseVersion: the nested item list of `version`."""
    v = version.lower()
    items: list[Item] = []
    current = items
    stack: list[list[Item]] = [items]
    is_digit = False
    start = 0

    def open_list() -> None:
        nonlocal current
        if len(stack) > _MAX_DEPTH:
            raise InvalidVersion("maven", version, f"more than {_MAX_DEPTH} nested sub-lists")
        sub: list[Item] = []
        current.append(sub)
        current = sub
        stack.append(sub)

    for i, c in enumerate(v):
        if c == ".":
            current.append(0 if i == start else _parse_item(is_digit, v[start:i]))
            start = i + 1
        elif c == "-":
            current.append(0 if i == start else _parse_item(is_digit, v[start:i]))
            start = i + 1
            open_list()
        elif "0" <= c <= "9":
            if not is_digit and i > start:
                # 1.0.0.X1 < 1.0.0-X2: a qualifier after a dot is treated as after a hyphen.
                if current:
                    open_list()
                current.append(_string_item(v[start:i], True))
                start = i
                open_list()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(int(v[start:i]))
                start = i
                open_list()
            is_digit = False
    if len(v) > start:
        if not is_digit and current:
            open_list()
        current.append(_parse_item(is_digit, v[start:]))
    while stack:
        _normalize(stack.pop())
    return items


@functools.total_ordering
class MavenVersion:
    """A parsed Maven version; ordered (and equal) as ComparableVersion.compareTo says."""

    __slots__ = ("items", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        """The version as written."""
        self.items = parse_items(text)
        """ComparableVersion's item list."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MavenVersion) and _cmp(self.items, other.items) == 0

    def __lt__(self, other: MavenVersion) -> bool:
        return _cmp(self.items, other.items) < 0

    def __hash__(self) -> int:
        return hash(repr(self.items))

    def __repr__(self) -> str:
        return f"MavenVersion({self.text!r})"


class MavenScheme(VersionScheme):
    """Maven: `.`/`-` separated items, alpha<beta<milestone<rc=cr<snapshot<""=ga=final=release<sp."""

    name = "maven"

    def _parse(self, version: str) -> MavenVersion:
        v = version.strip()
        if not v or any(c.isspace() for c in v):
            raise InvalidVersion(self.name, version, "empty or embedded space")
        return MavenVersion(v)

    def compare(self, a: str, b: str) -> int:
        ka, kb = cast(MavenVersion, self.parse(a)), cast(MavenVersion, self.parse(b))
        return _cmp(ka.items, kb.items)
