"""Image references as engines report them: repository name, tag, registry host, SWR or not."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SWR = re.compile(r"^swr\.[a-z0-9-]+\.myhuaweicloud\.com(:\d+)?$")
UNTAGGED = "<none>"
"""Name and version of an image the engine holds without any tag (as `docker images` shows it)."""


@dataclass(frozen=True)
class ImageRef:
    """`name:tag` split the way the provider's list shows it."""

    name: str
    """Repository without the tag: `nginx`, `swr.cn-north-4.myhuaweicloud.com/org/app`."""
    tag: str
    """The tag (`latest` when the reference has none)."""

    @property
    def registry(self) -> str:
        """The registry host when the name carries one (`docker.io` when it does not)."""
        first, sep, _ = self.name.partition("/")
        if sep and ("." in first or ":" in first or first == "localhost"):
            return first.lower()
        return "docker.io"


def parse_ref(reference: str) -> ImageRef:
    """Split `[host[:port]/]path[:tag][@digest]`; a port colon is never taken for a tag."""
    ref = reference.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ImageRef(ref[:colon], ref[colon + 1 :] or "latest")
    return ImageRef(ref, "latest")


def local_image_type(ref: ImageRef, extra_swr_hosts: tuple[str, ...] = ()) -> str:
    """`swr_image` when the registry is SWR (or a configured host), else `other_image`."""
    host = ref.registry
    return "swr_image" if _SWR.match(host) or host in extra_swr_hosts else "other_image"


def repo_digest_for(ref: ImageRef, repo_digests: list[str]) -> str:
    """The `sha256:...` repo digest the engine knows for this repository, else empty.

    A digest recorded for another repository (the image was retagged) says nothing about this one.
    """
    for entry in repo_digests:
        name, _, digest = entry.partition("@")
        if name == ref.name and digest.startswith("sha256:"):
            return digest
    return ""
