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
from assistant.logs import RequestIds, configure_logging, log_config
from assistant.settings import LogFormat


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Servir l'API, le chat (/chat) et les documents cités (/documents)."""
    import uvicorn

    from ui.server import create_server_app

    settings = current_settings()
    json_lines = settings.api.log_format == LogFormat.JSON
    configure_logging(json_lines)  # before the app is built: what building it logs, too
    uvicorn.run(
        # Around everything, Starlette's own 500 page included: every answer has its id.
        RequestIds(create_server_app(settings)),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_config=log_config(json_lines),
        log_level="info",
        # X-Forwarded-* are believed from security.trusted_proxies only, by the app itself
        # (assistant.security.IdentityHeaders); uvicorn's own handling believes 127.0.0.1.
        proxy_headers=False,
    )


def main() -> None:
    """Console-script entry point."""
    run_commands()
