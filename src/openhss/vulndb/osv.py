"""Reading OSV (https://ossf.github.io/osv-schema/): records, and the sources that hold them.

Sources: a per-ecosystem `all.zip` dump as OSV publishes it, a directory of `.json` files (searched
recursively, as the advisory repositories are laid out), or a single `.json` file holding one record
or a list of records.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openhss.vulndb.ecosystems import advisory_match_ecosystem, normalise_name
from openhss.vulndb.interface import Advisory, AffectedPackage, InvalidAdvisory, SourceError
from openhss.vulndb.ranges import versions_to_store
from openhss.vulndb.severity_rating import cvss_of, package_rating, record_rating

MAX_RECORD_BYTES = 16 * 1024 * 1024


def _ms(value: Any, field: str, record_id: str, required: bool) -> int:
    if value is None and not required:
        return 0
    if not isinstance(value, str):
        raise InvalidAdvisory(f"{record_id}: `{field}` must be an RFC 3339 time")
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError as exc:
        raise InvalidAdvisory(f"{record_id}: `{field}` is not an RFC 3339 time: {value!r}") from exc


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def parse_record(record: Any) -> Advisory:
    """One OSV record as an Advisory; InvalidAdvisory naming the record when it is malformed."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or not record["id"]:
        raise InvalidAdvisory("an OSV record must be an object with a string `id`")
    rid = record["id"]
    modified = _ms(record.get("modified"), "modified", rid, required=True)
    vector, score = cvss_of(record)
    affected = []
    for entry in record.get("affected") or []:
        if not isinstance(entry, dict):
            continue
        package = entry.get("package")
        if not isinstance(package, dict):
            continue
        ecosystem, name = package.get("ecosystem"), package.get("name")
        if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
            continue
        key = advisory_match_ecosystem(ecosystem)
        if key is None:
            continue
        osv_ranges = entry.get("ranges")
        osv_ranges = osv_ranges if isinstance(osv_ranges, list) else []
        listed = versions_to_store(ecosystem, osv_ranges, _strings(entry.get("versions")))
        ranges = {"ranges": osv_ranges, "versions": listed}
        affected.append(
            AffectedPackage(
                ecosystem=ecosystem,
                match_ecosystem=key,
                name=normalise_name(key, name),
                ranges=json.dumps(ranges, separators=(",", ":"), sort_keys=True),
                severity=package_rating(entry),
            )
        )
    return Advisory(
        id=rid,
        modified_ms=modified,
        published_ms=_ms(record.get("published"), "published", rid, required=False),
        withdrawn=record.get("withdrawn") is not None,
        aliases=_strings(record.get("aliases")),
        upstream=_strings(record.get("upstream")),
        summary=str(record.get("summary") or record.get("details") or "")[:500].split("\n")[0],
        severity=record_rating(record),
        cvss_vector=vector,
        cvss_score=score,
        affected=tuple(affected),
    )


def _load(data: bytes, where: str) -> list[Any]:
    """The records of one JSON document; an unreadable document is one InvalidAdvisory in their place."""
    if len(data) > MAX_RECORD_BYTES:
        return [InvalidAdvisory(f"larger than {MAX_RECORD_BYTES} bytes")]
    try:
        loaded = json.loads(data)
    except ValueError as exc:
        return [InvalidAdvisory(f"not JSON: {exc}")]
    return loaded if isinstance(loaded, list) else [loaded]


def read_source(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, raw record) for every record of a zip, a directory or a file; SourceError when unreadable.

    A document that is not JSON comes out as an `InvalidAdvisory` in place of its records, so one
    bad file is reported and skipped rather than losing the rest of the source.
    """
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            for record in _load(file.read_bytes(), str(file)):
                yield str(file), record
        return
    with open(path, "rb") as probe:
        is_zip = probe.read(4) == b"PK\x03\x04"
    if is_zip:
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir() or not info.filename.endswith(".json"):
                        continue
                    if info.file_size > MAX_RECORD_BYTES:
                        yield (
                            f"{path}!{info.filename}",
                            InvalidAdvisory(f"larger than {MAX_RECORD_BYTES} bytes"),
                        )
                        continue
                    for record in _load(archive.read(info), f"{path}!{info.filename}"):
                        yield f"{path}!{info.filename}", record
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{path}: damaged zip: {exc}") from exc
        return
    for record in _load(path.read_bytes(), str(path)):
        yield str(path), record
