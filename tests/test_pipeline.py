"""Indexing into real Qdrant local mode, with a fake embedder (plumbing only)."""

from __future__ import annotations

from pathlib import Path

from assistant.search import SearchService
from assistant.settings import SearchMode, SearchSettings
from indexing.pipeline import RunStatus
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters
from tests.conftest import FakeEmbedder, index_folder, make_pipeline
from tests.factories import write_pdf, write_scanned_pdf


def service(embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore) -> SearchService:
    return SearchService(
        embedder=embedder,  # type: ignore[arg-type]
        sparse=bm25,
        store=store,
        settings=SearchSettings(),
    )


def write_corpus(root: Path) -> None:
    (root / "rh").mkdir(parents=True)
    (root / "rh" / "congés.md").write_text(
        "# Congés annuels\nLa demande de congés se fait quinze jours avant le départ.\n"
        "## Validation\nLe chef de service valide la demande dans le logiciel RH.",
        "utf-8",
    )
    (root / "informatique.md").write_text(
        "# Mot de passe\nLe mot de passe doit comporter douze caractères et être changé "
        "chaque année.",
        "utf-8",
    )
    write_pdf(
        root / "reglement.pdf",
        [
            "Article 1 - Objet\nLe reglement encadre le teletravail.",
            "Article 2 - Jours\nDeux jours de teletravail par semaine au maximum.",
        ],
    )


def test_index_then_search_returns_cited_hits(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    write_corpus(tmp_path / "docs")
    report = index_folder(make_pipeline(fake_embedder, bm25, store), tmp_path / "docs")
    assert report.status == RunStatus.SUCCESS
    assert report.documents_indexed == 3 and report.chunks_written >= 4
    result = service(fake_embedder, bm25, store).search(
        "combien de jours de teletravail par semaine", k=3, mode=SearchMode.SPARSE
    )
    top = result.hits[0]
    assert (top.source_path, top.page, top.heading) == ("reglement.pdf", 2, "Article 2 - Jours")
    assert "Deux jours" in top.text


def test_accents_do_not_matter_to_bm25(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    write_corpus(tmp_path / "docs")
    index_folder(make_pipeline(fake_embedder, bm25, store), tmp_path / "docs")
    hits = (
        service(fake_embedder, bm25, store)
        .search("conges validation chef", mode=SearchMode.SPARSE)
        .hits
    )
    assert hits[0].source_path == "rh/congés.md"


def test_filters_by_kind_and_folder(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    write_corpus(tmp_path / "docs")
    index_folder(make_pipeline(fake_embedder, bm25, store), tmp_path / "docs")
    searcher = service(fake_embedder, bm25, store)
    in_rh = searcher.search("demande", filters=SearchFilters(path_prefix="rh")).hits
    assert in_rh and {h.source_path for h in in_rh} == {"rh/congés.md"}
    none = searcher.search("demande", filters=SearchFilters(kinds=("convention",))).hits
    assert none == []


def test_unchanged_documents_are_not_reembedded(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    write_corpus(tmp_path / "docs")
    pipeline = make_pipeline(fake_embedder, bm25, store)
    first = index_folder(pipeline, tmp_path / "docs")
    count = store.count()
    (tmp_path / "docs" / "informatique.md").write_text(
        "# Mot de passe\nLe mot de passe doit comporter quatorze caractères.", "utf-8"
    )
    second = index_folder(pipeline, tmp_path / "docs")
    assert second.documents_unchanged == 2 and second.documents_indexed == 1
    assert store.count() == count - first.chunks_written + first.chunks_written  # same shape
    texts = [
        h.text
        for h in service(fake_embedder, bm25, store)
        .search("mot de passe caractères", mode=SearchMode.SPARSE)
        .hits
        if h.source_path == "informatique.md"
    ]
    assert texts and all("quatorze" in t for t in texts)  # the old version is gone


def test_a_file_that_turns_bad_keeps_its_indexed_version(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    pipeline = make_pipeline(fake_embedder, bm25, store)
    index_folder(pipeline, docs)
    before = store.count()
    write_scanned_pdf(docs / "reglement.pdf")  # the PDF is replaced by a scan
    (docs / "informatique.md").write_bytes(b"\x00\x01binary")
    (docs / "nouveau.txt").write_bytes("Délai".encode("latin-1"))
    report = index_folder(pipeline, docs)
    assert report.status == RunStatus.PARTIAL
    assert {s.path for s in report.skipped} == {"reglement.pdf", "informatique.md", "nouveau.txt"}
    assert store.count() == before
    hits = service(fake_embedder, bm25, store).search("teletravail", mode=SearchMode.SPARSE).hits
    assert hits[0].source_path == "reglement.pdf"


def test_chunks_never_exceed_the_window(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    long_text = " ".join(f"Phrase numéro {i} du règlement sur les congés." for i in range(400))
    (tmp_path / "long.md").write_text(f"# Long\n{long_text}\n\nmot" + "x" * 5000, "utf-8")
    pipeline = make_pipeline(fake_embedder, bm25, store, max_tokens=64)
    report = index_folder(pipeline, tmp_path)
    assert report.chunks_written > 20
    from connectors.files import FilesConnector

    doc = next(iter(FilesConnector(tmp_path).scan()))
    chunks = pipeline.chunker.chunk(doc)  # type: ignore[arg-type]
    assert max(pipeline.chunker.count(c.embed_text) for c in chunks) <= 64
    joined = " ".join(c.text for c in chunks)
    assert "numéro 399" in joined and "numéro 0 " in joined  # nothing dropped


def test_the_document_title_is_a_search_field(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    (docs / "hubee").mkdir(parents=True)
    (docs / "hubee" / "cgu.md").write_text(
        "# Conditions d'utilisation\nLe service notifie les incidents sous 24 heures.", "utf-8"
    )
    (docs / "autre.md").write_text(
        "# Autre service\nLe service notifie les incidents sous 24 heures aussi.", "utf-8"
    )
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    hits = (
        service(fake_embedder, bm25, store)
        .search("hubee notifie les incidents", mode=SearchMode.SPARSE)
        .hits
    )
    assert hits[0].source_path == "hubee/cgu.md"  # "hubee" is only in its path


def test_a_name_in_the_title_outranks_the_same_words_apart(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "Le service délivre les données à hauteur de 20 appels par seconde et par jeton."
    (docs / "a.md").write_text(f"# CGU API Impôt particulier\n{body}", "utf-8")
    (docs / "b.md").write_text(
        f"# Conditions générales d'utilisation de l'API particulier, version 2022\n{body}",
        "utf-8",
    )
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    hits = (
        service(fake_embedder, bm25, store)
        .search("l'api particulier accepte combien d'appels par seconde", mode=SearchMode.SPARSE)
        .hits
    )
    # Both labels hold "api" and "particulier", the shorter one would win on words alone;
    # only the two words side by side point to the right one.
    assert hits[0].source_path == "b.md"


def test_an_index_built_with_another_model_is_refused(
    tmp_path: Path, fake_embedder: FakeEmbedder, store: QdrantStore
) -> None:
    import pytest

    from connectors.errors import ConfigurationError

    store.ensure_collection(dim=64, model="fake-hash-64")
    with pytest.raises(ConfigurationError, match="--rebuild"):
        store.ensure_collection(dim=384, model="multilingual-e5-small")


def test_in_memory_bm25_ranks_exactly_like_qdrant(
    tmp_path: Path, fake_embedder: FakeEmbedder, bm25: FrenchBm25, store: QdrantStore
) -> None:
    docs = tmp_path / "docs"
    write_corpus(docs)
    (docs / "rh" / "télétravail.md").write_text(
        # Wording that gives no exact BM25 tie with congés.md: tied points may come back
        # in either order, from Qdrant as from numpy.
        "# Télétravail\nLa demande de télétravail se fait par écrit auprès du chef de service.\n"
        "## Jours\nDeux jours de télétravail par semaine.",
        "utf-8",
    )
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    searcher = service(fake_embedder, bm25, store)
    cases = [
        ("demande de congés au chef de service", None),
        ("teletravail jours par semaine", None),
        ("mot de passe douze caractères", None),
        ("demande", SearchFilters(path_prefix="rh")),
        ("demande", SearchFilters(kinds=("procedure",), doc_ids=("rh/congés.md",))),
    ]
    for query, filters in cases:
        for mode in (SearchMode.HYBRID, SearchMode.SPARSE):
            store.in_memory_bm25 = True
            fast = searcher.search(query, k=8, mode=mode, filters=filters).hits
            store.in_memory_bm25 = False
            slow = searcher.search(query, k=8, mode=mode, filters=filters).hits
            assert [(h.source_path, h.text) for h in fast] == [
                (h.source_path, h.text) for h in slow
            ], (query, mode)
            assert [round(h.score, 6) for h in fast] == [round(h.score, 6) for h in slow], (
                query,
                mode,
                filters,
            )
            # Each hit's rank and score in each list, which the document ranker reads.
            assert [
                {name: (rank, round(score, 4)) for name, (rank, score) in h.ranks.items()}
                for h in fast
            ] == [
                {name: (rank, round(score, 4)) for name, (rank, score) in h.ranks.items()}
                for h in slow
            ], (query, mode)
            assert all(h.ranks for h in fast)
    store.in_memory_bm25 = True
    (docs / "informatique.md").unlink()
    (docs / "rh" / "nouveau.md").write_text("# Badge\nLe badge se demande à l'accueil.", "utf-8")
    index_folder(make_pipeline(fake_embedder, bm25, store), docs)
    assert searcher.search("badge accueil", mode=SearchMode.SPARSE).hits[0].source_path == (
        "rh/nouveau.md"
    )  # the cache follows writes
