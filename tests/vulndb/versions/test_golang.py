"""Go module version ordering against golang.org/x/mod/semver's own test table, plus pseudo-versions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import GOLANG, InvalidVersion

from .reference import go_compare
from .strategies import BATCH, GO_PAIRS, NEAR_GO, NO_SHRINK

# golang.org/x/mod/semver semver_test.go: (input, canonical); "" marks an invalid version.
# Listed in increasing order; equal canonical forms compare equal.
TABLE = [
    ("bad", ""),
    ("v1-alpha.beta.gamma", ""),
    ("v1-pre", ""),
    ("v1+meta", ""),
    ("v1-pre+meta", ""),
    ("v1.2-pre", ""),
    ("v1.2+meta", ""),
    ("v1.2-pre+meta", ""),
    ("v1.0.0-alpha", "v1.0.0-alpha"),
    ("v1.0.0-alpha.1", "v1.0.0-alpha.1"),
    ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
    ("v1.0.0-beta", "v1.0.0-beta"),
    ("v1.0.0-beta.2", "v1.0.0-beta.2"),
    ("v1.0.0-beta.11", "v1.0.0-beta.11"),
    ("v1.0.0-rc.1", "v1.0.0-rc.1"),
    ("v1", "v1.0.0"),
    ("v1.0", "v1.0.0"),
    ("v1.0.0", "v1.0.0"),
    ("v1.2", "v1.2.0"),
    ("v1.2.0", "v1.2.0"),
    ("v1.2.3-456", "v1.2.3-456"),
    ("v1.2.3-456.789", "v1.2.3-456.789"),
    ("v1.2.3-456-789", "v1.2.3-456-789"),
    ("v1.2.3-456a", "v1.2.3-456a"),
    ("v1.2.3-pre", "v1.2.3-pre"),
    ("v1.2.3-pre+meta", "v1.2.3-pre"),
    ("v1.2.3-pre.1", "v1.2.3-pre.1"),
    ("v1.2.3-zzz", "v1.2.3-zzz"),
    ("v1.2.3", "v1.2.3"),
    ("v1.2.3+meta", "v1.2.3"),
    ("v1.2.3+meta-pre", "v1.2.3"),
    ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
]
VALID = [(i, v, c) for i, (v, c) in enumerate(TABLE) if c]


@pytest.mark.parametrize(("version", "canonical"), TABLE)
def test_validity(version: str, canonical: str) -> None:
    assert GOLANG.is_valid(version) == bool(canonical)


def test_table_order() -> None:
    for i, v, c in VALID:
        for j, w, d in VALID:
            want = 0 if c == d else (-1 if i < j else 1)
            assert GOLANG.compare(v, w) == want, (v, w)


def test_extra_compares() -> None:
    assert GOLANG.compare("v1", "v1") == 0
    assert GOLANG.compare("v2", "v1") == 1
    assert GOLANG.compare("v1.19", "v1.2") == 1


def test_pseudo_versions_and_incompatible() -> None:
    order = [
        "v0.0.0-20190101000000-abcdefabcdef",
        "v0.0.0-20191109021931-daa7c04131f5",
        "v0.1.0",
        "v1.2.3-pre",
        "v1.2.3-pre.0.20200101000000-abcdefabcdef",  # pseudo-version after a prerelease tag
        "v1.2.3",
        "v1.2.4-0.20200101000000-abcdefabcdef",  # pseudo-version after v1.2.3
        "v1.2.4",
        "v2.0.0+incompatible",
        "v2.1.0+incompatible",
    ]
    keys = [GOLANG.parse(v) for v in order]
    assert all(x < y for x, y in itertools.pairwise(keys))
    assert GOLANG.compare("v2.0.0+incompatible", "v2.0.0") == 0


def test_osv_spelling_without_v_and_toolchain() -> None:
    assert GOLANG.compare("1.20.5", "v1.20.5") == 0
    assert GOLANG.compare("0.0.0-20220101000000-abcdefabcdef", "0.1.0") == -1
    assert GOLANG.compare("go1.21", "1.21.0") == 0
    assert GOLANG.compare("go1.21rc2", "1.21.0") == -1
    assert GOLANG.compare("go1.21.3", "1.21.4") == -1


@pytest.mark.parametrize("bad", ["", "v", "v01.0.0", "v1.0.0-01", "1.0.0.0", "v1.0.0-"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        GOLANG.parse(bad)


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(GO_PAIRS, min_size=BATCH * 4, max_size=BATCH * 4))
def test_agrees_with_x_mod_semver(go_semver_binary: Path, pairs: list[tuple[str, str]]) -> None:
    want = go_compare(go_semver_binary, pairs)
    got = [GOLANG.compare(a, b) if GOLANG.is_valid(a) and GOLANG.is_valid(b) else None for a, b in pairs]
    assert [(p, g, w) for p, g, w in zip(pairs, got, want, strict=True) if g != w] == []


def test_table_agrees_with_x_mod_semver(go_semver_binary: Path) -> None:
    pairs = [(v, w) for v, _ in TABLE for w, _ in TABLE]
    want = go_compare(go_semver_binary, pairs)
    got = [GOLANG.compare(a, b) if GOLANG.is_valid(a) and GOLANG.is_valid(b) else None for a, b in pairs]
    assert got == want


@pytest.mark.slow
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=NO_SHRINK,
)
@given(st.lists(NEAR_GO, min_size=BATCH * 8, max_size=BATCH * 8))
def test_acceptance_agrees_with_x_mod_semver(go_semver_binary: Path, versions: list[str]) -> None:
    want = [r is not None for r in go_compare(go_semver_binary, [(v, v) for v in versions])]
    assert [(v, w) for v, w in zip(versions, want, strict=True) if GOLANG.is_valid(v) != w] == []
