"""The agents' documents are checked by compiled schemas (fastjsonschema) for speed and named by
`jsonschema` when refused: the two must give the same verdict on every document, for both schemas."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss import documents

SCHEMAS = {
    "inventory report": ("openhss.inventory", "schema/inventory-report-v1.json"),
    "scan result": ("openhss.vulndb", "schema/scan-result-v1.json"),
}
DIGEST = "sha256:" + hashlib.sha256(b"x").hexdigest()

VALID: dict[str, dict[str, Any]] = {
    "inventory report": {
        "schema": "openhss.inventory/v1",
        "project_id": "0" * 32,
        "host_id": "h-1",
        "run_id": "run",
        "run_started_ms": 1,
        "seq": 2,
        "taken_ms": 3,
        "host": {
            "name": "node-1",
            "os": "Debian GNU/Linux 12",
            "engine": "docker 24.0",
            "addresses": [{"address": "10.0.0.1", "kind": "private"}],
        },
        "images": [
            {
                "id": DIGEST,
                "repo_tags": ["nginx:1.25"],
                "repo_digests": ["nginx@" + DIGEST],
                "size": 10,
                "created_ms": 5,
            }
        ],
        "containers": [
            {
                "id": "c" * 64,
                "name": "web",
                "image": "nginx:1.25",
                "image_id": DIGEST,
                "state": "running",
                "created_ms": 6,
                "pod_id": "uid",
                "pod_name": "web-0",
                "pod_namespace": "default",
            }
        ],
    },
    "scan result": {
        "schema": "openhss.scan-result/v1",
        "project_id": "0" * 32,
        "host_id": "h-1",
        "image_id": DIGEST,
        "status": "success",
        "failed_reason": "huge_image",
        "distro": "debian:12",
        "components": [
            {
                "name": "openssl",
                "version": "3.0.11-1",
                "ecosystem": "Debian",
                "purl": "pkg:deb/debian/openssl@3.0.11-1",
                "path": "var/lib/dpkg/status",
                "layer": DIGEST,
                "source_name": "openssl",
                "source_version": "3.0.11-1",
                "distro": "debian:12",
                "licenses": ["Apache-2.0"],
            }
        ],
        "unsafe_settings": [{"check_id": "CIS-4.1", "risk_level": "High"}],
        "build_risks": [{"any": "thing"}],
        "malicious_files": [{"path": "bin/x", "rule": "r", "family": "f", "sha256": "a" * 64}],
    },
}

# Values near what the schemas test: their lengths, patterns, integer edges and JSON's types.
_LENGTHS = (0, 1, 2, 31, 32, 33, 36, 37, 63, 64, 65, 71, 72, 255, 256, 257, 512, 513, 768, 769)
STRINGS = st.one_of(
    st.sampled_from(_LENGTHS).map(lambda n: "a" * n),
    st.sampled_from(
        [
            DIGEST,
            DIGEST.upper(),
            DIGEST + "\n",
            DIGEST[:-1],
            "0" * 32,
            "0" * 32 + "\n",
            "A" * 32,
            "a" * 64 + "\n",
            "openhss.inventory/v1",
            "openhss.scan-result/v1",
            "private",
            "public",
            "success",
            "failed",
            "High",
            "huge_image",
            "é" * 32,
        ]
    ),
    st.text(max_size=6),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([-1, 0, 1, 0.0, 1.0, -1.0, 2.5, 1e300]),
    st.floats(allow_nan=False, allow_infinity=False),
    STRINGS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(STRINGS, inner, max_size=3),
    max_leaves=5,
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path inside the document (dict keys and list indexes)."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _places(value, (*path, index))
    return found


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


@st.composite
def mutated(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """The valid document with a few of its values replaced, removed, or new keys added."""
    doc = copy.deepcopy(VALID[name])
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):  # mostly one change: its own verdict
        places = _places(doc)
        leaves = [p for p in places if not isinstance(_at(doc, p), dict | list)]
        # Mostly a scalar (where the rules are), sometimes a whole object or array.
        on_a_leaf = bool(leaves) and draw(st.integers(0, 3)) > 0
        path = draw(st.sampled_from(leaves if on_a_leaf else places))
        if not path:
            continue
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        how = draw(st.sampled_from(["replace", "remove", "add"]))
        if how == "replace":
            old = parent[path[-1]]
            if isinstance(old, str) and draw(st.integers(0, 3)):
                # A near miss of a valid string: what its length, pattern and enum rules test.
                near = [old + "\n", "\n" + old, old[:-1], old + old[-1:], old.upper(), old + " ", old * 2]
                parent[path[-1]] = draw(st.sampled_from(near) if draw(st.integers(0, 2)) else STRINGS)
            else:
                parent[path[-1]] = draw(VALUES)
        elif how == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(STRINGS)] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return doc


def _verdicts(name: str, doc: dict[str, Any]) -> tuple[bool, bool]:
    """(fastjsonschema accepts, jsonschema finds no error): the two validators `documents` runs."""
    package, resource = SCHEMAS[name]
    try:
        documents._check(package, resource)(doc)
        fast = True
    except fastjsonschema.JsonSchemaValueException:
        fast = False
    return fast, next(documents._validator(package, resource).iter_errors(doc), None) is None


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_valid_documents_are_valid(name: str) -> None:
    assert _verdicts(name, VALID[name]) == (True, True)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_both_validators_give_the_same_verdict(name: str, data: st.DataObject) -> None:
    doc = data.draw(mutated(name))
    fast, named = _verdicts(name, doc)
    assert fast == named, doc
    package, resource = SCHEMAS[name]
    if named:
        assert documents.load_document(copy.deepcopy(doc), package, resource, name) == doc
    else:
        with pytest.raises(documents.DocumentError, match=f"^invalid {name} at "):
            documents.load_document(doc, package, resource, name)


@pytest.mark.parametrize(
    ("name", "where", "value"),
    [
        ("inventory report", ("images", 0, "id"), DIGEST + "\n"),
        ("inventory report", ("containers", 0, "image_id"), DIGEST + "\n"),
        ("inventory report", ("project_id",), "0" * 32 + "\n"),
        ("scan result", ("image_id",), DIGEST + "\n"),
        ("scan result", ("project_id",), "0" * 32 + "\n"),
        ("scan result", ("malicious_files", 0, "sha256"), "a" * 64 + "\n"),
    ],
)
def test_a_pattern_value_with_a_trailing_newline_is_refused(
    name: str, where: tuple[Any, ...], value: str
) -> None:
    """Python's `$` also matches before a final newline (ECMA's, which JSON Schema means, does not)."""
    doc = copy.deepcopy(VALID[name])
    parent: Any = doc
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    assert _verdicts(name, doc) == (False, False)


@pytest.mark.parametrize("value", [2**53, 2**63, 2**70, 1e300, -1, 1.5, True, "1"])
@pytest.mark.parametrize(
    "where", [("seq",), ("run_started_ms",), ("images", 0, "size"), ("containers", 0, "created_ms")]
)
def test_an_integer_the_store_cannot_hold_is_refused(where: tuple[Any, ...], value: object) -> None:
    """Times, sizes and sequence numbers are JSON-safe integers (at most 2**53 - 1): a larger one
    would overflow the store's 64-bit columns after validation, a server error instead of a 400."""
    doc = copy.deepcopy(VALID["inventory report"])
    _at(doc, where[:-1])[where[-1]] = value
    assert _verdicts("inventory report", doc) == (False, False)
    _at(doc, where[:-1])[where[-1]] = 2**53 - 1
    assert _verdicts("inventory report", doc) == (True, True)
