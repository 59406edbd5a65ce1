"""Retrieval: a question in, ranked chunks with their citation fields out."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.query import QueryExpander
from assistant.ranking import DocumentRanker
from assistant.settings import SearchMode, SearchSettings
from connectors.errors import InvalidQueryError, ModelError
from guardrails.access import Reader
from indexing.embedding import DenseEmbedder
from indexing.rerank import Reranker
from indexing.sparse import FrenchBm25
from indexing.store import QdrantStore, SearchFilters


@dataclass(frozen=True)
class Hit:
    """One ranked passage and what a citation needs."""

    rank: int
    score: float
    source_path: str  # the key that opens the file: never shown (it may hold a name)
    title: str
    kind: str
    page: int | None
    heading: str | None
    text: str
    payload: dict[str, Any]  # every stored field (catalogue cards read theirs from here)
    similarity: float | None = None  # cosine with the question (None in sparse mode)
    display_path: str = ""  # the path people see, names in it replaced
    # Rank and score of the passage in each retrieval list (dense, bm25, bm25_label).
    ranks: dict[str, tuple[int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.display_path:
            object.__setattr__(self, "display_path", self.source_path)

    @classmethod
    def from_payload(
        cls,
        rank: int,
        score: float,
        payload: dict[str, Any],
        similarity: float | None = None,
        ranks: dict[str, tuple[int, float]] | None = None,
    ) -> Hit:
        """Build a hit from a stored chunk's payload."""
        return cls(
            rank=rank,
            score=score,
            source_path=str(payload.get("source_path", "")),
            # Indexes written before display paths existed have none (a reindex adds it).
            display_path=str(payload.get("display_path") or payload.get("source_path", "")),
            title=str(payload.get("title", "")),
            kind=str(payload.get("kind", "")),
            page=payload.get("page"),
            heading=payload.get("heading"),
            text=str(payload.get("text", "")),
            payload=payload,
            similarity=similarity,
            ranks=dict(ranks or {}),
        )

    def snippet(self, length: int = 240) -> str:
        """The passage shortened for a result list."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@dataclass(frozen=True)
class SearchResult:
    """Hits of one query and how long it took."""

    query: str
    mode: SearchMode
    hits: list[Hit]
    took_ms: float


class SearchService:
    """Embed a question, query the store, and return cited passages."""

    def __init__(
        self,
        *,
        embedder: DenseEmbedder,
        sparse: FrenchBm25,
        store: QdrantStore,
        settings: SearchSettings,
        expander: QueryExpander | None = None,
        max_query_chars: int = 2000,
        reader: Reader | None = None,
        reranker: Reranker | None = None,
        ranker: DocumentRanker | None = None,
    ) -> None:
        self.reader = reader or Reader.anonymous()
        self.ranker = ranker  # reorders the first documents of a hybrid search_documents
        self.reranker = reranker  # rescores the first passages of search_documents
        self.expander = expander
        self.embedder = embedder
        self.sparse = sparse
        self.store = store
        self.settings = settings
        self.max_query_chars = max_query_chars

    def as_reader(self, reader: Reader) -> SearchService:
        """The same service (same model, index and settings) for another reader."""
        view = copy.copy(self)
        view.reader = reader
        return view

    def over(self, store: QdrantStore) -> SearchService:
        """The same service (model, settings, rankers) over another index: a new generation."""
        view = copy.copy(self)
        view.store = store
        return view

    def restrict(self, filters: SearchFilters | None) -> SearchFilters:
        """``filters`` plus the reader's access groups: what every query of theirs uses."""
        return replace(filters or SearchFilters(), groups=self.reader.allowed())

    def payloads(
        self, fields: list[str], filters: SearchFilters | None = None
    ) -> list[dict[str, Any]]:
        """Payload fields of the chunks the reader may see, one per chunk."""
        return self.store.payloads(fields, self.restrict(filters))

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        mode: SearchMode | None = None,
        filters: SearchFilters | None = None,
    ) -> SearchResult:
        """Return the ``k`` best passages for ``query``."""
        started = time.perf_counter()
        query = " ".join(query.split())
        if not query:
            raise InvalidQueryError("La question est vide.")
        if len(query) > self.max_query_chars:
            raise InvalidQueryError(
                f"La question dépasse {self.max_query_chars} caractères ; raccourcissez-la."
            )
        k = k or self.settings.default_k
        if not 1 <= k <= self.settings.max_k:
            raise InvalidQueryError(f"k doit être compris entre 1 et {self.settings.max_k}.")
        mode = mode or self.settings.mode
        expanded = self.expander.expand(query) if self.expander else query
        dense = self.embedder.embed_query(expanded) if mode != SearchMode.SPARSE else None
        sparse = self.sparse.embed_query(expanded) if mode != SearchMode.DENSE else None
        label = self.sparse.embed_label_query(expanded) if mode != SearchMode.DENSE else None
        stored = self.store.search(
            dense=dense,
            sparse=sparse,
            sparse_label=label,
            limit=k,
            candidates=max(self.settings.candidates, k),
            filters=self.restrict(filters),
            rrf_k=self.settings.rrf_k,
            weights=(
                self.settings.dense_weight,
                self.settings.sparse_weight,
                self.settings.label_weight,
            ),
        )
        hits = [
            Hit.from_payload(i, s.score, s.payload, s.similarity, s.ranks)
            for i, s in enumerate(stored, start=1)
        ]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query=query, mode=mode, hits=hits, took_ms=round(took, 1))

    def search_documents(
        self,
        query: str,
        *,
        depth: int = 10,
        mode: SearchMode | None = None,
        filters: SearchFilters | None = None,
    ) -> tuple[SearchResult, list[list[Hit]]]:
        """The hits of ``query`` and the same hits grouped by document, best first.

        Documents are ranked on a pool of passages a few times ``depth``, whatever the
        caller then keeps: the evaluation and the answers see the same first document.
        """
        k = min(self.settings.max_k, depth * DOCUMENT_POOL)
        result = self.search(query, k=k, mode=mode, filters=filters)
        if self.reranker is not None:
            reranked = rerank_hits(
                result.query,
                result.hits,
                self.reranker,
                passages=self.settings.rerank_passages,
                rrf_k=self.settings.rrf_k,
            )
            result = replace(result, hits=reranked)
        evidence = self.settings.doc_evidence
        groups = group_hits(result.hits, lambda hit: hit.source_path, evidence)
        if self.ranker is not None and self.reranker is None and result.mode == SearchMode.HYBRID:
            scores = [document_score(group, evidence) for group in groups]
            groups = self.ranker.order(result.query, groups, scores)
        return result, groups[:depth]

    def chunks_holding(self, stems: Sequence[str]) -> dict[str, int]:
        """How many chunks the reader may see hold each stem (0: not in the index at all)."""
        ids = {stem: self.sparse.term_id(stem) for stem in dict.fromkeys(stems)}
        counts = self.store.chunks_with_terms(list(set(ids.values())), self.restrict(None))
        return {stem: counts.get(term, 0) for stem, term in ids.items()}

    def ranked_paths(
        self, query: str, *, depth: int = 10, mode: SearchMode | None = None
    ) -> list[str]:
        """Distinct source paths in rank order, as the evaluation scores them."""
        _, groups = self.search_documents(query, depth=depth, mode=mode)
        return [hits[0].source_path for hits in groups]


# Passages fetched per document wanted when ranking documents.
DOCUMENT_POOL = 5


# How many passages after a document's best one add to its score.
EVIDENCE_PASSAGES = 3


def group_hits(hits: Sequence[Hit], key: Callable[[Hit], str], evidence: float) -> list[list[Hit]]:
    """Hits grouped by document, best document first.

    A document scores its best passage plus ``evidence`` times the scores of its next few
    passages: one that answers in several places outranks one that matches once by luck.
    """
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(key(hit), []).append(hit)
    return sorted(groups.values(), key=lambda group: document_score(group, evidence), reverse=True)


def document_score(hits: Sequence[Hit], evidence: float) -> float:
    """A document's fused score: its best passage plus ``evidence`` times its next few."""
    scores = sorted((hit.score for hit in hits), reverse=True)
    return scores[0] + evidence * sum(scores[1 : 1 + EVIDENCE_PASSAGES])


# --------------------------------------------------------------------------- reranking


def rerank_hits(
    query: str, hits: Sequence[Hit], reranker: Reranker, *, passages: int, rrf_k: int
) -> list[Hit]:
    """The first ``passages`` hits in the reranker's order, the others after them as they were.

    A cross-encoder's scores (logits) are on no common scale with the fused scores, so every
    hit then scores by its new rank, ``1 / (rrf_k + rank)``, as in a single RRF list: the
    documents are grouped on the reranked order, and the hits beyond the reranked head keep
    their place after it. Equal reranker scores keep the fused order.
    """
    head, tail = list(hits[:passages]), list(hits[passages:])
    if not head:
        return list(hits)
    scores = reranker.rerank(query, [_rerank_text(hit) for hit in head])
    if len(scores) != len(head):
        raise ModelError(f"Le reclasseur a rendu {len(scores)} scores pour {len(head)} passages.")
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    ranked = [head[i] for i in order] + tail
    return [
        replace(hit, rank=rank, score=1.0 / (rrf_k + rank))
        for rank, hit in enumerate(ranked, start=1)
    ]


def _rerank_text(hit: Hit) -> str:
    """The passage as the reranker reads it: its title and heading first, as it was embedded."""
    context = hit.title
    if hit.heading and hit.heading != hit.title:
        context = f"{hit.title} — {hit.heading}" if hit.title else hit.heading
    return f"{context}\n{hit.text}" if context else hit.text
