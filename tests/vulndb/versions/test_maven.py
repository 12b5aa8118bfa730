"""Maven ordering against maven-artifact's ComparableVersion (run from the installed jar)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import MAVEN, InvalidVersion

from .reference import maven_compare
from .strategies import BATCH, MAVEN_PAIRS, NO_SHRINK

# From maven-artifact's ComparableVersionTest: each list is in increasing order.
_VERSIONS_QUALIFIER_TEXT = """
1-alpha2snapshot 1-alpha2 1-alpha-123 1-beta-2 1-beta123 1-m2 1-m11 1-rc 1-cr2 1-rc123 1-SNAPSHOT 1
1-sp 1-sp2 1-sp123 1-abc 1-def 1-pom-1 1-1-snapshot 1-1 1-2 1-123
"""
VERSIONS_QUALIFIER = _VERSIONS_QUALIFIER_TEXT.split()
_VERSIONS_NUMBER_TEXT = """
2.0 2.0.a 2-1 2.0.2 2.0.123 2.1.0 2.1-a 2.1b 2.1-c 2.1-1 2.1.0.1 2.2 2.123 11.a2 11.a11 11.b2 11.b11
11.m2 11.m11 11 11.a 11b 11c 11m
"""
VERSIONS_NUMBER = _VERSIONS_NUMBER_TEXT.split()
_EQUAL_TEXT = """
1 1.0 1 1.0.0 1.0 1.0.0 1 1-0 1 1.0-0 1.0 1.0-0 1a 1-a 1a 1.0-a 1a 1.0.0-a 1.0a 1-a 1.0.0a 1-a 1x
1-x 1x 1.0-x 1ga 1 1release 1 1final 1 1cr 1rc 1a1 1-alpha-1 1b2 1-beta-2 1m3 1-milestone-3 1X 1x 1A
1a 1RC 1rc
"""
_EQUAL_FLAT = _EQUAL_TEXT.split()
EQUAL = list(zip(_EQUAL_FLAT[::2], _EQUAL_FLAT[1::2], strict=True))


@pytest.mark.parametrize("order", [VERSIONS_QUALIFIER, VERSIONS_NUMBER])
def test_known_orders(order: list[str]) -> None:
    keys = [MAVEN.parse(v) for v in order]
    assert all(x < y for x, y in itertools.pairwise(keys)), order


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal(a: str, b: str) -> None:
    assert MAVEN.compare(a, b) == 0


def test_invalid() -> None:
    with pytest.raises(InvalidVersion):
        MAVEN.parse("")


def test_known_cases_agree_with_comparable_version() -> None:
    pairs = [(a, b) for order in (VERSIONS_QUALIFIER, VERSIONS_NUMBER) for a, b in itertools.pairwise(order)]
    pairs += EQUAL
    assert [MAVEN.compare(a, b) for a, b in pairs] == maven_compare(pairs)


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(MAVEN_PAIRS, min_size=BATCH * 2, max_size=BATCH * 2))
def test_agrees_with_comparable_version(pairs: list[tuple[str, str]]) -> None:
    want = maven_compare(pairs)
    got = [MAVEN.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []
