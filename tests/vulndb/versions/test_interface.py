"""Every scheme: parse returns a key or raises InvalidVersion, never anything else, and orders totally."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import ALL_SCHEMES, InvalidVersion, VersionScheme
from openhss.vulndb.versions.interface import MAX_VERSION_LENGTH

_VERSIONISH = st.text(alphabet="0123456789.-+~^_:abcprtvzAB!* ", max_size=24)
_ANY = st.one_of(_VERSIONISH, st.text(max_size=24))


def _keys(scheme: VersionScheme, versions: list[str]) -> list[tuple[str, object]]:
    out = []
    for v in versions:
        with contextlib.suppress(InvalidVersion):
            out.append((v, scheme.parse(v)))
    return out


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
@settings(max_examples=150, deadline=None)
@given(versions=st.lists(_ANY, min_size=1, max_size=8))
def test_parse_never_crashes_and_order_is_total(scheme: VersionScheme, versions: list[str]) -> None:
    keyed = _keys(scheme, versions)
    for (a, ka), (b, kb) in itertools.product(keyed, keyed):
        c = scheme.compare(a, b)
        assert c == -scheme.compare(b, a)
        assert (c < 0) == (ka < kb) and (c == 0) == (ka == kb)  # type: ignore[operator]
    ordered = sorted(keyed, key=lambda t: t[1])
    for (a, _), (b, _) in itertools.pairwise(ordered):
        assert scheme.compare(a, b) <= 0


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
@pytest.mark.parametrize(
    "hostile",
    ["1" * 5000, "1." * 600, "1-" * 600, "1" + "-1" * 400, "9" * (MAX_VERSION_LENGTH - 10), "a-" * 300 + "1"],
)
def test_hostile_input_is_refused_or_ordered(scheme: VersionScheme, hostile: str) -> None:
    try:
        key = scheme.parse(hostile)
    except InvalidVersion:
        return
    assert scheme.compare(hostile, hostile) == 0
    assert not key < key  # type: ignore[operator]


@pytest.mark.parametrize("scheme", ALL_SCHEMES, ids=lambda s: s.name)
def test_non_string_is_invalid(scheme: VersionScheme) -> None:
    with pytest.raises(InvalidVersion):
        scheme.parse(1.0)  # type: ignore[arg-type]
