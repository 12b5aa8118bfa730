"""The ASGI application: routers, the error envelope, request ids; built from one ServerContext."""

from __future__ import annotations

from fastapi import FastAPI

from openhss import __version__
from openhss.api import agent, baseline, errors, iam, images
from openhss.api.context import ServerContext
from openhss.api.middleware import RequestIdMiddleware


def create_app(context: ServerContext) -> FastAPI:
    """The application serving the provider's API over `context`."""
    app = FastAPI(
        title="OpenHSS",
        version=__version__,
        description="Self-hosted container-image security with the provider's Host Security Service API.",
    )
    # A signature covers the path with a trailing "/" either way, so never redirect on one.
    app.router.redirect_slashes = False
    app.state.context = context
    errors.install(app)
    app.include_router(iam.router)
    app.include_router(images.router)
    app.include_router(baseline.router)
    app.include_router(agent.router)
    app.add_middleware(RequestIdMiddleware)
    return app
