"""The shortcuts for clean names and deletions give exactly what the step-by-step rules give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.scan.layer import normalise
from openhss.scan.overlay import _deleted, _deleted_paths

_NAMES = st.lists(st.sampled_from(["a", "b", ".", "..", "...", ".a", "a.", "", "é"]), max_size=6).map(
    "/".join
)
_PATHS = st.lists(st.sampled_from(["a", "b", "c", "a.b", "..."]), min_size=1, max_size=4).map("/".join)


def step_by_step(name: str) -> str | None:
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


@settings(max_examples=2000, deadline=None)
@given(_NAMES)
def test_normalise(name: str) -> None:
    assert normalise(name) == step_by_step(name)


@settings(max_examples=1000, deadline=None)
@given(
    st.sets(_PATHS, max_size=30),
    st.sets(_PATHS | st.just(""), max_size=4),
    st.sets(_PATHS | st.just(""), max_size=4),
    st.booleans(),
)
def test_deleted_paths(paths: set[str], whiteouts: set[str], opaque: set[str], many: bool) -> None:
    if many:  # past the prefix shortcut's size
        whiteouts |= {f"zz/{i}" for i in range(100)}
    whiteouts.discard("")  # a whiteout always names an entry
    expected = [p for p in sorted(paths) if _deleted(p, whiteouts, opaque)]
    assert _deleted_paths(sorted(paths), whiteouts, opaque) == expected
