"""The provider's SDK authenticates with AK/SK against a live server; every tampering is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkhss.v5 import ListImageLocalRequest

from openhss.api.context import ServerContext
from tests.conftest import Account
from tests.support.sdk import hss_client
from tests.support.server import LiveServer


def test_sdk_lists_with_its_own_signature(live_server: LiveServer, account: Account) -> None:
    client = hss_client(live_server.url, account.ak, account.sk, account.project_id)
    response = client.list_image_local(
        ListImageLocalRequest(image_name="nginx ~%_/é", limit=20, offset=0, has_vul=False)
    )
    assert response.total_num == 0
    assert response.data_list == []


def _error(call: object) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as info:
        call()  # type: ignore[operator]
    return info.value


def test_sdk_with_wrong_sk_gets_401_apig_0301(live_server: LiveServer, account: Account) -> None:
    # Its last character changed (to "x", or "y" when it was "x": the test once passed it unchanged).
    wrong = account.sk[:-1] + ("y" if account.sk.endswith("x") else "x")
    assert wrong != account.sk
    client = hss_client(live_server.url, account.ak, wrong, account.project_id)
    err = _error(lambda: client.list_image_local(ListImageLocalRequest()))
    assert (err.status_code, err.error_code) == (401, "APIG.0301")
    assert err.request_id


def test_sdk_with_unknown_ak_gets_401(live_server: LiveServer, account: Account) -> None:
    client = hss_client(live_server.url, "NOSUCHKEY00000000000", account.sk, account.project_id)
    err = _error(lambda: client.list_image_local(ListImageLocalRequest()))
    assert (err.status_code, err.error_code) == (401, "APIG.0301")


def test_sdk_on_another_project_gets_403_hss_0010(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    other = context.identity.create_project(account.domain, "eu-west-0")
    context.identity.create_domain("globex")
    foreign = context.identity.create_project("globex", "cn-north-4")
    for project_id in (other.id, foreign.id, "0" * 32, "not-a-project"):
        client = hss_client(live_server.url, account.ak, account.sk, project_id)
        err = _error(lambda c=client: c.list_image_local(ListImageLocalRequest()))
        assert (err.status_code, err.error_code) == (403, "HSS.0010"), project_id


def test_deleted_access_key_stops_working(
    live_server: LiveServer, account: Account, context: ServerContext
) -> None:
    client = hss_client(live_server.url, account.ak, account.sk, account.project_id)
    assert client.list_image_local(ListImageLocalRequest()).total_num == 0
    context.identity.delete_access_key(account.ak)
    err = _error(lambda: client.list_image_local(ListImageLocalRequest()))
    assert (err.status_code, err.error_code) == (401, "APIG.0301")


def _signed(
    account: Account,
    url: str,
    method: str = "GET",
    query: list[tuple[str, object]] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Sign a request with the SDK's own signer; returns the path+query and the headers to send."""
    host = url.removeprefix("http://")
    project_path = f"/v5/{account.project_id}/image/local-repositories"
    request = SdkRequest(
        method=method,
        schema="http",
        host=host,
        resource_path=project_path,
        query_params=list(query or []),
        header_params={"Content-Type": "application/json", **(headers or {})},
        body=body,
    )
    Signer(BasicCredentials(account.ak, account.sk, account.project_id)).sign(request)
    return request.uri, {k: str(v) for k, v in request.header_params.items()}


def test_sdk_signed_request_verifies_when_untouched(live_server: LiveServer, account: Account) -> None:
    uri, headers = _signed(account, live_server.url, query=[("limit", 10), ("image_name", "a b")])
    with live_server.client() as http:
        assert http.get(uri, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda uri, h: (uri.replace("limit=10", "limit=20"), h), id="query-value"),
        pytest.param(lambda uri, h: (uri + "&offset=10", h), id="query-added"),
        pytest.param(lambda uri, h: (uri.replace("/v5/", "/v5/0"), h), id="path"),
        pytest.param(lambda uri, h: (uri, {**h, "X-Project-Id": "0" * 32}), id="signed-header"),
        pytest.param(
            lambda uri, h: (uri, {**h, "Authorization": h["Authorization"].replace(";x-sdk-date", "")}),
            id="date-not-signed",
        ),
    ],
)
def test_tampered_signed_request_is_refused(
    live_server: LiveServer, account: Account, tamper: object
) -> None:
    uri, headers = _signed(
        account, live_server.url, query=[("limit", 10)], headers={"X-Project-Id": account.project_id}
    )
    uri, headers = tamper(uri, headers)  # type: ignore[operator]
    with live_server.client() as http:
        response = http.get(uri, headers=headers)
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIG.0301"


def test_tampered_body_is_refused(live_server: LiveServer, account: Account) -> None:
    uri, headers = _signed(account, live_server.url, method="GET", body=b'{"a": 1}')
    with live_server.client() as http:
        ok = http.request("GET", uri, headers=headers, content=b'{"a": 1}')
        bad = http.request("GET", uri, headers=headers, content=b'{"a": 2}')
    assert ok.status_code == 200
    assert (bad.status_code, bad.json()["error_code"]) == (401, "APIG.0301")


def test_unsigned_payload_honoured_only_when_signed(live_server: LiveServer, account: Account) -> None:
    # The SDK sends UNSIGNED-PAYLOAD (and signs it) for non-JSON bodies.
    uri, headers = _signed(
        account, live_server.url, body=b"raw bytes", headers={"Content-Type": "application/octet-stream"}
    )
    assert headers["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    with live_server.client() as http:
        assert http.request("GET", uri, headers=headers, content=b"other bytes").status_code == 200
        # The same header, added after signing (so not signed), does not exempt the body.
        uri2, headers2 = _signed(account, live_server.url, body=b"raw bytes")
        headers2["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
        response = http.request("GET", uri2, headers=headers2, content=b"other bytes")
    assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0301")


@pytest.mark.parametrize("minutes", [-16, 16])
def test_date_more_than_15_minutes_off_is_refused(
    live_server: LiveServer, account: Account, minutes: int
) -> None:
    date = (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y%m%dT%H%M%SZ")
    uri, headers = _signed(account, live_server.url, headers={"X-Sdk-Date": date})
    with live_server.client() as http:
        response = http.get(uri, headers=headers)
    assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0301")
    near = (datetime.now(UTC) + timedelta(minutes=14)).strftime("%Y%m%dT%H%M%SZ")
    uri, headers = _signed(account, live_server.url, headers={"X-Sdk-Date": near})
    with live_server.client() as http:
        assert http.get(uri, headers=headers).status_code == 200


def test_no_credential_is_401(live_server: LiveServer, account: Account) -> None:
    with live_server.client() as http:
        response = http.get(f"/v5/{account.project_id}/image/local-repositories")
    assert response.status_code == 401
    assert set(response.json()) == {"error_code", "error_msg"}


def test_garbled_authorization_is_401(live_server: LiveServer, account: Account) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        response = http.get(
            f"/v5/{account.project_id}/image/local-repositories",
            headers={"Authorization": "SDK-HMAC-SHA256 nonsense"},
        )
    assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0301")
