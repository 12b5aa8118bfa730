"""Verifies `SDK-HMAC-SHA256` request signatures exactly as the provider's SDK signer makes them.

Reference: `huaweicloudsdkcore/signer/signer.py`. CanonicalRequest = method, canonical URI,
canonical query string, canonical headers, signed header list, payload hash; the signature is
hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\\n" + X-Sdk-Date + "\\n" + hex(sha256(CanonicalRequest)))).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from openhss.identity.interface import InvalidCredentials

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "x-sdk-date"
CONTENT_HEADER = "x-sdk-content-sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_EMPTY_HASH = hashlib.sha256(b"").hexdigest()
_AUTH = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class Authorization:
    """The parts of an `Authorization: SDK-HMAC-SHA256 ...` header."""

    access_key: str
    """The AK."""
    signed_headers: tuple[str, ...]
    """Lower-case header names, in the order signed."""
    signature: str
    """Lower-case hex signature."""


@dataclass(frozen=True)
class SignedRequest:
    """A request as received, in the terms the signature covers."""

    method: str
    """HTTP method."""
    raw_path: str
    """Path as sent on the wire (percent-encoded)."""
    raw_query: str
    """Query string as sent on the wire, without `?`."""
    headers: Mapping[str, str]
    """Headers with lower-case names."""
    body: bytes
    """The body."""


def parse_authorization(value: str) -> Authorization:
    """Parse the header; InvalidCredentials when it is not an SDK-HMAC-SHA256 authorization."""
    match = _AUTH.match(value.strip())
    if match is None:
        raise InvalidCredentials("the Authorization header is not a valid SDK-HMAC-SHA256 signature")
    names = tuple(match.group(2).lower().split(";"))
    return Authorization(match.group(1), names, match.group(3).lower())


def canonical_request(req: SignedRequest, signed_headers: Sequence[str]) -> str:
    """The CanonicalRequest string the SDK builds for the same request."""
    headers = "".join(f"{name}:{req.headers.get(name, '').strip()}\n" for name in signed_headers)
    return "\n".join(
        (
            req.method.upper(),
            canonical_uri(req.raw_path),
            canonical_query(req.raw_query),
            headers,
            ";".join(signed_headers),
            _payload_hash(req, signed_headers),
        )
    )


def canonical_uri(raw_path: str) -> str:
    """Each segment percent-encoded (only `~` and unreserved characters kept), ending in `/`."""
    path = "/".join(quote(segment, safe="~") for segment in unquote(raw_path).split("/"))
    return path if path.endswith("/") else path + "/"


def canonical_query(raw_query: str) -> str:
    """Pairs sorted by decoded key then value, re-encoded the SDK's way, joined by `&`."""
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    pairs.sort()
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in pairs)


def string_to_sign(canonical: str, sdk_date: str) -> str:
    """`SDK-HMAC-SHA256\\n<date>\\n<hex sha256 of the canonical request>`."""
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def sign(req: SignedRequest, signed_headers: Sequence[str], secret_key: str) -> str:
    """The hex signature of `req` with `secret_key`."""
    to_sign = string_to_sign(canonical_request(req, signed_headers), req.headers.get(DATE_HEADER, ""))
    return hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    req: SignedRequest, auth: Authorization, secret_key: str, now: datetime, skew_seconds: int
) -> None:
    """Raise InvalidCredentials unless `auth` is a valid, fresh signature of `req` by `secret_key`."""
    if DATE_HEADER not in auth.signed_headers:
        raise InvalidCredentials("X-Sdk-Date must be among the signed headers")
    missing = [name for name in auth.signed_headers if name not in req.headers]
    if missing:
        raise InvalidCredentials(f"signed header {missing[0]!r} is missing from the request")
    try:
        signed_at = datetime.strptime(req.headers[DATE_HEADER], _DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidCredentials("X-Sdk-Date must be YYYYMMDDTHHMMSSZ (UTC)") from exc
    if abs((now - signed_at).total_seconds()) > skew_seconds:
        raise InvalidCredentials("X-Sdk-Date is more than 15 minutes from the server clock")
    expected = sign(req, auth.signed_headers, secret_key)
    if not hmac.compare_digest(expected, auth.signature):
        raise InvalidCredentials("the request signature does not match (check the AK/SK)")


def _payload_hash(req: SignedRequest, signed_headers: Sequence[str]) -> str:
    if not req.body:
        return _EMPTY_HASH
    # UNSIGNED-PAYLOAD is honoured only when the header that says so is itself signed.
    if CONTENT_HEADER in signed_headers and req.headers.get(CONTENT_HEADER, "").strip() == UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD
    return hashlib.sha256(req.body).hexdigest()
