"""The chat in a real browser: Debian's Chromium, driven by Playwright, against the server
``boussole serve`` runs (API, chat and documents on one loopback port).

What a user would notice is checked: the login, a cited answer to a question the demo
corpus answers, the citation's passage, the document it opens, a thumbs-down with a
comment stored in SQLite, and that the page asked nothing of any other host.

Chromium comes from apt (``apt-get install -y chromium``). Without it the test is skipped,
or fails when ``BOUSSOLE_REQUIRE_BROWSER=1`` (CI). Screenshots go to pytest's temporary
folder, and also to ``BOUSSOLE_TEST_ARTIFACTS`` when that names a folder.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from playwright.sync_api import WebSocket, expect, sync_playwright
from typer.testing import CliRunner

from tests.servers import CHROMIUM_ARGS, free_port, screenshot

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
DEMO_REGISTER = ROOT / "demo_conventions.yaml"
QUESTION = "combien de temps pour avoir un accès VPN ?"
EXPECTED_SOURCE = "postes et accès/Demander un accès VPN pour le télétravail.md"
USER, PASSWORD = "marie.dupont", "un mot de passe de test assez long"
COMMENT = "Il manque le délai de traitement de la demande."
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.slow


@pytest.fixture
def server(
    chromium: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """The demo corpus indexed as `make run` does, served as `boussole serve` would."""
    data = tmp_path / "data"
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(ROOT / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(data))
    monkeypatch.setenv("BOUSSOLE_EMBEDDING__MODEL", str(model_dir))
    monkeypatch.setenv("BOUSSOLE_CONVENTIONS__REGISTER_FILE", str(DEMO_REGISTER))
    monkeypatch.setenv("BOUSSOLE_CONVENTIONS__ROOT", str(DEMO))
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.delenv("BOUSSOLE_SECURITY__TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)

    from assistant.cli import app as cli

    indexed = CliRunner().invoke(cli, ["index", str(DEMO)])
    assert indexed.exit_code == 0, indexed.output

    from assistant.users import hash_password

    users = tmp_path / "users.yaml"
    users.write_text(
        f"users:\n  {USER}:\n    name: Marie Dupont\n"
        f'    password: "{hash_password(PASSWORD)}"\n    groups: [dsin, dpo]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("BOUSSOLE_UI__USERS_FILE", str(users))
    monkeypatch.setenv("BOUSSOLE_UI__DOCUMENTS_ROOT", str(DEMO))

    import uvicorn

    from assistant.settings import load_settings
    from ui.server import create_server_app

    port = free_port()
    config = uvicorn.Config(
        create_server_app(load_settings()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not uvicorn_server.started:
        assert thread.is_alive(), "le serveur s'est arrêté au démarrage"
        assert time.monotonic() < deadline, "le serveur n'a pas démarré en 120 s"
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=30)


def _feedback_rows(data: Path) -> list[sqlite3.Row]:
    database = data / "feedback.sqlite3"
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT * FROM feedback").fetchall()


def test_cited_answer_citation_document_and_feedback_offline(
    chromium: Path, server: tuple[str, Path], tmp_path: Path
) -> None:
    base, data = server
    requested: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        frames: list[str] = []

        def watch(websocket: WebSocket) -> None:
            requested.append(websocket.url)
            websocket.on("framereceived", lambda frame: frames.append(str(frame)))

        page.on("websocket", watch)
        try:
            # Log in, in French.
            page.goto(f"{base}/chat/")
            page.get_by_label("Identifiant").fill(USER)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.get_by_role("button", name="Se connecter").click()
            question_box = page.locator("#chat-input")
            expect(question_box).to_be_editable()
            expect(question_box).to_have_attribute("placeholder", "Posez votre question…")

            # The agents' profile, chosen if it is not already.
            profile = page.get_by_role("combobox").filter(has_text="Procédures")
            if profile.count() == 0:
                page.get_by_role("combobox").first.click()
                page.get_by_role("option", name="Procédures").click()
            expect(page.get_by_role("combobox").filter(has_text="Procédures")).to_be_visible()

            # Ask; the send button waits for the chat's connection.
            question_box.fill(QUESTION)
            page.locator("#chat-submit").click()
            expect(page.get_by_text(QUESTION, exact=True)).to_be_visible()

            # The answer, with its citation markers, and the feedback buttons once complete.
            answer = page.locator('[data-step-type="assistant_message"]').last
            dislike = answer.locator(".negative-feedback-off")
            expect(dislike).to_be_visible()
            message_id = answer.locator("[id^='step-']").first.get_attribute("id") or ""
            answer_text = answer.locator(".message-content").inner_text()
            assert "VPN" in answer_text
            markers = re.findall(r"\[(\d+)\]", answer_text)
            assert markers, answer_text
            # It came as a stream: opened, then pieces (socket.io frames 42["event", ...]).
            events = [re.match(r'42\["(\w+)"', frame) for frame in frames]
            names = [event.group(1) for event in events if event]
            assert "stream_start" in names and "stream_token" in names, names

            # The citation opens beside the answer: where it comes from and the passage.
            side = page.locator("#side-view-content")
            if side.is_visible():  # Chainlit opens the latest side elements by itself
                side.locator("xpath=..").locator("button:has(svg.lucide-arrow-left)").click()
                expect(side).to_be_hidden()
            answer.locator("a.element-link", has_text=f"[{markers[0]}]").first.click()
            expect(side).to_be_visible()
            expect(side).to_contain_text(EXPECTED_SOURCE)
            expect(side).to_contain_text("Extrait cité")
            # The sentence just before the first marker is quoted by that marker's citation.
            before = answer_text.split(f"[{markers[0]}]")[0].strip()
            cited = " ".join(before.splitlines()[-1].split()) if before else ""
            side_text = " ".join(side.inner_text().split())
            assert len(cited) > 20 and cited in side_text, (cited, side_text)
            page.wait_for_function(  # the panel has slid in whole
                "() => { const box = document.querySelector('#side-view-content')"
                "?.getBoundingClientRect(); return box && box.width > 300 "
                "&& box.right <= window.innerWidth; }"
            )
            shot = screenshot(page, tmp_path, "chat-answer-citation.png")

            # The document opens from the citation, served by /documents.
            with context.expect_page() as opened:
                side.get_by_role("link", name=re.compile("^Ouvrir le document")).click()
            document = opened.value
            document.wait_for_load_state()
            assert unquote(urlparse(document.url).path) == f"/documents/{EXPECTED_SOURCE}"
            expect(document.locator("body")).to_contain_text("accès VPN")
            document.close()

            # A thumbs-down with a comment.
            dislike.click()
            page.get_by_placeholder("Votre avis...").fill(COMMENT)
            page.get_by_role("button", name="Envoyer le commentaire").click()
            expect(page.get_by_role("dialog")).to_be_hidden()
            expect(answer.locator(".negative-feedback-on")).to_be_visible()
            expect(page.get_by_text("Commentaire mis à jour")).to_be_visible()
            screenshot(page, tmp_path, "chat-feedback.png")
        finally:
            browser.close()

    rows = _feedback_rows(data)
    assert len(rows) == 1
    row = rows[0]
    assert row["message_id"] == message_id.removeprefix("step-")  # the answer judged
    assert row["value"] == 0
    assert row["comment"] == COMMENT
    assert row["question"] == QUESTION
    assert row["user"] == USER
    assert row["profile"] == "Procédures"
    assert re.search(r"\[\d+\]", row["answer"]) and "VPN" in row["answer"]
    sources = json.loads(row["sources"])
    assert EXPECTED_SOURCE in [source["source_path"] for source in sources]
    assert (data / "chat_auth_secret").exists()  # generated, outside the source tree

    remote = [
        url
        for url in requested
        if urlparse(url).scheme not in ("data", "blob", "about")
        and urlparse(url).hostname not in LOCAL_HOSTS
    ]
    assert remote == [], f"requêtes hors de la machine : {remote}"
    assert any("/chat/ws/socket.io" in url for url in requested)
    print(f"capture d'écran : {shot}")
