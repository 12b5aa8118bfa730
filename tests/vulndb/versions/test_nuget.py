"""NuGet ordering (no .NET reference here): NuGet's documented precedence and normalisation rules."""

from __future__ import annotations

import itertools

import pytest

from openhss.vulndb.versions import NUGET, InvalidVersion

_ORDERED_TEXT = """
1.0.0-alpha 1.0.0-alpha.1 1.0.0-Alpha.2 1.0.0-beta 1.0.0-beta.2 1.0.0-beta.11 1.0.0-rc.1 1.0.0
1.0.0.1 1.0.1 1.1 4.3.0.9 4.3.1-preview1 4.3.1 10.0.0
"""
ORDERED = _ORDERED_TEXT.split()


def test_documented_order() -> None:
    keys = [NUGET.parse(v) for v in ORDERED]
    assert all(x < y for x, y in itertools.pairwise(keys)), ORDERED


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0", "1.0.0.0"),
        ("1", "1.0.0"),
        ("1.0.0-BETA", "1.0.0-beta"),
        ("1.0.0+build", "1.0.0"),
        ("01.0", "1.0"),
    ],
)
def test_equal(a: str, b: str) -> None:
    assert NUGET.compare(a, b) == 0


@pytest.mark.parametrize("bad", ["", "1.0.0.0.0", "a.b", "1.0-", "[1.0,2.0)"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        NUGET.parse(bad)
