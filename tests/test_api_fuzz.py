"""Schema fuzzing of the running server: whatever a caller sends, no server error (5xx).

``boussole serve`` runs in its own process on loopback, over a small real index built with
the real model: a procedure, the catalogue records of a GeoCat export and the conventions
of the demo register, all readable by an anonymous caller so that every route reaches its
own logic. For each operation ``/openapi.json`` lists, schemathesis draws valid and invalid
requests (``MAX_EXAMPLES`` of them, as its fuzzing phase does). Bad input must get a 4xx
with a French message; a 500, or an internal error in a streamed answer, fails the test
with the request that caused it (the server's traceback is in ``serve.log``, in the
test's temporary folder).

The inputs that once got a 500 are kept below as plain tests.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import BaseSchema

from assistant import factory
from assistant.settings import DOCUMENT_KINDS, load_settings
from tests.conftest import pii_redactor
from tests.servers import boussole_serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
DEMO_REGISTER = ROOT / "demo_conventions.yaml"
DOCUMENTS = (
    "sécurité/Déclarer un incident de sécurité.md",
    "catalogue/GeoCat Province Sud - extrait.xml",
    "conventions/Convention CAFAT - vérification des affiliations.md",
    "conventions/Convention ISEE - limites communales.md",
    "conventions/Convention DAVAR - zones inondables.md",
)
# The operations the fuzzing must reach (the chat under /chat is not part of the API).
OPERATIONS = {
    "GET /health",
    "GET /metrics",
    "POST /search",
    "POST /ask",
    "GET /datasets",
    "GET /conventions",
    "GET /conventions/search",
    "GET /documents/{path}",
}
MAX_EXAMPLES = 50  # requests drawn per operation (one for an operation without parameters)
START_TIMEOUT_S = 120


def _write_settings(root: Path, model_dir: Path) -> Path:
    """Settings of the served index: everything public, no rate limit in reach."""
    values = {
        "data_dir": str(root / "data"),
        "embedding": {"model": str(model_dir)},
        "conventions": {"register_file": str(DEMO_REGISTER), "root": str(root / "docs")},
        "ui": {"documents_root": str(root / "docs")},
        "access": {"default_groups": {kind: ["public"] for kind in DOCUMENT_KINDS}},
        "security": {"rate_limit": "100000/minute"},
    }
    path = root / "settings.yaml"
    path.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return path


def _index(settings_file: Path, docs: Path) -> None:
    """Index ``docs`` as ``boussole index`` does, conventions joined to the register."""
    settings = load_settings(settings_file)
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    try:
        pipeline = factory.make_pipeline(settings, embedder, store, pii_redactor())
        enricher = factory.convention_enricher(settings, docs)
        connector = factory.files_connector(settings, docs, None)
        report = pipeline.run(enricher.documents(connector.scan()), root=str(docs))
    finally:
        store.close()
    assert report.documents_indexed >= len(DOCUMENTS), report.to_json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[str]:
    """The base address of ``boussole serve`` over the small index, in its own process."""
    root = tmp_path_factory.mktemp("fuzz")
    for relative in DOCUMENTS:
        (root / "docs" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / relative, root / "docs" / relative)
    settings_file = _write_settings(root, model_dir)
    # Only the settings file speaks: no BOUSSOLE_* or QDRANT_* variable of this shell.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOUSSOLE_", "QDRANT_"))}
    env |= {"BOUSSOLE_SETTINGS": str(settings_file), "PYTHONUNBUFFERED": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        _index(settings_file, root / "docs")

    with boussole_serve(env, root / "serve.log", timeout_s=START_TIMEOUT_S) as base:
        yield base


@pytest.fixture(scope="module")
def api_schema(server: str) -> BaseSchema:
    """The OpenAPI schema the server publishes (no schemathesis config file is read)."""
    return schemathesis.openapi.from_url(
        f"{server}/openapi.json", config=schemathesis.Config(), timeout=30
    )


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Counter[str]]:
    """Requests sent per operation, printed at the end (``pytest -s``)."""
    counts: Counter[str] = Counter()
    yield counts
    print(f"\nFuzzing : {counts.total()} requêtes sur {len(counts)} opérations : {dict(counts)}")


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_request_gets_a_server_error(
    api_schema: BaseSchema, label: str, fuzzed: Counter[str]
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} n'est plus dans /openapi.json"
    # Valid and invalid requests, as schemathesis' own fuzzing phase draws them.
    requests = st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # nothing written into the source tree
        suppress_health_check=list(HealthCheck),
    )
    @given(case=requests)
    def send(case: schemathesis.Case[Any]) -> None:
        fuzzed[label] += 1
        response = case.call(timeout=60)
        case.validate_response(response, checks=[not_a_server_error])
        if response.headers.get("content-type", [""])[0].startswith("text/event-stream"):
            # A streamed answer has sent its 200 already: an internal error comes as an event.
            assert '"erreur_interne"' not in response.text, response.text

    send()


def test_every_operation_of_the_schema_is_fuzzed(api_schema: BaseSchema) -> None:
    """A new route joins ``OPERATIONS``; the chat under /chat is not in the schema."""
    listed = set()
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        listed.add(result.ok().label)
    assert listed == OPERATIONS


# -- inputs that got a 500 before, now answered ------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        # A window past the calendar's end (year 9999) reads as no end-date filter.
        {"q": "conventions qui expirent dans 999999999 jours"},
        {"q": "conventions qui expirent dans 99999 ans"},
        {"q": "conventions qui se terminent l'année prochaine", "today": "9999-12-31"},
        {"q": "conventions qui finissent en décembre", "today": "9999-12-15"},
        {"q": "conventions échues", "today": "0001-01-01"},
    ],
)
def test_a_date_window_beyond_the_calendar_is_no_filter(
    server: str, params: dict[str, str]
) -> None:
    response = httpx.get(f"{server}/conventions/search", params=params, timeout=30)
    assert response.status_code == 200, response.text
    assert not any(f.startswith("fin ") for f in response.json()["filtres_appliques"])


def test_a_document_name_too_long_for_the_disk_is_not_found(server: str) -> None:
    response = httpx.get(f"{server}/documents/{'a' * 300}", timeout=30)
    assert response.status_code == 404
    assert response.json()["code"] == "document_introuvable"


def test_the_fuzzed_routes_reach_the_index(server: str) -> None:
    """The fuzzing's empty answers and 404s come from its input, not from an empty index."""
    document = httpx.get(f"{server}/documents/{DOCUMENTS[0]}", timeout=30)
    assert document.status_code == 200 and "Déclarer un incident" in document.text
    conventions = httpx.get(f"{server}/conventions", timeout=30).json()["conventions"]
    assert len(conventions) == 3
    cards = httpx.get(f"{server}/datasets", params={"q": "limites des communes"}, timeout=30)
    assert cards.json()["cards"]
