"""Paging through the whole list with offset/limit returns every row exactly once, ties included."""

from __future__ import annotations

from openhss.api.context import ServerContext
from tests.conftest import Account
from tests.support.fleet import enroll, image, post
from tests.support.server import LiveServer


def test_paging_visits_every_row_once(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    with live_server.client() as http:
        host = enroll(http, context, account.project_id, "n1")
        # 57 images, many sharing a creation time, so order must break ties by image_id
        imgs = [image(f"img{i}", f"app{i}:v{i % 3}", created_ms=1000 + (i % 4)) for i in range(57)]
        assert post(http, host, host.report(imgs)).json()["applied"] is True
        token = context.identity.issue_token_for(account.domain, account.user, account.project_id).value
        seen: list[str] = []
        for offset in range(0, 70, 10):
            body = http.get(
                f"/v5/{account.project_id}/image/local-repositories",
                params={"offset": offset, "limit": 10},
                headers={"X-Auth-Token": token},
            ).json()
            assert body["total_num"] == 57
            seen += [row["image_id"] for row in body["data_list"]]
    assert len(seen) == 57 and len(set(seen)) == 57
