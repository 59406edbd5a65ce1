"""The ``boussole`` console script: the assistant's commands, plus ``serve``.

``serve`` runs the API, the chat and the documents it cites on one port; it lives here
because the chat (``ui/``) is built on the assistant, never the other way round.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli import app
from assistant.cli import main as run_commands
from assistant.cli.common import current_settings


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Servir l'API, le chat (/chat) et les documents cités (/documents)."""
    import uvicorn

    from ui.server import create_server_app

    settings = current_settings()
    uvicorn.run(
        create_server_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_level="info",
        # X-Forwarded-* are believed from security.trusted_proxies only, by the app itself
        # (assistant.security.IdentityHeaders); uvicorn's own handling believes 127.0.0.1.
        proxy_headers=False,
    )


def main() -> None:
    """Console-script entry point."""
    run_commands()
