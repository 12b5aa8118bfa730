"""Our verifier against the provider's own signer, over generated requests (no server involved)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.identity import InvalidCredentials
from openhss.identity.signature import SignedRequest, parse_authorization, verify

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_keys = st.text(st.sampled_from("abcdefghij_-.~"), min_size=1, max_size=8)
_values = st.one_of(_text, st.integers(-(10**9), 10**9), st.booleans())
_segments = st.lists(
    st.text(st.sampled_from("abcXYZ019-_.~ %é"), min_size=1, max_size=6), min_size=1, max_size=4
)


def _sdk_sign(method: str, path: str, query: list[tuple[str, object]], body: bytes, ct: str) -> SignedRequest:
    req = SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:8080",
        resource_path=path,
        query_params=query,
        header_params={"Content-Type": ct, "X-Project-Id": "p"},
        body=body,
    )
    Signer(BasicCredentials("AK", "SECRET", "p")).sign(req)
    wire = urlsplit("http://h" + req.uri)
    return SignedRequest(
        method=method,
        raw_path=wire.path,
        raw_query=wire.query,
        headers={k.lower(): str(v) for k, v in req.header_params.items()},
        body=body,
    )


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    segments=_segments,
    query=st.dictionaries(_keys, _values, max_size=5),
    body=st.binary(max_size=64),
    ct=st.sampled_from(["application/json", "application/octet-stream", "text/plain"]),
)
def test_every_sdk_signed_request_verifies(
    method: str, segments: list[str], query: dict[str, object], body: bytes, ct: str
) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(quote(s, safe="") for s in segments)
    signed = _sdk_sign(method, path, list(query.items()), body, ct)
    auth = parse_authorization(signed.headers["authorization"])
    verify(signed, auth, "SECRET", datetime.now(UTC), 900)


@settings(max_examples=100, deadline=None)
@given(query=st.dictionaries(_keys, _text, min_size=1, max_size=4), extra=_keys)
def test_changed_query_fails(query: dict[str, str], extra: str) -> None:
    signed = _sdk_sign("GET", "/v5/p/x", list(query.items()), b"", "application/json")
    auth = parse_authorization(signed.headers["authorization"])
    changed = SignedRequest(
        signed.method, signed.raw_path, signed.raw_query + f"&{extra}z=1", signed.headers, signed.body
    )
    try:
        verify(changed, auth, "SECRET", datetime.now(UTC), 900)
    except InvalidCredentials:
        return
    raise AssertionError("a changed query verified")


def test_wrong_key_and_changed_method_fail() -> None:
    signed = _sdk_sign("GET", "/v5/p/x", [("a", 1)], b"", "application/json")
    auth = parse_authorization(signed.headers["authorization"])
    for req, key in (
        (signed, "OTHER"),
        (SignedRequest("POST", signed.raw_path, signed.raw_query, signed.headers, signed.body), "SECRET"),
    ):
        try:
            verify(req, auth, key, datetime.now(UTC), 900)
        except InvalidCredentials:
            continue
        raise AssertionError("verified")
