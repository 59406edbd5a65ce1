"""The demo corpus that `make run` indexes: every file reads, every source kind is there."""

from __future__ import annotations

from pathlib import Path

from assistant.datasets import DatasetSearch
from assistant.search import SearchService
from assistant.settings import SearchMode, SearchSettings
from indexing.pipeline import RunStatus
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore
from tests.conftest import FakeEmbedder, index_folder, make_pipeline

DEMO = Path(__file__).resolve().parents[1] / "demo_corpus"


def test_demo_corpus_indexes_cleanly_and_answers(
    fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    report = index_folder(make_pipeline(fake_embedder, bm25, store), DEMO)
    assert report.status == RunStatus.SUCCESS, report.skipped
    assert report.documents_indexed == 14  # 8 procedures, 3 catalogue records, 3 conventions
    service = SearchService(
        embedder=fake_embedder,  # type: ignore[arg-type]
        sparse=bm25,
        store=store,
        settings=SearchSettings(),
    )
    cards = DatasetSearch(service).search(
        "les zones inondables le long d'une riviere", k=3, mode=SearchMode.SPARSE
    )
    assert cards[0].title.startswith("Zones inondables de la rivière Dumbéa")
    assert cards[0].links and cards[0].bbox is not None
    hits = service.search("combien de temps pour avoir le vpn", k=3, mode=SearchMode.SPARSE).hits
    assert hits[0].source_path.endswith("VPN pour le télétravail.md")
