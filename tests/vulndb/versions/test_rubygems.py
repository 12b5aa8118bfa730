"""RubyGems ordering against Ruby's own Gem::Version."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import RUBYGEMS, InvalidVersion

from .reference import ruby_compare, ruby_valid
from .strategies import BATCH, GEM_PAIRS, NEAR_GEM, NO_SHRINK

_ORDERED_TEXT = """
0.9 1.0.a 1.0.a.1 1.0.a2 1.0.b 1.0.b1 1.0.pre 1.0-1 1.0.rc1 1.0 1.0.0.1 1.0.1 1.1 1.9 1.10 2
"""
ORDERED = _ORDERED_TEXT.split()


def test_known_order() -> None:
    keys = [RUBYGEMS.parse(v) for v in ORDERED]
    assert all(x < y for x, y in itertools.pairwise(keys)), ORDERED


@pytest.mark.parametrize(("a", "b"), [("1", "1.0.0"), ("1.0.a", "1.a"), ("", "0"), ("1.0-1", "1.0.pre.1")])
def test_equal(a: str, b: str) -> None:
    assert RUBYGEMS.compare(a, b) == 0


@pytest.mark.parametrize("bad", ["junk", "1..2", "1.2.", "1_0", "-1"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        RUBYGEMS.parse(bad)


def test_known_cases_agree_with_ruby() -> None:
    pairs = [(a, b) for a in ORDERED for b in ORDERED]
    assert [RUBYGEMS.compare(a, b) for a, b in pairs] == ruby_compare(pairs)


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(GEM_PAIRS, min_size=BATCH * 4, max_size=BATCH * 4))
def test_agrees_with_gem_version(pairs: list[tuple[str, str]]) -> None:
    want = ruby_compare(pairs)
    got = [RUBYGEMS.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(NEAR_GEM, min_size=BATCH * 8, max_size=BATCH * 8))
def test_acceptance_agrees_with_gem_version(versions: list[str]) -> None:
    want = ruby_valid(versions)
    assert [(v, w) for v, w in zip(versions, want, strict=True) if RUBYGEMS.is_valid(v) != w] == []
