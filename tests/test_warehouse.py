"""DrHouse, the data warehouse: its dictionary indexed table by table, never its rows.

A real PostgreSQL cluster (``tests/postgres.py``) serves a sample warehouse; Boussole reads
it with a role that may not SELECT anything. The demo corpus (catalogue records, the
conventions and their register) is indexed beside it, as a site would.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from assistant import factory
from assistant.settings import SourceSettings, load_settings
from indexing.reindex import Reindexer, Source, SourceStatus, runs_newest_first
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters
from tests.conftest import FakeEmbedder, make_pipeline
from tests.postgres import (
    DICTIONARY_ONLY_TABLE,
    DICTIONARY_YAML,
    PLANTED_VALUES,
    Warehouse,
    find_planted,
)
from tests.servers import environment

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo_corpus"
QUESTIONS = ROOT / "eval" / "questions" / "warehouse.jsonl"
PASSWORD_ENV = "BOUSSOLE_TEST_DRHOUSE_PASSWORD"
TABLES_AND_VIEWS = 48  # 41 tables, 6 views, 1 materialised view


def warehouse_settings(warehouse: Warehouse, **extra: Any) -> SourceSettings:
    return SourceSettings(
        name="drhouse",
        type="warehouse",
        url=warehouse.url,
        password_env=PASSWORD_ENV,
        dictionary=DICTIONARY_YAML,
        **extra,
    )


@pytest.fixture(scope="module")
def site(
    postgres_warehouse: Warehouse, model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The demo corpus and DrHouse declared as sources, reindexed by the real model."""
    folder = tmp_path_factory.mktemp("drhouse")
    settings_file = folder / "settings.yaml"
    settings_file.write_text(
        json.dumps(
            {
                "data_dir": str(folder / "data"),
                "embedding": {"model": str(model_dir)},
                "conventions": {
                    "register_file": str(ROOT / "demo_conventions.yaml"),
                    "root": str(DEMO),
                },
                "security": {"rate_limit": "100000/minute"},
                "sources": [
                    {"name": "demo", "type": "files", "path": str(DEMO)},
                    warehouse_settings(postgres_warehouse).model_dump(mode="json"),
                ],
            }
        ),
        "utf-8",
    )
    values = {"BOUSSOLE_SETTINGS": str(settings_file), PASSWORD_ENV: postgres_warehouse.password}
    with environment(values):
        from assistant.cli import app as cli

        result = CliRunner().invoke(cli, ["reindex"])
        assert result.exit_code == 0, result.output
        run = next(runs_newest_first(folder / "data" / "state"))
        yield {"settings": load_settings(), "run": run, "output": result.output}


def warehouse_payloads(site: dict[str, Any], fields: list[str]) -> list[dict[str, Any]]:
    store = factory.open_store(site["settings"])
    try:
        return store.payloads(fields, SearchFilters(kinds=("warehouse",)))
    finally:
        store.close()


@pytest.mark.slow
def test_every_table_and_view_is_a_document_with_its_dictionary(site: dict[str, Any]) -> None:
    drhouse = next(source for source in site["run"]["sources"] if source["name"] == "drhouse")
    assert drhouse["status"] == "succes" and drhouse["added"] == TABLES_AND_VIEWS
    assert any(DICTIONARY_ONLY_TABLE in notice for notice in drhouse["notices"])
    assert any("sans fiche dans le dictionnaire" in notice for notice in drhouse["notices"])
    assert "à vérifier" in site["output"]
    rows = {
        row["source_path"]: row
        for row in warehouse_payloads(site, ["source_path", "table", "access_groups", "title"])
    }
    assert len(rows) == TABLES_AND_VIEWS
    payments = rows["drhouse/aides_sociales.versements"]["table"]
    assert payments["owner"] and payments["description"]  # the dictionary's, over the comment
    assert "drhouse/finances.mv_subventions_par_commune" in rows  # materialised views too
    sensitive = {path for path, row in rows.items() if row["table"]["sensitive"]}
    assert len(sensitive) >= 4
    assert all(rows[path]["access_groups"] == ["dpo"] for path in sensitive)
    assert all(row["access_groups"] == ["public"] for p, row in rows.items() if p not in sensitive)


@pytest.mark.slow
def test_no_row_value_ever_reaches_the_index(
    site: dict[str, Any], postgres_warehouse: Warehouse
) -> None:
    # The values are in the rows (else this test could not fail)...
    rows = postgres_warehouse.admin_sql(
        "SELECT b::text FROM aides_sociales.beneficiaires b UNION ALL "
        "SELECT t::text FROM finances.tiers t UNION ALL "
        "SELECT m::text FROM finances.marches_publics m"
    )
    assert len(find_planted(rows)) >= 3, PLANTED_VALUES
    # ...and nowhere in the index: not in texts, titles, cards, labels or any payload.
    store = factory.open_store(site["settings"])
    try:
        everything = json.dumps(store.payloads([]), ensure_ascii=False)
        everything += json.dumps(store.payloads(["text", "title", "table", "freshness"]))
    finally:
        store.close()
    assert find_planted(everything) == []


@pytest.mark.slow
def test_needs_in_everyday_words_find_the_right_table(site: dict[str, Any]) -> None:
    from assistant.cli.common import search_service
    from assistant.datasets import DatasetSearch
    from eval.metrics import build_report, evaluate
    from eval.questions import load_questions
    from guardrails.access import Reader

    questions = load_questions(QUESTIONS)
    assert len(questions) >= 20
    with search_service(site["settings"], Reader.operator()) as service:
        finder = DatasetSearch(service)

        def retrieve(question: Any) -> list[str]:
            return [card.source_path for card in finder.search(question.question, k=10)]

        results = evaluate(questions, retrieve)
    report = build_report(results, questions_file=QUESTIONS.name, mode="dataset cards")
    figures = report["overall"]
    artifacts = os.environ.get("BOUSSOLE_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / "eval-warehouse.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), "utf-8"
        )
    print(f"DrHouse : Recall@5 {figures['recall@5']}, MRR@10 {figures['mrr@10']}")
    assert figures["recall@5"] >= 0.9, report["per_question"]


@pytest.mark.slow
def test_dataset_cards_show_tables_with_keys_owner_freshness_and_links(
    site: dict[str, Any],
) -> None:
    from assistant.api import create_app
    from assistant.security import add_api_key

    keys = site["settings"].data_dir / "keys.yaml"
    dpo = add_api_key(keys, "dpo-test", ["dpo"])
    settings = site["settings"].model_copy(
        update={"security": site["settings"].security.model_copy(update={"api_keys_file": keys})}
    )
    with TestClient(create_app(settings)) as client:
        cards = client.get(
            "/datasets", params={"q": "communes de la province avec leur code insee", "k": 10}
        ).json()["cards"]
        table = next(card for card in cards if card["kind"] == "warehouse")
        assert table["table"]["schema"] and table["table"]["key_columns"]
        linked = [card for card in cards if card["kind"] == "warehouse" and card["records"]]
        assert linked, [card["record_id"] for card in cards]
        assert linked[0]["records"][0]["record_id"].startswith("ps-dsin-")
        assert linked[0]["table"]["analysed"]  # freshness: the last analyse
        # The conventions that share a table's record are the DPO's to see.
        assert all(card["conventions"] == [] for card in cards)
        as_dpo = client.get(
            "/datasets",
            params={"q": "communes de la province avec leur code insee", "k": 10},
            headers={"X-API-Key": dpo},
        ).json()["cards"]
        assert any(card["conventions"] for card in as_dpo if card["kind"] == "warehouse")
        # A sensitive table is not even a card for someone outside the sensitive groups.
        agents = "liste des agents de la province avec leur matricule et leur adresse"
        public = client.get("/datasets", params={"q": agents, "k": 10}).json()["cards"]
        private = client.get(
            "/datasets", params={"q": agents, "k": 10}, headers={"X-API-Key": dpo}
        ).json()["cards"]
        sensitive = {c["source_path"] for c in private if c["table"] and c["table"]["sensitive"]}
        assert sensitive and not sensitive & {c["source_path"] for c in public}


# -- the weekly reindex on a warehouse that changes (plumbing: a fake embedder) -------------


def test_reindex_follows_the_warehouse_and_keeps_it_when_unreachable(
    fresh_postgres_warehouse: Warehouse,
    fake_embedder: FakeEmbedder,
    bm25: FrenchBm25,
    store: QdrantStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse = fresh_postgres_warehouse
    monkeypatch.setenv(PASSWORD_ENV, warehouse.password)
    source: Source = factory.warehouse_source(warehouse_settings(warehouse))
    reindexer = Reindexer(make_pipeline(fake_embedder, bm25, store), store)

    def run() -> dict[str, Any]:
        result = reindexer.run([source]).sources[0]
        return {
            "status": result.status,
            "added": result.added,
            "updated": result.updated,
            "deleted": result.deleted,
            "unchanged": result.unchanged,
        }

    def freshness(path: str) -> dict[str, Any]:
        rows = store.payloads(["freshness"], SearchFilters(source_path=path))
        return dict(rows[0]["freshness"])

    assert run()["added"] == TABLES_AND_VIEWS
    assert run() == {"status": SourceStatus.SUCCESS, "added": 0, "updated": 0, "deleted": 0,
                     "unchanged": TABLES_AND_VIEWS}  # fmt: skip
    # Rows change and statistics move: nothing re-embedded, the card's freshness follows.
    before = freshness("drhouse/territoire.communes")
    warehouse.admin_sql(
        "INSERT INTO territoire.communes SELECT * FROM territoire.communes LIMIT 0; "
        "ANALYZE territoire.communes"
    )
    assert run()["unchanged"] == TABLES_AND_VIEWS
    assert (
        freshness("drhouse/territoire.communes")["analysed"] != before["analysed"]
        or before["analysed"] is None
    )
    # A comment edited: that table only.
    warehouse.admin_sql("COMMENT ON TABLE rh.formations IS 'Sessions de formation suivies'")
    assert run()["updated"] == 1
    texts = store.payloads(["text"], SearchFilters(source_path="drhouse/rh.formations"))
    assert any("Sessions de formation suivies" in row["text"] for row in texts)
    # A dropped table leaves the index.
    warehouse.admin_sql("DROP TABLE environnement.autorisations_defrichement CASCADE")
    assert run()["deleted"] >= 1
    assert not store.payloads(
        ["doc_id"], SearchFilters(source_path="drhouse/environnement.autorisations_defrichement")
    )
    # The database down: the source fails, everything indexed stays.
    count = store.count()
    warehouse.cluster.stop()
    down = reindexer.run([source]).sources[0]
    assert down.status == SourceStatus.FAILED and "illisible" in (down.error or "")
    assert store.count() == count and down.deleted == 0


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("tables: [a, b]", "tables"),
        ("tables:\n  versements: {}", "schema.table"),
        ("tables:\n  rh.agents: {sensibilite: secrete}", "sensibilite"),
        ("tables:\n  rh.agents: {proprio: DRH}", "proprio"),
        ("tables:\n  rh.agents: {description: [a, b]}", "description"),
    ],
)
def test_a_bad_dictionary_names_the_table_and_field(
    tmp_path: Path, content: str, named: str
) -> None:
    from connectors.errors import SourceError
    from connectors.warehouse.dictionary import load_dictionary

    path = tmp_path / "dictionnaire.yaml"
    path.write_text(content, "utf-8")
    with pytest.raises(SourceError, match=named) as raised:
        load_dictionary(path)
    assert str(path) in raised.value.message


def test_a_missing_password_fails_the_source_not_the_run(
    fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    declared = SourceSettings(
        name="drhouse",
        type="warehouse",
        url="postgresql://boussole_lecture@127.0.0.1:9/drhouse",
        password_env="BOUSSOLE_TEST_ABSENT_PASSWORD",
    )
    reindexer = Reindexer(make_pipeline(fake_embedder, bm25, store), store)
    result = reindexer.run([factory.warehouse_source(declared, environ={})]).sources[0]
    assert result.status == SourceStatus.FAILED
    assert "BOUSSOLE_TEST_ABSENT_PASSWORD" in (result.error or "")
