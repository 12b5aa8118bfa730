"""The shared purl encoder against packageurl-python (the purl-spec reference library, via cyclonedx)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.scan.catalog._purl import package_url

packageurl = pytest.importorskip("packageurl")

# The reference library strips surrounding whitespace, which no package database records anyway.
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s == s.strip()
)
# A `/` inside a name or namespace segment is not representable per the spec; catalogers split on it.
segment = text.filter(lambda s: "/" not in s)


@settings(max_examples=80, deadline=None)
@given(name=segment, version=text, namespace=st.lists(segment, max_size=3), arch=text)
def test_round_trips_through_the_reference_parser(
    name: str, version: str, namespace: list[str], arch: str
) -> None:
    purl = package_url("generic", name, version, namespace="/".join(namespace), qualifiers={"arch": arch})
    parsed = packageurl.PackageURL.from_string(purl)
    assert (parsed.type, parsed.name, parsed.version) == ("generic", name, version)
    assert (parsed.namespace or "") == "/".join(namespace)
    assert parsed.qualifiers == {"arch": arch}


def test_canonical_spellings() -> None:
    assert package_url("npm", "core", "7.0.0", namespace="@babel") == "pkg:npm/%40babel/core@7.0.0"
    assert package_url("maven", "log4j-core", "2.17.1", namespace="org.apache.logging.log4j") == (
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"
    )
    assert package_url("rpm", "bash", "5.1-6", qualifiers={"epoch": "", "arch": "x86_64"}) == (
        "pkg:rpm/bash@5.1-6?arch=x86_64"
    )
    assert package_url("golang", "x", "v1.0.0+incompatible", namespace="a.b/c") == (
        "pkg:golang/a.b/c/x@v1.0.0%2Bincompatible"
    )
