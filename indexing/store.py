"""The one module that talks to Qdrant.

One collection holds every chunk with a named dense vector ``dense`` (cosine) and a
named sparse vector ``bm25`` (IDF computed by Qdrant). Local mode (a folder, no server)
by default; a Qdrant server when a URL is configured — same calls either way.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models
from qdrant_client.hybrid.fusion import reciprocal_rank_fusion

from connectors.errors import ConfigurationError, IndexUnavailableError
from indexing.local_sparse import LocalSparseIndex, SparseMatrix
from indexing.path_seal import PathSealer
from indexing.sparse import SparseVector

logger = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "bm25"
SPARSE_LABEL = "bm25_label"  # title, heading and path words: a short, heavily weighted field
SCHEMA_VERSION = 2
_KEYWORD_FIELDS = (
    "doc_id",
    "source_path",
    "path_prefixes",
    "kind",
    "file_type",
    "version",
    "facets",
    "record_id",
    "party_keys",
    "dataset_keys",
    "source",
    "access_groups",
)
_ID_NAMESPACE = uuid.UUID("6f1b9a52-3f3e-4c55-9d8c-0b5a2f2e6d11")


@dataclass(frozen=True)
class StoreConfig:
    """Where the index is: a local folder, or a server URL."""

    collection: str
    path: Path | None = None
    url: str | None = None
    api_key: str | None = None
    timeout_s: int = 30
    # Seals the keys of documents whose path names a person (``indexing.path_seal``);
    # None stores every key in clear (tests of plumbing).
    path_key: bytes | None = None


@dataclass(frozen=True)
class ChunkRecord:
    """One chunk ready to store: its vectors and its payload."""

    doc_id: str
    index: int
    dense: list[float]
    sparse: SparseVector
    sparse_label: SparseVector
    payload: dict[str, Any]


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions on what a search may return."""

    kinds: tuple[str, ...] = ()
    path_prefix: str | None = None
    source_path: str | None = None  # one file, as citations name it
    doc_ids: tuple[str, ...] = field(default_factory=tuple)
    # Catalogue records: a theme or topic (folded: "hydrographie"), an extent the record
    # must overlap (west, south, east, north), a last update on or after a date.
    facet: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    updated_after: date | None = None
    # Conventions: named parties (all required) and dataset (folded, as the payload keys
    # them), an end date within a window.
    parties: tuple[str, ...] = ()
    dataset: str | None = None
    ends_after: date | None = None
    ends_before: date | None = None
    source: str | None = None  # the declared source a document came from (reindex)
    # The reader's access groups: a document is returned only if it has one of them.
    # None means unrestricted (the operator's command line); never applied after retrieval.
    groups: tuple[str, ...] | None = None

    @property
    def empty(self) -> bool:
        """True when nothing is filtered."""
        return _to_filter(self) is None


_KEYS = ("doc_id", "source_path")  # the payload fields that hold a document's path


@dataclass(frozen=True)
class StoredHit:
    """A chunk returned by a query, with its fused score.

    ``similarity`` is the cosine between the query's dense vector and the chunk's: fused
    scores only order, this one says how close the best passage really is (abstention).
    """

    score: float
    payload: dict[str, Any]
    similarity: float | None = None
    # Rank (from 1) and score of the chunk in each list it came from: dense, bm25, bm25_label.
    ranks: dict[str, tuple[int, float]] = field(default_factory=dict)


def point_id(doc_id: str, content_hash: str, index: int) -> str:
    """Deterministic id: one version of one chunk of one document."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{doc_id}\x1f{content_hash}\x1f{index}"))


class QdrantStore:
    """Create, fill and query the Boussole collection."""

    def __init__(self, config: StoreConfig, *, in_memory_bm25: bool = True) -> None:
        self.config = config
        self.collection = config.collection
        self.client = _connect(config)
        self.sealer = PathSealer(config.path_key) if config.path_key is not None else None
        # Local mode scores sparse vectors in slow pure Python; score them here instead.
        # The local file lock guarantees no other process writes behind this cache.
        self.in_memory_bm25 = in_memory_bm25 and config.url is None
        self._sparse_index: LocalSparseIndex | None = None
        self._filtered: dict[str, set[Any]] = {}  # points each filter lets through

    def close(self) -> None:
        """Release the local-mode lock or the server connection."""
        self.client.close()

    # -- collection ------------------------------------------------------------------
    def exists(self) -> bool:
        """True when the collection has been created."""
        return bool(self.client.collection_exists(self.collection))

    def metadata(self) -> dict[str, Any]:
        """What the collection was built with (model, dimension, schema)."""
        if not self.exists():
            return {}
        info = self.client.get_collection(self.collection)
        return dict(info.config.metadata or {})

    def incompatibility(self, *, dim: int, model: str) -> str | None:
        """Why the existing collection cannot serve this model and schema, if it cannot."""
        if not self.exists():
            return None
        have = self.metadata()
        if have == {"model": model, "dim": dim, "schema": SCHEMA_VERSION}:
            return None
        built = f"{have.get('model')} ({have.get('dim')} dim., schéma {have.get('schema')})"
        return (
            f"L'index « {self.collection} » a été construit avec {built} ; le réglage "
            f"actuel demande {model} ({dim} dim., schéma {SCHEMA_VERSION}). "
            "Reconstruisez l'index : `boussole index CHEMIN --rebuild`."
        )

    def ensure_collection(self, *, dim: int, model: str) -> None:
        """Create the collection, or check it was built with the same model and schema."""
        problem = self.incompatibility(dim=dim, model=model)
        if problem:
            raise ConfigurationError(problem)
        if self.exists():
            return
        wanted = {"model": model, "dim": dim, "schema": SCHEMA_VERSION}
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={
                name: models.SparseVectorParams(modifier=models.Modifier.IDF)
                for name in (SPARSE, SPARSE_LABEL)
            },
            metadata=wanted,
        )
        if self.config.url is None:
            return  # local mode scans payloads; indexes only matter on a server
        for name in _KEYWORD_FIELDS:
            self.client.create_payload_index(
                self.collection, name, field_schema=models.PayloadSchemaType.KEYWORD
            )
        self.client.create_payload_index(
            self.collection, "page", field_schema=models.PayloadSchemaType.INTEGER
        )
        for name in ("west", "south", "east", "north"):
            self.client.create_payload_index(
                self.collection, name, field_schema=models.PayloadSchemaType.FLOAT
            )
        for name in ("updated", "ends_on"):
            self.client.create_payload_index(
                self.collection, name, field_schema=models.PayloadSchemaType.DATETIME
            )

    def drop(self) -> None:
        """Delete the whole collection."""
        self._forget_local_index()
        if self.exists():
            self.client.delete_collection(self.collection)

    def count(self) -> int:
        """Number of chunks stored."""
        if not self.exists():
            return 0
        return int(self.client.count(self.collection, exact=True).count)

    # -- documents -------------------------------------------------------------------
    def document_versions(self, source: str | None = None) -> dict[str, str]:
        """``doc_id -> version`` of every stored document (of one source, when given).

        A document whose chunks are not exactly one complete version (a run killed between
        writing a new version and deleting the old one, or mid-write) gets the version
        ``""``: it matches nothing, so the next run writes it again and clears the rest.
        """
        if not self.exists():
            return {}
        filters = SearchFilters(source=source) if source is not None else None
        seen: dict[str, dict[str, list[int]]] = {}  # doc -> version -> [count, total]
        fields = ["doc_id", "version", "chunks_total"]
        for point in self._all_points(fields, with_vectors=False, filters=filters):
            payload = point.payload or {}
            versions = seen.setdefault(self.open_key(str(payload["doc_id"])), {})
            entry = versions.setdefault(str(payload.get("version", "")), [0, -1])
            entry[0] += 1
            entry[1] = int(payload.get("chunks_total", -1))
        result = {}
        for doc_id, versions in seen.items():
            (version, (count, total)), *others = versions.items()
            complete = not others and (total < 0 or count == total)
            result[doc_id] = version if complete else ""
        return result

    def replace_document(self, doc_id: str, version: str, chunks: Sequence[ChunkRecord]) -> None:
        """Store a document's new chunks, then delete its chunks of any other version.

        Between the two steps a search could meet both versions: ``search`` keeps only the
        newer one's chunks, so a document is never seen twice, nor missing.
        """
        written = time.time_ns()
        sealed = self._sealed_keys(chunks[0].payload, doc_id) if chunks else {}
        points = [
            models.PointStruct(
                id=point_id(doc_id, version, chunk.index),
                vector={
                    DENSE: chunk.dense,
                    SPARSE: _sparse(chunk.sparse),
                    SPARSE_LABEL: _sparse(chunk.sparse_label),
                },
                payload={
                    **chunk.payload,
                    "doc_id": doc_id,
                    **sealed,
                    "version": version,
                    # For crash recovery (complete versions only) and for searches that
                    # meet two versions while one replaces the other (the newer wins).
                    "chunks_total": len(chunks),
                    "indexed_at": written,
                },
            )
            for chunk in chunks
        ]
        self._forget_local_index()
        if points:
            self.client.upsert(self.collection, points=points, wait=True)
        stale = models.Filter(
            must=[self._key_condition("doc_id", [doc_id])],
            must_not=[models.FieldCondition(key="version", match=models.MatchValue(value=version))],
        )
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=stale))

    def set_document_payload(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Set payload fields on every chunk of a document (nothing re-embedded)."""
        self.client.set_payload(
            self.collection,
            payload=fields,
            points=models.Filter(must=[self._key_condition("doc_id", [doc_id])]),
        )

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every chunk of the given documents."""
        if not doc_ids:
            return
        self._forget_local_index()
        selector = models.Filter(must=[self._key_condition("doc_id", doc_ids)])
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=selector))

    def payloads(
        self, fields: list[str], filters: SearchFilters | None = None, *, opened: bool = False
    ) -> list[dict[str, Any]]:
        """The given payload fields of every chunk a filter lets through (one per chunk).

        Sealed keys stay sealed (they open ``/documents`` as they are) unless ``opened``:
        reindexing compares them with the paths it finds.
        """
        if not self.exists():
            return []
        rows = [
            dict(point.payload or {})
            for point in self._all_points(fields, with_vectors=False, filters=filters)
        ]
        if opened:
            for row in rows:
                row.update({key: self.open_key(str(row[key])) for key in _KEYS if key in row})
        return rows

    # -- sealed keys -----------------------------------------------------------------
    def _sealed_keys(self, payload: dict[str, Any], doc_id: str) -> dict[str, str]:
        """The document's keys sealed, when its path names a person (display path differs)."""
        source = str(payload.get("source_path", ""))
        shown = payload.get("display_path")
        if self.sealer is None or shown is None or shown == source:
            return {}
        return {"doc_id": self.sealer.seal(doc_id), "source_path": self.sealer.seal(source)}

    def open_key(self, value: str) -> str:
        """The path a sealed key stands for (``value`` itself when it is not sealed)."""
        return self.sealer.open(value) if self.sealer is not None else value

    def _key_condition(self, key: str, values: Sequence[str]) -> models.FieldCondition:
        """Match a key whether it is stored in clear or sealed."""
        wanted = list(values)
        if self.sealer is not None:
            wanted = list(dict.fromkeys(v for value in values for v in self.sealer.variants(value)))
        return models.FieldCondition(key=key, match=models.MatchAny(any=wanted))

    def _filter(self, filters: SearchFilters | None) -> models.Filter | None:
        """A query filter; the keys it names match their sealed form too."""
        return _to_filter(filters, self._key_condition)

    # -- queries ---------------------------------------------------------------------
    def search(
        self,
        *,
        dense: list[float] | None,
        sparse: SparseVector | None,
        limit: int,
        sparse_label: SparseVector | None = None,
        candidates: int,
        filters: SearchFilters | None = None,
        rrf_k: int = 60,
        weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
    ) -> list[StoredHit]:
        """Rank chunks by reciprocal rank fusion of up to three lists.

        The lists are the dense neighbours, BM25 on the chunk text and BM25 on the chunk's
        label (title, heading, path); ``weights`` follow that order. A missing query (dense
        or sparse) leaves its lists out; ``sparse_label`` (default: ``sparse``) queries the
        label field. Each list is ranked by Qdrant (or, in local mode, by numpy over the same
        vectors) and fused here, so that every hit also tells its rank and score in each
        list (``StoredHit.ranks``), which the document ranker reads.
        """
        if not self.exists():
            raise IndexUnavailableError(
                "L'index est vide : lancez d'abord `boussole index CHEMIN`."
            )
        rankings: list[tuple[str, list[float] | SparseVector]] = []
        used: list[float] = []
        if dense is not None:
            rankings.append((DENSE, dense))
            used.append(weights[0])
        if sparse is not None and sparse.indices:
            label_query = sparse_label or sparse
            for name, weight, query in (
                (SPARSE, weights[1], sparse),
                (SPARSE_LABEL, weights[2], label_query),
            ):
                if weight > 0:
                    rankings.append((name, query))
                    used.append(weight)
        if not rankings:
            return []
        if self.in_memory_bm25:
            lists = self._lists_in_memory(rankings, candidates, filters)
        else:
            lists = self._lists_from_qdrant(rankings, candidates, filters)
        fused = reciprocal_rank_fusion(
            [
                [models.ScoredPoint(id=pid, version=0, score=score) for pid, score in ranked]
                for ranked in lists
            ],
            limit=limit,
            ranking_constant_k=rrf_k,
            weights=used,
        )
        ranks: dict[Any, dict[str, tuple[int, float]]] = {}
        for (name, _), ranked in zip(rankings, lists, strict=True):
            for position, (pid, score) in enumerate(ranked, start=1):
                ranks.setdefault(pid, {})[name] = (position, score)
        ids = [point.id for point in fused]
        points = {
            point.id: point
            for point in self.client.retrieve(
                self.collection,
                ids=ids,
                with_payload=True,
                with_vectors=[DENSE] if dense is not None and not self.in_memory_bm25 else False,
            )
        }
        if dense is None:
            similarity: dict[Any, float | None] = {}
        elif self.in_memory_bm25:
            similarity = dict(self._local_sparse_index().similarity(dense, ids))
        else:
            similarity = {pid: _cosine(dense, point.vector) for pid, point in points.items()}
        return _newest_versions(
            [
                StoredHit(
                    score=float(point.score),
                    payload=dict(points[point.id].payload or {}),
                    similarity=similarity.get(point.id),
                    ranks=ranks.get(point.id, {}),
                )
                for point in fused
                if point.id in points
            ]
        )

    def _lists_in_memory(
        self,
        rankings: list[tuple[str, list[float] | SparseVector]],
        candidates: int,
        filters: SearchFilters | None,
    ) -> list[list[tuple[Any, float]]]:
        """Each list's best points, scored by numpy over the vectors Qdrant stores."""
        index = self._local_sparse_index()
        mask = index.mask(self._matching_ids(filters))
        return [
            index.top_dense(query, candidates, mask)
            if isinstance(query, list)
            else index.top(name, query, candidates, mask)
            for name, query in rankings
        ]

    def _lists_from_qdrant(
        self,
        rankings: list[tuple[str, list[float] | SparseVector]],
        candidates: int,
        filters: SearchFilters | None,
    ) -> list[list[tuple[Any, float]]]:
        """Each list's best points, ranked by Qdrant in one batch request."""
        query_filter = self._filter(filters)
        responses = self.client.query_batch_points(
            self.collection,
            requests=[
                models.QueryRequest(
                    query=query if isinstance(query, list) else _sparse(query),
                    using=name,
                    limit=candidates,
                    filter=query_filter,
                    with_payload=False,
                )
                for name, query in rankings
            ],
        )
        return [
            [(point.id, float(point.score)) for point in response.points] for response in responses
        ]

    def chunks_with_terms(
        self, terms: Sequence[int], filters: SearchFilters | None = None
    ) -> dict[int, int]:
        """How many chunks (that ``filters`` let through) hold each BM25 term of the text.

        Local mode counts them in memory; a server is asked whether any chunk holds each
        term (1 or 0), which is what answerability needs: is the word in the index at all.
        """
        if not terms or not self.exists():
            return dict.fromkeys(terms, 0)
        if self.in_memory_bm25:
            index = self._local_sparse_index()
            mask = index.mask(self._matching_ids(filters))
            return index.matrices[SPARSE].chunks_with(terms, mask)
        query_filter = self._filter(filters)
        counts = {}
        for term in terms:
            response = self.client.query_points(
                self.collection,
                query=models.SparseVector(indices=[term], values=[1.0]),
                using=SPARSE,
                limit=1,
                query_filter=query_filter,
                with_payload=False,
            )
            counts[term] = len(response.points)
        return counts

    def _all_points(
        self,
        payload_fields: list[str],
        *,
        with_vectors: bool | list[str],
        filters: SearchFilters | None = None,
    ) -> Iterator[models.Record]:
        """Every point of the collection (that the filter lets through), page by page."""
        offset: Any = None
        while True:
            points, offset = self.client.scroll(
                self.collection,
                scroll_filter=self._filter(filters),
                limit=1024,
                offset=offset,
                with_payload=payload_fields,
                with_vectors=with_vectors,
            )
            yield from points
            if offset is None:
                return

    def warm(self) -> None:
        """Build the in-memory copies now, so that the first search is as fast as the next."""
        if self.in_memory_bm25 and self.exists():
            self._local_sparse_index()

    def _forget_local_index(self) -> None:
        """Writes change what the in-memory copies hold: rebuild them on the next search."""
        self._sparse_index = None
        self._filtered = {}

    def _matching_ids(self, filters: SearchFilters | None) -> set[Any] | None:
        """Ids of the points a filter lets through, as Qdrant itself decides; None = all.

        Asking Qdrant keeps one definition of what each filter means for both paths; the
        answer is kept until the next write (searches repeat the same few filters).
        """
        query_filter = self._filter(filters)
        if query_filter is None:
            return None
        key = repr(filters)
        if key in self._filtered:
            return self._filtered[key]
        ids: set[Any] = set()
        offset: Any = None
        while True:
            points, offset = self.client.scroll(
                self.collection,
                scroll_filter=query_filter,
                limit=4096,
                offset=offset,
                with_payload=False,
                with_vectors=False,
            )
            ids.update(point.id for point in points)
            if offset is None:
                self._filtered[key] = ids
                return ids

    def _local_sparse_index(self) -> LocalSparseIndex:
        if self._sparse_index is not None:
            return self._sparse_index
        ids: list[Any] = []
        vectors: dict[str, list[SparseVector | None]] = {SPARSE: [], SPARSE_LABEL: []}
        dense: list[list[float]] = []
        points = self._all_points([], with_vectors=[DENSE, SPARSE, SPARSE_LABEL])
        for point in points:
            ids.append(point.id)
            stored = point.vector if isinstance(point.vector, dict) else {}
            dense.append(list(stored.get(DENSE) or []))  # type: ignore[arg-type]
            for name, column in vectors.items():
                vector = stored.get(name)
                column.append(
                    SparseVector(list(vector.indices), list(vector.values))
                    if isinstance(vector, models.SparseVector)
                    else None
                )
        self._sparse_index = LocalSparseIndex(
            ids, {name: SparseMatrix(column) for name, column in vectors.items()}, dense
        )
        return self._sparse_index


def _newest_versions(hits: list[StoredHit]) -> list[StoredHit]:
    """Hits without the chunks of a document's older version, when both are met."""
    newest: dict[str, tuple[int, str]] = {}
    for hit in hits:
        stamp = (int(hit.payload.get("indexed_at", 0)), str(hit.payload.get("version", "")))
        doc_id = str(hit.payload.get("doc_id", ""))
        if doc_id not in newest or stamp > newest[doc_id]:
            newest[doc_id] = stamp
    return [
        hit
        for hit in hits
        if str(hit.payload.get("version", "")) == newest[str(hit.payload.get("doc_id", ""))][1]
    ]


def _cosine(query: list[float], stored: Any) -> float | None:
    """Cosine of the query and a point's dense vector, as Qdrant returned it."""
    vector = stored.get(DENSE) if isinstance(stored, dict) else stored
    if not vector:
        return None
    a, b = np.asarray(query, dtype=np.float64), np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm else None


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


KeyCondition = Callable[[str, Sequence[str]], models.FieldCondition]


def _clear_keys(key: str, values: Sequence[str]) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchAny(any=list(values)))


def _to_filter(
    filters: SearchFilters | None, key_condition: KeyCondition = _clear_keys
) -> models.Filter | None:
    if filters is None:
        return None
    must: list[Any] = []
    if filters.kinds:
        must.append(
            models.FieldCondition(key="kind", match=models.MatchAny(any=list(filters.kinds)))
        )
    if filters.doc_ids:
        must.append(key_condition("doc_id", filters.doc_ids))
    if filters.source_path is not None:
        must.append(key_condition("source_path", [filters.source_path]))
    if filters.path_prefix:
        must.append(
            models.FieldCondition(
                key="path_prefixes", match=models.MatchValue(value=filters.path_prefix.strip("/"))
            )
        )
    if filters.facet:
        must.append(
            models.FieldCondition(key="facets", match=models.MatchValue(value=filters.facet))
        )
    if filters.bbox:
        west, south, east, north = filters.bbox
        # Boxes overlap when neither lies wholly beside the other.
        must.extend(
            [
                models.FieldCondition(key="west", range=models.Range(lte=east)),
                models.FieldCondition(key="east", range=models.Range(gte=west)),
                models.FieldCondition(key="south", range=models.Range(lte=north)),
                models.FieldCondition(key="north", range=models.Range(gte=south)),
            ]
        )
    if filters.updated_after:
        must.append(
            models.FieldCondition(
                key="updated", range=models.DatetimeRange(gte=filters.updated_after)
            )
        )
    if filters.groups is not None:  # an empty tuple matches nothing: fail closed
        must.append(
            models.FieldCondition(
                key="access_groups", match=models.MatchAny(any=list(filters.groups))
            )
        )
    if filters.source is not None:
        must.append(
            models.FieldCondition(key="source", match=models.MatchValue(value=filters.source))
        )
    must.extend(
        models.FieldCondition(key="party_keys", match=models.MatchValue(value=party))
        for party in filters.parties
    )
    if filters.dataset:
        must.append(
            models.FieldCondition(
                key="dataset_keys", match=models.MatchValue(value=filters.dataset)
            )
        )
    if filters.ends_after or filters.ends_before:
        must.append(
            models.FieldCondition(
                key="ends_on",
                range=models.DatetimeRange(gte=filters.ends_after, lte=filters.ends_before),
            )
        )
    return models.Filter(must=must) if must else None


def _connect(config: StoreConfig) -> QdrantClient:
    try:
        if config.url:
            return QdrantClient(url=config.url, api_key=config.api_key, timeout=config.timeout_s)
        if config.path is None:
            return QdrantClient(location=":memory:")
        config.path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(config.path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise IndexUnavailableError(
                f"L'index local {config.path} est déjà ouvert par un autre processus Boussole "
                "(serveur ou indexation en cours). Pour mettre l'index à jour pendant que le "
                "service tourne, déclarez la source (réglage « sources ») et lancez « boussole "
                "reindex » ; sinon arrêtez l'autre processus, ou partagez l'index sur un "
                "serveur Qdrant (QDRANT_URL)."
            ) from exc
        raise
