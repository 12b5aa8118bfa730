"""Package URLs (https://github.com/package-url/purl-spec), encoded the one way every cataloger shares."""

from __future__ import annotations

from urllib.parse import quote


def _encode(text: str) -> str:
    # The spec leaves ':' unencoded everywhere; everything else outside unreserved is %-escaped.
    return quote(text, safe="").replace("%3A", ":")


def package_url(
    type_: str,
    name: str,
    version: str = "",
    namespace: str = "",
    qualifiers: dict[str, str] | None = None,
) -> str:
    """`pkg:type/namespace/name@version?qualifiers`, each part percent-encoded per the spec."""
    parts = [f"pkg:{type_.lower()}/"]
    if namespace:
        parts.append("/".join(_encode(segment) for segment in namespace.split("/") if segment) + "/")
    parts.append(_encode(name))
    if version:
        parts.append("@" + _encode(version))
    if qualifiers:
        pairs = sorted((k.lower(), v) for k, v in qualifiers.items() if v)
        if pairs:
            parts.append("?" + "&".join(f"{k}={_encode(v)}" for k, v in pairs))
    return "".join(parts)
