"""JSON documents the agents send (inventory reports, scan results): parsed and checked against their
JSON Schema the one way, with errors that name where the document is wrong. Pure: no server state."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

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
    error = next(
        iter(sorted(_validator(package, resource).iter_errors(data), key=lambda e: list(e.path))), None
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise DocumentError(f"invalid {what} at {where}: {error.message}")
    return data
