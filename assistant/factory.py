"""Build the running parts from settings: the entry points' only way to get them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from assistant.answerability import AnswerabilityGate, GateModel
from assistant.answering import AnswerService, Writer
from assistant.links import CatalogueLinks
from assistant.query import QueryExpander
from assistant.ranking import DocumentRanker, missing_rank
from assistant.search import SearchService
from assistant.settings import Settings, SourceSettings, SourceType
from connectors.base import SourceDocument
from connectors.conventions.document import ConventionEnricher
from connectors.conventions.register import Register, load_register
from connectors.errors import ConfigurationError, IndexUnavailableError
from connectors.files import FilesConnector
from guardrails.access import AccessPolicy, AccessRule, Reader
from guardrails.pii import PiiConfig, PiiRedactor
from indexing.chunking import Chunker
from indexing.embedding import DenseEmbedder, DenseModelSpec
from indexing.generations import IndexGenerations
from indexing.path_seal import load_or_create_key
from indexing.pipeline import IndexingPipeline
from indexing.reindex import ReindexReport, Source, SourceStatus, files_source
from indexing.rerank import Reranker
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, StoreConfig


def model_spec(settings: Settings) -> DenseModelSpec:
    """The dense model the settings ask for."""
    embedding = settings.embedding
    return DenseModelSpec(
        model=embedding.model,
        models_dir=settings.models_dir,
        query_prefix=embedding.query_prefix,
        passage_prefix=embedding.passage_prefix,
        batch_size=embedding.batch_size,
        threads=embedding.threads,
    )


def open_store(settings: Settings, *, folder: Path | None = None) -> QdrantStore:
    """The Qdrant store: the server when a URL is set, else local files in the data dir.

    Local files: the generation in use (``indexing/generations.py``), or ``folder``.
    """
    qdrant = settings.qdrant
    if qdrant.url is None and folder is None:
        folder = IndexGenerations(settings.qdrant_path).live()
    return QdrantStore(
        StoreConfig(
            collection=qdrant.collection,
            path=None if qdrant.url else folder,
            url=qdrant.url,
            api_key=qdrant.api_key.get_secret_value() if qdrant.api_key else None,
            timeout_s=qdrant.timeout_s,
            path_key=load_or_create_key(settings.path_key_file),
        )
    )


def load_embedder(settings: Settings) -> DenseEmbedder:
    """Load the dense model (prepared beforehand; nothing downloads here)."""
    return DenseEmbedder(model_spec(settings))


def make_chunker(settings: Settings, embedder: DenseEmbedder) -> Chunker:
    """A chunker sized to the model's window."""
    chunking = settings.chunking
    if chunking.max_tokens > embedder.window:
        raise ConfigurationError(
            f"chunking.max_tokens ({chunking.max_tokens}) dépasse la fenêtre du modèle "
            f"{embedder.name} ({embedder.window} tokens) : les passages seraient tronqués."
        )
    return Chunker(
        embedder.tokenize,
        max_tokens=chunking.max_tokens,
        overlap_tokens=chunking.overlap_tokens,
        min_tokens=chunking.min_tokens,
        passage_prefix=embedder.passage_prefix,
    )


def make_redactor(settings: Settings) -> PiiRedactor:
    """The personal-data guard; raises (and nothing gets indexed) if it cannot start."""
    pii = settings.pii
    return PiiRedactor(
        PiiConfig(
            spacy_model=pii.spacy_model,
            entities=tuple(pii.entities),
            allow_list=tuple(pii.allow_list),
            score_threshold=pii.score_threshold,
            batch_size=pii.batch_size,
        )
    )


def make_pipeline(
    settings: Settings, embedder: DenseEmbedder, store: QdrantStore, redactor: PiiRedactor
) -> IndexingPipeline:
    """The indexing pipeline, its collection created or checked.

    The guard is built by the caller first, before anything touches the index, so that a
    guard that cannot start leaves the index as it was.
    """
    chunker = make_chunker(settings, embedder)
    store.ensure_collection(dim=embedder.dim, model=embedder.name)
    return IndexingPipeline(
        redactor=redactor,
        embedder=embedder,
        sparse=FrenchBm25(),
        chunker=chunker,
        store=store,
        access=access_policy(settings),
        batch_chunks=max(settings.embedding.batch_size * 2, 32),
    )


def access_policy(settings: Settings) -> AccessPolicy:
    """The access groups documents are indexed with, from the ``access`` settings."""
    access = settings.access
    return AccessPolicy(
        rules=tuple(
            AccessRule(
                groups=tuple(rule.groups), path=rule.path, source=rule.source, kind=rule.kind
            )
            for rule in access.rules
        ),
        defaults={kind: tuple(groups) for kind, groups in access.default_groups.items()},
        sensitive=tuple(access.sensitive_groups),
    )


def files_connector(settings: Settings, root: Path, kind: str | None) -> FilesConnector:
    """The files connector for a folder, with the per-file limits of the settings."""
    return FilesConnector(
        root,
        kind=kind,
        kind_by_folder=settings.kind_by_folder,
        max_file_bytes=settings.files.max_file_bytes,
        max_csv_rows=settings.files.max_csv_rows,
    )


def load_conventions_register(
    settings: Settings, path: Path | None = None, root: Path | None = None
) -> tuple[Register | None, Path]:
    """The DPO's register, if given or named in the settings, and the folder of its files.

    The files' folder is ``root``, else the ``conventions.root`` setting, else the
    register's own folder.
    """
    conventions = settings.conventions
    path = path or conventions.register_file
    root = root or conventions.root
    if path is None:
        return None, root or Path(".")
    root = root or path.parent
    return load_register(path, root), root


def convention_enricher(settings: Settings, index_root: Path) -> ConventionEnricher:
    """Joins an indexing run's convention documents to the register (when there is one)."""
    register, register_root = load_conventions_register(settings)
    return ConventionEnricher(register, register_root, index_root)


def catalogue_links(settings: Settings, search: SearchService) -> CatalogueLinks:
    """Register datasets matched to the indexed catalogue records (none without a register)."""
    register, _ = load_conventions_register(settings)
    return CatalogueLinks.for_reader(
        search,
        register.conventions if register else (),
        settings.access.default_groups.get("convention", []),
    )


def declared_sources(
    settings: Settings, *, only: str | None = None, full: bool = False
) -> tuple[list[Source], Callable[[ReindexReport], None]]:
    """The sources the settings declare (or the one named), and what to do after the run.

    A CSW source is harvested whole (records unchanged since are not re-embedded), so that
    records deleted from the catalogue are deleted here; with ``incremental`` it asks only
    for what changed since the last complete harvest, and deletes nothing until ``full``.
    The after-run step records each complete harvest, which incremental runs start from.
    """
    from datetime import UTC, datetime

    from connectors.catalogue.csw import CswHarvester, CswSource, HarvestState

    chosen = [source for source in settings.sources if only is None or source.name == only]
    if only is not None and not chosen:
        names = ", ".join(source.name for source in settings.sources) or "aucune"
        raise ConfigurationError(f"Source « {only} » inconnue ; sources déclarées : {names}.")
    state = HarvestState(settings.data_dir / "state" / "harvests.json")
    started = datetime.now(UTC)
    harvests: dict[str, tuple[CswSource, CswHarvester]] = {}
    sources = []
    for declared in chosen:
        groups = tuple(declared.groups)
        if declared.type == SourceType.FILES:
            sources.append(_files_source(settings, declared))
            continue
        if declared.type == SourceType.WAREHOUSE:
            sources.append(warehouse_source(declared))
            continue
        assert declared.url is not None
        csw = CswSource(
            url=declared.url,
            name=declared.name,
            timeout_s=declared.timeout_s,
            page_size=declared.page_size,
        )
        harvester = CswHarvester(csw)
        harvests[declared.name] = (csw, harvester)
        since = state.since(csw) if declared.incremental and not full else None
        sources.append(_harvested(declared.name, harvester, since, groups))

    def after(report: ReindexReport) -> None:
        for result in report.sources:
            if result.name in harvests and result.status != SourceStatus.FAILED:
                csw, harvester = harvests[result.name]
                if harvester.result.complete:
                    state.mark_complete(csw, started)

    return sources, after


def _files_source(settings: Settings, declared: SourceSettings) -> Source:
    """A declared folder, its convention documents joined to the register."""
    assert declared.path is not None  # checked by the settings
    return files_source(
        declared.name,
        files_connector(settings, declared.path, declared.kind),
        groups=tuple(declared.groups),
        enricher=convention_enricher(settings, declared.path),
        access=access_policy(settings).fingerprint,
    )


def warehouse_source(declared: SourceSettings, environ: Mapping[str, str] = os.environ) -> Source:
    """A warehouse's dictionary: one document per table or view, read whole each run.

    The password comes from the environment variable ``password_env`` names; the data
    dictionary (when given) is read at each run, and its disagreements with the database
    become the run's notices.
    """
    from connectors.warehouse.dictionary import load_dictionary
    from connectors.warehouse.document import mismatches, warehouse_documents
    from connectors.warehouse.postgres import WarehouseReader, connection_url

    url = declared.url
    assert url is not None  # checked by the settings
    found: list[str] = []

    def read(_: Mapping[str, str]) -> Iterator[SourceDocument]:
        password = None
        if declared.password_env:
            password = environ.get(declared.password_env)
            if password is None:
                raise ConfigurationError(
                    f"source « {declared.name} » : la variable d'environnement "
                    f"{declared.password_env} (mot de passe du rôle en lecture) n'est pas "
                    "définie."
                )
        reader = WarehouseReader(
            connection_url(url, password), schemas=declared.schemas, timeout_s=declared.timeout_s
        )
        dictionary = load_dictionary(declared.dictionary) if declared.dictionary else {}
        tables = reader.tables()  # raises when the database cannot be read: nothing changes
        found[:] = mismatches(tables, dictionary)
        yield from warehouse_documents(declared.name, tables, dictionary)

    return Source(declared.name, read, tuple(declared.groups), notices=lambda: list(found))


def _harvested(name: str, harvester: Any, since: Any, groups: tuple[str, ...]) -> Source:
    """A CSW source: complete only when a full harvest read every page."""

    def read(_: Mapping[str, str]) -> Any:
        return harvester.harvest(since)

    def complete() -> bool:
        return since is None and bool(harvester.result.complete)

    return Source(name, read, groups, complete=complete)


def make_answer_service(
    settings: Settings,
    search: SearchService,
    *,
    writer: Writer | None = None,
    gate: AnswerabilityGate | None = None,
) -> AnswerService:
    """Answers from the search service's passages, written as the settings choose.

    A long-lived caller passes the ``writer`` and ``gate`` it built once; the gate is then
    pointed at this reader's search service.
    """
    from assistant.llm import make_writer

    writer = writer or make_writer(settings.answer, search.sparse, search.expander)
    gate = (gate or make_gate(settings, search)).for_search(search)
    return AnswerService(search, writer, settings.answer, gate)


def make_gate(settings: Settings, search: SearchService) -> AnswerabilityGate:
    """The answerability gate of the settings' model file."""
    return AnswerabilityGate(search, GateModel.load(settings.answer.gate_file), search.expander)


def make_search_service(
    settings: Settings,
    embedder: DenseEmbedder,
    store: QdrantStore,
    reader: Reader | None = None,
) -> SearchService:
    """The retrieval service, over an index built for this model.

    It shows ``reader`` only the documents of their groups (no reader: public ones only);
    ``service.as_reader(...)`` gives the same service for another reader. A configured
    reranker is loaded first: one that cannot load stops the start, not the first query.
    """
    reranker = make_reranker(settings)
    problem = store.incompatibility(dim=embedder.dim, model=embedder.name)
    if problem:
        raise IndexUnavailableError(problem)
    sparse = FrenchBm25()
    return SearchService(
        embedder=embedder,
        sparse=sparse,
        store=store,
        settings=settings.search,
        expander=QueryExpander.load(settings.search.lexicon)
        if settings.search.expand_queries
        else None,
        max_query_chars=settings.api.max_query_chars,
        reader=reader or Reader.anonymous(),
        reranker=reranker,
        ranker=DocumentRanker.load(
            settings.search.ranker_file, sparse.stems, missing_rank=missing_rank(settings.search)
        )
        if settings.search.learned_ranking
        else None,
    )


def make_reranker(settings: Settings) -> Reranker | None:
    """The cross-encoder ``search.reranker`` names, loaded and tried; None when unset."""
    if settings.search.reranker is None:
        return None
    from indexing.rerank import load_reranker

    return load_reranker(
        settings.search.reranker, settings.models_dir, threads=settings.embedding.threads
    )
