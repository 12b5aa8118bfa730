"""apk ordering against apk-tools' own test table (test/version.data) and Alpine's suffix rules."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.vulndb.versions import APK, InvalidVersion

_DATA = Path(__file__).parent / "data" / "apk-version.data"
_OPS = {"<": -1, "=": 0, ">": 1}


def _cases() -> list[tuple[str, str, int]]:
    out = []
    for line in _DATA.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            a, op, b = line.split()
            out.append((a, b, _OPS[op]))
    return out


CASES = _cases()


def test_table_is_loaded() -> None:
    assert len(CASES) > 600


@pytest.mark.parametrize(("a", "b", "want"), CASES)
def test_apk_tools_table(a: str, b: str, want: int) -> None:
    assert APK.compare(a, b) == want
    assert APK.compare(b, a) == -want


def test_suffix_order() -> None:
    order = [
        "1.1_alpha",
        "1.1_alpha1",
        "1.1_alpha2",
        "1.1_beta",
        "1.1_pre1",
        "1.1_rc1",
        "1.1",
        "1.1-r1",
        "1.1_cvs1",
        "1.1_svn",
        "1.1_git20230101",
        "1.1_hg1",
        "1.1_p1",
        "1.1_p1-r1",
        "1.1_p2",
        "1.1a",
        "1.1b",
        "1.1.1",
        "1.2",
    ]
    keys = [APK.parse(v) for v in order]
    assert all(x < y for x, y in itertools.pairwise(keys)), order


def test_zero_component_quirk_is_kept() -> None:
    # apk-tools 2.x reads a component of zeros as its own token, so after "X.0" a suffix no
    # longer counts as a pre-release against the bare "X.0": apk itself says 1.0_rc1 > 1.0.
    # We order as apk does, as the Go ports of version.c do.
    assert APK.compare("1.0_rc1", "1.0") == 1
    assert APK.compare("1.0_rc1", "1.0.1") == -1
    assert APK.compare("1.10_rc1", "1.10") == -1


def test_real_alpine_versions() -> None:
    # From Alpine 3.19 secdb fixed versions and installed packages.
    assert APK.compare("3.1.4-r5", "3.1.4-r6") == -1
    assert APK.compare("1.36.1-r15", "1.36.1-r2") == 1
    assert APK.compare("2.40.0-r0", "2.40.0_rc1-r0") == 1
    assert APK.compare("1.2.4_git20230717-r4", "1.2.4-r4") == 1
    assert APK.compare("0.1.1_alpha20220105-r0", "0.1.1-r0") == -1


@pytest.mark.parametrize("bad", ["", "r1", "_p1"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidVersion):
        APK.parse(bad)


# apk_version_compare's loop, ported literally (token by token, no precomputed key), to hold the
# tuple keys to the algorithm on versions apk-tools' table does not list.
def _get_token(t: int, s: str, pos: int) -> tuple[int, int, int]:
    """(value, next type, next position), as version.c's get_token."""
    from openhss.vulndb.versions import apk

    if pos >= len(s):
        return 0, apk._END, pos
    i, nt, v = pos, apk._INVALID, 0
    if t == apk._DIGIT_OR_ZERO and s[i] == "0":
        while i < len(s) and s[i] == "0":
            i += 1
        nt, v = apk._DIGIT, pos - i
    elif t in (apk._DIGIT_OR_ZERO, apk._DIGIT, apk._SUFFIX_NO, apk._REVISION_NO):
        while i < len(s) and s[i] in "0123456789":
            v = v * 10 + int(s[i])
            i += 1
        if i - pos >= 18:
            return -1, apk._INVALID, i
    elif t == apk._LETTER:
        v, i = ord(s[i]), i + 1
    elif t == apk._SUFFIX:
        pre = [k for k, x in enumerate(apk._PRE_SUFFIXES) if s.startswith(x, i)]
        post = [k for k, x in enumerate(apk._POST_SUFFIXES) if s.startswith(x, i)]
        if pre:
            v, i = pre[0] - 4, i + len(apk._PRE_SUFFIXES[pre[0]])
        elif post:
            v, i = post[0], i + len(apk._POST_SUFFIXES[post[0]])
        else:
            return -1, apk._INVALID, i
    else:
        return -1, apk._INVALID, i
    if i >= len(s):
        return v, apk._END, i
    if nt != apk._INVALID:
        return v, nt, i
    nt, i = apk._next_type(t, s, i)
    return v, nt, i


def _apk_compare_literal(a: str, b: str) -> int:
    from openhss.vulndb.versions import apk

    at = bt = apk._DIGIT
    av = bv = 0
    ap = bp = 0
    while at == bt and at not in (apk._END, apk._INVALID) and av == bv:
        av, at, ap = _get_token(at, a, ap)
        bv, bt, bp = _get_token(bt, b, bp)
    if av != bv:
        return -1 if av < bv else 1
    if at == bt:
        return 0
    if at == apk._SUFFIX and _get_token(at, a, ap)[0] < 0:
        return -1
    if bt == apk._SUFFIX and _get_token(bt, b, bp)[0] < 0:
        return 1
    return (at < bt) - (at > bt)


_APK_TOK = st.one_of(
    st.sampled_from(["0", "1", "2", "00", "01", "10", "123", "20230101", "9" * 17, "9" * 18]),
    st.sampled_from([".", ".0", "a", "b", "z", "_alpha", "_beta", "_pre", "_rc", "_cvs", "_svn", "_git"]),
    st.sampled_from(["_hg", "_p", "_p1", "_rc2", "-r0", "-r1", "-r10", "_foo", "-x", "A", "_"]),
)
_APK = st.tuples(
    st.sampled_from(["0", "1", "2", "10", "01"]), st.lists(_APK_TOK, max_size=6).map("".join)
).map("".join)


@settings(max_examples=800, deadline=None)
@given(
    st.one_of(
        st.tuples(_APK, _APK), st.tuples(_APK, _APK_TOK, _APK_TOK).map(lambda t: (t[0] + t[1], t[0] + t[2]))
    )
)
def test_keys_agree_with_the_literal_loop(pair: tuple[str, str]) -> None:
    a, b = pair
    assert APK.compare(a, b) == _apk_compare_literal(a, b)
