"""The chat widget inside another web application: Debian's Chromium, driven by Playwright.

Boussole runs as ``boussole serve`` would, in its own process (Chainlit keeps its state per
process, and the other browser test has one in this process), with one allowed host origin.
A tiny "portail des procédures" page, served from a second loopback port, embeds the widget
with its two script tags and says what it is about; the widget answers there with a cited
answer. The same page from a third port, not allowed, gets no working widget: the chat's
HTTP calls and socket refuse it. Every request the browser makes is recorded: none may go
to any host but the loopback ones.

Chromium comes from apt (``apt-get install -y chromium``). Without it the test is skipped,
or fails when ``BOUSSOLE_REQUIRE_BROWSER=1`` (CI). Screenshots go to pytest's temporary
folder, and also to ``BOUSSOLE_TEST_ARTIFACTS`` when that names a folder.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from tests.servers import CHROMIUM_ARGS, boussole_serve, screenshot

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
DEMO_REGISTER = ROOT / "demo_conventions.yaml"
QUESTION = "combien de temps pour avoir un accès VPN ?"
EXPECTED_SOURCE = "Demander un accès VPN pour le télétravail"  # the cited document
PAGE_CONTEXT = {"label": "Accès à distance", "path_prefix": "postes et accès"}
TIMEOUT_MS = 60_000

# The host application's page: the two script tags of the README, and its context.
HOST_PAGE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Portail des procédures</title></head>
<body>
<h1>Portail des procédures</h1>
<p>Procédure : demander un accès à distance (VPN).</p>
<script src="{boussole}/chat/copilot/index.js"></script>
<script>
window.mountChainlitWidget({{chainlitServer: "{boussole}/chat", language: "fr-FR"}});
</script>
</body>
</html>
"""

# Opens the chat's socket straight from the page: "ouverte", or "refusée" when it fails.
SOCKET_PROBE = """base => new Promise(done => {
  const socket = new WebSocket(base + "/chat/ws/socket.io/?EIO=4&transport=websocket");
  socket.onopen = () => { socket.close(); done("ouverte"); };
  socket.onerror = () => done("refusée");
})"""

pytestmark = pytest.mark.slow


@pytest.fixture
def hosts(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two host applications on loopback: the allowed one and one that is not."""
    folder = tmp_path / "portail"
    folder.mkdir()
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        allowed, refused = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
        yield allowed, refused
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def boussole(
    chromium: Path,
    model_dir: Path,
    hosts: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """The demo corpus indexed as `make run` does, served by `boussole serve` for one host."""
    env = {
        "BOUSSOLE_SETTINGS": str(ROOT / "settings.yaml"),
        "BOUSSOLE_DATA_DIR": str(tmp_path / "data"),
        "BOUSSOLE_EMBEDDING__MODEL": str(model_dir),
        "BOUSSOLE_CONVENTIONS__REGISTER_FILE": str(DEMO_REGISTER),
        "BOUSSOLE_CONVENTIONS__ROOT": str(DEMO),
        "BOUSSOLE_UI__DOCUMENTS_ROOT": str(DEMO),
        "BOUSSOLE_API__ALLOWED_ORIGINS": json.dumps([hosts[0]]),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("QDRANT_URL", "BOUSSOLE_SECURITY__TRUSTED_PROXIES", "BOUSSOLE_UI__USERS_FILE"):
        monkeypatch.delenv(name, raising=False)

    from assistant.cli import app as cli

    indexed = CliRunner().invoke(cli, ["index", str(DEMO)])
    assert indexed.exit_code == 0, indexed.output

    with boussole_serve(os.environ, tmp_path / "serve.log") as base:
        page = HOST_PAGE.format(boussole=base)
        (tmp_path / "portail" / "index.html").write_text(page, encoding="utf-8")
        yield base


def test_widget_answers_in_the_allowed_application_only(
    chromium: Path, boussole: str, hosts: tuple[str, str], tmp_path: Path
) -> None:
    allowed, refused = hosts
    requested: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requested.append(request.url))
        context.on("requestfailed", lambda request: failed.append(request.url))
        try:
            # The allowed application: the widget opens, takes the page's context, answers.
            page = context.new_page()
            page.on("websocket", lambda websocket: requested.append(websocket.url))
            page.goto(f"{allowed}/index.html")
            page.locator("#chainlit-copilot-button").click()
            question_box = page.locator("#chat-input")
            expect(question_box).to_be_editable()
            page.wait_for_function(
                "() => !String(window.sendChainlitMessage).includes('Copilot is not active')"
            )
            page.evaluate(
                "context => window.sendChainlitMessage("
                "{type: 'system_message', output: JSON.stringify(context)})",
                PAGE_CONTEXT,
            )
            question_box.fill(QUESTION)
            page.locator("#chat-submit").click()
            answer = page.locator('[data-step-type="assistant_message"]').last
            expect(answer.locator(".message-content")).to_contain_text("[1]")
            expect(answer).to_contain_text(EXPECTED_SOURCE)
            assert "VPN" in answer.inner_text()
            assert page.evaluate(SOCKET_PROBE, boussole.replace("http", "ws")) == "ouverte"
            page.keyboard.press("Escape")  # the widget opens the last citation by itself
            shot = screenshot(page, tmp_path, "widget-answer.png")
            page.close()

            # The same page from an application that is not allowed: no working widget.
            page = context.new_page()
            page.on("websocket", lambda websocket: requested.append(websocket.url))
            before = len(failed)
            page.goto(f"{refused}/index.html")
            page.wait_for_load_state("networkidle")
            button = page.locator("#chainlit-copilot-button")
            if button.count():
                button.click()
            page.wait_for_timeout(2000)
            assert (
                page.locator("#chat-input").count() == 0
                or not page.locator("#chat-input").is_editable()
            )
            expect(page.locator('[data-step-type="assistant_message"]')).to_have_count(0)
            refused_calls = [url for url in failed[before:] if url.startswith(boussole)]
            assert refused_calls, failed
            # Even a page that skips the widget's HTTP calls cannot open the chat's socket.
            opened = page.evaluate(SOCKET_PROBE, boussole.replace("http", "ws"))
            assert opened == "refusée", opened
            screenshot(page, tmp_path, "widget-refused.png")
        finally:
            browser.close()

    origins = {boussole, allowed, refused}
    remote = [
        url
        for url in requested
        if urlparse(url).scheme not in ("data", "blob", "about")
        and f"http://{urlparse(url).netloc}" not in origins
    ]
    assert remote == [], f"requêtes hors de la machine : {remote}"
    print(f"capture d'écran : {shot}")
