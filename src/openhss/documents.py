"""JSON documents the agents send (inventory reports, scan results): parsed and checked against their
JSON Schema the one way, with errors that name where the document is wrong. Pure: no server state."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator


class DocumentError(ValueError):
    """A document is not JSON, not an object, or breaks its schema (the message says where)."""


@cache
def schema(package: str, resource: str) -> dict[str, Any]:
    """A JSON Schema shipped as package data."""
    loaded: dict[str, Any] = json.loads(resources.files(package).joinpath(resource).read_text())
    return loaded


@cache
def _validator(package: str, resource: str) -> Draft202012Validator:
    return Draft202012Validator(schema(package, resource))


@cache
def _check(package: str, resource: str) -> Callable[[Any], Any]:
    """The schema compiled to Python (fastjsonschema): 4 ms for a 1,525-image report, against 78 ms
    for `jsonschema`'s walk, which is kept to name the first problem of a document this refuses.
    tests/test_documents.py holds the two to the same verdicts on these schemas."""
    check: Callable[[Any], Any] = fastjsonschema.compile(schema(package, resource))
    return check


def load_document(
    data: bytes | str | dict[str, Any], package: str, resource: str, what: str
) -> dict[str, Any]:
    """`data` as a JSON object valid under the schema; DocumentError naming the first problem otherwise."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise DocumentError(f"the {what} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"the {what} must be a JSON object")
    try:
        _check(package, resource)(data)
        return data
    except fastjsonschema.JsonSchemaValueException as exc:
        refused = exc
    error = next(
        iter(sorted(_validator(package, resource).iter_errors(data), key=lambda e: list(e.path))), None
    )
    if error is None:  # the validators disagree (tests/test_documents.py says they do not): refuse
        raise DocumentError(f"invalid {what}: {refused.message}")
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    raise DocumentError(f"invalid {what} at {where}: {error.message}")
