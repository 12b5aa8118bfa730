"""OSV `affected[]` evaluation: the schema's semantics, edge cases, and a literal reading of it as oracle."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.vulndb.ranges import (
    InstalledVersion,
    Verdict,
    compile_affected,
    evaluate,
    evaluate_all,
)
from openhss.vulndb.versions import DPKG, SEMVER, UnknownEcosystem, VersionScheme


def entry(ecosystem: str, *ranges: dict[str, Any], versions: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": "pkg"}, "ranges": list(ranges)}
    if versions is not None:
        out["versions"] = versions
    return out


def eco(*events: dict[str, str]) -> dict[str, Any]:
    return {"type": "ECOSYSTEM", "events": list(events)}


def sem(*events: dict[str, str]) -> dict[str, Any]:
    return {"type": "SEMVER", "events": list(events)}


def test_introduced_zero_and_fixed() -> None:
    a = compile_affected(entry("PyPI", eco({"introduced": "0"}, {"fixed": "2.0"})))
    assert a.evaluate("0.0.1") == Verdict(True, "2.0")
    assert a.evaluate("1.9.9") == Verdict(True, "2.0")
    assert a.evaluate("2.0rc1") == Verdict(True, "2.0")
    assert a.evaluate("2.0") == Verdict(False, None)
    assert a.evaluate("2.0.0") == Verdict(False, None)
    assert a.evaluate("3") == Verdict(False, None)


def test_last_affected_includes_its_version_fixed_does_not() -> None:
    last = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"last_affected": "1.4.2"})))
    fixed = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"fixed": "1.4.2"})))
    assert last.evaluate("1.4.2") == Verdict(True, None)
    assert fixed.evaluate("1.4.2") == Verdict(False, None)
    assert last.evaluate("1.4.3-rc.1") == Verdict(False, None)
    assert fixed.evaluate("1.4.2-rc.1") == Verdict(True, "1.4.2")
    assert last.evaluate("0.9.9") == fixed.evaluate("0.9.9") == Verdict(False, None)
    assert last.evaluate("1.0.0") == Verdict(True, None)
    assert fixed.evaluate("1.0.0") == Verdict(True, "1.4.2")


def test_several_introduced_fixed_pairs_unsorted() -> None:
    # Events in no particular order: evaluators must sort them by version.
    a = compile_affected(
        entry(
            "Debian:12",
            eco({"fixed": "1.2-1"}, {"introduced": "2.0-1"}, {"introduced": "1.0-1"}, {"fixed": "2.3-1"}),
        )
    )
    assert a.evaluate("0.9-1").affected is False
    assert a.evaluate("1.0-1") == Verdict(True, "1.2-1")
    assert a.evaluate("1.2~rc1-1") == Verdict(True, "1.2-1")
    assert a.evaluate("1.2-1").affected is False
    assert a.evaluate("1.9-9").affected is False
    assert a.evaluate("2:0.1-1").affected is False  # epoch 2 is above every event
    assert a.evaluate("2.1-1") == Verdict(True, "2.3-1")
    assert a.evaluate("2.3-1").affected is False


def test_multiple_ranges_any_matches() -> None:
    a = compile_affected(
        entry(
            "Go",
            sem({"introduced": "0"}, {"fixed": "1.2.3"}),
            sem({"introduced": "2.0.0"}, {"fixed": "2.0.5"}),
        )
    )
    assert a.evaluate("v1.0.0") == Verdict(True, "1.2.3")
    assert a.evaluate("v1.5.0").affected is False
    assert a.evaluate("v2.0.4+incompatible") == Verdict(True, "2.0.5")
    assert a.evaluate("v0.0.0-20200101000000-abcdefabcdef") == Verdict(True, "1.2.3")


def test_limit() -> None:
    a = compile_affected(entry("npm", sem({"introduced": "0"}, {"limit": "2.0.0"})))
    assert a.evaluate("1.9.9") == Verdict(True, None)
    assert a.evaluate("2.0.0").affected is False
    star = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"limit": "*"})))
    assert star.evaluate("99.0.0").affected is True


def test_versions_list_wins_over_ranges() -> None:
    a = compile_affected(
        entry("PyPI", eco({"introduced": "1.0"}, {"fixed": "1.1"}), versions=["0.5", "2.0.0", "1.0.5"])
    )
    assert a.evaluate("0.5") == Verdict(True, None)
    assert a.evaluate("2.0") == Verdict(True, None)  # PEP 440: 2.0 == 2.0.0
    assert a.evaluate("1.0.5") == Verdict(True, "1.1")  # the range also says so, and knows the fix
    assert a.evaluate("0.6").affected is False
    only_list = compile_affected(entry("Hackage", versions=["1.0"]))
    assert only_list.evaluate("1.0") == Verdict(True, None)
    assert only_list.evaluate("1.0.0").affected is False


def test_introduced_equals_fixed_is_empty_and_equals_last_affected_is_one_version() -> None:
    empty = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"fixed": "1.0.0"})))
    one = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"last_affected": "1.0.0"})))
    assert empty.evaluate("1.0.0").affected is False
    assert one.evaluate("1.0.0") == Verdict(True, None)
    assert one.evaluate("1.0.1").affected is False


def test_semver_type_ignores_ecosystem_and_git_ranges_are_ignored() -> None:
    a = compile_affected(
        entry(
            "Hackage",  # no scheme here, but SEMVER ranges do not need one
            sem({"introduced": "1.0.0"}, {"fixed": "1.0.1"}),
            {"type": "GIT", "repo": "https://example.invalid/r", "events": [{"introduced": "0"}]},
        )
    )
    assert a.evaluate("1.0.0") == Verdict(True, "1.0.1")
    assert a.evaluate("5.0.0").affected is False
    # Debian ordering would put 1.0.0~rc1 below 1.0.0; semver reads "1.0.0~rc1" as invalid.
    d = compile_affected(entry("Debian:12", sem({"introduced": "1.0.0-rc.1"})))
    assert d.evaluate("1.0.0-beta").affected is False


def test_unknown_ecosystem_with_ecosystem_range_is_an_error() -> None:
    with pytest.raises(UnknownEcosystem):
        compile_affected(entry("Hackage", eco({"introduced": "0"})))


def test_invalid_versions_drop_their_event_only() -> None:
    a = compile_affected(entry("npm", sem({"introduced": "1.0.0"}, {"fixed": "not-a-version"})))
    assert a.skipped == ("not-a-version",)
    assert a.evaluate("3.0.0") == Verdict(True, None)  # the range stays open: report rather than miss
    b = compile_affected(entry("npm", sem({"introduced": "junk"}, {"fixed": "2.0.0"})))
    assert b.evaluate("1.0.0").affected is False
    # An installed version its scheme rejects only matches the versions list.
    c = compile_affected(entry("npm", sem({"introduced": "0"}), versions=["weird"]))
    assert c.evaluate("weird") == Verdict(True, None)
    assert c.evaluate("also weird").affected is False


def test_evaluate_accepts_raw_entries_and_installed_versions() -> None:
    raw = entry("Alpine:v3.19", eco({"introduced": "0"}, {"fixed": "3.1.4-r5"}))
    inst = InstalledVersion("3.1.4-r4")
    assert evaluate(raw, inst) == Verdict(True, "3.1.4-r5")
    assert evaluate(raw, "3.1.4-r5").affected is False
    entries = [compile_affected(raw), compile_affected(entry("Alpine:v3.19", eco({"introduced": "4"})))]
    assert evaluate_all(entries, "4.1-r0") == Verdict(True, None)
    assert evaluate_all(entries, "3.2-r0").affected is False


# The OSV schema's evaluation, read literally: sort events, walk them all, last one passed wins.
def spec_is_affected(scheme: VersionScheme, events: list[tuple[str, str]], v: str) -> bool:
    def order(e: tuple[str, str]) -> tuple[int, Any, int]:
        kind, raw = e
        if raw == "0" and kind == "introduced":
            return (0, (), 0)
        return (1, scheme.parse(raw), {"introduced": 0, "fixed": 1, "last_affected": 2}[kind])

    affected = False
    for kind, raw in sorted(events, key=order):
        if kind == "introduced" and (raw == "0" or scheme.compare(v, raw) >= 0):
            affected = True
        elif kind in ("fixed", "last_affected"):
            c = scheme.compare(v, raw)
            if c > 0 or (c == 0 and kind == "fixed"):
                affected = False
    return affected


_DEB = st.sampled_from(["0.9", "1.0~rc1", "1.0", "1.0-1", "1.0+b1", "1.1", "1:0.5", "2.0~", "2.0", "10"])
_EVENTS = st.lists(
    st.tuples(st.sampled_from(["introduced", "fixed", "last_affected"]), _DEB) | st.just(("introduced", "0")),
    min_size=1,
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(_EVENTS, _DEB)
def test_matches_the_schema_reading(events: list[tuple[str, str]], v: str) -> None:
    a = compile_affected(entry("Debian:12", eco(*({k: r} for k, r in events))))
    assert a.evaluate(v).affected == spec_is_affected(DPKG, events, v)


_SEM = st.sampled_from(["0.1.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "2.0.0-0", "2.0.0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["introduced", "fixed", "last_affected"]), _SEM), max_size=6), _SEM)
def test_semver_matches_the_schema_reading(events: list[tuple[str, str]], v: str) -> None:
    a = compile_affected(entry("crates.io", sem(*({k: r} for k, r in events))))
    assert a.evaluate(v).affected == spec_is_affected(SEMVER, events, v)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["0", "1.0.0", "2.0", "*", "x", "SEMVER", "ECOSYSTEM"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["type", "events", "introduced", "fixed", "last_affected", "limit", "versions", "ranges"]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["package", "ranges", "versions"]), _JSON, max_size=3), _JSON)
def test_malformed_entries_never_crash(raw: dict[str, Any], installed: Any) -> None:
    raw.setdefault("package", {"ecosystem": "npm", "name": "x"})
    try:
        a = compile_affected(raw)
    except UnknownEcosystem:
        return  # an ECOSYSTEM range without a known ecosystem: the one error compiling raises
    v = installed if isinstance(installed, str) else "1.0.0"
    assert isinstance(a.evaluate(v), Verdict)


def test_go_semver_ranges_read_go_spellings() -> None:
    stdlib = compile_affected(entry("Go", sem({"introduced": "1.21.0-0"}, {"fixed": "1.21.4"})))
    assert stdlib.evaluate("go1.21.3") == Verdict(True, "1.21.4")
    assert stdlib.evaluate("go1.21rc2") == Verdict(True, "1.21.4")
    assert stdlib.evaluate("v1.21.4").affected is False
    assert stdlib.evaluate("go1.20.9").affected is False


def test_a_range_that_names_a_fix_is_preferred() -> None:
    a = compile_affected(
        entry(
            "npm",
            sem({"introduced": "1.0.0"}, {"last_affected": "1.5.0"}),
            sem({"introduced": "1.2.0"}, {"fixed": "1.6.0"}),
        )
    )
    assert a.evaluate("1.3.0") == Verdict(True, "1.6.0")
    assert a.evaluate("1.1.0") == Verdict(True, None)
