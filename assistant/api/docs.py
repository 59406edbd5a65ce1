"""The API's documentation pages (/docs, /redoc) from assets packaged with the server.

FastAPI's own pages load Swagger UI and ReDoc from a CDN: offline they stay blank, and the
CSP (``assistant.security``) allows only this server anyway. The scripts, stylesheet and
favicon come from the ``fastapi-offline`` wheel; the pages themselves are FastAPI's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from assistant.security import CONTENT_SECURITY_POLICY
from connectors.errors import ConfigurationError

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
STATIC_URL = "/docs/static"
# The only files served, by name: nothing else of the package's folder is reachable.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# ReDoc's menu footer shows a logo fetched from its vendor, whatever the options: an empty
# source makes the browser fetch nothing, and ReDoc drops the image on its error event.
FOREIGN_IMAGES = (b"https://cdn.redoc.ly/redoc/logo-mini.svg",)
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "persistAuthorization": False,  # API keys stay out of localStorage
    "validatorUrl": None,  # no badge fetched from the public validator
    "tryItOutEnabled": False,
}
TITLE = "{title} — documentation"
REDOC_TITLE = "{title} — documentation (ReDoc)"
# ReDoc indexes its search in a worker built from a blob: the house policy, plus that only.
REDOC_CSP = CONTENT_SECURITY_POLICY + "; worker-src 'self' blob:"
NOSCRIPT_EN = "ReDoc requires Javascript to function. Please enable it to browse the documentation."
NOSCRIPT_FR = "Cette documentation a besoin de JavaScript : activez-le pour la consulter."


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, type and a validator for the browser's cache."""

    body: bytes
    media_type: str
    etag: str


@cache
def packaged_assets() -> dict[str, Asset]:
    """Read the packaged files once per process (2.8 MB), cleared of foreign images."""
    folder = Path(str(files("fastapi_offline") / "static"))
    missing = [name for name in ASSETS if not (folder / name).is_file()]
    if missing:
        raise ConfigurationError(
            f"Fichiers de la documentation de l'API absents ({', '.join(missing)}) : "
            "réinstallez les dépendances avec « make install »."
        )
    assets = {}
    for name, media_type in ASSETS.items():
        body = (folder / name).read_bytes()
        for url in FOREIGN_IMAGES:
            body = body.replace(url, b"")
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        assets[name] = Asset(body, media_type, etag)
    return assets


def _french(page: HTMLResponse, headers: dict[str, str] | None = None) -> HTMLResponse:
    """FastAPI's page, marked French, with ReDoc's only sentence translated."""
    html = bytes(page.body).decode("utf-8")
    html = html.replace("<html>", '<html lang="fr">', 1).replace(NOSCRIPT_EN, NOSCRIPT_FR)
    return HTMLResponse(html, headers=headers)


def install_docs(app: FastAPI) -> None:
    """Add /docs (Swagger UI), /redoc and their assets under /docs/static to ``app``.

    Call it on an app built with ``docs_url=None, redoc_url=None``. The pages are public,
    like /openapi.json; trying a route from /docs still needs the route's key.
    """
    assets = packaged_assets()  # a broken install stops here, not on a visitor's first page
    openapi_url = app.openapi_url or "/openapi.json"
    parameters = {**(app.swagger_ui_parameters or {}), **SWAGGER_UI_PARAMETERS}

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        prefix = root(request)
        return _french(
            get_swagger_ui_html(
                openapi_url=prefix + openapi_url,
                title=TITLE.format(title=app.title),
                swagger_js_url=f"{prefix}{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{prefix}{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{prefix}{STATIC_URL}/favicon.png",
                oauth2_redirect_url=None,  # API keys only: no OAuth2 flow to come back from
                swagger_ui_parameters=parameters,
            )
        )

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        prefix = root(request)
        return _french(
            get_redoc_html(
                openapi_url=prefix + openapi_url,
                title=REDOC_TITLE.format(title=app.title),
                redoc_js_url=f"{prefix}{STATIC_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{prefix}{STATIC_URL}/favicon.png",
                with_google_fonts=False,  # the system's fonts, none from elsewhere
            ),
            headers={"Content-Security-Policy": REDOC_CSP},  # kept by SecurityHeaders
        )

    @app.get(STATIC_URL + "/{name}", include_in_schema=False)
    def asset(name: str, request: Request) -> Response:
        found = assets.get(name)  # a fixed list: no path from the request reaches the disk
        if found is None:
            raise HTTPException(status_code=404)
        headers = {"ETag": found.etag, "Cache-Control": "no-cache"}  # revalidated, cheaply
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.media_type, headers=headers)
