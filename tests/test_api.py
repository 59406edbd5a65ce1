"""The HTTP API over a real index built with the real converted model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import factory
from assistant.api import create_app
from assistant.settings import Settings, load_settings
from tests.conftest import pii_redactor
from tests.factories import write_pdf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    root = tmp_path_factory.mktemp("api")
    docs = root / "docs"
    (docs / "sécurité").mkdir(parents=True)
    (docs / "sécurité" / "Déclarer un incident.md").write_text(
        "# Déclarer un incident de sécurité\n## Délai\nTout incident doit être signalé au "
        "centre de services dans l'heure qui suit sa découverte.\n## Violation de données\n"
        "Le délégué à la protection des données notifie la CNIL sous 72 heures.",
        "utf-8",
    )
    (docs / "rh.md").write_text(
        "# Congés\nLes congés annuels se posent dans le logiciel RH quinze jours avant.", "utf-8"
    )
    write_pdf(
        docs / "charte.pdf",
        [
            "Article 1 - Objet\nLa charte encadre l'usage des outils.",
            "Article 2 - Mots de passe\nUn mot de passe compte douze caracteres au minimum.",
        ],
    )
    settings = load_settings(
        root / "absent.yaml", data_dir=root / "data", embedding={"model": str(model_dir)}
    )
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    try:
        pipeline = factory.make_pipeline(settings, embedder, store, pii_redactor())
        connector = factory.files_connector(settings, docs, None)
        pipeline.run(connector.scan(), root=str(docs))
    finally:
        store.close()
    return settings


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def test_health_reports_the_index(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["chunks"] >= 4 and body["backend"] == "local"


def test_search_finds_the_answer_with_its_citation(client: TestClient) -> None:
    response = client.post(
        "/search",
        json={
            "query": "on a combien de temps pour prevenir la cnil en cas de fuite de donnees ?",
            "k": 3,
        },
    )
    assert response.status_code == 200
    top = response.json()["hits"][0]
    assert top["source_path"] == "sécurité/Déclarer un incident.md"
    assert top["heading"] == "Déclarer un incident de sécurité › Violation de données"
    assert "72 heures" in top["text"]


def test_search_cites_pdf_pages(client: TestClient) -> None:
    hits = client.post("/search", json={"query": "longueur minimale du mot de passe"}).json()[
        "hits"
    ]
    assert (hits[0]["source_path"], hits[0]["page"]) == ("charte.pdf", 2)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query": ""},
        {"query": "x", "k": 0},
        {"query": "x", "k": 500},
        {"query": "x", "mode": "magique"},
        {"query": "x", "filters": {"kind": ["autre"]}},
    ],
)
def test_bad_input_gets_422_in_french(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/search", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "requete_invalide"
    assert response.json()["message"].startswith("Requête invalide")


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/search" in client.get("/openapi.json").json()["paths"]


def test_openapi_declares_the_api_key_and_shows_examples(client: TestClient) -> None:
    """Swagger's « Authorize » asks for the key; each body and need comes with an example."""
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["cle_api"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["cle_api"]["description"],
    }
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    paths = document["paths"]
    for path, method in (("/search", "post"), ("/ask", "post"), ("/datasets", "get")):
        assert {"cle_api": []} in paths[path][method]["security"], path
    assert "security" not in paths["/health"]["get"]  # a probe needs no key
    schemas = document["components"]["schemas"]
    assert schemas["SearchRequest"]["examples"][0]["query"]
    assert schemas["AskRequest"]["examples"][0]["question"]
    need = next(p for p in paths["/datasets"]["get"]["parameters"] if p["name"] == "q")
    assert need.get("examples") or need["schema"].get("examples")
    # Every route is a router's, grouped by resource in the documentation.
    tags = {tag for route in paths.values() for op in route.values() for tag in op["tags"]}
    assert {"recherche", "réponses", "catalogue", "conventions", "exploitation"} <= tags


def test_an_api_key_given_as_swagger_sends_it_is_read(client: TestClient) -> None:
    """Both declared schemes carry the same key: a wrong one is refused either way."""
    for headers in ({"X-API-Key": "pas-une-cle"}, {"Authorization": "Bearer pas-une-cle"}):
        response = client.post("/search", json={"query": "congés"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"]


def test_missing_index_is_a_503_with_a_french_message(tmp_path: Path, model_dir: Path) -> None:
    settings = load_settings(
        tmp_path / "absent.yaml", data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )
    with TestClient(create_app(settings)) as empty:
        response = empty.post("/search", json={"query": "congés"})
    assert response.status_code == 503
    assert response.json() == {
        "code": "index_indisponible",
        "message": "L'index est vide : lancez d'abord `boussole index CHEMIN`.",
    }


def test_an_index_of_another_model_is_reported_not_crashed(tmp_path: Path, model_dir: Path) -> None:
    from assistant import factory as wiring

    settings = load_settings(
        tmp_path / "absent.yaml", data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )
    store = wiring.open_store(settings)
    store.ensure_collection(dim=64, model="autre-modele")
    store.close()
    with TestClient(create_app(settings)) as app:
        assert app.get("/health").json()["status"] == "index_incompatible"
        response = app.post("/search", json={"query": "congés"})
    assert response.status_code == 503
    assert "--rebuild" in response.json()["message"]


def test_unexpected_errors_leak_nothing(
    tmp_path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.search import SearchService

    settings = load_settings(
        tmp_path / "absent.yaml", data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("/secret/path/storage.sqlite is corrupt")

    monkeypatch.setattr(SearchService, "search", broken)
    with TestClient(create_app(settings), raise_server_exceptions=False) as app:
        response = app.post("/search", json={"query": "congés"})
    assert response.status_code == 500
    assert response.json() == {"code": "erreur_interne", "message": "Erreur interne du serveur."}
    assert "secret" not in response.text


def test_ask_answers_with_a_citation(client: TestClient) -> None:
    response = client.post(
        "/ask", json={"question": "on a combien de temps pour prévenir la cnil d'une fuite ?"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["abstained"] is False
    assert "72 heures" in answer["text"] and "[" in answer["text"]
    citation = answer["citations"][0]
    assert citation["source_path"] == "sécurité/Déclarer un incident.md"
    assert citation["heading"] == "Déclarer un incident de sécurité › Violation de données"
    assert f"[{citation['number']}]" in answer["text"]
    assert citation["quote"] and citation["quote"] in " ".join(citation["passage"].split())


def test_ask_abstains_in_french_and_shows_the_closest_sources(client: TestClient) -> None:
    answer = client.post(
        "/ask", json={"question": "à quelle heure ferme la cantine du personnel le vendredi ?"}
    ).json()
    assert answer["abstained"] is True
    assert answer["text"].startswith("Je n'ai rien trouvé sur « cantine » dans les documents")
    assert answer["missing_terms"] == ["cantine"] and answer["question_type"] == "autre"
    assert answer["citations"] == [] and answer["sources"]


def test_ask_streams_server_sent_events(client: TestClient) -> None:
    with client.stream(
        "POST", "/ask", json={"question": "mot de passe : combien de caracteres ?", "stream": True}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    events = [block.split("\n", 1) for block in body.strip().split("\n\n")]
    names = [name.removeprefix("event: ") for name, _ in events]
    assert names[0] == "sources" and names[-1] == "answer"
    assert set(names[1:-1]) == {"text"}
    final = json.loads(events[-1][1].removeprefix("data: "))
    assert final["citations"][0]["source_path"] == "charte.pdf"
    assert final["citations"][0]["page"] == 2
    streamed = "".join(json.loads(data.removeprefix("data: "))["text"] for _, data in events[1:-1])
    assert streamed.strip() == final["text"]


def test_an_api_key_that_matches_nothing_is_refused_not_read_as_anonymous(
    client: TestClient,
) -> None:
    response = client.post("/search", json={"query": "incident"}, headers={"X-API-Key": "bsl_x"})
    assert response.status_code == 401
    assert response.json()["code"] == "authentification_refusee"
    assert "security.api_keys_file" in response.json()["message"]


def test_answers_carry_security_headers_and_leave_an_audit_line(
    client: TestClient, api_settings: Settings
) -> None:
    response = client.post("/search", json={"query": "délai pour signaler un incident"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in response.headers["content-security-policy"]
    lines = api_settings.audit_file.read_text("utf-8").splitlines()
    last = json.loads(lines[-1])
    assert (last["user"], last["endpoint"]) == ("anonyme", "/search")
    assert "sécurité/Déclarer un incident.md" in last["documents"]
    assert last["query"].startswith("hmac-sha256:")  # the question is kept as a keyed hash


def test_only_allowed_origins_may_call_from_their_pages_and_frame_boussole(
    api_settings: Settings,
) -> None:
    allowed = "http://portail.interne:8080"
    settings = api_settings.model_copy(
        update={"api": api_settings.api.model_copy(update={"allowed_origins": [allowed]})}
    )
    client = TestClient(create_app(settings))  # no lifespan: the module's client holds the index
    preflight = {"Access-Control-Request-Method": "POST"}
    welcome = client.options("/search", headers={"Origin": allowed, **preflight})
    assert welcome.headers["access-control-allow-origin"] == allowed
    refused = client.options("/search", headers={"Origin": "http://autre.site", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    page = client.get("/health", headers={"Origin": allowed})
    assert f"frame-ancestors 'self' {allowed}" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers


@pytest.mark.parametrize("origin", ["portail.interne", "http://portail/chemin", "ftp://x"])
def test_an_allowed_origin_must_be_a_bare_origin(tmp_path: Path, origin: str) -> None:
    from connectors.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="allowed_origins"):
        load_settings(tmp_path / "absent.yaml", api={"allowed_origins": [origin]})
