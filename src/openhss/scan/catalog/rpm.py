"""rpm packages, from the rpm database in any of its three backends (SQLite, BerkeleyDB, NDB)."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from openhss.scan.catalog._purl import package_url
from openhss.scan.catalog._rpmdb import header_blobs
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_DB_DIRS = ("var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/")
_DB_FILES = ("Packages", "Packages.db", "rpmdb.sqlite")

TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH = 1000, 1001, 1002, 1003
TAG_VENDOR, TAG_LICENSE, TAG_ARCH, TAG_SOURCERPM = 1011, 1014, 1022, 1044
_WANTED = {TAG_NAME, TAG_VERSION, TAG_RELEASE, TAG_EPOCH, TAG_VENDOR, TAG_LICENSE, TAG_ARCH, TAG_SOURCERPM}
_INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 4, 6, 8, 9
_MAX_ENTRIES, _MAX_DATA = 0xFFFF, 256 << 20

# The purl namespace of an rpm is its vendor; the header's VENDOR tag names it in prose.
_VENDOR_NAMESPACES = (
    ("red hat", "redhat"),
    ("centos", "centos"),
    ("fedora", "fedora"),
    ("rocky", "rocky"),
    ("almalinux", "almalinux"),
    ("oracle", "oracle"),
    ("amazon", "amazon"),
    ("opensuse", "opensuse"),
    ("suse", "suse"),
    ("microsoft", "mariner"),
    ("openeuler", "openeuler"),
    ("openanolis", "anolis"),
)


@dataclass(frozen=True)
class RpmHeader:
    """The fields of one stored package header that a component needs."""

    name: str
    """NAME."""
    version: str
    """VERSION."""
    release: str
    """RELEASE."""
    epoch: int | None
    """EPOCH, None when the package has none."""
    arch: str
    """ARCH (`x86_64`, `noarch`)."""
    source_rpm: str
    """SOURCERPM, `name-version-release.src.rpm`."""
    license: str
    """LICENSE, one expression."""
    vendor: str
    """VENDOR, in prose (`Red Hat, Inc.`)."""


def parse_header(blob: bytes) -> RpmHeader | None:
    """A header as the database stores it: entry count, data length, 16-byte index entries, data store."""
    if len(blob) < 8:
        return None
    entries, data_length = struct.unpack_from(">II", blob, 0)
    store = 8 + 16 * entries
    if not 0 < entries <= _MAX_ENTRIES or data_length > _MAX_DATA or store + data_length > len(blob):
        return None
    data = blob[store : store + data_length]
    values: dict[int, str | int] = {}
    for position in range(8, store, 16):
        tag, kind, offset, count = struct.unpack_from(">IIiI", blob, position)
        if tag not in _WANTED or offset < 0 or offset >= data_length:
            continue
        if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
            end = data.find(b"\x00", offset)
            values[tag] = data[offset : end if end >= 0 else None].decode("utf-8", errors="replace")
        elif kind == _INT32 and count >= 1 and offset + 4 <= data_length:
            values[tag] = struct.unpack_from(">i", data, offset)[0]

    def text(tag: int) -> str:
        value = values.get(tag, "")
        return value if isinstance(value, str) else ""

    epoch = values.get(TAG_EPOCH)
    return RpmHeader(
        name=text(TAG_NAME),
        version=text(TAG_VERSION),
        release=text(TAG_RELEASE),
        epoch=epoch if isinstance(epoch, int) else None,
        arch=text(TAG_ARCH),
        source_rpm=text(TAG_SOURCERPM),
        license=text(TAG_LICENSE),
        vendor=text(TAG_VENDOR),
    )


def split_source_rpm(source_rpm: str) -> tuple[str, str]:
    """`openssl-3.0.7-27.el9.src.rpm` -> (`openssl`, `3.0.7-27.el9`)."""
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if source_rpm.endswith(suffix):
            parts = source_rpm[: -len(suffix)].rsplit("-", 2)
            if len(parts) == 3 and all(parts):
                return parts[0], f"{parts[1]}-{parts[2]}"
    return "", ""


def vendor_namespace(vendor: str) -> str:
    lowered = vendor.lower()
    return next((namespace for needle, namespace in _VENDOR_NAMESPACES if needle in lowered), "")


class RpmCataloger(Cataloger):
    """Installed rpm packages (Red Hat family, SUSE, Amazon Linux, Mariner, openEuler, ...)."""

    name = "rpm"
    ecosystem = "rpm"

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset(_DB_FILES))

    def claims(self, path: str, mode: int, size: int) -> bool:
        directory, _, base = path.rpartition("/")
        if base not in _DB_FILES:
            return False
        directory += "/"
        return any(directory == d or directory.endswith("/" + d) for d in _DB_DIRS)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        found: list[Component] = []
        for blob in header_blobs(file.content):
            header = parse_header(blob)
            # gpg-pubkey entries are imported signing keys, not software.
            if header is None or not header.name or not header.version or header.name == "gpg-pubkey":
                continue
            found.append(self._component(header, file))
        return found

    def _component(self, header: RpmHeader, file: LayerFile) -> Component:
        version = f"{header.version}-{header.release}" if header.release else header.version
        epoch_prefix = f"{header.epoch}:" if header.epoch else ""
        source_name, source_version = split_source_rpm(header.source_rpm)
        if source_version:
            source_version = epoch_prefix + source_version
        qualifiers = {
            "arch": header.arch,
            "epoch": str(header.epoch) if header.epoch else "",
            "upstream": header.source_rpm,
        }
        return Component(
            name=header.name,
            version=epoch_prefix + version,
            ecosystem=self.ecosystem,
            purl=package_url(
                "rpm", header.name, version, namespace=vendor_namespace(header.vendor), qualifiers=qualifiers
            ),
            path=file.path,
            layer=file.layer,
            source_name=source_name if source_name != header.name else "",
            source_version=source_version if source_version != epoch_prefix + version else "",
            licenses=(header.license,) if header.license else (),
        )


CATALOGER = RpmCataloger()
