"""The API's edge: proxy headers, error format, credentials and who reads ``/metrics``.

The error shapes, credentials and ``/metrics`` rules are checked in process (no index is
needed: they are decided before a route reads it). The proxy headers are checked against
``boussole serve`` itself, in its own process on loopback, since the server's own handling
of ``X-Forwarded-For`` is part of what is tested: a second loopback address (127.0.0.2)
plays the trusted reverse proxy.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.security import IdentityHeaders, add_api_key
from assistant.settings import Settings, load_settings
from tests.servers import boussole_serve, index_vpn_procedure, serve_environment

ENGLISH = re.compile(r"\b(Input should|Field required|valid|error|parsing|There was)\b")
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def edge_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("edge")
    return load_settings(
        root / "absent.yaml",
        data_dir=root / "data",
        security={"api_keys_file": str(root / "keys.yaml"), "rate_limit": "1000/minute"},
    )


@pytest.fixture(scope="module")
def keys(edge_settings: Settings) -> dict[str, str]:
    path = edge_settings.security.api_keys_file
    assert path is not None
    return {
        "admin": add_api_key(path, "supervision", ["admin"]),
        "sig": add_api_key(path, "appli-sig", ["sig"]),
    }


def client_for(settings: Settings, host: str = "192.0.2.10") -> TestClient:
    """The API in process, without its index (no lifespan), called from ``host``."""
    return TestClient(create_app(settings), client=(host, 50000), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(edge_settings: Settings, keys: dict[str, str]) -> TestClient:
    return client_for(edge_settings)


def assert_french_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error shape: ``{code, message}`` in French, nothing of Starlette's or pydantic's."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert set(body) <= {"code", "message", "details"} and body["message"], body
    assert not ENGLISH.search(json.dumps(body, ensure_ascii=False)), body
    return dict(body)


# -- every error in the same shape ---------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"query": "caf\xe9 \xff"}',  # Latin-1 bytes: not UTF-8
        b'{"query": "x", "k": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # nested past Python's limit
    ],
    ids=["utf8-invalide", "imbrication"],
)
def test_an_unreadable_body_is_a_french_400(client: TestClient, content: bytes) -> None:
    response = client.post("/search", content=content, headers=JSON)
    body = assert_french_error(response, 400, "corps_illisible")
    assert "UTF-8" in body["message"]


def test_malformed_json_says_where_not_a_byte_offset_as_a_field(client: TestClient) -> None:
    response = client.post("/search", content=b'{"query": "x",\n  "k": }', headers=JSON)
    body = assert_french_error(response, 400, "corps_illisible")
    assert "ligne 2, colonne 8" in body["message"]
    assert "champ" not in body["message"] and "details" not in body


def test_wrong_types_name_the_fields_and_say_why_in_french(client: TestClient) -> None:
    sent = {"query": 3, "k": "beaucoup", "mode": "magique", "filters": {"kind": ["autre", 4]}}
    body = assert_french_error(client.post("/search", json=sent), 422, "requete_invalide")
    assert body["message"] == (
        "Requête invalide : vérifiez le(s) champ(s) query, k, mode, filters.kind[0], "
        "filters.kind[1]."
    )
    reasons = {detail["champ"]: detail["erreur"] for detail in body["details"]}
    assert reasons["query"] == "texte attendu"
    assert reasons["k"] == "nombre entier attendu"
    assert reasons["mode"] == "valeur attendue parmi : 'hybrid', 'dense' ou 'sparse'"
    assert reasons["filters.kind[0]"].startswith("valeur non reconnue")
    bounds = client.get("/datasets", params={"q": "", "k": "0", "updated_after": "hier"})
    details = assert_french_error(bounds, 422, "requete_invalide")["details"]
    assert {detail["champ"]: detail["erreur"] for detail in details} == {
        "q": "au moins 1 caractère(s)",
        "k": "doit valoir au moins 1",
        "updated_after": "date attendue (AAAA-MM-JJ)",
    }


@pytest.mark.parametrize(
    ("content", "headers"),
    [(b"[1, 2]", JSON), (b"query=x", {"content-type": "text/plain"}), (b"{}", JSON)],
    ids=["liste", "pas-du-json", "vide"],
)
def test_a_body_that_is_no_request_names_the_body_or_the_field(
    client: TestClient, content: bytes, headers: dict[str, str]
) -> None:
    response = client.post("/search", content=content, headers=headers)
    body = assert_french_error(response, 422, "requete_invalide")
    assert body["details"][0]["champ"] in ("(corps)", "query")
    assert body["details"][0]["erreur"] in ("objet JSON attendu", "champ obligatoire")


def test_unknown_routes_wrong_methods_and_big_bodies_answer_in_the_same_shape(
    client: TestClient,
) -> None:
    assert_french_error(client.get("/nulle-part"), 404, "route_inconnue")
    wrong = client.delete("/search")
    assert_french_error(wrong, 405, "methode_non_autorisee")
    assert wrong.headers["allow"] == "POST"
    big = client.post("/search", content=b"x" * 70_000, headers=JSON)
    assert_french_error(big, 413, "requete_trop_volumineuse")


def test_an_unexpected_failure_is_a_french_500_without_internals(edge_settings: Settings) -> None:
    app = create_app(edge_settings)

    def broken() -> None:
        raise RuntimeError("/srv/secret/chemin interne")

    app.add_api_route("/panne", broken)
    response = TestClient(app, raise_server_exceptions=False).get("/panne")
    body = assert_french_error(response, 500, "erreur_interne")
    assert "/srv" not in response.text and body["message"] == "Erreur interne du serveur."


def test_the_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "absent.yaml", data_dir=tmp_path / "data", security={"rate_limit": "2/minute"}
    )
    client = client_for(settings)
    for _ in range(2):
        assert client.post("/search", json={"query": "x"}).status_code == 503  # no index here
    refused = client.post("/search", json={"query": "x"})
    assert_french_error(refused, 429, "trop_de_requetes")
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_the_schema_documents_the_error_shape(client: TestClient) -> None:
    responses = client.get("/openapi.json").json()["paths"]["/search"]["post"]["responses"]
    for status in ("400", "401", "413", "429", "500"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorOut"
        )
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ValidationErrorOut"
    )


# -- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": ""},
        {"X-API-Key": "   "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Digest username=marie"},
        {"Authorization": "bsl_sans_schema"},
        {"Authorization": ""},
        {"Authorization": "Bearer jeton-inconnu"},
    ],
    ids=lambda headers: repr(headers)[:40],
)
def test_an_empty_or_unusable_credential_is_refused_not_anonymous(
    client: TestClient, headers: dict[str, str]
) -> None:
    for response in (
        client.post("/search", json={"query": "x"}, headers=headers),
        client.get("/metrics", headers=headers),
    ):
        body = assert_french_error(response, 401, "authentification_refusee")
    assert "X-API-Key" in body["message"] or "inconnue" in body["message"]


def test_no_credential_is_anonymous_and_a_good_key_reads_as_its_application(
    client: TestClient, keys: dict[str, str]
) -> None:
    anonymous = client.post("/search", json={"query": "x"})
    assert anonymous.json()["code"] == "index_indisponible"  # past the identity check
    for headers in ({"X-API-Key": keys["sig"]}, {"Authorization": f"bearer {keys['sig']}"}):
        assert client.post("/search", json={"query": "x"}, headers=headers).status_code == 503


def test_keys_revoke_takes_effect_on_the_running_server(
    client: TestClient,
    edge_settings: Settings,
    keys: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app as cli_app

    path = edge_settings.security.api_keys_file
    assert path is not None
    temporary = add_api_key(path, "appli-temporaire", ["sig"])
    search = {"query": "x"}
    headers = {"X-API-Key": temporary}
    assert client.post("/search", json=search, headers=headers).status_code == 503  # accepted
    monkeypatch.setenv("BOUSSOLE_SETTINGS", str(Path(__file__).parents[1] / "settings.yaml"))
    monkeypatch.setenv("BOUSSOLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BOUSSOLE_SECURITY__API_KEYS_FILE", str(path))
    revoked = CliRunner().invoke(cli_app, ["keys", "revoke", "appli-temporaire"])
    assert revoked.exit_code == 0, revoked.output
    assert "révoquée" in revoked.output and temporary not in revoked.output
    refused = client.post("/search", json=search, headers=headers)
    assert_french_error(refused, 401, "authentification_refusee")
    kept = client.post("/search", json=search, headers={"X-API-Key": keys["sig"]})
    assert kept.status_code == 503  # the other keys still work
    again = CliRunner().invoke(cli_app, ["keys", "revoke", "appli-temporaire"])
    assert again.exit_code != 0


def test_a_trusted_proxy_may_send_its_own_login_beside_the_user_it_names(
    edge_settings: Settings,
) -> None:
    security = edge_settings.security.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    settings = edge_settings.model_copy(update={"security": security})
    headers = {"X-Remote-User": "marie", "Authorization": "Basic bWFyaWU6eA=="}
    search = {"query": "x"}
    behind = client_for(settings, "10.1.2.3").post("/search", json=search, headers=headers)
    assert behind.json()["code"] == "index_indisponible"  # marie, as the proxy says
    direct = client_for(settings, "192.0.2.10").post("/search", json=search, headers=headers)
    assert_french_error(direct, 401, "authentification_refusee")


# -- who reads /metrics --------------------------------------------------------------------


def test_metrics_are_for_the_admin_group_and_this_machine(
    client: TestClient, edge_settings: Settings, keys: dict[str, str]
) -> None:
    assert_french_error(client.get("/metrics"), 401, "authentification_requise")
    refused = client.get("/metrics", headers={"X-API-Key": keys["sig"]})
    assert "appli-sig" not in assert_french_error(refused, 403, "acces_refuse")["message"]
    admin = client.get("/metrics", headers={"X-API-Key": keys["admin"]})
    assert admin.status_code == 200 and "boussole_index_chunks" in admin.text
    assert "appli-sig" in admin.text  # the refused key's request, counted by application
    local = client_for(edge_settings, "127.0.0.1").get("/metrics")
    assert local.status_code == 200 and "boussole_index_chunks" in local.text
    assert client_for(edge_settings, "::1").get("/metrics").status_code == 200


def test_metrics_settings_choose_the_readers(edge_settings: Settings, keys: dict[str, str]) -> None:
    security = edge_settings.security.model_copy(
        update={"metrics_groups": ["sig"], "metrics_from_loopback": False}
    )
    settings = edge_settings.model_copy(update={"security": security})
    local = client_for(settings, "127.0.0.1")
    assert_french_error(local.get("/metrics"), 401, "authentification_requise")
    admin = local.get("/metrics", headers={"X-API-Key": keys["admin"]})
    assert_french_error(admin, 403, "acces_refuse")
    assert local.get("/metrics", headers={"X-API-Key": keys["sig"]}).status_code == 200


def test_metrics_through_a_local_proxy_are_not_local(edge_settings: Settings) -> None:
    security = edge_settings.security.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    settings = edge_settings.model_copy(update={"security": security})
    proxy = client_for(settings, "127.0.0.1")
    outside = proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert_french_error(outside, 401, "authentification_requise")
    assert proxy.get("/metrics").status_code == 200  # the proxy's host itself, no one forwarded


# -- proxy headers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "forwarded", "client", "kept"),
    [
        ("192.0.2.10", "203.0.113.1", "192.0.2.10", False),  # not a proxy: nothing believed
        ("10.0.0.5", "203.0.113.1", "203.0.113.1", True),
        ("10.0.0.5", "6.6.6.6, 203.0.113.1, 10.0.0.7", "203.0.113.1", True),  # right-most
        ("10.0.0.5", "203.0.113.1:5555", "203.0.113.1", True),
        ("10.0.0.5", "[2001:db8::1]:443", "2001:db8::1", True),
        ("10.0.0.5", "10.0.0.9", "10.0.0.9", True),  # a client inside the proxies' network
        ("10.0.0.5", "6.6.6.6, nimporte-quoi, 10.0.0.7", "inconnu", True),
        ("10.0.0.5", " , ", "10.0.0.5", True),  # nothing forwarded: the proxy itself
    ],
)
def test_the_client_is_the_last_address_a_trusted_proxy_saw(
    peer: str, forwarded: str, client: str, kept: bool
) -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    headers = [
        (b"x-forwarded-for", forwarded.encode()),
        (b"x-forwarded-proto", b"https"),
        (b"x-forwarded-host", b"boussole.example"),
    ]
    scope = {"type": "http", "scheme": "http", "headers": headers, "client": (peer, 4000)}
    asyncio.run(IdentityHeaders(app, ["10.0.0.0/8"])(scope, None, None))
    assert seen[0] is scope  # changed in place: the access log reads the same scope
    assert scope["client"][0] == client
    assert scope["scheme"] == ("https" if kept else "http")
    assert (b"x-forwarded-host" in dict(scope["headers"])) is kept


# -- proxy headers, against the real server ------------------------------------------------

PROXY = "127.0.0.2"  # a second loopback address, the trusted reverse proxy
RATE = 20


def _access_lines(log: Path, path: str) -> list[dict[str, Any]]:
    """uvicorn's access lines for ``POST path`` (the server logs JSON lines)."""
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line]
    return [
        line
        for line in lines
        if line["logger"] == "uvicorn.access" and (line["method"], line["path"]) == ("POST", path)
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[dict[str, Any]]:
    """``boussole serve`` over one indexed document, trusting 127.0.0.2 as a proxy."""
    root = tmp_path_factory.mktemp("edge-serve")
    values = {
        "data_dir": str(root / "data"),
        "embedding": {"model": str(model_dir)},
        "security": {"trusted_proxies": [PROXY], "rate_limit": f"{RATE}/minute"},
        "audit": {"query": "clear"},
    }
    env = serve_environment(root, values)
    settings = index_vpn_procedure(root)
    log = root / "serve.log"
    with boussole_serve(env, log) as base:
        yield {"base": base, "log": log, "audit": settings.audit_file}


def _audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.mark.slow
def test_forwarded_addresses_count_only_from_a_trusted_proxy(served: dict[str, Any]) -> None:
    base, log = served["base"], served["log"]
    search = {"query": "compte VPN"}
    statuses = []
    with httpx.Client(base_url=base, timeout=60) as direct:
        for number in range(200):  # a new made-up address on every request
            spoofed = {"X-Forwarded-For": f"198.51.100.{number % 250}"}
            statuses.append(direct.post("/search", json=search, headers=spoofed).status_code)
        named = direct.post("/search", json=search, headers={"X-Remote-User": "marie"})
    assert statuses == [200] * RATE + [429] * (200 - RATE)
    assert named.status_code == 429  # the user header of a non-proxy is not believed either

    proxy = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(base_url=base, timeout=60, transport=proxy) as through:
        # The client wrote the first address; the proxy appended the one it saw.
        forwarded = {"X-Forwarded-For": "10.9.9.9, 203.0.113.7", "X-Remote-User": "marie"}
        assert through.post("/search", json=search, headers=forwarded).status_code == 200
        other = [
            through.post("/search", json=search, headers={"X-Forwarded-For": "203.0.113.8"})
            for _ in range(RATE + 1)
        ]
    assert [r.status_code for r in other] == [200] * RATE + [429]

    searched = _access_lines(log, "/search")
    assert len(searched) == 200 + 1 + RATE + 2, log.read_text("utf-8")[-3000:]
    assert "198.51.100." not in log.read_text("utf-8") and "10.9.9.9" not in log.read_text("utf-8")
    assert all(line["client"].startswith("127.0.0.1:") for line in searched[:201])
    assert searched[201]["client"] == "203.0.113.7:0"
    assert {line["client"] for line in searched[202:]} == {"203.0.113.8:0"}

    lines = _audit(served["audit"])
    assert [line["address"] for line in lines[:RATE]] == ["127.0.0.1"] * RATE
    assert {line["user"] for line in lines[:RATE]} == {"anonyme"}
    assert (lines[RATE]["user"], lines[RATE]["address"]) == ("marie", "203.0.113.7")
    assert {line["address"] for line in lines[RATE + 1 :]} == {"203.0.113.8"}


@pytest.mark.slow
def test_metrics_from_this_machine_mean_the_real_peer(served: dict[str, Any]) -> None:
    base = served["base"]
    spoofed = httpx.get(f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert spoofed.status_code == 200 and "boussole_index_chunks 1" in spoofed.text
    proxy = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(base_url=base, timeout=30, transport=proxy) as through:
        outside = through.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert_french_error(outside, 401, "authentification_requise")


@pytest.mark.slow
def test_the_chat_socket_believes_forwarded_hosts_only_from_the_proxy(
    served: dict[str, Any],
) -> None:
    path = "/chat/ws/socket.io/?EIO=4&transport=polling"
    posing = {
        "Origin": "https://intrus.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "intrus.example",
    }
    refused = httpx.get(served["base"] + path, headers=posing, timeout=30)
    assert_french_error(refused, 403, "origine_refusee")
    proxy = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(base_url=served["base"], timeout=30, transport=proxy) as through:
        behind = through.get(path, headers=posing)
    # The proxy says the page is its own: the socket's handshake opens.
    assert behind.status_code == 200 and '"sid"' in behind.text, behind.text
