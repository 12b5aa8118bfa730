"""Aliases merge into one counted vulnerability; a bundle of upstream CVEs does not."""

from __future__ import annotations

from openhss.vulndb.matching import merge_keys


def test_aliases_merge_transitively_under_the_cve() -> None:
    keys = merge_keys(
        [
            ("GHSA-aaaa", ("CVE-2023-1",), ()),
            ("PYSEC-2023-9", ("GHSA-aaaa",), ()),
            ("GHSA-bbbb", (), ()),
        ]
    )
    assert keys == {"GHSA-aaaa": "CVE-2023-1", "PYSEC-2023-9": "CVE-2023-1", "GHSA-bbbb": "GHSA-bbbb"}
    assert len(set(keys.values())) == 2


def test_single_upstream_links_but_a_bundle_does_not() -> None:
    keys = merge_keys(
        [
            ("DEBIAN-CVE-2024-5", (), ("CVE-2024-5",)),
            ("GHSA-cccc", ("CVE-2024-5",), ()),
            ("DSA-5000-1", (), ("CVE-2024-6", "CVE-2024-7")),
            ("DEBIAN-CVE-2024-6", (), ("CVE-2024-6",)),
        ]
    )
    assert keys["DEBIAN-CVE-2024-5"] == keys["GHSA-cccc"] == "CVE-2024-5"
    assert keys["DSA-5000-1"] == "DSA-5000-1"
    assert keys["DEBIAN-CVE-2024-6"] == "CVE-2024-6"
