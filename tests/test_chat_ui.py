"""The chat's parts that need no browser: logins, the feedback store, the documents route,
the offline page filter and what the chat shows."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware

from assistant import users as auth
from assistant.answering import Citation
from assistant.conventions import ConventionCard, ConventionResult, ConventionScope, Passage
from assistant.datasets import DatasetCard
from assistant.links import ConventionLink, RecordLink
from assistant.runtime import Runtime
from assistant.settings import load_settings
from connectors.errors import ConfigurationError
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.documents_app import documents_client, runtime_over
from tests.factories import write_pdf
from ui import render
from ui.feedback import AnswerRecord, FeedbackDataLayer, FeedbackStore
from ui.server import OfflinePages, offline_html, session_reader

# -- logins --------------------------------------------------------------------------------


def users_file(tmp_path: Path, suffix: str = ".yaml") -> Path:
    users = {
        "users": {
            "marie.dupont": {
                "name": "Marie Dupont",
                "password": auth.hash_password("correct horse battery"),
                "groups": ["dsin", "dpo"],
            },
            "paul": {"password": auth.hash_password("autre mot de passe")},
        }
    }
    path = tmp_path / f"users{suffix}"
    path.write_text(json.dumps(users), encoding="utf-8")  # JSON is YAML too
    return path


def test_password_hash_is_salted_and_checked() -> None:
    first, second = auth.hash_password("secret partagé"), auth.hash_password("secret partagé")
    assert first != second and first.startswith("scrypt$")
    assert auth.verify_password("secret partagé", first)
    assert not auth.verify_password("secret partage", first)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "secret partagé",
        "pbkdf2$1$2$3$AAAA$AAAA",
        "scrypt$16384$8$1$pas-du-base64$AAAA",
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # cost not a power of two
        "scrypt$16384$8$1$$",
    ],
)
def test_malformed_hash_matches_nothing(stored: str) -> None:
    assert not auth.verify_password("secret partagé", stored)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_password_login_gives_name_and_groups(tmp_path: Path, suffix: str) -> None:
    path = users_file(tmp_path, suffix)
    user = auth.check_password(path, "marie.dupont", "correct horse battery")
    assert user == auth.ChatUser("marie.dupont", "Marie Dupont", ("dsin", "dpo"))
    assert auth.check_password(path, "paul", "autre mot de passe") == auth.ChatUser(
        "paul", None, ()
    )


@pytest.mark.parametrize(
    ("username", "password"),
    [("marie.dupont", "mauvais"), ("inconnu", "correct horse battery"), ("", "")],
)
def test_password_login_refuses(tmp_path: Path, username: str, password: str) -> None:
    assert auth.check_password(users_file(tmp_path), username, password) is None


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("users: [marie]", "clé « users »"),
        ("users:\n  marie: {groups: [dsin]}", "« password » manque"),
        ('users:\n  marie: {password: "x", groups: dsin}', "liste de noms de groupes"),
        ("users: {marie: [", "YAML ou du JSON valide"),
    ],
)
def test_unusable_users_file_says_why(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=says):
        auth.check_password(path, "marie", "x")


def test_missing_users_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"ui\.users_file"):
        auth.load_users(tmp_path / "absent.yaml")


def test_header_login_reads_user_and_groups() -> None:
    headers = Headers({"x-remote-user": " marie.dupont ", "x-remote-groups": "dsin, dpo,,"})
    assert auth.from_headers(headers) == auth.ChatUser("marie.dupont", None, ("dsin", "dpo"))
    assert auth.from_headers(Headers({"X-Remote-User": "paul"})) == auth.ChatUser("paul", None, ())


@pytest.mark.parametrize("value", ["", "   ", "marie\nadmin", "x" * 201])
def test_header_login_refuses_empty_or_odd_names(value: str) -> None:
    assert auth.from_headers({"X-Remote-User": value, "X-Remote-Groups": "dsin"}) is None
    assert auth.from_headers({"X-Remote-Groups": "dsin"}) is None


def test_login_switches_are_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.settings import load_settings

    monkeypatch.setenv("BOUSSOLE_SECURITY__TRUSTED_PROXIES", '["10.0.0.0/8"]')
    monkeypatch.setenv("BOUSSOLE_UI__USERS_FILE", "/srv/users.yaml")
    settings = load_settings(tmp_path / "absent.yaml")
    assert settings.security.trusted_proxies == ["10.0.0.0/8"]
    assert settings.ui.users_file == Path("/srv/users.yaml")
    monkeypatch.delenv("BOUSSOLE_SECURITY__TRUSTED_PROXIES")
    monkeypatch.delenv("BOUSSOLE_UI__USERS_FILE")
    default = load_settings(tmp_path / "absent.yaml")
    assert not default.security.trusted_proxies and default.ui.users_file is None


def test_session_secret_is_generated_once_into_the_data_folder(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    auth.ensure_auth_secret(tmp_path / "data", environ)
    secret_file = tmp_path / "data" / auth.SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = environ[auth.SECRET_ENV]
    assert len(secret) >= auth.MIN_SECRET_CHARS
    again: dict[str, str] = {}
    auth.ensure_auth_secret(tmp_path / "data", again)  # a restart keeps the sessions valid
    assert again[auth.SECRET_ENV] == secret


@pytest.mark.parametrize("given", ["changeme", "CHANGE-ME-" + "x" * 40, "court"])
def test_placeholder_session_secret_is_refused(tmp_path: Path, given: str) -> None:
    with pytest.raises(ConfigurationError, match=auth.SECRET_ENV):
        auth.ensure_auth_secret(tmp_path, {auth.SECRET_ENV: given})
    assert not (tmp_path / auth.SECRET_FILE).exists()


def test_given_session_secret_is_kept(tmp_path: Path) -> None:
    environ = {auth.SECRET_ENV: "k" * 48}
    auth.ensure_auth_secret(tmp_path, environ)
    assert environ[auth.SECRET_ENV] == "k" * 48
    assert not (tmp_path / auth.SECRET_FILE).exists()


# -- feedback ------------------------------------------------------------------------------

SOURCES = [{"number": 1, "source_path": "postes et accès/VPN.md", "page": None}]


def record(store: FeedbackStore) -> None:
    store.record_answer(
        AnswerRecord(
            message_id="message-1",
            run_id="run-1",
            question="combien de temps pour un accès VPN ?",
            answer="Six mois au plus. [1]",
            sources=SOURCES,
            thread_id="thread-1",
            user="marie.dupont",
            profile="Procédures",
        )
    )


def test_feedback_stores_the_question_answer_and_sources(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "data" / "feedback.sqlite3")
    record(store)
    feedback_id = store.save_feedback("run-1", 0, "  Il manque le délai.  ")
    [row] = store.feedback()
    assert row.id == feedback_id
    assert (row.for_id, row.message_id, row.value) == ("run-1", "message-1", 0)
    assert row.comment == "Il manque le délai."
    assert row.question == "combien de temps pour un accès VPN ?"
    assert row.answer == "Six mois au plus. [1]"
    assert row.sources == SOURCES
    assert (row.user, row.profile, row.thread_id) == ("marie.dupont", "Procédures", "thread-1")


def test_second_verdict_on_an_answer_replaces_the_first(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    record(store)
    first = store.save_feedback("run-1", 0, "Faux")
    assert store.save_feedback("run-1", 1, None) == first
    [row] = store.feedback()
    assert (row.value, row.comment) == (1, None)
    assert store.delete_feedback(first)
    assert store.feedback() == []
    assert not store.delete_feedback(first)


def test_verdict_on_an_unrecorded_message_is_kept_without_answer(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.save_feedback("run-x", 1, thread_id="thread-x")
    [row] = store.feedback()
    assert (row.question, row.answer, row.sources, row.thread_id) == (None, None, [], "thread-x")


def test_data_layer_stores_chainlit_feedback_and_keeps_nothing_else(tmp_path: Path) -> None:
    from chainlit.types import Feedback, Pagination, ThreadFilter
    from chainlit.user import User

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    record(store)
    layer = FeedbackDataLayer(lambda: store)

    async def scenario() -> None:
        feedback_id = await layer.upsert_feedback(
            Feedback(forId="run-1", value=1, comment="Parfait", threadId="thread-1")
        )
        assert [row.id for row in store.feedback()] == [feedback_id]
        user = await layer.create_user(
            User(identifier="marie.dupont", metadata={"groups": ["dsin"]})
        )
        assert user is not None and user.metadata == {"groups": ["dsin"]}
        assert await layer.get_user("marie.dupont") is None
        threads = await layer.list_threads(Pagination(first=20), ThreadFilter())
        assert threads.data == [] and not threads.pageInfo.hasNextPage
        assert await layer.get_thread("thread-1") is None
        assert await layer.delete_feedback(feedback_id)

    asyncio.run(scenario())
    assert store.feedback() == []


# -- documents -----------------------------------------------------------------------------


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "postes et accès").mkdir(parents=True)
    (root / "postes et accès" / "VPN.md").write_text("# Accès VPN\nSix mois.", encoding="utf-8")
    write_pdf(root / "archives.pdf", ["Archives : les dossiers sont gardés dix ans."])
    (root / "page.html").write_text(
        "<p>Page des horaires du service.</p><script>alert(1)</script>", encoding="utf-8"
    )
    (root / "jamais-indexe.md").write_bytes(b"")  # in the folder, not in the index
    (tmp_path / "secret.txt").write_text("hors du dossier", encoding="utf-8")
    return root


@pytest.fixture
def runtime(
    tmp_path: Path,
    documents: Path,
    fake_embedder: FakeEmbedder,
    bm25: FrenchBm25,
    store: QdrantStore,
) -> Runtime:
    index_folder(make_pipeline(fake_embedder, bm25, store), documents)
    settings = load_settings(tmp_path / "absent.yaml", data_dir=tmp_path / "data")
    runtime = runtime_over(settings, store, fake_embedder, bm25)
    runtime.identities.append(session_reader)
    return runtime


def test_documents_open_in_the_browser(runtime: Runtime, documents: Path) -> None:
    client = documents_client(runtime, documents)
    markdown = client.get(render.document_url("postes et accès/VPN.md"))
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/plain; charset=utf-8"
    assert markdown.text.startswith("# Accès VPN")
    pdf = client.get("/documents/archives.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    html = client.get("/documents/page.html")
    assert html.headers["content-security-policy"].startswith("sandbox")


@pytest.mark.parametrize(
    "path",
    [
        "/documents/..%2Fsecret.txt",
        "/documents/postes%20et%20acc%C3%A8s/..%2F..%2Fsecret.txt",
        "/documents/%2Fetc%2Fpasswd",
        "/documents/absent.md",
        "/documents/postes%20et%20acc%C3%A8s",
        "/documents/jamais-indexe.md",
    ],
)
def test_documents_outside_the_folder_missing_or_not_indexed_are_not_found(
    runtime: Runtime, documents: Path, path: str
) -> None:
    response = documents_client(runtime, documents).get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "document_introuvable"
    assert "Document introuvable" in response.json()["message"]


def test_documents_not_configured_say_which_setting(runtime: Runtime) -> None:
    response = documents_client(runtime, None).get("/documents/archives.pdf")
    assert response.status_code == 404
    assert "ui.documents_root" in response.json()["message"]


def test_documents_need_the_chat_session_when_the_chat_needs_a_login(
    runtime: Runtime, documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainlit.auth.jwt import create_jwt
    from chainlit.user import User

    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "s" * 48)
    client = documents_client(runtime, documents, login_required=True)
    refused = client.get("/documents/archives.pdf")
    assert refused.status_code == 401
    assert "Connectez-vous" in refused.json()["message"]
    token = create_jwt(User(identifier="marie.dupont"))
    client.cookies.set("access_token", token)
    assert client.get("/documents/archives.pdf").status_code == 200
    client.cookies.set("access_token", "jeton-invalide")
    assert client.get("/documents/archives.pdf").status_code == 401


# -- offline pages ---------------------------------------------------------------------------


def chainlit_index() -> str:
    import chainlit

    return (Path(chainlit.__file__).parent / "frontend" / "dist" / "index.html").read_text("utf-8")


def test_chainlit_page_loses_everything_from_other_hosts() -> None:
    page = chainlit_index()
    assert "fonts.googleapis.com" in page and "cdn.jsdelivr.net" in page  # what is removed
    cleaned = offline_html(page)
    assert "//" not in cleaned.replace("http://www.w3.org", "")
    assert '<html lang="fr">' in cleaned
    assert 'src="/assets/' in cleaned  # the app's own script stays


def test_offline_filter_rewrites_compressed_pages_only_under_the_chat() -> None:
    page = chainlit_index() + " " * 2000  # large enough to be compressed

    inner = FastAPI()

    @inner.get("/{path:path}")
    def serve(path: str) -> HTMLResponse:
        return HTMLResponse(page)

    inner.add_middleware(GZipMiddleware, minimum_size=500)
    app = FastAPI()
    app.mount("/chat", inner)
    app.mount("/other", inner)
    app.add_middleware(OfflinePages, prefix="/chat")
    client = TestClient(app)
    chat = client.get("/chat/", headers={"Accept-Encoding": "gzip"})
    assert "cdn.jsdelivr.net" not in chat.text and '<div id="root">' in chat.text
    assert int(chat.headers["content-length"]) == len(chat.content)
    other = client.get("/other/", headers={"Accept-Encoding": "gzip"})
    assert "cdn.jsdelivr.net" in other.text


# -- what the chat shows -------------------------------------------------------------------


def citation(**changes: object) -> Citation:
    values: dict[str, object] = {
        "number": 2,
        "source_path": "archives/Archivage et durées.pdf",
        "title": "Archivage et durées de conservation",
        "kind": "procedure",
        "page": 3,
        "heading": "Durées › Dossiers RH",
        "quote": "Les dossiers sont conservés 50 ans.",
        "passage": "Durées. Les dossiers sont conservés 50 ans. Ensuite ils sont versés.",
    }
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


def test_citation_panel_shows_source_page_quote_and_link() -> None:
    shown = render.citation_markdown(citation(), render.document_url)
    assert "`archives/Archivage et durées.pdf` · page 3 · Durées › Dossiers RH" in shown
    assert "> Les dossiers sont conservés 50 ans." in shown
    assert (
        "[Ouvrir le document à la page 3]"
        "(/documents/archives/Archivage%20et%20dur%C3%A9es.pdf#page=3)"
    ) in shown
    assert "Ensuite ils sont versés." in shown
    without = render.citation_markdown(citation(), render.no_links)
    assert "Ouvrir le document" not in without


def test_document_links_open_pdfs_at_their_page_only() -> None:
    assert render.document_url("a/b c.pdf", 4) == "/documents/a/b%20c.pdf#page=4"
    assert render.document_url("a/b.md", 4) == "/documents/a/b.md"
    assert render.document_url("a/b.pdf", None) == "/documents/a/b.pdf"


def test_sources_under_an_answer_carry_the_citation_names() -> None:
    listed = render.sources_markdown([citation()], closest=False)
    assert listed.startswith("**Sources**")
    assert "- [2] Archivage et durées de conservation · p. 3 · Dossiers RH" in listed
    assert render.sources_markdown([citation()], closest=True).startswith(
        "**Sources les plus proches**"
    )


def convention_card() -> ConventionCard:
    return ConventionCard(
        rank=1,
        score=0.9,
        source_path="conventions/CAFAT.md",
        title="Vérification des affiliations",
        convention_id="CONV-001",
        parties=["CAFAT", "Province Sud"],
        datasets=["statut d'affiliation"],
        start="2024-03-01",
        end="2027-02-28",
        status="en vigueur",
        fields={
            "parties": {"valeur": ["CAFAT", "Province Sud"], "source": "registre", "page": None},
            "base_legale": {"valeur": "RGPD art. 6.1.e", "source": "registre", "page": None},
            "duree_conservation": {"valeur": "5 ans | puis", "source": "texte", "page": 4},
        },
        passages=[Passage(page=4, heading="Article 6", snippet="Conservées 5 ans.")],
        records=[RecordLink("statut", "rec-1", "Statut RUAMM", None, "catalogue/x.xml")],
    )


def test_convention_cards_show_filters_status_end_and_field_sources() -> None:
    scope = ConventionScope(
        parties=("cafat",), party_names=("CAFAT",), ends_before=date(2027, 3, 1)
    )
    result = ConventionResult("q", scope, relaxed=False, cards=[convention_card()])
    shown = render.conventions_markdown(result, render.document_url)
    assert shown.startswith("**Filtres compris** : partie : CAFAT ; fin au plus tard le 01/03/2027")
    assert "**Statut** : en vigueur · **Fin** : 28/02/2027 · **Parties** : CAFAT, Province Sud" in (
        shown
    )
    assert "| Base légale | RGPD art. 6.1.e | registre |" in shown
    assert "| Durée de conservation | 5 ans \\| puis | texte, p. 4 |" in shown
    assert "[Ouvrir la convention](/documents/conventions/CAFAT.md)" in shown
    assert "[Statut RUAMM](/documents/catalogue/x.xml)" in shown
    relaxed = ConventionResult("q", scope, relaxed=True, cards=[convention_card()])
    assert render.conventions_markdown(relaxed, render.no_links).startswith(
        "Aucune convention ne remplit tous les filtres lus dans la question (partie : CAFAT"
    )


def test_dataset_cards_show_access_and_the_conventions_sharing_them() -> None:
    card = DatasetCard(
        rank=1,
        score=0.8,
        record_id="ps-limites",
        title="Limites des communes",
        snippet="Limites administratives.",
        organisations=["DSIN"],
        themes=["limites"],
        bbox=None,
        updated="2023-05-02",
        temporal=None,
        licence=None,
        links=[{"url": "https://geo.example/wfs", "protocol": "OGC:WFS", "name": "limites"}],
        record_url=None,
        source_path="catalogue/extrait.xml",
        standard="iso19139",
        conventions=[
            ConventionLink("CONV-002", "Partage avec l'ISEE", "en vigueur", None, "conv/isee.md")
        ],
    )
    shown = render.datasets_markdown("limites", [card], render.document_url)
    assert "### 1. Limites des communes" in shown
    assert "DSIN · limites · mis à jour le 02/05/2023" in shown
    assert "- Accès : [OGC\\:WFS — limites](https://geo.example/wfs)" in shown  # not a directive
    assert "- Fiche : [ps-limites](/documents/catalogue/extrait.xml)" in shown
    assert "  - [CONV-002 — Partage avec l'ISEE (en vigueur)](/documents/conv/isee.md)" in shown
    assert "Aucune fiche" in render.datasets_markdown("x", [], render.no_links)


def test_streamed_text_keeps_colon_words() -> None:
    # Chainlit's Markdown would read ":WFS" as a directive and drop it.
    assert render.plain("service OGC:WFS et OGC:WMS") == "service OGC\\:WFS et OGC\\:WMS"
    assert render.plain("Délai : 8 jours") == "Délai : 8 jours"


# -- answers in the chat -------------------------------------------------------------------


def test_the_chat_says_what_was_not_found_and_lists_the_closest_sources(
    runtime: Runtime, documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainlit.context import init_http_context

    from ui import parts

    parts.bind(
        parts.ChatParts(
            settings=runtime.settings,
            runtime=runtime,
            feedback=FeedbackStore(tmp_path / "avis.sqlite3"),
            documents_root=documents,
        )
    )
    import ui.chat as chat  # the chat reads its parts when loaded

    sent: list[str] = []

    async def capture(message: object) -> object:
        sent.append(str(getattr(message, "content", "")))
        return message

    monkeypatch.setattr(chat, "_send", capture)

    async def ask() -> None:
        init_http_context(user=None)
        chat.cl.user_session.set("chat_profile", chat.PROCEDURES)  # type: ignore[no-untyped-call]
        await chat.on_message(chat.cl.Message(content="l'accès VPN à Wallis-et-Futuna ?"))

    asyncio.run(ask())
    shown = " ".join(sent)
    assert "Je n'ai rien trouvé sur « Wallis-et-Futuna » dans les documents indexés" in shown
    assert "Sources les plus proches" in shown and "Accès VPN" in shown
