"""`openhss server`: migrate the store and serve the API."""

from __future__ import annotations

import copy
import logging.config
from typing import Any

import click

from openhss.config import Settings


@click.command("server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate (HTTPS).")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key (HTTPS).")
def command(host: str, port: int, tls_cert: str | None, tls_key: str | None) -> None:
    """Serve the API (migrates the database first)."""
    serve(Settings.from_env(), host, port, tls_cert, tls_key)


def serve(settings: Settings, host: str, port: int, tls_cert: str | None, tls_key: str | None) -> None:
    """Migrate, build the app and run it until interrupted."""
    import uvicorn

    from openhss.api.app import create_app
    from openhss.api.context import build_context
    from openhss.vulndb.warmup import WarmupLimits, start_warm_up

    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    log_config = _log_config(uvicorn.config.LOGGING_CONFIG)
    # Before the warm-up thread starts, so its line is never lost to a logger not yet set up.
    logging.config.dictConfig(log_config)
    context = build_context(settings)
    context.db.migrate()
    context.db.forget_fts_statistics()
    if settings.match_warmup_entries > 0:
        start_warm_up(context.db, WarmupLimits(entries=settings.match_warmup_entries))
    uvicorn.run(
        create_app(context),
        host=host,
        port=port,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        log_config=log_config,
        log_level="info",
        server_header=False,
    )


def _log_config(uvicorn_config: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging with OpenHSS's own loggers (`openhss.*`) on its stderr handler.

    Without this, their INFO lines (the warm-up's summary, a transaction retried after a deadlock)
    went nowhere, and warnings reached stderr only through logging's unformatted last resort."""
    config = copy.deepcopy(uvicorn_config)
    config["loggers"]["openhss"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
