"""Composer ordering against Composer's VersionParser and PHP's version_compare, and documented rules."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import COMPOSER, InvalidVersion
from openhss.vulndb.versions.composer import normalize

from .reference import composer_compare
from .strategies import BATCH, COMPOSER_PAIRS, NO_SHRINK


@pytest.mark.parametrize(
    ("version", "normalized"),
    [
        ("1.0", "1.0.0.0"),
        ("v1.2.3", "1.2.3.0"),
        ("1.0.0-beta.2", "1.0.0.0-beta2"),
        ("1.0.0-b2", "1.0.0.0-beta2"),
        ("1.0.0RC1", "1.0.0.0-RC1"),
        ("1.0.0-alpha3.1", "1.0.0.0-alpha3.1"),
        ("1.0.0-pl3", "1.0.0.0-patch3"),
        ("1.0.0-stable", "1.0.0.0"),
        ("1.0.x-dev", None),
        ("2.0.0-dev", "2.0.0.0-dev"),
        ("20100102-203040", "20100102.203040"),
        ("1.0.0+foo", "1.0.0.0"),
    ],
)
def test_normalize(version: str, normalized: str | None) -> None:
    if normalized is None:
        with pytest.raises(InvalidVersion):
            normalize(version)
    else:
        assert normalize(version) == normalized


_ORDERED_TEXT = """
1.0.0-dev 1.0.0-alpha1 1.0.0-alpha2 1.0.0-beta1 1.0.0-b2 1.0.0-RC1 1.0.0-rc2 1.0.0 1.0.0-patch1
1.0.0-p2 1.0.1 1.1 v2.0.0 10.0.0
"""
ORDERED = _ORDERED_TEXT.split()


def test_stability_order() -> None:
    keys = [COMPOSER.parse(v) for v in ORDERED]
    assert all(x < y for x, y in itertools.pairwise(keys)), ORDERED


@pytest.mark.parametrize(("a", "b"), [("1.0", "1.0.0.0"), ("v1.2.3", "1.2.3"), ("1.0.0-beta2", "1.0.0-b2")])
def test_equal(a: str, b: str) -> None:
    assert COMPOSER.compare(a, b) == 0


@pytest.mark.parametrize("bad", ["", "dev-master", "foo", "1.0.*"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        COMPOSER.parse(bad)


def _ours(a: str, b: str) -> int | None:
    return COMPOSER.compare(a, b) if COMPOSER.is_valid(a) and COMPOSER.is_valid(b) else None


def test_known_cases_agree_with_composer() -> None:
    pairs = [(a, b) for a in ORDERED for b in ORDERED]
    assert [_ours(a, b) for a, b in pairs] == composer_compare(pairs)


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(COMPOSER_PAIRS, min_size=BATCH * 4, max_size=BATCH * 4))
def test_agrees_with_composer(pairs: list[tuple[str, str]]) -> None:
    want = composer_compare(pairs)
    got = [_ours(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []
