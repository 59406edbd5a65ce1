"""``create_app(settings)``: the runtime, the middleware, the error handlers and the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from assistant.api.docs import install_docs
from assistant.api.errors import ERROR_RESPONSES, install_error_handlers
from assistant.api.routes import ask, conventions, datasets, health, metrics, search
from assistant.logs import HEADER
from assistant.runtime import Runtime
from assistant.security import (
    BodyLimit,
    IdentityHeaders,
    ScopedCors,
    SecurityHeaders,
    check_secrets,
)
from assistant.settings import Settings
from assistant.usage import UsageMiddleware

ROUTERS = (search.router, ask.router, datasets.router, conventions.router, health.router)


def create_app(settings: Settings, *, cors_exempt: tuple[str, ...] = ()) -> FastAPI:
    """Build the API for the given settings; nothing is loaded before the server starts.

    ``cors_exempt``: path prefixes of mounted applications that answer their own CORS.
    """
    check_secrets(settings)  # outside dev, an example secret stops here
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(runtime.start)
        try:
            yield
        finally:
            await run_in_threadpool(runtime.stop)

    app = FastAPI(
        title="Boussole API",
        description="Recherche dans les procédures, la réglementation, le catalogue et les "
        "conventions de la Province Sud. Les chemins renvoyés sont relatifs à la racine indexée.",
        version="0.1.0",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url=None,  # served from packaged assets by install_docs: nothing from a CDN
        redoc_url=None,
    )
    app.state.runtime = runtime  # the routes (assistant.api.deps) and the chat share it
    install_docs(app)
    app.add_middleware(SecurityHeaders, framers=settings.api.allowed_origins)
    if settings.api.allowed_origins:
        app.add_middleware(
            ScopedCors,
            exempt=cors_exempt,
            allow_origins=settings.api.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Authorization", "X-API-Key", HEADER],
            expose_headers=[HEADER],  # pages elsewhere may read the request's id
            max_age=600,
        )
    app.add_middleware(BodyLimit, limit=settings.api.max_request_bytes)
    app.add_middleware(UsageMiddleware, metrics=runtime.usage)
    # Outermost: the client, the scheme and the identity are settled before anyone reads them.
    app.add_middleware(IdentityHeaders, trusted=settings.security.trusted_proxies)
    install_error_handlers(app)
    app.include_router(metrics.router)
    for router in ROUTERS:
        app.include_router(router)
    return app
