"""The provider's official Python SDK, pointed at a test server."""

from __future__ import annotations

import logging

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkhss.v5 import HssClient


def hss_client(url: str, ak: str, sk: str, project_id: str) -> HssClient:
    """An HssClient signing with AK/SK, exactly as users configure it."""
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    config.timeout = (5, 30)
    return (
        HssClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoints([url])
        .with_stream_log(log_level=logging.CRITICAL)
        .build()
    )
