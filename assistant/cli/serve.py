"""`boussole serve`: the API on one port."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import (
    app,
    current_settings,
)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Servir l'API (et sa documentation sur /docs)."""
    import uvicorn

    from assistant.api import create_app

    settings = current_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_level="info",
    )
