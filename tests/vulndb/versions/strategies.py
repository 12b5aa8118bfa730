"""Hypothesis strategies for scheme-shaped versions, with the parts that break comparators."""

from __future__ import annotations

from hypothesis import Phase
from hypothesis import strategies as st

NUMBERS = st.one_of(
    st.sampled_from(["0", "1", "2", "9", "10", "11", "00", "01", "007", "010", "20240101"]),
    st.integers(min_value=0, max_value=10**20).map(str),
)


def tokens(*pieces: str) -> st.SearchStrategy[str]:
    """One token: a number, or one of `pieces`."""
    return st.one_of(NUMBERS, st.sampled_from(pieces))


BATCH = 25
"""Pairs per hypothesis example: one reference process checks a whole batch."""
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
"""Batch tests report every disagreement in the failing batch; shrinking through a reference is slow."""


def joined(tok: st.SearchStrategy[str], max_size: int = 6) -> st.SearchStrategy[str]:
    return st.lists(tok, min_size=0, max_size=max_size).map("".join)


def pairs(
    version: st.SearchStrategy[str], tail: st.SearchStrategy[str]
) -> st.SearchStrategy[tuple[str, str]]:
    """Two versions that often share a prefix, so comparisons reach the interesting parts."""
    shared = st.tuples(version, tail, tail).map(lambda t: (t[0] + t[1], t[0] + t[2]))
    return st.one_of(shared, st.tuples(version, version))


# dpkg: epoch, upstream starting with a digit, revision; '~', '+', letters, leading zeros.
_DPKG_TOK = tokens(".", "~", "+", "a", "b", "z", "A", "Z", "rc", "~rc", "~~", "+b1", "+dfsg", "ubuntu", "deb")
DPKG_UPSTREAM = st.tuples(NUMBERS, joined(_DPKG_TOK)).map("".join)
DPKG_REVISION = st.one_of(
    st.just(""), st.lists(_DPKG_TOK, min_size=1, max_size=4).map(lambda r: "-" + "".join(r))
)
DPKG_EPOCH = st.one_of(st.just(""), st.sampled_from(["0:", "1:", "2:", "10:", "01:"]))
# With an epoch an upstream may hold ':', with a revision it may hold '-'.
_DPKG_FULL_TOK = st.one_of(_DPKG_TOK, st.sampled_from(["-", ":", "-1", ":2", "-rc"]))
DPKG_FULL = st.tuples(
    st.sampled_from(["1:", "0:", "3:"]),
    st.tuples(NUMBERS, joined(_DPKG_FULL_TOK, 5)).map("".join),
    st.lists(_DPKG_TOK, min_size=1, max_size=3).map(lambda r: "-" + "".join(r)),
).map("".join)
DPKG = st.one_of(st.tuples(DPKG_EPOCH, DPKG_UPSTREAM, DPKG_REVISION).map("".join), DPKG_FULL)
DPKG_PAIRS = pairs(DPKG, joined(_DPKG_TOK, 3))

# rpm: '~' and '^', separators, letters vs digits, epoch and release.
_RPM_TOK = tokens(".", "~", "^", "_", "+", "a", "b", "Z", "rc", "~rc", "^git", "el8", "el9_2", "fc39", ".el8")
RPM_VERSION = st.tuples(NUMBERS, joined(_RPM_TOK)).map("".join)
RPM_RELEASE = st.one_of(
    st.just(""),
    st.tuples(NUMBERS, joined(_RPM_TOK, 4)).map(lambda t: "-" + "".join(t)),
    joined(_RPM_TOK, 3).map(lambda r: "-" + r),  # releases that start with '~', '^', letters, or are empty
)
RPM_EPOCH = st.one_of(st.just(""), st.sampled_from(["0:", "1:", "2:", "10:"]))
RPM = st.tuples(RPM_EPOCH, RPM_VERSION, RPM_RELEASE).map("".join)
RPM_PAIRS = pairs(RPM, joined(_RPM_TOK, 3))

# npm semver: prerelease identifiers numeric and alphanumeric, build metadata.
_SMALL = st.integers(min_value=0, max_value=2**53 - 2).map(str)
_ID = st.one_of(
    st.sampled_from(["alpha", "beta", "rc", "0", "1", "2", "10", "a1", "1a", "-", "x-y", "ALPHA", "Beta"]),
    st.integers(min_value=0, max_value=10**12).map(str),
)
SEMVER_PRE = st.lists(_ID, min_size=1, max_size=4).map(".".join)
SEMVER = st.tuples(
    st.one_of(st.sampled_from(["0", "1", "2", "10"]), _SMALL),
    st.sampled_from(["0", "1", "2", "10"]),
    st.sampled_from(["0", "1", "9", "10"]),
    st.one_of(st.just(""), SEMVER_PRE.map(lambda p: "-" + p)),
    st.one_of(st.just(""), st.sampled_from(["+build", "+b.1", "+001", "+exp.sha.5114f85"])),
).map(lambda t: f"{t[0]}.{t[1]}.{t[2]}{t[3]}{t[4]}")
SEMVER_PAIRS = st.one_of(
    st.tuples(SEMVER, SEMVER),
    st.tuples(SEMVER, SEMVER_PRE, SEMVER_PRE).map(lambda t: (t[0] + "-" + t[1], t[0] + "-" + t[2])),
)

# Maven: mixed separators, qualifiers and their aliases, digit/letter transitions.
_MVN_TOK = tokens(
    ".",
    "-",
    "alpha",
    "a",
    "beta",
    "b",
    "milestone",
    "m",
    "rc",
    "cr",
    "snapshot",
    "SNAPSHOT",
    "ga",
    "final",
    "release",
    "sp",
    "foo",
    "x",
    "Final",
    "RC",
    "-1",
    ".0",
    "-0",
)
MAVEN = st.tuples(
    st.one_of(NUMBERS, st.sampled_from(["r", "RELEASE", "v", "alpha", "-", ".", "sp"])), joined(_MVN_TOK)
).map("".join)
MAVEN_PAIRS = pairs(MAVEN, joined(_MVN_TOK, 4))

# RubyGems: numeric segments, prerelease letters, '-' (read as .pre.), trailing zeros.
_GEM_SEG = st.one_of(
    NUMBERS, st.sampled_from(["a", "b", "pre", "rc", "beta", "alpha", "A", "rc1", "1a", "0", "0"])
)
GEM = st.tuples(NUMBERS, st.lists(_GEM_SEG, max_size=5)).map(lambda t: ".".join([t[0], *t[1]]))
GEM_WITH_DASH = st.one_of(
    GEM, st.tuples(GEM, st.sampled_from(["-1", "-pre", "-beta.2", "-x-y"])).map("".join)
)
GEM_PAIRS = st.one_of(
    st.tuples(GEM_WITH_DASH, GEM_WITH_DASH),
    st.tuples(GEM, st.lists(_GEM_SEG, max_size=3), st.lists(_GEM_SEG, max_size=3)).map(
        lambda t: (".".join([t[0], *t[1]]), ".".join([t[0], *t[2]]))
    ),
)

# Go modules: v-prefixed semver, shorthands, pseudo-versions, +incompatible.
_GO_NUM = st.sampled_from(["0", "1", "2", "10", "01"])
_GO_PRE = st.one_of(
    SEMVER_PRE,
    st.tuples(
        st.sampled_from(["0.", "pre.0.", "rc.1.0."]), st.sampled_from(["20190101000000", "20230615120000"])
    ).map(lambda t: f"{t[0]}{t[1]}-abcdefabcdef"),
)
GO = st.tuples(
    _GO_NUM,
    st.one_of(st.just(""), _GO_NUM.map(lambda n: "." + n)),
    st.one_of(st.just(""), _GO_NUM.map(lambda n: "." + n)),
    st.one_of(st.just(""), _GO_PRE.map(lambda p: "-" + p)),
    st.sampled_from(["", "", "+incompatible", "+meta"]),
).map(lambda t: "v" + "".join(t))
GO_PAIRS = st.tuples(GO, GO)

# Composer: up to four numbers, a stability with its number, -dev, v prefix, build metadata.
_CMP_NUM = st.sampled_from(["0", "1", "2", "10", "00", "01", "123"])
COMPOSER = st.tuples(
    st.sampled_from(["", "v"]),
    st.lists(_CMP_NUM, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", "-", ".", "_", ""]),
    st.sampled_from(["", "alpha", "a", "beta", "b", "RC", "rc", "patch", "pl", "p", "stable", "dev"]),
    st.sampled_from(["", "1", "2", "10", ".1", "-2", "1.2"]),
    st.sampled_from(["", "", "-dev", ".dev", "+build.5"]),
).map("".join)
COMPOSER_PAIRS = st.tuples(COMPOSER, COMPOSER)

# Strings that are nearly versions, to hold what each scheme accepts to what its tool accepts.
NEAR_SEMVER = st.text(alphabet="0123456789.-+vaZ", min_size=1, max_size=14)
NEAR_GO = NEAR_SEMVER.map(lambda s: "v" + s.lstrip("v"))
NEAR_GEM = st.text(alphabet="0123456789.-aZ_", min_size=1, max_size=12)
NEAR_DPKG = st.text(alphabet="0123456789.-+~:aZ_", min_size=1, max_size=12)
