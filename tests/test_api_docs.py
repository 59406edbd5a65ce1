"""The API's documentation pages (/docs, /redoc) work offline: every asset from this server.

The cheap tests read the pages through ``TestClient`` (no model, no index: the lifespan does
not run). The browser test opens both pages in Debian's Chromium against ``boussole serve``
and checks that they render and asked nothing of any other host. Screenshots go to pytest's
temporary folder, and also to ``BOUSSOLE_TEST_ARTIFACTS`` when that names a folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import ConsoleMessage, expect, sync_playwright

from assistant.api import create_app
from assistant.settings import load_settings
from tests.servers import (
    CHROMIUM_ARGS,
    boussole_serve,
    index_vpn_procedure,
    screenshot,
    serve_environment,
)

PAGES = {"/docs": "swagger-ui", "/redoc": "redoc"}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
TIMEOUT_MS = 60_000


class _References(HTMLParser):
    """Every ``src`` and ``href`` of a page, and the inline scripts' text."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in {"src", "href", "spec-url"}]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _references(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API as built, without its lifespan: the pages need neither model nor index."""
    root = tmp_path_factory.mktemp("docs")
    settings = load_settings(root / "absent.yaml", data_dir=root / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("QDRANT_URL", raising=False)
        yield TestClient(create_app(settings))


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_references_only_this_server(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>Boussole API — documentation" in page and '<html lang="fr">' in page
    refs = _references(page)
    assert len(refs.urls) >= 3, refs.urls  # script, favicon, and the stylesheet or spec
    for url in refs.urls:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc and url.startswith("/"), url
    assert not re.search(r"https?:|//[a-z0-9]", " ".join(refs.scripts), re.I), refs.scripts
    assert "cdn" not in page.lower() and "fonts.g" not in page.lower()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_asset_a_page_references_is_served(client: TestClient, path: str) -> None:
    assets = [url for url in _references(client.get(path).text).urls if "/static/" in url]
    assert assets, path
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        expected = CONTENT_TYPES[Path(url).suffix]
        assert response.headers["content-type"].startswith(expected), (url, response.headers)
        assert len(response.content) > 1000, url
        assert response.headers["x-content-type-options"] == "nosniff"


def test_assets_name_no_foreign_image_and_revalidate(client: TestClient) -> None:
    for name in ("redoc.standalone.js", "swagger-ui-bundle.js", "swagger-ui.css"):
        response = client.get(f"/docs/static/{name}")
        body = response.content
        assert not re.search(rb"""src:\s*["']https?:|url\(["']?https?:""", body), name
        etag = response.headers["etag"]
        again = client.get(f"/docs/static/{name}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and not again.content


def test_redoc_alone_may_start_its_search_worker(client: TestClient) -> None:
    house = client.get("/docs").headers["content-security-policy"]
    redoc = client.get("/redoc").headers["content-security-policy"]
    assert "worker-src" not in house and "default-src 'self'" in house
    assert redoc == house + "; worker-src 'self' blob:"


def test_swagger_ui_keeps_no_key_and_points_at_the_schema(client: TestClient) -> None:
    page = client.get("/docs").text
    assert '"persistAuthorization": false' in page
    assert '"validatorUrl": null' in page and "oauth2RedirectUrl" not in page
    assert "url: '/openapi.json'" in page


@pytest.mark.parametrize(
    "path", ["/docs/static/core.py", "/docs/static/..%2F__init__.py", "/docs/static/%2e%2e"]
)
def test_nothing_else_of_the_package_is_reachable(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "route_inconnue"


def test_the_schema_is_still_served_and_lists_the_routes(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/search" in schema["paths"] and "/ask" in schema["paths"]
    assert not {"/docs", "/redoc"} & set(schema["paths"])


# --- In a real browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[str]:
    """``boussole serve`` over one indexed document, as an operator would run it."""
    root = tmp_path_factory.mktemp("docs-serve")
    values = {"data_dir": str(root / "data"), "embedding": {"model": str(model_dir)}}
    env = serve_environment(root, values)
    index_vpn_procedure(root)
    with boussole_serve(env, root / "serve.log") as base:
        yield base


def _foreign(urls: list[str]) -> list[str]:
    """The requests that left this server: any with a host other than loopback's."""
    return [
        url
        for url in urls
        if urlparse(url).scheme not in {"data", "blob"} and urlparse(url).hostname != "127.0.0.1"
    ]


@pytest.mark.slow
def test_docs_and_redoc_render_offline_in_chromium(
    chromium: Path, served: str, tmp_path: Path
) -> None:
    schema: dict[str, Any] = httpx.get(f"{served}/openapi.json", timeout=30).json()
    secured = bool(schema.get("components", {}).get("securitySchemes"))
    requested: list[str] = []
    console: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            console.append(message.text)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.on("console", note)
        try:
            page.goto(f"{served}/docs")
            expect(page).to_have_title(re.compile("Boussole"))
            search = page.locator('.opblock-summary-path[data-path="/search"]').first
            expect(search).to_be_visible(timeout=TIMEOUT_MS)  # rendered from the schema
            expect(page.locator(".opblock").first).to_be_visible()
            expect(page.locator(".info .title")).to_contain_text("Boussole API")
            if secured:  # the lead's securitySchemes: the key is entered here, not stored
                expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
            screenshot(page, tmp_path, "api-docs.png", full_page=True)

            page.goto(f"{served}/redoc")
            expect(page).to_have_title(re.compile("Boussole"))
            expect(page.locator("h1").first).to_contain_text("Boussole API", timeout=TIMEOUT_MS)
            operation = page.locator(
                "h2", has_text="Chercher des passages"
            )  # the body, not the menu
            expect(operation).to_be_visible(timeout=TIMEOUT_MS)
            # Its search runs in a worker the page's policy lets it start.
            page.get_by_placeholder("Search...").fill("conventions")
            found = page.get_by_role("search").get_by_role("menuitem", name="Conventions d'échange")
            expect(found.first).to_be_visible(timeout=TIMEOUT_MS)
            screenshot(page, tmp_path, "api-redoc.png", full_page=False)  # a long page
        finally:
            browser.close()

    assert any(url.endswith("/docs/static/swagger-ui-bundle.js") for url in requested)
    assert any(url.endswith("/docs/static/redoc.standalone.js") for url in requested)
    assert any(url.endswith("/openapi.json") for url in requested)
    assert not _foreign(requested), _foreign(requested)
    blocked = [text for text in console if "Content Security Policy" in text]
    assert not blocked, blocked
