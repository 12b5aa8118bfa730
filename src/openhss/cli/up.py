"""`openhss up`: the one-machine quick start (server + embedded SQLite, credentials made on first run)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import click

from openhss.cli._context import open_context
from openhss.cli.server import serve
from openhss.config import Settings
from openhss.identity import IdentityDirectory

_DOMAIN, _USER, _PROJECT = "openhss", "admin", "local"


@click.command("up")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port.")
def command(host: str, port: int) -> None:
    """Start everything on this machine; on first run create and print credentials."""
    settings = Settings.from_env()
    context = open_context()
    path = settings.home / "credentials.json"
    endpoint = f"http://{host}:{port}"
    if path.exists():
        creds = json.loads(path.read_text())
        creds["endpoint"] = endpoint
        click.echo(f"Using the credentials in {path}")
    else:
        creds = _first_run(context.identity, endpoint)
        click.echo(f"Created a domain, user, project and access key; saved to {path} (mode 0600)")
    _write_private(path, creds)
    click.echo(_how_to_call(creds))
    serve(settings, host, port, None, None)


def _first_run(identity: IdentityDirectory, endpoint: str) -> dict[str, Any]:
    password = secrets.token_urlsafe(18)
    identity.create_domain(_DOMAIN)
    identity.create_user(_DOMAIN, _USER, password)
    project = identity.create_project(_DOMAIN, _PROJECT)
    identity.grant(_DOMAIN, _USER, project.id)
    ak, sk = identity.create_access_key(_DOMAIN, _USER, "openhss up")
    return {
        "endpoint": endpoint,
        "domain": _DOMAIN,
        "user": _USER,
        "password": password,
        "project_id": project.id,
        "ak": ak,
        "sk": sk,
    }


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
    os.replace(tmp, path)


def _how_to_call(c: dict[str, Any]) -> str:
    token_body = json.dumps(
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": c["user"],
                            "password": c["password"],
                            "domain": {"name": c["domain"]},
                        }
                    },
                },
                "scope": {"project": {"id": c["project_id"]}},
            }
        }
    )
    return f"""
OpenHSS is starting at {c["endpoint"]}

With curl (a token, valid 24 h):
  TOKEN=$(curl -si -X POST {c["endpoint"]}/v3/auth/tokens -H 'Content-Type: application/json' \\
      -d '{token_body}' | awk 'tolower($1)=="x-subject-token:" {{print $2}}' | tr -d '\\r')
  curl -H "X-Auth-Token: $TOKEN" {c["endpoint"]}/v5/{c["project_id"]}/image/local-repositories

With the provider's Python SDK (pip install huaweicloudsdkhss):
  from huaweicloudsdkcore.auth.credentials import BasicCredentials
  from huaweicloudsdkhss.v5 import HssClient, ListImageLocalRequest
  client = (HssClient.new_builder()
            .with_credentials(BasicCredentials("{c["ak"]}", "<sk from credentials.json>", "{c["project_id"]}"))
            .with_endpoints(["{c["endpoint"]}"]).build())
  print(client.list_image_local(ListImageLocalRequest()))
"""
