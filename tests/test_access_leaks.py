"""The leak test: no role ever gets a document outside its groups, whatever it asks and
wherever it asks (API, chat handler, command line).

The demo corpus (copied, plus a restricted HR procedure) is indexed by the real model with
its register of conventions; conventions belong to the DPO and legal groups by default,
``procedures/rh/*`` to HR by a rule. For every restricted document and every role, the
questions are the document's own sentences. A returned document, citation, card,
convention row or served file that the role may not see is a leak. The same queries must
find the document for the roles that may see it (else the test could not fail).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant import factory
from assistant.extractive import sentences
from assistant.users import hash_password
from guardrails.access import Reader
from tests.servers import environment as environment_variables

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
DEMO_REGISTER = ROOT / "demo_conventions.yaml"

HR_PROCEDURE = (
    "# Grille des primes et indemnités du personnel\n\n"
    "## Prime de fin d'année\n"
    "La prime de fin d'année des agents de catégorie B est versée en décembre avec le "
    "traitement du mois.\n"
    "Son montant suit la grille indiciaire validée par la direction des ressources humaines.\n\n"
    "## Indemnité de sujétion\n"
    "L'indemnité de sujétion des agents d'astreinte de la DSIN est calculée par semaine "
    "d'astreinte effectuée.\n"
    "Les heures d'intervention de nuit ouvrent droit à une majoration de cinquante pour cent.\n"
)

ROLES: dict[str, list[str]] = {
    "anonyme": [],
    "agent": ["agents"],
    "rh": ["rh"],
    "dpo": ["dpo"],
    "juriste": ["juridique"],
}
PASSWORD = "mot de passe du test des fuites"
SENTENCES_PER_DOCUMENT = 4
CLI_SENTENCES_PER_DOCUMENT = 2


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaks") / "corpus"
    shutil.copytree(DEMO, root)
    (root / "procedures" / "rh").mkdir(parents=True)
    (root / "procedures" / "rh" / "Primes et indemnités.md").write_text(HR_PROCEDURE, "utf-8")
    return root


@pytest.fixture(scope="module")
def environment(corpus: Path, model_dir: Path) -> Iterator[dict[str, str]]:
    """Settings of the test: the rule, the register, the users of each role."""
    folder = corpus.parent
    users = {
        name: {"password": hash_password(PASSWORD), "groups": groups}
        for name, groups in ROLES.items()
        if name != "anonyme"
    }
    (folder / "users.json").write_text(json.dumps({"users": users}), "utf-8")
    (folder / "settings.yaml").write_text(
        "access:\n  rules:\n    - {path: 'procedures/rh/*', groups: [rh]}\n", "utf-8"
    )
    values = {
        "BOUSSOLE_SETTINGS": str(folder / "settings.yaml"),
        "BOUSSOLE_DATA_DIR": str(folder / "data"),
        "BOUSSOLE_EMBEDDING__MODEL": str(model_dir),
        "BOUSSOLE_CONVENTIONS__REGISTER_FILE": str(DEMO_REGISTER),
        "BOUSSOLE_CONVENTIONS__ROOT": str(corpus),
        "BOUSSOLE_UI__USERS_FILE": str(folder / "users.json"),
        "BOUSSOLE_UI__DOCUMENTS_ROOT": str(corpus),
        "BOUSSOLE_SECURITY__RATE_LIMIT": "1000000/minute",
    }
    with environment_variables(values):
        yield values


@pytest.fixture(scope="module")
def indexed(environment: dict[str, str], corpus: Path) -> dict[str, Any]:
    from assistant.cli import app as cli

    report = corpus.parent / "index.json"
    result = CliRunner().invoke(cli, ["index", str(corpus), "--report", str(report)])
    assert result.exit_code == 0, result.output
    return json.loads(report.read_text("utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def restricted(indexed: dict[str, Any]) -> list[dict[str, Any]]:
    """Each restricted document: path, title, groups, convention id, and its sentences."""
    from assistant.settings import load_settings

    settings = load_settings()
    store = factory.open_store(settings)
    try:
        rows = store.payloads(["source_path", "title", "access_groups", "convention", "text"])
    finally:
        store.close()
    documents: dict[str, dict[str, Any]] = {}
    for row in rows:
        if "public" in row["access_groups"]:
            continue
        document = documents.setdefault(
            row["source_path"],
            {
                "path": row["source_path"],
                "title": row["title"],
                "groups": row["access_groups"],
                "convention": (row.get("convention") or {}).get("id"),
                "sentences": [],
            },
        )
        document["sentences"].extend(
            s for s in sentences(row["text"]) if len(s) >= 40 and "Fiche du registre" not in s
        )
    chosen = sorted(documents.values(), key=lambda d: d["path"])
    for document in chosen:
        document["sentences"] = document["sentences"][:SENTENCES_PER_DOCUMENT]
    return chosen


def allowed(role: str, document: dict[str, Any]) -> bool:
    return Reader.of(role, ROLES[role]).can_see(document["groups"])


def mentions(document: dict[str, Any], output: str) -> bool:
    """Whether some output names the document: its path, its title, its convention id."""
    names = [document["path"], quote(document["path"]), document["title"]]
    if document["convention"]:
        names.append(document["convention"])
    folded = output.replace("\\/", "/")
    return any(name and name in folded for name in names)


_NOT_FOUND = re.compile(r"rien trouvé sur (.*?) dans les documents indexés")


def echoed_terms(output: str, query: str) -> list[str]:
    """The question's own words an answer names as not found (text or ``missing_terms``).

    Only words the question holds count: anything else named would be a document's.
    """
    named = [
        term
        for sentence in _NOT_FOUND.findall(output)
        for term in re.findall(r"« (.+?) »", sentence)
    ]
    for listed in re.findall(r'"missing_terms":\s*(\[[^\]]*\])', output):
        named += json.loads(listed)
    return sorted({term for term in named if term and term in query}, key=len, reverse=True)


class Tally:
    """Queries tried and leaks found, per entry point; found counts for allowed roles."""

    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.leaks: list[str] = []
        self.found: Counter[str] = Counter()
        self.expected: Counter[str] = Counter()

    def check(
        self, where: str, role: str, document: dict[str, Any], query: str, output: str
    ) -> None:
        self.tried[where] += 1
        for echo in (query, json.dumps(query, ensure_ascii=False)[1:-1], json.dumps(query)[1:-1]):
            output = output.replace(echo, "") if echo else output  # the question sent back
        for term in echoed_terms(output, query):  # « rien trouvé sur « X » »: the user's words
            output = output.replace(term, "")
        seen = mentions(document, output)
        if allowed(role, document):
            self.expected[where] += 1
            self.found[where] += seen
        elif seen:
            self.leaks.append(f"{where} · {role} · {document['path']} · « {query[:60]} »")


def _cases(
    restricted: list[dict[str, Any]], per_document: int
) -> Iterator[tuple[str, dict[str, Any], str]]:
    for document in restricted:
        for query in document["sentences"][:per_document]:
            for role in ROLES:
                yield role, document, query


@pytest.mark.slow
def test_no_role_sees_a_document_outside_its_groups(
    environment: dict[str, str],
    corpus: Path,
    restricted: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assistant.security import add_api_key
    from assistant.settings import load_settings

    assert {d["path"] for d in restricted} >= {
        "procedures/rh/Primes et indemnités.md",
        "conventions/Convention CAFAT - vérification des affiliations.md",
    }
    assert all(d["sentences"] for d in restricted)
    tally = Tally()

    # -- the API, each role with its own API key ----------------------------------------
    keys_file = corpus.parent / "keys.yaml"
    keys = {role: add_api_key(keys_file, role, groups) for role, groups in ROLES.items()}
    keys.pop("anonyme")
    monkeypatch.setenv("BOUSSOLE_SECURITY__API_KEYS_FILE", str(keys_file))
    from ui.server import create_server_app

    app = create_server_app(load_settings())
    with TestClient(app) as client:
        for role, document, query in _cases(restricted, SENTENCES_PER_DOCUMENT):
            headers = {"X-API-Key": keys[role]} if role in keys else {}
            calls: dict[str, Callable[[], Any]] = {
                "api /search": partial(
                    client.post, "/search", json={"query": query, "k": 10}, headers=headers
                ),
                "api /ask": partial(client.post, "/ask", json={"question": query}, headers=headers),
                "api /datasets": partial(
                    client.get, "/datasets", params={"q": query}, headers=headers
                ),
                "api /conventions/search": partial(
                    client.get, "/conventions/search", params={"q": query}, headers=headers
                ),
            }
            for where, call in calls.items():
                response = call()
                assert response.status_code == 200, (where, response.text)
                tally.check(where, role, document, query, response.text)
        for role in ROLES:
            headers = {"X-API-Key": keys[role]} if role in keys else {}
            listing = client.get("/conventions", headers=headers)
            for document in restricted:
                served = client.get("/documents/" + quote(document["path"]), headers=headers)
                opened = document["path"] if served.status_code == 200 else ""  # file sent
                tally.check("api /documents", role, document, "", opened)
                if document["convention"]:
                    tally.check("api /conventions", role, document, "", listing.text)

        # -- the chat's handler, as each role's session --------------------------------
        from chainlit.context import init_http_context
        from chainlit.user import User

        import ui.chat as chat

        sent: list[str] = []

        async def capture(message: Any) -> Any:
            elements = " ".join(str(getattr(e, "content", "")) for e in message.elements or [])
            sent.append(f"{message.content} {elements}")
            return message

        monkeypatch.setattr(chat, "_send", capture)

        async def ask_chat(role: str, profile: str, query: str) -> str:
            user = None if role == "anonyme" else User(role, metadata={"groups": ROLES[role]})
            init_http_context(user=user)
            chat.cl.user_session.set("chat_profile", profile)  # type: ignore[no-untyped-call]
            sent.clear()
            await chat.on_message(chat.cl.Message(content=query))
            return " ".join(sent)

        for role, document, query in _cases(restricted, SENTENCES_PER_DOCUMENT):
            for profile in (chat.PROCEDURES, chat.DATASETS, chat.CONVENTIONS):
                output = asyncio.run(ask_chat(role, profile, query))
                assert "Erreur interne" not in output, output
                tally.check(f"chat {profile}", role, document, query, output)

    # -- the command line, --as-user each role (the same loaded model for every call) -----
    embedder = factory.load_embedder(load_settings())
    monkeypatch.setattr(factory, "load_embedder", lambda settings: embedder)
    from assistant.cli import app as cli

    runner = CliRunner()
    for role, document, query in _cases(restricted, CLI_SENTENCES_PER_DOCUMENT):
        as_user = [] if role == "anonyme" else ["--as-user", role]
        for command in (
            ["search", query, "-k", "10", "--json"],
            ["ask", query, "--json"],
            ["datasets", query, "--json"],
            ["conventions", "search", query, "--json"],
        ):
            if role == "anonyme":
                continue  # no --as-user is the operator, who sees everything by design
            result = runner.invoke(cli, [*command, *as_user])
            assert result.exit_code == 0, result.output
            tally.check(f"cli {command[0]}", role, document, query, result.output)

    report = {
        "queries": sum(tally.tried.values()),
        "by_entry_point": dict(sorted(tally.tried.items())),
        "leaks": tally.leaks,
        "found_for_allowed_roles": {
            where: f"{tally.found[where]}/{tally.expected[where]}" for where in tally.expected
        },
        "restricted_documents": [d["path"] for d in restricted],
        "roles": ROLES,
    }
    artifacts = os.environ.get("BOUSSOLE_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / "leak-test.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), "utf-8"
        )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    assert tally.leaks == [], f"{len(tally.leaks)} fuite(s) sur {report['queries']} requêtes"
    # The same queries find the documents for the roles allowed to see them.
    for where in ("api /search", "api /documents", "cli search"):
        assert tally.found[where] >= 0.8 * tally.expected[where], (where, report)
