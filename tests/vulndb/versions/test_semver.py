"""npm semver ordering against npm's own `semver` package, and semver.org's precedence examples."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import SEMVER, InvalidVersion

from .reference import semver_compare, semver_valid
from .strategies import BATCH, NEAR_SEMVER, NO_SHRINK, SEMVER_PAIRS
from .strategies import SEMVER as SEMVER_VERSIONS

SEMVER_ORG = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
]


def test_semver_org_precedence() -> None:
    keys = [SEMVER.parse(v) for v in SEMVER_ORG]
    assert all(x < y for x, y in itertools.pairwise(keys))


def test_build_metadata_ignored() -> None:
    assert SEMVER.compare("1.0.0+build.1", "1.0.0+build.2") == 0
    assert SEMVER.compare("v1.2.3", "1.2.3") == 0


@pytest.mark.parametrize("bad", ["1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "=1.2.3", "1.2.3.4", ""])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        SEMVER.parse(bad)


VALIDITY = [
    "1.2.3", "v1.2.3", "1.2.3-0", "1.2.3-00", "1.2.3-0a", "1.2.3--", "1.2.3-a.-1", "1.2.3+01", "1.2.3+a..b",
    "1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "=1.2.3", "1.2.3.4", "", " 1.2.3 ",
    "9007199254740992.0.0",
]  # fmt: skip


def test_validity_agrees_with_npm(npm_semver_module: Path) -> None:
    want = semver_valid(npm_semver_module, VALIDITY)
    assert [(v, SEMVER.is_valid(v)) for v in VALIDITY] == list(zip(VALIDITY, want, strict=True))


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(SEMVER_PAIRS, min_size=BATCH * 4, max_size=BATCH * 4))
def test_agrees_with_npm_semver(npm_semver_module: Path, pairs: list[tuple[str, str]]) -> None:
    want = semver_compare(npm_semver_module, pairs)
    got = [SEMVER.compare(a, b) for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(SEMVER_VERSIONS, min_size=BATCH, max_size=BATCH))
def test_generated_versions_valid_to_npm(npm_semver_module: Path, versions: list[str]) -> None:
    assert all(semver_valid(npm_semver_module, versions))


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(NEAR_SEMVER, min_size=BATCH * 8, max_size=BATCH * 8))
def test_acceptance_agrees_with_npm(npm_semver_module: Path, versions: list[str]) -> None:
    want = semver_valid(npm_semver_module, versions)
    assert [(v, w) for v, w in zip(versions, want, strict=True) if SEMVER.is_valid(v) != w] == []
